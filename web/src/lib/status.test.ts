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
} from './status';
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
});

describe('an unfinished upload', () => {
  const halfUploaded = aVideo({ status: 'uploading', sizeBytes: 1000, uploadedBytes: 400, progress: 0, durationSeconds: 0 });

  it('is badged by the bytes received, not as queued', () => {
    expect(badgeFor(halfUploaded)).toEqual({ kind: 'uploading', text: 'Uploading — 40 % received' });
  });

  it('says over the player that the upload has not finished', () => {
    expect(waitingText(halfUploaded)).toBe('Uploading — 40 % received');
    expect(waitingDetail(halfUploaded)).toBe(
      'The upload has not finished. Reel starts on the video once its last byte has arrived.',
    );
    expect(waitingAnnouncement(halfUploaded)).toBe('Upload not finished');
    expect(waitingPercent(halfUploaded)).toBe(40);
  });

  it('rounds the bytes received down and reads a missing count as none', () => {
    expect(receivedPercent({ sizeBytes: 1000, uploadedBytes: 999 })).toBe(99);
    expect(receivedPercent({ sizeBytes: 1000, uploadedBytes: 1000 })).toBe(100);
    expect(receivedPercent({ sizeBytes: 1000 })).toBe(0);
    expect(receivedPercent({ sizeBytes: 0, uploadedBytes: 10 })).toBe(0);
  });

  it('is polled, at the slow pace, until its last byte arrives', () => {
    expect(shouldPoll(halfUploaded)).toBe(true);
    expect(watchPollDelay({ status: 'uploading', playable: false, replacement: null })).toBe(2000);
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
