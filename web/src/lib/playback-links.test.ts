import { describe, expect, it } from 'vitest';
import { aVideo } from '../testing/builders';
import { linkRefreshDelay, linksOf, mergeLinks, REFRESH_LEAD_MS, type PlaybackLinks } from './playback-links';

const links = (token: string, overrides: Partial<PlaybackLinks> = {}): PlaybackLinks => ({
  streamUrl: `/s/${token}/master.m3u8`,
  downloadUrl: `/s/${token}/download.mp4`,
  thumbnailUrl: `/s/${token}/thumbnail.jpg`,
  storyboardUrl: `/s/${token}/storyboard.vtt`,
  expiresAt: '2026-11-21T16:00:00Z',
  ...overrides,
});

describe('linksOf', () => {
  it('takes the URLs and their expiry from the video object', () => {
    const video = aVideo({ streamUrl: '/s/t1/master.m3u8', thumbnailUrl: '/s/t1/thumbnail.jpg', linksExpireAt: '2026-11-21T16:00:00Z' });
    expect(linksOf(video)).toEqual({
      streamUrl: '/s/t1/master.m3u8',
      downloadUrl: null,
      thumbnailUrl: '/s/t1/thumbnail.jpg',
      storyboardUrl: null,
      expiresAt: '2026-11-21T16:00:00Z',
    });
  });
});

describe('mergeLinks', () => {
  it('keeps the links in use when a poll brings new tokens, so nothing reloads', () => {
    const current = links('t1');
    expect(mergeLinks(current, links('t2', { expiresAt: '2026-11-21T16:00:02Z' }))).toBe(current);
  });

  it('fills in a link that appeared (the storyboard at ready), keeping the earliest expiry', () => {
    const current = links('t1', { storyboardUrl: null });
    const merged = mergeLinks(current, links('t2', { expiresAt: '2026-11-21T16:00:05Z' }));
    expect(merged).toEqual({ ...current, storyboardUrl: '/s/t2/storyboard.vtt' });
  });

  it('takes everything fresh once the video becomes playable', () => {
    const current = links('t1', { streamUrl: null, storyboardUrl: null });
    const fresh = links('t2');
    expect(mergeLinks(current, fresh)).toBe(fresh);
    expect(mergeLinks(null, fresh)).toBe(fresh);
  });
});

describe('linkRefreshDelay', () => {
  const now = Date.parse('2026-11-21T10:00:00Z');

  it('refreshes 5 minutes before links that live hours expire', () => {
    expect(linkRefreshDelay('2026-11-21T16:00:00Z', now)).toBe(6 * 3600_000 - REFRESH_LEAD_MS);
  });

  it('refreshes short-lived links when a fifth of their life is left', () => {
    expect(linkRefreshDelay('2026-11-21T10:02:00Z', now)).toBe(96_000);
  });

  it('runs no timer for links that seem spent already (a wrong clock would loop): the 404 path covers them', () => {
    expect(linkRefreshDelay('2026-11-21T09:00:00Z', now)).toBeNull();
    expect(linkRefreshDelay('2026-11-21T10:00:20Z', now)).toBeNull();
    expect(linkRefreshDelay(null, now)).toBeNull();
    expect(linkRefreshDelay('soon', now)).toBeNull();
  });

  it('stays within what setTimeout can wait', () => {
    expect(linkRefreshDelay('2030-01-01T00:00:00Z', now)).toBe(2 ** 31 - 1);
  });
});
