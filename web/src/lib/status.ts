// What a video's processing state means for the UI: the badge on its card, the overlay on the player,
// and whether it is still worth asking the server about it.

import type { Video } from './api';
import { uploadPercent, type UploadItem } from './upload-queue';

export type BadgeKind = 'uploading' | 'interrupted' | 'queued' | 'processing' | 'ready' | 'failed';

export interface Badge {
  kind: BadgeKind;
  text: string;
  /** A sentence beside the badge when the person has something to do, e.g. resume an interrupted upload. */
  note?: string;
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

type StatusView = Pick<Video, 'status' | 'progress' | 'uploadedBytes' | 'sizeBytes' | 'canManage'>;

/**
 * How far this browser has sent the video's file, when its upload queue is sending it (or retrying it by itself) right
 * now; null when it is not (the upload was interrupted: a reload, a closed tab, or another browser started it).
 */
export function sentHere(
  video: Pick<Video, 'id' | 'status'>,
  items: readonly Pick<UploadItem, 'state' | 'videoId' | 'loaded' | 'total'>[],
): number | null {
  if (video.status !== 'uploading') return null;
  const sending = items.find((item) => (item.state === 'uploading' || item.state === 'retrying') && item.videoId === video.id);
  return sending ? uploadPercent(sending) : null;
}

// An `uploading` video is left out of the public listing: its owner (and admins) see it in their lists, and whoever
// has its link on the watch page, so what it says must be true for anyone. `sending` is sentHere's answer; left out
// (not known), an unfinished upload reads the same for its manager as for anyone.

/** What an unfinished upload is: sent from here, interrupted (for whoever can resume it), or just not finished. */
function uploadBadge(video: StatusView, sending: number | null | undefined): Badge {
  if (typeof sending === 'number') return { kind: 'uploading', text: `Uploading ${sending} %` };
  if (sending === null && video.canManage) {
    const received = receivedPercent(video);
    return {
      kind: 'interrupted',
      text: `Interrupted at ${received} %`,
      note: `Upload interrupted at ${received} % — choose the file again to resume.`,
    };
  }
  return { kind: 'uploading', text: 'Upload not finished' };
}

export function badgeFor(video: StatusView, sending?: number | null): Badge {
  switch (video.status) {
    case 'uploading':
      return uploadBadge(video, sending);
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
/** An upload nobody is sending changes only when someone resumes it: asked about now and then, not every 2 s for a day. */
export const POLL_IDLE_MS = 15_000;

/** An unfinished upload this browser is not sending: it moves only if someone resumes it, maybe elsewhere. */
export function uploadIdle(video: Pick<Video, 'status'>, sending: number | null): boolean {
  return video.status === 'uploading' && sending === null;
}

/** Whether a new file for the video is on its way (uploading or processing, not failed): its manager watches it come. */
export function replacementPending(video: Pick<Video, 'replacement'>): boolean {
  return !!video.replacement && video.replacement.status !== 'failed';
}

/**
 * `sending` (sentHere) and `before` (the previous answer, null on the first look) tell an upload on its way from one
 * left standing: an upload not sent from here whose bytes did not grow since the last look is asked about slowly.
 */
export function watchPollDelay(
  video: Pick<Video, 'status' | 'playable' | 'replacement' | 'uploadedBytes'>,
  sending: number | null = null,
  before: Pick<Video, 'uploadedBytes'> | null = null,
): number | null {
  if (replacementPending(video)) return POLL_BACKGROUND_MS;
  if (!shouldPoll(video)) return null;
  if (video.status === 'uploading') {
    // Another browser may be sending it: the first look and growing bytes keep the two-second pace.
    const standing = before !== null && (video.uploadedBytes ?? 0) <= (before.uploadedBytes ?? 0);
    return uploadIdle(video, sending) && standing ? POLL_IDLE_MS : POLL_BACKGROUND_MS;
  }
  return video.playable ? POLL_BACKGROUND_MS : POLL_WAITING_MS;
}

/** Whether the video is an upload that stopped and that the viewer, its manager, can resume; `sending` as for badgeFor. */
export function uploadInterrupted(video: StatusView, sending?: number | null): boolean {
  return video.status === 'uploading' && uploadBadge(video, sending).kind === 'interrupted';
}

/** The text over the player while it cannot play yet; `sending` as for badgeFor. */
export function waitingText(video: StatusView, sending?: number | null): string {
  switch (video.status) {
    case 'uploading':
      return uploadInterrupted(video, sending) ? `Upload interrupted at ${receivedPercent(video)} %` : uploadBadge(video, sending).text;
    case 'queued':
      return 'Queued';
    default:
      return `Processing ${processingPercent(video.progress)} %`;
  }
}

/** The sentence under it: what has to happen before the video plays. */
export function waitingDetail(video: StatusView, sending?: number | null): string {
  switch (video.status) {
    case 'uploading':
      if (uploadInterrupted(video, sending)) {
        return 'Choose the file again in the library to resume: the upload goes on from where it stopped.';
      }
      return 'The upload has not finished. Reel starts on the video once its last byte has arrived.';
    case 'queued':
      return 'Reel will start on it in a moment.';
    default:
      return 'Playback starts by itself as soon as the first seconds are ready.';
  }
}

/** What a screen reader hears about the player while it cannot play yet. */
export function waitingAnnouncement(video: StatusView, sending?: number | null): string {
  switch (video.status) {
    case 'uploading':
      return uploadInterrupted(video, sending) ? 'Upload interrupted' : 'Upload not finished';
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
