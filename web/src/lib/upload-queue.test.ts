import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ApiError, DEFAULT_LIMITS, networkError, problemToError, type Video } from './api';
import {
  RETRY_DELAYS_SECONDS,
  STALL_MS,
  TransferMeter,
  UploadQueue,
  failureKind,
  shouldOpenWatchPage,
  summarizeUploads,
  uploadPercent,
  warnBeforeLeaving,
  type RunningUpload,
  type UploadFile,
  type UploadItem,
  type UploadRequest,
  type UploadTransport,
} from './upload-queue';
import { aVideo } from '../testing/builders';

const MiB = 1024 * 1024;

interface Call {
  request: UploadRequest<UploadFile>;
  resolve: (video: Video) => void;
  reject: (error: unknown) => void;
  aborted: boolean;
  paused: boolean;
  /** The attempt this one continues (resume), or null for a fresh start. */
  resumes: Call | null;
}

/** A transport whose uploads finish only when the test says so. */
class FakeTransport implements UploadTransport<UploadFile> {
  calls: Call[] = [];

  start(request: UploadRequest<UploadFile>): RunningUpload {
    return this.attempt(request, null);
  }

  private attempt(request: UploadRequest<UploadFile>, resumes: Call | null): RunningUpload {
    let call!: Call;
    const done = new Promise<Video>((resolve, reject) => {
      call = { request, resolve, reject, aborted: false, paused: false, resumes };
    });
    this.calls.push(call);
    return {
      done,
      abort: () => {
        call.aborted = true;
        call.reject(new Error('aborted'));
      },
      pause: () => {
        call.paused = true;
      },
      resume: () => this.attempt(request, call),
    };
  }

  get names(): string[] {
    return this.calls.map((c) => c.request.file.name);
  }

  get last(): Call {
    return this.calls[this.calls.length - 1]!;
  }
}

const file = (name: string, size = 10 * MiB): UploadFile => ({ name, size });
const settle = () => new Promise((resolve) => setTimeout(resolve, 0));

function setup(now = () => 0, inspect?: (file: UploadFile) => Promise<string | null>) {
  const transport = new FakeTransport();
  const queue = new UploadQueue<UploadFile>(transport, { limits: { ...DEFAULT_LIMITS, maxBytes: 100 * MiB }, now, inspect });
  return { transport, queue };
}

/** A stand-in for the content check: here the name says what the bytes would. */
const inspectByName = (f: UploadFile): Promise<string | null> =>
  Promise.resolve(
    f.name.endsWith('.pdf')
      ? `${f.name} is a PDF document, not a video.`
      : f.name.endsWith('.mp3')
        ? `${f.name} is audio only; Reel needs a video.`
        : null,
  );

const byName = (queue: UploadQueue<UploadFile>, name: string): UploadItem => queue.items.find((i) => i.name === name)!;

describe('UploadQueue', () => {
  it('uploads files one after another, in the order they were chosen', async () => {
    const { transport, queue } = setup();
    queue.add([file('a.mp4'), file('b.mov'), file('c.mkv')]);

    expect(transport.names).toEqual(['a.mp4']);
    expect(queue.items.map((i) => i.state)).toEqual(['uploading', 'queued', 'queued']);

    transport.calls[0]!.resolve(aVideo({ id: 'a' }));
    await settle();
    expect(transport.names).toEqual(['a.mp4', 'b.mov']);
    expect(queue.items.map((i) => i.state)).toEqual(['done', 'uploading', 'queued']);

    transport.calls[1]!.resolve(aVideo({ id: 'b' }));
    await settle();
    transport.calls[2]!.resolve(aVideo({ id: 'c' }));
    await settle();
    expect(queue.items.map((i) => [i.state, i.video?.id])).toEqual([
      ['done', 'a'],
      ['done', 'b'],
      ['done', 'c'],
    ]);
  });

  it('knows which video an upload feeds once the server says, so its card can tell it is on its way from here', () => {
    const { transport, queue } = setup();
    queue.add([file('a.mp4')]);
    expect(queue.items[0]!.videoId).toBeNull();
    transport.calls[0]!.request.onVideoId?.('video-a');
    expect(queue.items[0]!.videoId).toBe('video-a');
  });

  it('sends the file name without its extension as the title', () => {
    const { transport, queue } = setup();
    queue.add([file('Summer holiday.mp4')]);
    expect(transport.calls[0]!.request.title).toBe('Summer holiday');
  });

  it('takes a waiting file off the list when it is cancelled, and never sends it', async () => {
    const { transport, queue } = setup();
    queue.add([file('a.mp4'), file('b.mp4'), file('c.mp4')]);
    queue.cancel(byName(queue, 'b.mp4').id);

    expect(queue.items.map((i) => i.name)).toEqual(['a.mp4', 'c.mp4']);
    transport.calls[0]!.resolve(aVideo());
    await settle();
    expect(transport.names).toEqual(['a.mp4', 'c.mp4']);
  });

  it('aborts the running upload when it is cancelled and goes on with the next file', async () => {
    const { transport, queue } = setup();
    queue.add([file('a.mp4'), file('b.mp4')]);
    queue.cancel(byName(queue, 'a.mp4').id);
    await settle();

    expect(transport.calls[0]!.aborted).toBe(true);
    expect(byName(queue, 'a.mp4').state).toBe('cancelled');
    expect(byName(queue, 'a.mp4').error).toBeNull();
    expect(transport.names).toEqual(['a.mp4', 'b.mp4']);
    expect(byName(queue, 'b.mp4').state).toBe('uploading');
  });

  it('never refuses a file by its name: the server judges by content', () => {
    const { transport, queue } = setup();
    queue.add([file('recording.mts', 1000)]);
    expect(transport.names).toEqual(['recording.mts']);
  });

  it('refuses a file larger than the server limit without sending it', () => {
    const { transport, queue } = setup();
    const [big] = queue.add([file('big.mp4', 150 * MiB)]);

    expect(transport.calls).toHaveLength(0);
    expect(big!.error).toBe('big.mp4 is too large (150 MB). Reel accepts videos up to 100 MB.');
  });

  it('follows limits that arrive later from the server', () => {
    const { transport, queue } = setup();
    queue.setLimits({ ...DEFAULT_LIMITS, maxBytes: 5 * MiB });
    const [big] = queue.add([file('b.mp4', 6 * MiB)]);

    expect(big!.error).toContain('up to 5 MB');
    expect(transport.calls).toHaveLength(0);
  });

  it('refuses a file whose content is not a video without sending it, naming the file', async () => {
    const { transport, queue } = setup(() => 0, inspectByName);
    const [item] = queue.add([file('holiday.pdf', 1000)]);
    expect(item!.state).toBe('queued');
    expect(transport.calls).toHaveLength(0);
    await settle();

    const refused = byName(queue, 'holiday.pdf');
    expect(transport.calls).toHaveLength(0);
    expect(refused.state).toBe('failed');
    expect(refused.rejected).toBe(true);
    expect(refused.error).toBe('holiday.pdf is a PDF document, not a video.');
  });

  it('uploads the acceptable files of a mixed choice in order and lists the refused ones as failed', async () => {
    const { transport, queue } = setup(() => 0, inspectByName);
    queue.add([file('notes.pdf'), file('clip.MP4'), file('song.mp3'), file('later.mkv')]);
    expect(transport.calls).toHaveLength(0);
    await settle();

    expect(transport.names).toEqual(['clip.MP4']);
    expect(queue.items.map((i) => i.state)).toEqual(['failed', 'uploading', 'failed', 'queued']);
    expect(byName(queue, 'song.mp3').error).toBe('song.mp3 is audio only; Reel needs a video.');
  });

  it('does not read a file it refuses for its size, and never sends one cancelled while it was read', async () => {
    const inspected: string[] = [];
    const { transport, queue } = setup(() => 0, (f) => {
      inspected.push(f.name);
      return Promise.resolve(null);
    });
    queue.add([file('huge.mp4', 500 * MiB), file('a.mp4')]);
    queue.cancel(byName(queue, 'a.mp4').id);
    await settle();

    expect(inspected).toEqual(['a.mp4']);
    expect(transport.calls).toHaveLength(0);
    expect(queue.items.map((i) => i.name)).toEqual(['huge.mp4']);
  });

  it('sends a file whose check failed: the server judges', async () => {
    const { transport, queue } = setup(() => 0, () => Promise.reject(new Error('unreadable')));
    queue.add([file('a.mp4')]);
    await settle();
    expect(transport.names).toEqual(['a.mp4']);
  });

  it("shows the server's problem detail when the server refuses the upload", async () => {
    const { transport, queue } = setup();
    queue.add([file('fake.mp4'), file('next.mp4')]);
    transport.calls[0]!.reject(
      problemToError(
        415,
        JSON.stringify({
          status: 415,
          title: 'Unsupported media',
          detail: 'The file is not a video Reel can read.',
          code: 'unsupported_media',
        }),
      ),
    );
    await settle();

    const failed = byName(queue, 'fake.mp4');
    expect(failed.state).toBe('failed');
    expect(failed.rejected).toBe(false);
    expect(failed.error).toBe('The file is not a video Reel can read.');
    expect(byName(queue, 'next.mp4').state).toBe('uploading');
  });

  it('tracks progress, speed and time left from the transport', () => {
    let now = 0;
    const { transport, queue } = setup(() => now);
    queue.add([file('a.mp4', 100 * MiB)]);
    const report = transport.calls[0]!.request.onProgress;

    now = 1000;
    report(10 * MiB, 100 * MiB);
    now = 2000;
    report(20 * MiB, 100 * MiB);

    const item = queue.items[0]!;
    expect(item.loaded).toBe(20 * MiB);
    expect(uploadPercent(item)).toBe(20);
    expect(item.bytesPerSecond).toBe(10 * MiB);
    expect(item.secondsLeft).toBe(8);
  });

  it('reports every change to subscribers with fresh items', () => {
    const { queue } = setup();
    const seen: UploadItem[][] = [];
    queue.subscribe((items) => seen.push([...items]));
    queue.add([file('a.mp4')]);

    expect(seen[0]).toEqual([]);
    expect(seen.at(-1)!.map((i) => i.state)).toEqual(['uploading']);
    expect(seen.at(-2)![0]).not.toBe(seen.at(-1)![0]);
  });

  it('tells listeners about each created video', async () => {
    const { transport, queue } = setup();
    const uploaded: string[] = [];
    queue.onUploaded((_item, video) => uploaded.push(video.id));
    queue.add([file('a.mp4')]);
    transport.calls[0]!.resolve(aVideo({ id: 'abc' }));
    await settle();
    expect(uploaded).toEqual(['abc']);
  });

  it('ignores the outcome of an upload that was cancelled meanwhile', async () => {
    const { transport, queue } = setup();
    queue.add([file('a.mp4')]);
    const call = transport.calls[0]!;
    queue.cancel(queue.items[0]!.id);
    call.resolve(aVideo());
    await settle();
    expect(queue.items[0]!.state).toBe('cancelled');
  });

  it('keeps a refusal final: nothing to resume or start again', async () => {
    const { transport, queue } = setup();
    queue.add([file('a.mp4')]);
    transport.calls[0]!.reject(problemToError(413, JSON.stringify({ detail: 'Over your quota.', code: 'quota_exceeded' })));
    await settle();
    expect(queue.items[0]!.state).toBe('failed');
    expect(queue.items[0]!.recovery).toBeNull();
    queue.retry(queue.items[0]!.id);
    expect(transport.calls).toHaveLength(1);
  });

  it('dismisses finished items but never active ones', async () => {
    const { transport, queue } = setup();
    queue.add([file('a.mp4'), file('b.mp4'), file('c.mp4', 0)]);
    transport.calls[0]!.resolve(aVideo());
    await settle();
    queue.dismiss(byName(queue, 'b.mp4').id);
    expect(queue.items.map((i) => i.name)).toEqual(['a.mp4', 'b.mp4', 'c.mp4']);
    queue.clearFinished();
    expect(queue.items.map((i) => i.name)).toEqual(['b.mp4']);
  });
});

describe('a connection lost mid-upload', () => {
  const lost = () => networkError();
  const flush = () => vi.advanceTimersByTimeAsync(0);

  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  async function uploadingAt(percent: number, now: { t: number } = { t: 0 }) {
    const { transport, queue } = setup(() => now.t);
    queue.add([file('a.mp4', 100 * MiB), file('b.mp4')]);
    const report = transport.calls[0]!.request.onProgress;
    now.t = 1000;
    report((percent / 2) * MiB, 100 * MiB);
    now.t = 2000;
    report(percent * MiB, 100 * MiB);
    return { transport, queue, report, now };
  }

  it('says so with a countdown and no stale speed, then goes on with the same upload by itself', async () => {
    const { transport, queue } = await uploadingAt(30);
    expect(queue.items[0]!.bytesPerSecond).not.toBeNull();

    transport.calls[0]!.reject(lost());
    await flush();
    let item = queue.items[0]!;
    expect(item).toMatchObject({ state: 'retrying', interruption: 'Connection lost', retryInSeconds: RETRY_DELAYS_SECONDS[0] });
    expect(item.bytesPerSecond).toBeNull();
    expect(item.secondsLeft).toBeNull();
    expect(uploadPercent(item)).toBe(30);
    expect(queue.busy).toBe(true);

    await vi.advanceTimersByTimeAsync(1000);
    expect(queue.items[0]!.retryInSeconds).toBe(RETRY_DELAYS_SECONDS[0]! - 1);
    await vi.advanceTimersByTimeAsync(RETRY_DELAYS_SECONDS[0]! * 1000);
    expect(transport.calls).toHaveLength(2);
    expect(transport.last.resumes).toBe(transport.calls[0]);
    item = queue.items[0]!;
    expect(item).toMatchObject({ state: 'uploading', reconnecting: true, retryInSeconds: null, interruption: null });
    expect(item.bytesPerSecond).toBeNull();

    transport.last.resolve(aVideo({ id: 'a' }));
    await flush();
    expect(queue.items.map((i) => i.state)).toEqual(['done', 'uploading']);
  });

  it('measures the speed afresh from the offset the server reports after the break', async () => {
    const { transport, queue, now } = await uploadingAt(30);
    transport.calls[0]!.reject(lost());
    await vi.advanceTimersByTimeAsync(RETRY_DELAYS_SECONDS[0]! * 1000);
    const report = transport.last.request.onProgress;

    // The server kept 28 MiB of the 30 sent; the first report after resuming has no history yet.
    now.t = 60_000;
    report(28 * MiB, 100 * MiB);
    expect(queue.items[0]!.bytesPerSecond).toBeNull();
    expect(queue.items[0]!.reconnecting).toBe(false);
    now.t = 61_000;
    report(30 * MiB, 100 * MiB);
    expect(queue.items[0]!.bytesPerSecond).toBe(2 * MiB);
    expect(queue.items[0]!.secondsLeft).toBe(35);
  });

  it('keeps its turn while it waits: the next file does not start on the same broken connection', async () => {
    const { transport, queue } = await uploadingAt(30);
    transport.calls[0]!.reject(lost());
    await flush();
    expect(transport.names).toEqual(['a.mp4']);
    expect(queue.items[1]!.state).toBe('queued');
  });

  it('blames the server, not the connection, when the server answers with its own trouble', async () => {
    const { transport, queue } = await uploadingAt(30);
    transport.calls[0]!.reject(new ApiError(503, 'storage_unavailable', 'Storage is unavailable.'));
    await flush();
    expect(queue.items[0]).toMatchObject({ state: 'retrying', interruption: 'Reel is not responding' });
  });

  it('tries at once when the browser is back online', async () => {
    const { transport, queue } = await uploadingAt(30);
    transport.calls[0]!.reject(lost());
    await flush();
    queue.retryNow();
    expect(transport.calls).toHaveLength(2);
    expect(queue.items[0]!.state).toBe('uploading');
    // The countdown that was running does not start a second attempt.
    await vi.advanceTimersByTimeAsync(RETRY_DELAYS_SECONDS[0]! * 2000);
    expect(transport.calls).toHaveLength(2);
  });

  it('gives up after about two minutes of failed tries and offers to resume with the same file', async () => {
    const { transport, queue } = await uploadingAt(37);
    for (const delay of RETRY_DELAYS_SECONDS) {
      transport.last.reject(lost());
      await flush();
      expect(queue.items[0]!.state).toBe('retrying');
      await vi.advanceTimersByTimeAsync(delay * 1000);
    }
    const total = RETRY_DELAYS_SECONDS.reduce((sum, delay) => sum + delay, 0);
    expect(total).toBeGreaterThanOrEqual(100);
    expect(total).toBeLessThanOrEqual(150);
    transport.last.reject(lost());
    await flush();

    const item = queue.items[0]!;
    expect(item).toMatchObject({ state: 'failed', recovery: 'resume', retryInSeconds: null });
    expect(item.error).toContain('Upload interrupted at 37 %');
    expect(item.error).not.toMatch(/could not be resumed/i);
    // The next file gets its turn meanwhile.
    expect(transport.last.request.file.name).toBe('b.mp4');
    transport.last.resolve(aVideo());
    await flush();

    const calls = transport.calls.length;
    queue.retry(item.id);
    expect(transport.calls).toHaveLength(calls + 1);
    expect(transport.last.resumes).toBe(transport.calls[calls - 2]);
    expect(queue.items[0]).toMatchObject({ state: 'uploading', error: null, recovery: null, loaded: 37 * MiB });
  });

  it('goes on with the upload waiting for Resume when the same file is chosen again', async () => {
    const { transport, queue } = await uploadingAt(37);
    for (const delay of RETRY_DELAYS_SECONDS) {
      transport.last.reject(lost());
      await vi.advanceTimersByTimeAsync(delay * 1000);
    }
    const gaveUp = transport.last;
    gaveUp.reject(lost());
    await flush();
    transport.last.resolve(aVideo());
    await flush();

    expect(queue.add([file('a.mp4', 100 * MiB)])).toEqual([]);
    expect(queue.items.map((i) => i.name)).toEqual(['a.mp4', 'b.mp4']);
    expect(queue.items[0]!.state).toBe('uploading');
    expect(transport.last.resumes).toBe(gaveUp);
  });

  it('starts the count of tries over whenever the upload moves forward', async () => {
    const { transport, queue } = await uploadingAt(10);
    for (let round = 0; round < RETRY_DELAYS_SECONDS.length + 3; round++) {
      transport.last.reject(lost());
      await flush();
      expect(queue.items[0]!.state).toBe('retrying');
      await vi.advanceTimersByTimeAsync(RETRY_DELAYS_SECONDS[0]! * 1000);
      transport.last.request.onProgress((11 + round) * MiB, 100 * MiB);
    }
  });

  it('resumes by itself when the browser comes back online after it gave up', async () => {
    const { transport, queue } = await uploadingAt(30);
    for (const delay of RETRY_DELAYS_SECONDS) {
      transport.last.reject(lost());
      await vi.advanceTimersByTimeAsync(delay * 1000);
    }
    transport.last.reject(lost());
    await flush();
    expect(queue.items[0]!.state).toBe('failed');
    transport.last.resolve(aVideo());
    await flush();
    queue.retryNow();
    expect(queue.items[0]!.state).toBe('uploading');
    expect(transport.last.resumes).not.toBeNull();
  });

  it('treats an upload that moves nothing for a long time as a lost connection', async () => {
    const { transport, queue } = await uploadingAt(30);
    await vi.advanceTimersByTimeAsync(STALL_MS - 1000);
    expect(queue.items[0]!.state).toBe('uploading');
    await vi.advanceTimersByTimeAsync(1000);
    expect(transport.calls[0]!.paused).toBe(true);
    expect(queue.items[0]).toMatchObject({ state: 'retrying', interruption: 'Connection lost', bytesPerSecond: null });
    await vi.advanceTimersByTimeAsync(RETRY_DELAYS_SECONDS[0]! * 1000);
    expect(transport.last.resumes).toBe(transport.calls[0]);
  });

  it('does not take the wait for the server to judge the last bytes for a stall', async () => {
    const { transport, queue } = setup();
    queue.add([file('a.mp4', 10 * MiB)]);
    transport.calls[0]!.request.onProgress(10 * MiB, 10 * MiB);
    await vi.advanceTimersByTimeAsync(STALL_MS * 3);
    expect(queue.items[0]!.state).toBe('uploading');
    expect(transport.calls[0]!.paused).toBe(false);
  });

  it('says that an upload the server no longer has is gone, and starts it again as a new one when asked', async () => {
    const { transport, queue } = await uploadingAt(30);
    transport.calls[0]!.reject(lost());
    await vi.advanceTimersByTimeAsync(RETRY_DELAYS_SECONDS[0]! * 1000);
    transport.last.reject(problemToError(410, JSON.stringify({ detail: 'The upload expired.', code: 'upload_expired' })));
    await flush();

    const item = queue.items[0]!;
    expect(item).toMatchObject({ state: 'failed', recovery: 'restart' });
    expect(item.error).toContain('no longer has this upload');
    // Meanwhile the next file went.
    transport.last.resolve(aVideo());
    await flush();

    const calls = transport.calls.length;
    queue.retry(item.id);
    expect(transport.calls).toHaveLength(calls + 1);
    expect(transport.last.resumes).toBeNull();
    expect(queue.items[0]).toMatchObject({ state: 'uploading', loaded: 0 });
  });

  it('cancelled while it waits to retry, it drops the upload on the server and never tries again', async () => {
    const { transport, queue } = await uploadingAt(30);
    transport.calls[0]!.reject(lost());
    await flush();
    queue.cancel(queue.items[0]!.id);
    expect(transport.calls[0]!.aborted).toBe(true);
    expect(queue.items[0]).toMatchObject({ state: 'cancelled', retryInSeconds: null, interruption: null });
    await vi.advanceTimersByTimeAsync(RETRY_DELAYS_SECONDS[0]! * 2000);
    expect(transport.names).toEqual(['a.mp4', 'b.mp4']);
  });

  it('cancelled after it gave up, it drops the upload on the server too', async () => {
    const { transport, queue } = await uploadingAt(30);
    for (const delay of RETRY_DELAYS_SECONDS) {
      transport.last.reject(lost());
      await vi.advanceTimersByTimeAsync(delay * 1000);
    }
    const lastTry = transport.last;
    lastTry.reject(lost());
    await flush();
    queue.cancel(queue.items[0]!.id);
    expect(lastTry.aborted).toBe(true);
    expect(queue.items[0]!.state).toBe('cancelled');
  });
});

describe('failureKind', () => {
  it('retries what passes, calls a missing upload lost and keeps the server refusals', () => {
    expect(failureKind(networkError())).toBe('interrupted');
    expect(failureKind(new ApiError(502, 'http_502', 'Bad gateway'))).toBe('interrupted');
    expect(failureKind(new ApiError(423, 'upload_locked', 'Locked'))).toBe('interrupted');
    expect(failureKind(new ApiError(429, 'rate_limited', 'Slow down'))).toBe('interrupted');
    expect(failureKind(new ApiError(404, 'not_found', 'Gone'))).toBe('lost');
    expect(failureKind(new ApiError(410, 'upload_deleted', 'Gone'))).toBe('lost');
    expect(failureKind(new ApiError(429, 'too_many_open_uploads', 'Too many'))).toBe('refused');
    expect(failureKind(new ApiError(415, 'unsupported_media', 'Not a video'))).toBe('refused');
    expect(failureKind(new Error('The upload was cancelled.'))).toBe('refused');
  });
});

describe('uploads that need an account', () => {
  it('keep a chosen file waiting while nobody is signed in, and send it once someone is', async () => {
    const { transport, queue } = setup();
    queue.setSignInRequired(true);
    queue.add([file('a.mp4')]);
    await settle();
    expect(transport.calls).toHaveLength(0);
    expect(queue.items[0]).toMatchObject({ state: 'queued', waitingForSignIn: true });
    expect(queue.busy).toBe(true);

    queue.setSignInRequired(false);
    expect(transport.names).toEqual(['a.mp4']);
    expect(queue.items[0]).toMatchObject({ state: 'uploading', waitingForSignIn: false });
  });

  it('keep a file the server refused for want of a sign-in, and send it after the sign-in', async () => {
    const { transport, queue } = setup();
    queue.add([file('a.mp4')]);
    transport.calls[0]!.reject(problemToError(401, JSON.stringify({ detail: 'Sign in with an account that may upload.', code: 'sign_in_required' })));
    await settle();
    expect(queue.items[0]).toMatchObject({ state: 'queued', waitingForSignIn: true, error: null });

    queue.setSignInRequired(false);
    expect(transport.calls).toHaveLength(2);
    expect(transport.last.resumes).toBeNull();
  });

  it('let an upload the server already has go on without a sign-in', async () => {
    vi.useFakeTimers();
    try {
      const { transport, queue } = setup();
      queue.add([file('a.mp4')]);
      transport.calls[0]!.request.onProgress(MiB, 10 * MiB);
      for (const delay of RETRY_DELAYS_SECONDS) {
        transport.last.reject(networkError());
        await vi.advanceTimersByTimeAsync(delay * 1000);
      }
      transport.last.reject(networkError());
      await vi.advanceTimersByTimeAsync(0);
      queue.setSignInRequired(true);
      queue.add([file('b.mp4')]);
      queue.retry(queue.items[0]!.id);

      expect(queue.items.map((i) => [i.state, i.waitingForSignIn])).toEqual([
        ['uploading', false],
        ['queued', true],
      ]);
      expect(transport.last.resumes).not.toBeNull();
    } finally {
      vi.useRealTimers();
    }
  });

  it('still fail a signed-in account that may not upload', async () => {
    const { transport, queue } = setup();
    queue.add([file('a.mp4')]);
    transport.calls[0]!.reject(problemToError(403, JSON.stringify({ detail: 'Uploading needs the uploader role.', code: 'forbidden' })));
    await settle();
    expect(queue.items[0]).toMatchObject({ state: 'failed', errorCode: 'forbidden', recovery: null });
  });
});

describe('leaving the page', () => {
  it('is questioned while a file is sent or waits, and not once all are finished', () => {
    const asked = (busy: boolean) => {
      const event = { returnValue: undefined as unknown, prevented: false, preventDefault() { this.prevented = true; } };
      warnBeforeLeaving(event as unknown as BeforeUnloadEvent, { busy });
      return event.prevented;
    };
    expect(asked(true)).toBe(true);
    expect(asked(false)).toBe(false);
  });

  it('counts queued and uploading files as busy, finished ones not', async () => {
    const { transport, queue } = setup();
    expect(queue.busy).toBe(false);
    queue.add([file('a.mp4')]);
    await settle();
    expect(queue.busy).toBe(true);
    transport.calls[0]!.resolve(aVideo());
    await settle();
    expect(queue.busy).toBe(false);
  });
});

describe('opening the player after an upload', () => {
  it('opens the watch page when a single chosen file is done', async () => {
    const { transport, queue } = setup();
    queue.add([file('a.mp4')]);
    transport.calls[0]!.resolve(aVideo());
    await settle();
    expect(shouldOpenWatchPage(queue.items, queue.items[0]!)).toBe(true);
  });

  it('stays on the library when several files were chosen together', async () => {
    const { transport, queue } = setup();
    queue.add([file('a.mp4'), file('b.mp4')]);
    transport.calls[0]!.resolve(aVideo());
    await settle();
    transport.calls[1]!.resolve(aVideo());
    await settle();
    expect(queue.items.map((i) => shouldOpenWatchPage(queue.items, i))).toEqual([false, false]);
  });

  it('stays on the library when one file of a choice was refused', async () => {
    const { transport, queue } = setup();
    queue.add([file('a.mp4'), file('b.mp4', 0)]);
    transport.calls[0]!.resolve(aVideo());
    await settle();
    expect(shouldOpenWatchPage(queue.items, byName(queue, 'a.mp4'))).toBe(false);
  });

  it('stays on the library while later files still wait', async () => {
    const { transport, queue } = setup();
    queue.add([file('a.mp4')]);
    queue.add([file('b.mp4')]);
    transport.calls[0]!.resolve(aVideo());
    await settle();
    expect(shouldOpenWatchPage(queue.items, byName(queue, 'a.mp4'))).toBe(false);
  });

  it('never opens the player for a failed upload', async () => {
    const { transport, queue } = setup();
    queue.add([file('a.mp4')]);
    transport.calls[0]!.reject(new ApiError(413, 'file_too_large', 'Too large.'));
    await settle();
    expect(shouldOpenWatchPage(queue.items, queue.items[0]!)).toBe(false);
  });
});

describe('TransferMeter', () => {
  it('has no speed until a quarter second of samples exists', () => {
    const meter = new TransferMeter();
    meter.add(0, 0);
    meter.add(100, 1000);
    expect(meter.bytesPerSecond()).toBeNull();
    expect(meter.secondsLeft(10_000)).toBeNull();
  });

  it('measures over the recent window only, so it follows a change of speed', () => {
    const meter = new TransferMeter(3000);
    meter.add(0, 0);
    // 1 MB/s for 5 s, then 4 MB/s for 4 s.
    for (let t = 1; t <= 5; t++) meter.add(t * 1000, t * MiB);
    for (let t = 6; t <= 9; t++) meter.add(t * 1000, 5 * MiB + (t - 5) * 4 * MiB);
    expect(meter.bytesPerSecond()).toBe(4 * MiB);
    expect(meter.secondsLeft(29 * MiB)).toBe(2);
  });
});

describe('uploadPercent', () => {
  it('rounds down and keeps 100 for the last byte', () => {
    expect(uploadPercent({ loaded: 999, total: 1000, state: 'uploading' })).toBe(99);
    expect(uploadPercent({ loaded: 1000, total: 1000, state: 'uploading' })).toBe(100);
    expect(uploadPercent({ loaded: 0, total: 0, state: 'uploading' })).toBe(0);
    expect(uploadPercent({ loaded: 5, total: 1000, state: 'done' })).toBe(100);
  });
});

describe('summarizeUploads', () => {
  const item = (change: Partial<UploadItem>): UploadItem => ({
    id: 1,
    name: 'a.mp4',
    size: 100,
    batchSize: 1,
    state: 'uploading',
    loaded: 0,
    total: 100,
    bytesPerSecond: null,
    secondsLeft: null,
    error: null,
    errorCode: null,
    rejected: false,
    video: null,
    videoId: null,
    interruption: null,
    retryInSeconds: null,
    reconnecting: false,
    recovery: null,
    waitingForSignIn: false,
    ...change,
  });

  it('counts the files under way and their bytes together', () => {
    const summary = summarizeUploads([
      item({ state: 'done', loaded: 100 }),
      item({ loaded: 50, total: 100 }),
      item({ state: 'queued', loaded: 0, total: 300 }),
    ]);
    expect(summary).toMatchObject({ visible: true, text: 'Uploading 2 files · 12 %', short: '12 %', attention: false });
  });

  it('announces what happens, not every percent', () => {
    const early = summarizeUploads([item({ loaded: 10 }), item({ state: 'queued' })]);
    const later = summarizeUploads([item({ loaded: 90 }), item({ state: 'queued' })]);
    expect(early.text).not.toBe(later.text);
    expect(early.announcement).toBe(later.announcement);
    const ticking = [9, 8].map((s) => summarizeUploads([item({ state: 'retrying', interruption: 'Connection lost', retryInSeconds: s })]));
    expect(ticking[0]!.announcement).toBe(ticking[1]!.announcement);
    expect(ticking[0]!.text).toBe('Connection lost · retrying');
  });

  it('asks for a sign-in when every file waits for one', () => {
    expect(summarizeUploads([item({ state: 'queued', waitingForSignIn: true })]).text).toBe('Sign in to upload 1 file');
  });

  it('stays while an upload failed, and goes once all are done', () => {
    expect(summarizeUploads([item({ state: 'failed', error: 'No.' }), item({ state: 'done' })])).toMatchObject({
      visible: true,
      text: '1 upload failed',
      attention: true,
    });
    expect(summarizeUploads([item({ state: 'done' })])).toMatchObject({ visible: false, announcement: 'Uploads finished.' });
    expect(summarizeUploads([]).visible).toBe(false);
  });
});
