import { describe, expect, it } from 'vitest';
import type { Caption } from './api';
import {
  CAPTIONS_KEY,
  captionItems,
  captionLabel,
  initialCaption,
  mergeCaptionTracks,
  OFF,
  rememberCaptions,
  rememberedCaptions,
  retryCaptionTrack,
  toggledCaption,
  type CaptionTrack,
} from './captions';
import { MemoryStorage } from '../testing/builders';

const caption = (id: string, language: string, overrides: Partial<Caption> = {}): Caption => ({
  id,
  language,
  label: language,
  default: false,
  origin: 'upload',
  url: `/s/token-1/captions/${id}-g1.vtt`,
  ...overrides,
});

const track = (id: string, language: string, overrides: Partial<CaptionTrack> = {}): CaptionTrack => ({
  id,
  language,
  label: language,
  default: false,
  src: `/s/token-1/captions/${id}-g1.vtt`,
  ...overrides,
});

describe('mergeCaptionTracks', () => {
  it('takes the captions that have a file, in order', () => {
    const merged = mergeCaptionTracks([], [caption('a', 'en'), caption('b', 'de', { url: null }), caption('c', 'fr')]);
    expect(merged.map((t) => t.id)).toEqual(['a', 'c']);
    expect(merged[0]).toEqual(track('a', 'en'));
  });

  it('keeps the address in use when a poll brings the same file with a new token', () => {
    const current = mergeCaptionTracks([], [caption('a', 'en'), caption('b', 'de')]);
    const fresh = [caption('a', 'en', { url: '/s/token-2/captions/a-g1.vtt' }), caption('b', 'de', { url: '/s/token-2/captions/b-g1.vtt' })];
    expect(mergeCaptionTracks(current, fresh)).toBe(current);
  });

  it('loads a replaced file, whose name is new', () => {
    const current = mergeCaptionTracks([], [caption('a', 'en')]);
    const merged = mergeCaptionTracks(current, [caption('a', 'en', { url: '/s/token-2/captions/a-g2.vtt' })]);
    expect(merged[0]!.src).toBe('/s/token-2/captions/a-g2.vtt');
  });

  it('follows new labels, defaults, additions and removals while keeping addresses', () => {
    const current = mergeCaptionTracks([], [caption('a', 'en'), caption('b', 'de')]);
    const merged = mergeCaptionTracks(current, [
      caption('a', 'en', { label: 'English (SDH)', default: true, url: '/s/token-2/captions/a-g1.vtt' }),
      caption('c', 'fr', { url: '/s/token-2/captions/c-g1.vtt' }),
    ]);
    expect(merged).toEqual([
      track('a', 'en', { label: 'English (SDH)', default: true }),
      track('c', 'fr', { src: '/s/token-2/captions/c-g1.vtt' }),
    ]);
  });
});

describe('retryCaptionTrack', () => {
  it('gives a track that failed to load the latest address', () => {
    const current = [track('a', 'en'), track('b', 'de')];
    const next = retryCaptionTrack(current, [caption('a', 'en', { url: '/s/token-9/captions/a-g1.vtt' })], 'a');
    expect(next[0]!.src).toBe('/s/token-9/captions/a-g1.vtt');
    expect(next[1]).toBe(current[1]);
  });

  it('changes nothing when there is no other address to try', () => {
    const current = [track('a', 'en')];
    expect(retryCaptionTrack(current, [caption('a', 'en')], 'a')).toBe(current);
    expect(retryCaptionTrack(current, [caption('a', 'en', { url: null })], 'a')).toBe(current);
    expect(retryCaptionTrack(current, [], 'a')).toBe(current);
  });
});

describe('initialCaption', () => {
  const tracks = [track('en', 'en'), track('de', 'de', { default: true }), track('br', 'pt-BR')];

  it('shows the language this browser chose last', () => {
    expect(initialCaption(tracks, 'en')).toBe('en');
    expect(initialCaption(tracks, 'EN')).toBe('en');
    expect(initialCaption(tracks, 'pt-BR')).toBe('br');
  });

  it('matches a remembered language by its main language when the exact one is missing', () => {
    expect(initialCaption(tracks, 'pt')).toBe('br');
    expect(initialCaption(tracks, 'en-GB')).toBe('en');
  });

  it('prefers the default among captions of the remembered language', () => {
    expect(initialCaption([track('a', 'en'), track('b', 'en', { default: true })], 'en')).toBe('b');
  });

  it('falls back to the default caption when the remembered language is missing or nothing is remembered', () => {
    expect(initialCaption(tracks, 'ja')).toBe('de');
    expect(initialCaption(tracks, null)).toBe('de');
  });

  it('shows nothing when the viewer turned captions off, or without a default', () => {
    expect(initialCaption(tracks, OFF)).toBeNull();
    expect(initialCaption([track('en', 'en')], null)).toBeNull();
    expect(initialCaption([track('en', 'en')], 'ja')).toBeNull();
    expect(initialCaption([], 'en')).toBeNull();
  });
});

describe('toggledCaption', () => {
  const tracks = [track('en', 'en'), track('de', 'de', { default: true })];

  it('turns shown captions off', () => {
    expect(toggledCaption(tracks, 'en', 'en', 'en')).toBeNull();
  });

  it('turns the last shown captions back on', () => {
    expect(toggledCaption(tracks, null, 'en', OFF)).toBe('en');
  });

  it('without a last one, turns on the remembered language, the default, or the first', () => {
    expect(toggledCaption(tracks, null, null, 'en')).toBe('en');
    expect(toggledCaption(tracks, null, null, OFF)).toBe('de');
    expect(toggledCaption(tracks, null, 'gone', null)).toBe('de');
    expect(toggledCaption([track('en', 'en'), track('fr', 'fr')], null, null, OFF)).toBe('en');
    expect(toggledCaption([], null, null, null)).toBeNull();
  });
});

describe('captionItems', () => {
  it('offers Off and each caption by its label, marking the one shown', () => {
    const tracks = [track('a', 'en', { label: 'English' }), track('b', 'de', { label: 'Deutsch' })];
    expect(captionItems(tracks, 'b', 'en')).toEqual([
      { id: OFF, label: 'Off', checked: false },
      { id: 'a', label: 'English', checked: false },
      { id: 'b', label: 'Deutsch', checked: true },
    ]);
    expect(captionItems(tracks, null, 'en')[0]).toEqual({ id: OFF, label: 'Off', checked: true });
  });

  it('tells two captions of the same label apart', () => {
    const items = captionItems(
      [track('a', 'en', { label: 'Subtitles' }), track('b', 'de', { label: 'Subtitles' }), track('c', 'de', { label: 'Subtitles' })],
      null,
      'en',
    );
    expect(items.map((i) => i.label)).toEqual(['Off', 'Subtitles (English)', 'Subtitles (German)', 'Subtitles (German)']);
    const same = captionItems([track('a', 'en', { label: 'English' }), track('b', 'en', { label: 'English' })], null, 'en');
    expect(same.map((i) => i.label)).toEqual(['Off', 'English (1)', 'English (2)']);
  });
});

describe('captionLabel', () => {
  it('names the caption shown, or Off', () => {
    const tracks = [track('a', 'en', { label: 'English' })];
    expect(captionLabel(tracks, 'a')).toBe('English');
    expect(captionLabel(tracks, null)).toBe('Off');
    expect(captionLabel(tracks, 'gone')).toBe('Off');
  });
});

describe('remembering', () => {
  it('keeps the language chosen, or off, for the next video', () => {
    const storage = new MemoryStorage();
    expect(rememberedCaptions(storage)).toBeNull();
    rememberCaptions(track('a', 'de'), storage);
    expect(rememberedCaptions(storage)).toBe('de');
    rememberCaptions(null, storage);
    expect(rememberedCaptions(storage)).toBe(OFF);
  });

  it('forgets what it cannot read, and works without storage', () => {
    const storage = new MemoryStorage();
    storage.setItem(CAPTIONS_KEY, '{not json');
    expect(rememberedCaptions(storage)).toBeNull();
    storage.setItem(CAPTIONS_KEY, '42');
    expect(rememberedCaptions(storage)).toBeNull();
    expect(rememberedCaptions(null)).toBeNull();
    expect(() => rememberCaptions(null, null)).not.toThrow();
  });
});
