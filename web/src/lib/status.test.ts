import { describe, expect, it } from 'vitest';
import {
  POLL_WAITING_MS,
  aspectRatio,
  badgeFor,
  failureMessage,
  processingPercent,
  shouldPoll,
  receivedPercent,
  waitingAnnouncement,
  waitingDetail,
  waitingPercent,
  waitingText,
  watchPollDelay,
  POLL_BACKGROUND_MS,
  POLL_IDLE_MS,
  sentHere,
  uploadInterrupted,
  uploadIdle,
} from './status';
import type { UploadState } from './upload-queue';
import { aVideo } from '../testing/builders';

describe('badgeFor', () => {
  it('names each status', () => {
    expect(badgeFor(aVideo({ status: 'queued', progress: 0 }))).toEqual({ kind: 'queued', text: 'Queued' });
    expect(badgeFor(aVideo({ status: 'processing', progress: 0.42 }))).toEqual({
      kind: 'processing',
      text: 'Processing 42 %',
    });
    expect(badgeFor(aVideo({ status: 'ready', progress: 1 }))).toEqual({ kind: 'ready', text: 'Ready' });
    expect(badgeFor(aVideo({ status: 'failed' }))).toEqual({ kind: 'failed', text: 'Failed' });
  });

  it('never calls an unfinished upload queued, whoever looks', () => {
    for (const canManage of [true, false]) {
      for (const sending of [undefined, null, 10]) {
        const badge = badgeFor(aVideo({ status: 'uploading', canManage, sizeBytes: 100, uploadedBytes: 10 }), sending);
        expect(badge.kind).not.toBe('queued');
        expect(badge.text).not.toMatch(/queued/i);
      }
    }
  });
});

describe('an unfinished upload', () => {
  const halfUploaded = aVideo({ status: 'uploading', sizeBytes: 1000, uploadedBytes: 370, progress: 0, durationSeconds: 0 });
  const yours = { ...halfUploaded, canManage: true };

  it('reads "Uploading" with the percent sent while this browser sends it, never "Queued"', () => {
    expect(badgeFor(yours, 52)).toEqual({ kind: 'uploading', text: 'Uploading 52 %' });
    expect(waitingText(yours, 52)).toBe('Uploading 52 %');
    expect(waitingDetail(yours, 52)).toBe(
      'The upload has not finished. Reel starts on the video once its last byte has arrived.',
    );
  });

  it('tells its manager where it was interrupted and how to resume it when this browser is not sending it', () => {
    expect(badgeFor(yours, null)).toEqual({
      kind: 'interrupted',
      text: 'Interrupted at 37 %',
      note: 'Upload interrupted at 37 % — choose the file again to resume.',
    });
    expect(waitingText(yours, null)).toBe('Upload interrupted at 37 %');
    expect(waitingDetail(yours, null)).toBe(
      'Choose the file again in the library to resume: the upload goes on from where it stopped.',
    );
    expect(waitingAnnouncement(yours, null)).toBe('Upload interrupted');
    expect(uploadInterrupted(yours, null)).toBe(true);
    expect(uploadInterrupted(yours, 52)).toBe(false);
    expect(uploadInterrupted({ ...yours, status: 'queued' }, null)).toBe(false);
  });

  it('stays neutral for a viewer who cannot resume it, and when nobody said whether it is sent from here', () => {
    expect(badgeFor(halfUploaded, null)).toEqual({ kind: 'uploading', text: 'Upload not finished' });
    expect(badgeFor(yours)).toEqual({ kind: 'uploading', text: 'Upload not finished' });
    expect(waitingText(halfUploaded, null)).toBe('Upload not finished');
    expect(waitingText(yours)).toBe('Upload not finished');
    expect(waitingDetail(yours)).toBe(
      'The upload has not finished. Reel starts on the video once its last byte has arrived.',
    );
    expect(waitingAnnouncement(halfUploaded)).toBe('Upload not finished');
    expect(uploadInterrupted(halfUploaded, null)).toBe(false);
    expect(uploadInterrupted(yours)).toBe(false);
    expect(waitingPercent(halfUploaded)).toBe(37);
  });

  it('is the one sent from here when the queue sends the bytes of that video, or waits to retry them', () => {
    const item = (state: UploadState, videoId: string | null, loaded: number) => ({ state, videoId, loaded, total: 1000 });
    expect(sentHere(halfUploaded, [item('uploading', halfUploaded.id, 520)])).toBe(52);
    expect(sentHere(halfUploaded, [item('retrying', halfUploaded.id, 520)])).toBe(52);
    // Another file of the same size, or one whose video is not known yet, is not this one.
    expect(sentHere(halfUploaded, [item('uploading', 'another-video', 520), item('uploading', null, 520)])).toBeNull();
    // A file waiting its turn, or one that failed, is not being sent.
    expect(sentHere(halfUploaded, [item('queued', halfUploaded.id, 0), item('failed', halfUploaded.id, 400)])).toBeNull();
    expect(sentHere(halfUploaded, [])).toBeNull();
    expect(sentHere({ ...halfUploaded, status: 'queued' }, [item('uploading', halfUploaded.id, 520)])).toBeNull();
  });

  it('rounds the bytes received down and reads a missing count as none', () => {
    expect(receivedPercent({ sizeBytes: 1000, uploadedBytes: 999 })).toBe(99);
    expect(receivedPercent({ sizeBytes: 1000, uploadedBytes: 1000 })).toBe(100);
    expect(receivedPercent({ sizeBytes: 1000 })).toBe(0);
    expect(receivedPercent({ sizeBytes: 0, uploadedBytes: 10 })).toBe(0);
  });

  it('is polled every two seconds while its bytes come in, and slowly once they stopped coming', () => {
    const uploading = { status: 'uploading', playable: false, replacement: null, uploadedBytes: 370 } as const;
    expect(shouldPoll(halfUploaded)).toBe(true);
    // Sent from here.
    expect(watchPollDelay(uploading, 52, { uploadedBytes: 370 })).toBe(POLL_BACKGROUND_MS);
    // First look: not yet known whether another browser sends it.
    expect(watchPollDelay(uploading, null, null)).toBe(POLL_BACKGROUND_MS);
    // Sent from elsewhere: the server holds more than last time.
    expect(watchPollDelay(uploading, null, { uploadedBytes: 200 })).toBe(POLL_BACKGROUND_MS);
    // Nobody sends it.
    expect(watchPollDelay(uploading, null, { uploadedBytes: 370 })).toBe(POLL_IDLE_MS);
    expect(uploadIdle(halfUploaded, null)).toBe(true);
    expect(uploadIdle(halfUploaded, 52)).toBe(false);
    expect(uploadIdle(aVideo({ status: 'processing' }), null)).toBe(false);
  });
});

describe('processingPercent', () => {
  it('rounds down so the number never runs ahead of the work', () => {
    expect(processingPercent(0.426)).toBe(42);
    expect(processingPercent(0.999)).toBe(99);
    expect(processingPercent(0.005)).toBe(0);
  });

  it('never says 100 while the video is still processing', () => {
    expect(processingPercent(1)).toBe(99);
    expect(processingPercent(1.3)).toBe(99);
  });

  it('reads nonsense as nothing done', () => {
    expect(processingPercent(-0.2)).toBe(0);
    expect(processingPercent(Number.NaN)).toBe(0);
  });
});

describe('polling', () => {
  it('polls queued and processing videos, and stops at ready or failed', () => {
    expect(shouldPoll(aVideo({ status: 'queued' }))).toBe(true);
    expect(shouldPoll(aVideo({ status: 'processing' }))).toBe(true);
    expect(shouldPoll(aVideo({ status: 'ready' }))).toBe(false);
    expect(shouldPoll(aVideo({ status: 'failed' }))).toBe(false);
  });

  it('polls each second while the viewer waits and every two once it plays', () => {
    expect(watchPollDelay(aVideo({ status: 'queued', playable: false }))).toBe(POLL_WAITING_MS);
    expect(watchPollDelay(aVideo({ status: 'processing', playable: false }))).toBe(POLL_WAITING_MS);
    expect(watchPollDelay(aVideo({ status: 'processing', playable: true }))).toBe(2000);
    expect(watchPollDelay(aVideo({ status: 'ready', playable: true }))).toBeNull();
    expect(watchPollDelay(aVideo({ status: 'failed', playable: false }))).toBeNull();
  });

  it('keeps polling a ready video while a new file for it is on its way, and stops once that failed', () => {
    const pending = { status: 'processing', progress: 0.2, sizeBytes: 10, uploadedBytes: null, error: null, createdAt: '2026-12-07T00:00:00Z' };
    expect(watchPollDelay(aVideo({ status: 'ready', playable: true, replacement: pending }))).toBe(POLL_BACKGROUND_MS);
    expect(watchPollDelay(aVideo({ status: 'ready', playable: true, replacement: { ...pending, status: 'failed' } }))).toBeNull();
  });
});

describe('texts', () => {
  it('shows the waiting state over the player', () => {
    expect(waitingText(aVideo({ status: 'queued' }))).toBe('Queued');
    expect(waitingText(aVideo({ status: 'processing', progress: 0.07 }))).toBe('Processing 7 %');
    expect(waitingDetail(aVideo({ status: 'queued' }))).toBe('Reel will start on it in a moment.');
    expect(waitingDetail(aVideo({ status: 'processing' }))).toBe(
      'Playback starts by itself as soon as the first seconds are ready.',
    );
    expect(waitingPercent(aVideo({ status: 'queued' }))).toBeNull();
    expect(waitingPercent(aVideo({ status: 'processing', progress: 0.07 }))).toBe(7);
  });

  it("shows the server's failure message, or a general one", () => {
    expect(failureMessage(aVideo({ error: { code: 'processing_failed', message: 'ffmpeg exited with code 1' } }))).toBe(
      'ffmpeg exited with code 1',
    );
    expect(failureMessage(aVideo({ error: null }))).toBe('This video could not be processed.');
  });
});

describe('aspectRatio', () => {
  it("uses the video's display size, and 16:9 until it is known", () => {
    expect(aspectRatio({ width: 1080, height: 1920 })).toBeCloseTo(0.5625);
    expect(aspectRatio({ width: 0, height: 0 })).toBeCloseTo(16 / 9);
  });
});
