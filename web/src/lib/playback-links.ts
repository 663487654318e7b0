// The addresses a player loads carry a token that expires (`linksExpireAt`, 6 h by default) and that the owner
// can revoke. The player keeps the links it started with, takes new ones only when the video gains a file (a
// storyboard at ready), and asks POST /api/videos/{id}/playback for a fresh set shortly before they expire or
// when the stream answers 404.

import type { Video } from './api';

export interface PlaybackLinks {
  streamUrl: string | null;
  downloadUrl: string | null;
  thumbnailUrl: string | null;
  storyboardUrl: string | null;
  /** ISO time the tokens stop working; null when the server does not say. */
  expiresAt: string | null;
}

export function linksOf(video: Pick<Video, 'streamUrl' | 'downloadUrl' | 'thumbnailUrl' | 'storyboardUrl' | 'linksExpireAt'>): PlaybackLinks {
  return {
    streamUrl: video.streamUrl,
    downloadUrl: video.downloadUrl,
    thumbnailUrl: video.thumbnailUrl,
    storyboardUrl: video.storyboardUrl,
    expiresAt: video.linksExpireAt ?? null,
  };
}

/**
 * Folds the links of a freshly polled video object into the ones in use. Every answer may carry new tokens; taking
 * them would reload the storyboard and the poster for nothing, so a link in use is kept and only missing ones are
 * filled in. The expiry stays the earliest of the links kept. Returns `current` itself when nothing changes.
 */
export function mergeLinks(current: PlaybackLinks | null, fresh: PlaybackLinks): PlaybackLinks {
  if (current === null) return fresh;
  // Not playable until now: nothing loaded yet depends on the old tokens.
  if (current.streamUrl === null && fresh.streamUrl !== null) return fresh;
  const merged: PlaybackLinks = {
    streamUrl: current.streamUrl ?? fresh.streamUrl,
    downloadUrl: current.downloadUrl ?? fresh.downloadUrl,
    thumbnailUrl: current.thumbnailUrl ?? fresh.thumbnailUrl,
    storyboardUrl: current.storyboardUrl ?? fresh.storyboardUrl,
    expiresAt: earliest(current.expiresAt, fresh.expiresAt),
  };
  const same =
    merged.streamUrl === current.streamUrl &&
    merged.downloadUrl === current.downloadUrl &&
    merged.thumbnailUrl === current.thumbnailUrl &&
    merged.storyboardUrl === current.storyboardUrl &&
    merged.expiresAt === current.expiresAt;
  return same ? current : merged;
}

function earliest(a: string | null, b: string | null): string | null {
  if (a === null) return b;
  if (b === null) return a;
  const ta = Date.parse(a);
  const tb = Date.parse(b);
  if (Number.isNaN(tb)) return a;
  if (Number.isNaN(ta)) return b;
  return tb < ta ? b : a;
}

/** Fresh links are fetched this long before the old ones expire... */
export const REFRESH_LEAD_MS = 5 * 60_000;
/** ...or, for links that live only minutes, when a fifth of their remaining life is left. */
const LEAD_FRACTION = 0.2;
/**
 * Links that seem to expire sooner than this are not trusted to the timer: either this computer's clock is off, or
 * they are already spent. The 404 path fetches fresh ones when they are needed, without a refresh loop.
 */
export const MIN_TRUSTED_LIFETIME_MS = 30_000;

/** Milliseconds until the links should be refreshed, or null when no timer should run. */
export function linkRefreshDelay(expiresAt: string | null, now: number): number | null {
  if (expiresAt === null) return null;
  const end = Date.parse(expiresAt);
  if (Number.isNaN(end)) return null;
  const remaining = end - now;
  if (remaining < MIN_TRUSTED_LIFETIME_MS) return null;
  // setTimeout fires at once for delays past 2^31 - 1 ms (24.8 days).
  return Math.min(remaining - Math.min(REFRESH_LEAD_MS, remaining * LEAD_FRACTION), MAX_TIMER_MS);
}

const MAX_TIMER_MS = 2 ** 31 - 1;
