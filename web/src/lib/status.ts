// What a video's processing state means for the UI: the badge on its card, the overlay on the player,
// and whether it is still worth asking the server about it.

import type { Video } from './api';

export type BadgeKind = 'queued' | 'processing' | 'ready' | 'failed';

export interface Badge {
  kind: BadgeKind;
  text: string;
}

/**
 * Whole percent, rounded down and capped at 99 while work remains, so a video never reads "100 %"
 * and then keeps processing.
 */
export function processingPercent(progress: number): number {
  if (!Number.isFinite(progress) || progress <= 0) return 0;
  return Math.min(99, Math.floor(progress * 100));
}

export function badgeFor(video: Pick<Video, 'status' | 'progress'>): Badge {
  switch (video.status) {
    case 'ready':
      return { kind: 'ready', text: 'Ready' };
    case 'failed':
      return { kind: 'failed', text: 'Failed' };
    case 'processing':
      return { kind: 'processing', text: `Processing ${processingPercent(video.progress)} %` };
    default:
      return { kind: 'queued', text: 'Queued' };
  }
}

/** The reason a failed video shows: the server's message, else a sentence that still says something. */
export function failureMessage(video: Pick<Video, 'error'>): string {
  return video.error?.message?.trim() || 'This video could not be processed.';
}

/** Ready and failed are final; anything else changes on the server and is worth polling. */
export function shouldPoll(video: Pick<Video, 'status'>): boolean {
  return video.status !== 'ready' && video.status !== 'failed';
}

/** Poll fast while the viewer waits for the first frame, slower once it plays and only the ladder fills in. */
// Waiting for the first frame: every fraction of a second counts, and the answer is a small GET.
export const POLL_WAITING_MS = 400;
export const POLL_BACKGROUND_MS = 2000;

export function watchPollDelay(video: Pick<Video, 'status' | 'playable'>): number | null {
  if (!shouldPoll(video)) return null;
  return video.playable ? POLL_BACKGROUND_MS : POLL_WAITING_MS;
}

/** The text over the player while it cannot play yet. */
export function waitingText(video: Pick<Video, 'status' | 'progress'>): string {
  return video.status === 'queued' ? 'Queued' : `Processing ${processingPercent(video.progress)} %`;
}

/** Width over height from the video object, 16:9 until the server knows it. */
export function aspectRatio(video: Pick<Video, 'width' | 'height'>): number {
  return video.width > 0 && video.height > 0 ? video.width / video.height : 16 / 9;
}
