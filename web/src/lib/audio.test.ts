import { describe, expect, it } from 'vitest';
import type { AudioTrack } from './api';
import { audioItems, audioTrackLabel, languageName } from './audio';

const source = (language: string | null, title: string | null, index = 0): AudioTrack => ({
  index,
  language,
  title,
  codec: 'aac',
  channels: 2,
  default: index === 0,
});

describe('languageName', () => {
  it('names two- and three-letter codes in the reader’s language', () => {
    expect(languageName('en', 'en')).toBe('English');
    expect(languageName('fre', 'en')).toBe('French');
    expect(languageName('deu', 'en')).toBe('German');
    expect(languageName('de', 'de')).toBe('Deutsch');
  });

  it('gives nothing for codes that name no language, and for nonsense', () => {
    for (const code of [null, undefined, '', 'und', 'zxx', 'qaa', 'xx', 'not a code!']) {
      expect(languageName(code, 'en')).toBeNull();
    }
  });
});

describe('audioTrackLabel', () => {
  it('prefers the title, then the language, then the place', () => {
    expect(audioTrackLabel({ title: "Director's commentary", language: 'en' }, 1, 'en')).toBe("Director's commentary");
    expect(audioTrackLabel({ title: null, language: 'en' }, 0, 'en')).toBe('English');
    expect(audioTrackLabel({ title: '  ', language: 'und' }, 2, 'en')).toBe('Track 3');
  });
});

describe('audioItems', () => {
  it("names the player's tracks from the API's, marking the one playing", () => {
    const items = audioItems(
      [
        { name: 'English', language: 'en' },
        { name: 'Track 2', language: 'en' },
        { name: 'Track 3', language: null },
      ],
      [source('eng', null, 0), source('eng', "Director's commentary", 1), source(null, null, 2)],
      1,
      'en',
    );
    expect(items).toEqual([
      { index: 0, label: 'English', checked: false },
      { index: 1, label: "Director's commentary", checked: true },
      { index: 2, label: 'Track 3', checked: false },
    ]);
  });

  it("uses the master's names when the API's list does not match (older server)", () => {
    const items = audioItems(
      [
        { name: 'Stereo', language: 'fr' },
        { name: '', language: 'de' },
      ],
      undefined,
      0,
      'en',
    );
    expect(items.map((i) => i.label)).toEqual(['Stereo', 'German']);
  });

  it('tells tracks with the same name apart by their place', () => {
    const items = audioItems(
      [
        { name: null, language: 'en' },
        { name: null, language: 'en' },
      ],
      [source('en', null, 0), source('en', null, 1)],
      0,
      'en',
    );
    expect(items.map((i) => i.label)).toEqual(['English (track 1)', 'English (track 2)']);
  });
});
