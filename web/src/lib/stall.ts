// What the player says while it waits for data, instead of a bare spinner: that the encoder has not reached this
// part yet (and how far behind it is), or, after a moment, that loading is slow.

import type { Rendition } from './api';
import { SOURCE_VARIANT } from './quality';

/** A short wait is not worth words: the spinner alone says it. */
export const STALL_WORDS_AFTER_MS = 2000;
/** Waiting this long for data that exists means the connection cannot keep up. */
export const SLOW_AFTER_MS = 8000;

/**
 * How far the picture the player can use is encoded, in seconds, or null when it is all there (the remux plays, or
 * a rung is done) or the server does not say. The furthest rung counts: the player falls back to it when the one it
 * plays is behind (see quality.ts).
 */
export function encodedExtent(renditions: readonly Rendition[], playing: string | null): number | null {
  if (playing === SOURCE_VARIANT || renditions.length === 0 || renditions.some((r) => r.ready)) return null;
  const ends = renditions.map((r) => r.encodedSeconds).filter((s): s is number => typeof s === 'number' && Number.isFinite(s));
  return ends.length > 0 ? Math.max(...ends) : null;
}

export interface StallView {
  /** The video is still being encoded. */
  processing: boolean;
  /** The playhead, in seconds. */
  position: number;
  /** See `encodedExtent`. */
  encodedEnd: number | null;
  /** How long the player has been waiting for data. */
  waitingMs: number;
}

/** The words beside the spinner, or null for the spinner alone. */
export function stallMessage(view: StallView): string | null {
  if (view.processing && view.encodedEnd !== null && view.position > view.encodedEnd) {
    return `Still preparing this part — ${Math.max(1, Math.ceil(view.position - view.encodedEnd))} s ahead`;
  }
  if (view.waitingMs >= SLOW_AFTER_MS) return 'Slow connection — still loading';
  if (view.waitingMs >= STALL_WORDS_AFTER_MS) return 'Loading…';
  return null;
}
