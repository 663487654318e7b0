// What a video's processing state means for the UI: the badge on its card, the overlay on the player,
// and whether it is still worth asking the server about it.

import type { Video } from './api';

export type BadgeKind = 'uploading' | 'queued' | 'processing' | 'ready' | 'failed';

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

/**
 * Whole percent of an unfinished upload the server holds, rounded down: "100 %" only once every byte is there
 * (the server then judges the file and the video leaves `uploading`).
 */
export function receivedPercent(video: Pick<Video, 'uploadedBytes' | 'sizeBytes'>): number {
  const received = video.uploadedBytes ?? 0;
  if (!Number.isFinite(received) || received <= 0 || !(video.sizeBytes > 0)) return 0;
  return Math.min(100, Math.floor((received / video.sizeBytes) * 100));
}

type StatusView = Pick<Video, 'status' | 'progress' | 'uploadedBytes' | 'sizeBytes'>;

// An `uploading` video is left out of the public listing: its owner (and admins) see it in their lists, and whoever
// has its link on the watch page, so what it says must be true for anyone.

export function badgeFor(video: StatusView): Badge {
  switch (video.status) {
    case 'uploading':
      return { kind: 'uploading', text: `Uploading — ${receivedPercent(video)} % received` };
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

/**
 * Ready and failed are final; anything else changes on the server and is worth polling, an unfinished upload too
 * (its owner sees the bytes arrive, and it turns queued on its own when the last one does).
 */
export function shouldPoll(video: Pick<Video, 'status'>): boolean {
  return video.status !== 'ready' && video.status !== 'failed';
}

/** Poll fast while the viewer waits for the first frame, slower once it plays and only the ladder fills in. */
// Waiting for the first frame: every fraction of a second counts, and the answer is a small GET.
export const POLL_WAITING_MS = 400;
export const POLL_BACKGROUND_MS = 2000;

/** Whether a new file for the video is on its way (uploading or processing, not failed): its manager watches it come. */
export function replacementPending(video: Pick<Video, 'replacement'>): boolean {
  return !!video.replacement && video.replacement.status !== 'failed';
}

export function watchPollDelay(video: Pick<Video, 'status' | 'playable' | 'replacement'>): number | null {
  if (replacementPending(video)) return POLL_BACKGROUND_MS;
  if (!shouldPoll(video)) return null;
  // An unfinished upload is minutes (or a resume days) from a first frame: its progress is enough every two seconds.
  if (video.status === 'uploading') return POLL_BACKGROUND_MS;
  return video.playable ? POLL_BACKGROUND_MS : POLL_WAITING_MS;
}

/** The text over the player while it cannot play yet. */
export function waitingText(video: StatusView): string {
  switch (video.status) {
    case 'uploading':
      return `Uploading — ${receivedPercent(video)} % received`;
    case 'queued':
      return 'Queued';
    default:
      return `Processing ${processingPercent(video.progress)} %`;
  }
}

/** The sentence under it: what has to happen before the video plays. */
export function waitingDetail(video: Pick<Video, 'status'>): string {
  switch (video.status) {
    case 'uploading':
      return 'The upload has not finished. Reel starts on the video once its last byte has arrived.';
    case 'queued':
      return 'Reel will start on it in a moment.';
    default:
      return 'Playback starts by itself as soon as the first seconds are ready.';
  }
}

/** What a screen reader hears about the player while it cannot play yet. */
export function waitingAnnouncement(video: Pick<Video, 'status'>): string {
  switch (video.status) {
    case 'uploading':
      return 'Upload not finished';
    case 'queued':
      return 'Queued for processing';
    default:
      return 'Processing';
  }
}

/** How far the bar under the waiting text reaches: bytes received while uploading, the work done while processing. */
export function waitingPercent(video: StatusView): number | null {
  if (video.status === 'uploading') return receivedPercent(video);
  if (video.status === 'processing') return processingPercent(video.progress);
  return null;
}

/** Width over height from the video object, 16:9 until the server knows it. */
export function aspectRatio(video: Pick<Video, 'width' | 'height'>): number {
  return video.width > 0 && video.height > 0 ? video.width / video.height : 16 / 9;
}
