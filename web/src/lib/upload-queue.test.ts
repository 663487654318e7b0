import { describe, expect, it } from 'vitest';
import { ApiError, DEFAULT_LIMITS, problemToError, type Video } from './api';
import {
  TransferMeter,
  UploadQueue,
  shouldOpenWatchPage,
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
}

/** A transport whose uploads finish only when the test says so. */
class FakeTransport implements UploadTransport<UploadFile> {
  calls: Call[] = [];

  start(request: UploadRequest<UploadFile>): RunningUpload {
    let call!: Call;
    const done = new Promise<Video>((resolve, reject) => {
      call = { request, resolve, reject, aborted: false };
    });
    this.calls.push(call);
    return {
      done,
      abort: () => {
        call.aborted = true;
        call.reject(new Error('aborted'));
      },
    };
  }

  get names(): string[] {
    return this.calls.map((c) => c.request.file.name);
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
