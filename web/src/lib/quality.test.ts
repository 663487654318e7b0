import { describe, expect, it } from 'vitest';
import type { Rendition } from './api';
import {
  AUTO,
  LEAD_SECONDS,
  autoLevelCap,
  levelIndexFor,
  pickRefusal,
  playingName,
  qualityItems,
  qualityLabel,
  rungNameFromUrl,
  rungState,
  unlistedEligibleRungs,
  type LoadedLevel,
} from './quality';

// Without encodedSeconds: an older server's answer, which the contract no longer describes.
const rung = (name: string, height: number, ready: boolean, encodedSeconds?: number): Rendition =>
  ({
    name,
    width: Math.round((height * 16) / 9),
    height,
    bitrateKbps: height * 4,
    ready,
    ...(encodedSeconds === undefined ? {} : { encodedSeconds }),
  }) as Rendition;
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

describe('rungs still encoding', () => {
  // A 10-minute video, watched at 1:00: 360p is done, 720p reaches 1:30, 1080p only 1:10.
  const ladder = [rung('360p', 360, true, 600), rung('720p', 720, false, 90), rung('1080p', 1080, false, 70)];
  // hls.js lists levels from the lowest bitrate up.
  const loaded = [level('360p', 360), level('720p', 720), level('1080p', 1080)];

  it(`may be played once encoded ${LEAD_SECONDS} s past the playhead`, () => {
    expect(rungState(ladder, '360p', 60)).toBe('eligible');
    expect(rungState(ladder, '720p', 60)).toBe('eligible');
    expect(rungState(ladder, '720p', 70)).toBe('eligible');
    expect(rungState(ladder, '720p', 70.5)).toBe('behind');
    expect(rungState(ladder, '1080p', 60)).toBe('behind');
  });

  it('count the remux as always playable, and rungs an older server says nothing about as unknown', () => {
    expect(rungState(ladder, 'source', 500)).toBe('eligible');
    expect(rungState([rung('720p', 720, false)], '720p', 0)).toBe('unknown');
    expect(rungState(ladder, '4k', 0)).toBe('unknown');
  });

  it('cap Auto below the first level that is behind', () => {
    expect(autoLevelCap(loaded, ladder, 60)).toBe(1);
    expect(autoLevelCap(loaded, ladder, 75)).toBe(0);
    expect(autoLevelCap(loaded, ladder, 40)).toBe(-1);
    expect(autoLevelCap(loaded, [rung('360p', 360, true), rung('720p', 720, true), rung('1080p', 1080, true)], 0)).toBe(-1);
  });

  it('leave Auto uncapped by rungs an older server says nothing about', () => {
    expect(autoLevelCap(loaded, [rung('360p', 360, true), rung('720p', 720, false)], 60)).toBe(-1);
  });

  it('never let a playable remux at the top lift the cap over a rung that is behind', () => {
    expect(autoLevelCap([level('360p', 360), level('1080p', 1080), level('source', 1080)], ladder, 60)).toBe(0);
  });

  it('keep the cap on the highest playable level when even the lowest is behind', () => {
    const odd = [rung('360p', 360, false, 10), rung('720p', 720, true)];
    expect(autoLevelCap([level('360p', 360), level('720p', 720)], odd, 60)).toBe(1);
  });

  it('are disabled in the menu with how far they are encoded', () => {
    const items = qualityItems(ladder, loaded, AUTO, 60);
    expect(items.map((i) => [i.label, i.disabled])).toEqual([
      ['Auto', false],
      ['1080p (encoding, 1:10 so far)', true],
      ['720p (encoding)', false],
      ['360p', false],
    ]);
  });

  it('are refused with a short message when picked anyway', () => {
    expect(pickRefusal(ladder, '1080p', 60)).toBe('1080p is encoded only up to 1:10 so far; try again in a while.');
    expect(pickRefusal(ladder, '720p', 60)).toBeNull();
    expect(pickRefusal(ladder, AUTO, 60)).toBeNull();
  });

  it('ask for a reload of the master when one becomes playable that it does not list, once per rung', () => {
    const remuxOnly = [level('source', 1080)];
    expect(unlistedEligibleRungs(ladder, remuxOnly, 60, new Set())).toEqual(['360p', '720p']);
    expect(unlistedEligibleRungs(ladder, remuxOnly, 60, new Set(['360p']))).toEqual(['720p']);
    expect(unlistedEligibleRungs(ladder, remuxOnly, 60, new Set(['360p', '720p']))).toEqual([]);
    expect(unlistedEligibleRungs(ladder, loaded, 60, new Set())).toEqual([]);
  });
});
