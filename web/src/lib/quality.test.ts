import { describe, expect, it } from 'vitest';
import type { Rendition } from './api';
import { AUTO, levelIndexFor, playingName, qualityItems, qualityLabel, rungNameFromUrl, type LoadedLevel } from './quality';

const rung = (name: string, height: number, ready: boolean): Rendition => ({
  name,
  width: Math.round((height * 16) / 9),
  height,
  bitrateKbps: height * 4,
  ready,
});
const level = (name: string, height: number): LoadedLevel => ({
  uri: `http://reel.test/media/abc/${name}/index.m3u8`,
  width: Math.round((height * 16) / 9),
  height,
});

const LADDER = [rung('360p', 360, true), rung('1080p', 1080, false), rung('720p', 720, true)];

describe('rungNameFromUrl', () => {
  it('names the rung by the folder of its media playlist', () => {
    expect(rungNameFromUrl('http://reel.test/media/abc/360p/index.m3u8')).toBe('360p');
    expect(rungNameFromUrl('/media/abc/source/index.m3u8?token=x')).toBe('source');
    expect(rungNameFromUrl('720p/index.m3u8')).toBe('720p');
    expect(rungNameFromUrl('index.m3u8')).toBeNull();
  });

  it('works the same for signed stream addresses (/s/{token}/…), tokens with URL-safe characters included', () => {
    const token = 'AQIDBAUGBwgJ-_AbCdEf0123456789';
    expect(rungNameFromUrl(`http://reel.test/s/${token}/720p/index.m3u8`)).toBe('720p');
    expect(rungNameFromUrl(`/s/${token}/source/index.m3u8`)).toBe('source');
    // hls.js resolves the variant against the master's address, which names only the token.
    const resolved = new URL('360p/index.m3u8', `http://reel.test/s/${token}/master.m3u8`).toString();
    expect(rungNameFromUrl(resolved)).toBe('360p');
    expect(levelIndexFor([{ uri: resolved, width: 640, height: 360 }], '360p')).toBe(0);
  });
});

describe('qualityItems', () => {
  it('lists Auto, then every rung best first, marking the ones still encoding', () => {
    const items = qualityItems(LADDER, [level('1080p', 1080), level('720p', 720), level('360p', 360)], AUTO);
    expect(items.map((i) => [i.label, i.checked, i.levelIndex, i.needsReload])).toEqual([
      ['Auto', true, -1, false],
      ['1080p (encoding)', false, 0, false],
      ['720p', false, 1, false],
      ['360p', false, 2, false],
    ]);
  });

  it('flags rungs the loaded master does not list as needing a reload', () => {
    // The master a player loads first may list only the fast-start remux.
    const items = qualityItems(LADDER, [level('source', 1080)], '720p');
    expect(items.map((i) => [i.choice, i.checked, i.levelIndex, i.needsReload])).toEqual([
      ['auto', false, -1, false],
      ['1080p', false, null, true],
      ['720p', true, null, true],
      ['360p', false, null, true],
    ]);
  });

  it('offers only Auto before the ladder is planned', () => {
    expect(qualityItems([], [level('source', 720)], AUTO).map((i) => i.label)).toEqual(['Auto']);
  });
});

describe('the playing quality', () => {
  const levels = [level('source', 720), level('360p', 360)];

  it('names the level being played', () => {
    expect(levelIndexFor(levels, '360p')).toBe(1);
    expect(levelIndexFor(levels, '720p')).toBeNull();
    expect(playingName(levels, 1)).toBe('360p');
    expect(playingName(levels, -1)).toBeNull();
  });

  it('shows the choice, and under Auto the rung it plays', () => {
    expect(qualityLabel(AUTO, '720p')).toBe('Auto (720p)');
    expect(qualityLabel(AUTO, 'source')).toBe('Auto (Original)');
    expect(qualityLabel(AUTO, null)).toBe('Auto');
    expect(qualityLabel('360p', '360p')).toBe('360p');
  });
});
