// The upload queue: files wait, then go to the server one at a time (several parallel uploads would only split
// the same uplink and make every file finish later). It knows nothing of the DOM or Svelte; the transport that
// moves the bytes is injected, so the state machine is tested with a fake one.
//
//   queued ──► uploading ──► done
//     │            ├───────► failed      (server refused it, or the connection broke)
//     │            └───────► cancelled   (the person aborted it)
//     └─ cancel: removed from the list; a file refused before sending starts as failed, or turns failed once
//        its content was read (the `inspect` option) and found not to be a video.

import { DEFAULT_LIMITS, type UploadLimits, type Video } from './api';
import { ApiError } from './problem';
import { uploadErrorMessage } from './quota';
import { rejectionReason, titleFor } from './upload-rules';

export type UploadState = 'queued' | 'uploading' | 'done' | 'failed' | 'cancelled';

export interface UploadFile {
  readonly name: string;
  readonly size: number;
}

export interface UploadItem {
  readonly id: number;
  readonly name: string;
  readonly size: number;
  /** How many files were chosen together with this one; decides whether finishing opens the player. */
  readonly batchSize: number;
  readonly state: UploadState;
  readonly loaded: number;
  readonly total: number;
  readonly bytesPerSecond: number | null;
  readonly secondsLeft: number | null;
  /** Why it failed, as a sentence for a person. */
  readonly error: string | null;
  /** The server's problem code when it refused the upload (e.g. "sign_in_required", "forbidden"). */
  readonly errorCode: string | null;
  /** True when the browser refused the file, so no byte was sent. */
  readonly rejected: boolean;
  readonly video: Video | null;
}

export interface UploadRequest<F> {
  file: F;
  title: string;
  /** A video whose file this upload replaces (it keeps its id, title and links); the upload resolves with that video. */
  replaces?: string;
  onProgress: (loaded: number, total: number) => void;
}

export interface RunningUpload {
  /** Resolves with the created video; rejects with an Error whose message a person can read. */
  done: Promise<Video>;
  abort: () => void;
}

export interface UploadTransport<F> {
  start(request: UploadRequest<F>): RunningUpload;
}

/**
 * Speed over a sliding window of recent progress samples: steadier than the last two samples,
 * yet quick to follow a connection that changes speed.
 */
export class TransferMeter {
  private samples: { time: number; loaded: number }[] = [];

  constructor(private readonly windowMs = 3000) {}

  add(time: number, loaded: number): void {
    this.samples.push({ time, loaded });
    const newest = time;
    // Keep one sample older than the window so the window is always fully covered.
    while (this.samples.length > 2 && newest - this.samples[1]!.time >= this.windowMs) this.samples.shift();
  }

  /** Bytes per second, or null until there is a quarter of a second of history to judge by. */
  bytesPerSecond(): number | null {
    const first = this.samples[0];
    const last = this.samples[this.samples.length - 1];
    if (!first || !last || last.time - first.time < 250) return null;
    return ((last.loaded - first.loaded) * 1000) / (last.time - first.time);
  }

  secondsLeft(total: number): number | null {
    const speed = this.bytesPerSecond();
    const last = this.samples[this.samples.length - 1];
    if (speed === null || speed <= 0 || !last) return null;
    return Math.max(0, total - last.loaded) / speed;
  }
}

/** After a 201: open the player only when this file was uploaded alone and nothing else still waits. */
export function shouldOpenWatchPage(items: readonly UploadItem[], finished: UploadItem): boolean {
  return (
    finished.state === 'done' &&
    finished.batchSize === 1 &&
    !items.some((i) => i.id !== finished.id && (i.state === 'queued' || i.state === 'uploading'))
  );
}

interface Entry<F> {
  item: UploadItem;
  file: F;
  running: RunningUpload | null;
  meter: TransferMeter | null;
  /** False while the content check runs: the file is not sent before it is judged. */
  inspected: boolean;
}

/**
 * Leaving or reloading the page mid-upload stops the upload (choosing the file again later resumes it): the browser is
 * asked to check with the person first. Browsers show their own sentence; the page cannot choose it.
 */
export function warnBeforeLeaving(event: Pick<BeforeUnloadEvent, 'preventDefault' | 'returnValue'>, queue: { readonly busy: boolean }): void {
  if (!queue.busy) return;
  event.preventDefault();
  // Older browsers ask only when this is set.
  event.returnValue = '';
}

type ItemsListener = (items: readonly UploadItem[]) => void;
type UploadedListener = (item: UploadItem, video: Video) => void;

export interface UploadQueueOptions<F> {
  limits?: UploadLimits;
  now?: () => number;
  /** Reads the file and says why it is certainly not a video, or null to send it (see media-sniff.ts). */
  inspect?: (file: F) => Promise<string | null>;
}

export class UploadQueue<F extends UploadFile = File> {
  private entries: Entry<F>[] = [];
  private nextId = 1;
  private limits: UploadLimits;
  private readonly now: () => number;
  private readonly inspect: ((file: F) => Promise<string | null>) | null;
  private readonly itemListeners = new Set<ItemsListener>();
  private readonly uploadedListeners = new Set<UploadedListener>();

  constructor(
    private readonly transport: UploadTransport<F>,
    options: UploadQueueOptions<F> = {},
  ) {
    this.limits = options.limits ?? DEFAULT_LIMITS;
    this.now = options.now ?? (() => performance.now());
    this.inspect = options.inspect ?? null;
  }

  get items(): readonly UploadItem[] {
    return this.entries.map((e) => e.item);
  }
  /** Whether a file is being sent or waits its turn: leaving the page now would stop it. */
  get busy(): boolean {
    return this.items.some((item) => item.state === 'uploading' || item.state === 'queued');
  }


  setLimits(limits: UploadLimits): void {
    this.limits = limits;
  }

  /**
   * Queues files in the given order; files the browser can already refuse are listed as failed at once, and those
   * whose content is not a video as soon as it has been read.
   */
  add(files: readonly F[]): UploadItem[] {
    const added = files.map((file) => {
      const reason = rejectionReason(file, this.limits);
      const item: UploadItem = {
        id: this.nextId++,
        name: file.name,
        size: file.size,
        batchSize: files.length,
        state: reason ? 'failed' : 'queued',
        loaded: 0,
        total: file.size,
        bytesPerSecond: null,
        secondsLeft: null,
        error: reason,
        errorCode: null,
        rejected: reason !== null,
        video: null,
      };
      const entry: Entry<F> = { item, file, running: null, meter: null, inspected: reason !== null || !this.inspect };
      this.entries.push(entry);
      if (!entry.inspected) this.check(entry);
      return item;
    });
    this.emit();
    this.pump();
    return added;
  }

  /** Aborts a running upload, or takes a waiting file off the list. */
  cancel(id: number): void {
    const entry = this.find(id);
    if (!entry) return;
    if (entry.item.state === 'queued') {
      this.entries = this.entries.filter((e) => e !== entry);
      this.emit();
    } else if (entry.item.state === 'uploading') {
      const running = entry.running;
      this.update(entry, { state: 'cancelled', bytesPerSecond: null, secondsLeft: null });
      entry.running = null;
      running?.abort();
      this.pump();
    }
  }

  /** Removes a finished item (done, failed or cancelled) from the list. */
  dismiss(id: number): void {
    const before = this.entries.length;
    this.entries = this.entries.filter((e) => e.item.id !== id || isActive(e.item));
    if (this.entries.length !== before) this.emit();
  }

  clearFinished(): void {
    const before = this.entries.length;
    this.entries = this.entries.filter((e) => isActive(e.item));
    if (this.entries.length !== before) this.emit();
  }

  /** Calls back now and after every change with a fresh list of immutable items. */
  subscribe(listener: ItemsListener): () => void {
    this.itemListeners.add(listener);
    listener(this.items);
    return () => this.itemListeners.delete(listener);
  }

  /** Calls back after each 201, once the item shows as done. */
  onUploaded(listener: UploadedListener): () => void {
    this.uploadedListeners.add(listener);
    return () => this.uploadedListeners.delete(listener);
  }

  private check(entry: Entry<F>): void {
    this.inspect!(entry.file)
      .catch(() => null)
      .then((refusal) => {
        entry.inspected = true;
        // Cancelled meanwhile: it is off the list and stays off.
        if (refusal && entry.item.state === 'queued' && this.entries.includes(entry)) {
          this.update(entry, { state: 'failed', error: refusal, rejected: true });
        }
        this.pump();
      });
  }

  private pump(): void {
    if (this.entries.some((e) => e.item.state === 'uploading')) return;
    const next = this.entries.find((e) => e.item.state === 'queued');
    // The next file waits for its check, which pumps again when it is done; files keep their order.
    if (next?.inspected) this.begin(next);
  }

  private begin(entry: Entry<F>): void {
    entry.meter = new TransferMeter();
    entry.meter.add(this.now(), 0);
    this.update(entry, { state: 'uploading' });
    const running = this.transport.start({
      file: entry.file,
      title: titleFor(entry.file.name),
      onProgress: (loaded, total) => this.progress(entry, loaded, total),
    });
    entry.running = running;
    running.done.then(
      (video) => this.finish(entry, running, { state: 'done', video, loaded: entry.item.total }),
      (error: unknown) =>
        this.finish(entry, running, {
          state: 'failed',
          error: uploadErrorMessage(error),
          errorCode: error instanceof ApiError ? error.code : null,
        }),
    );
  }

  private progress(entry: Entry<F>, loaded: number, total: number): void {
    if (entry.item.state !== 'uploading' || !entry.meter) return;
    const size = total > 0 ? total : entry.item.total;
    entry.meter.add(this.now(), loaded);
    this.update(entry, {
      loaded: Math.min(loaded, size),
      total: size,
      bytesPerSecond: entry.meter.bytesPerSecond(),
      secondsLeft: entry.meter.secondsLeft(size),
    });
  }

  private finish(entry: Entry<F>, running: RunningUpload, change: Partial<UploadItem>): void {
    // A cancelled upload may still settle afterwards; its outcome no longer matters.
    if (entry.running !== running) return;
    entry.running = null;
    entry.meter = null;
    this.update(entry, { ...change, bytesPerSecond: null, secondsLeft: null });
    if (entry.item.state === 'done' && entry.item.video) {
      const { item } = entry;
      const video = entry.item.video;
      this.uploadedListeners.forEach((listener) => listener(item, video));
    }
    this.pump();
  }

  private update(entry: Entry<F>, change: Partial<UploadItem>): void {
    entry.item = { ...entry.item, ...change };
    this.emit();
  }

  private find(id: number): Entry<F> | undefined {
    return this.entries.find((e) => e.item.id === id);
  }

  private emit(): void {
    const items = this.items;
    this.itemListeners.forEach((listener) => listener(items));
  }
}

function isActive(item: UploadItem): boolean {
  return item.state === 'queued' || item.state === 'uploading';
}

/** Percent shown on the bar and in the status text; 100 only once the last byte is sent. */
export function uploadPercent(item: Pick<UploadItem, 'loaded' | 'total' | 'state'>): number {
  if (item.state === 'done') return 100;
  if (item.total <= 0) return 0;
  const percent = Math.floor((item.loaded / item.total) * 100);
  return Math.min(item.loaded >= item.total ? 100 : 99, Math.max(0, percent));
}
