// The upload queue: files wait, then go to the server one at a time (several parallel uploads would only split
// the same uplink and make every file finish later). It knows nothing of the DOM or Svelte; the transport that
// moves the bytes and the clock are injected, so the state machine is tested with a fake transport and fake timers.
//
//   queued ──► uploading ──► done
//     │          │  ▲ ├───► failed      refused by the server; or, with Resume, the connection stayed lost; or, with
//     │          │  │ │                 Start again, the server no longer has the upload (404/410)
//     │          ▼  │ └───► cancelled   (the person aborted it; the server drops what it has)
//     │        retrying                 (the connection broke: a countdown, then the same upload goes on from the
//     │                                  server's offset; at once when the browser is back online)
//     └─ cancel: removed from the list; a file refused before sending starts as failed, or turns failed once
//        its content was read (the `inspect` option) and found not to be a video. While a sign-in is required
//        (an account-only server and nobody signed in), queued files wait for it instead of being refused.

import { DEFAULT_LIMITS, type UploadLimits, type Video } from './api';
import { ApiError } from './problem';
import { uploadErrorMessage } from './quota';
import { rejectionReason, titleFor } from './upload-rules';

export type UploadState = 'queued' | 'uploading' | 'retrying' | 'done' | 'failed' | 'cancelled';

/** What a failed upload can still become: go on from the server's offset, or start over as a new upload. */
export type UploadRecovery = 'resume' | 'restart';

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
  /** The video the bytes go to, once the server has said (its creation answer, or the upload being resumed). */
  readonly videoId: string | null;
  /** While retrying: what broke off, e.g. "Connection lost". */
  readonly interruption: string | null;
  /** While retrying: whole seconds until the next try. */
  readonly retryInSeconds: number | null;
  /** Uploading again after an interruption, until the first bytes move: no speed is known yet. */
  readonly reconnecting: boolean;
  /** Failed, yet not for good: what the person can do about it. */
  readonly recovery: UploadRecovery | null;
  /** Queued until someone signs in: the server takes uploads only from accounts. */
  readonly waitingForSignIn: boolean;
}

export interface UploadRequest<F> {
  file: F;
  title: string;
  /** A video whose file this upload replaces (it keeps its id, title and links); the upload resolves with that video. */
  replaces?: string;
  /**
   * The caller retries after a lost connection itself (the queue does, with a countdown the person sees), so the
   * transport gives such an attempt up at once; without it the transport retries quietly.
   */
  callerRetries?: boolean;
  onProgress: (loaded: number, total: number) => void;
  /** Told once the server says which video the bytes go to: a new upload's creation, or the upload it resumes. */
  onVideoId?: (videoId: string) => void;
}

export interface RunningUpload {
  /** Resolves with the created video; rejects with an Error whose message a person can read. */
  done: Promise<Video>;
  /** Stops for good: the server is told to drop the upload and its video. */
  abort: () => void;
  /** Stops sending but leaves the server what it has, for `resume`; the attempt's outcome no longer matters. */
  pause: () => void;
  /**
   * The next attempt of the same upload, from the offset the server reports. An upload the server no longer has
   * fails it (404/410) rather than quietly starting a new video from zero.
   */
  resume: () => RunningUpload;
}

export interface UploadTransport<F> {
  start(request: UploadRequest<F>): RunningUpload;
}

/**
 * Seconds before each try after a lost connection, about two minutes in all; then the upload waits for the person
 * (Resume). Any progress starts the list over, so an upload on a flaky connection keeps going as long as it moves.
 */
export const RETRY_DELAYS_SECONDS: readonly number[] = [2, 4, 8, 15, 30, 30, 30];

/** No byte moved for this long: the connection is dead without having said so (a phone that lost its network). */
export const STALL_MS = 30_000;

/** How a failed attempt goes on: try again by itself, offer to start over, or stop with the server's reason. */
export type FailureKind = 'interrupted' | 'lost' | 'refused';

/**
 * Interrupted: no answer at all (a lost connection, a server that is down), or the server's own trouble (5xx, a
 * busy upload); these pass. Lost: the tus endpoint no longer knows the upload (expired, deleted). Refused: anything
 * else the server said, which asking again would not change.
 */
export function failureKind(error: unknown): FailureKind {
  if (!(error instanceof ApiError)) return 'refused';
  if (error.isNetwork || error.status >= 500 || error.status === 423 || error.code === 'rate_limited') return 'interrupted';
  if (error.status === 404 || error.status === 410) return 'lost';
  return 'refused';
}

/** What the row says about an interruption: whose side it is on, as far as the page can tell. */
export function interruptionText(error: unknown): string {
  return error instanceof ApiError && !error.isNetwork ? 'Reel is not responding' : 'Connection lost';
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
  return finished.state === 'done' && finished.batchSize === 1 && !items.some((i) => i.id !== finished.id && isActive(i));
}

interface Entry<F> {
  item: UploadItem;
  file: F;
  /** The latest attempt; kept after a failure that can be resumed, so Resume goes on and Cancel discards it. */
  running: RunningUpload | null;
  meter: TransferMeter | null;
  /** False while the content check runs: the file is not sent before it is judged. */
  inspected: boolean;
  /** Tries since the upload last moved forward; indexes RETRY_DELAYS_SECONDS. */
  retries: number;
  /** How far the upload was when the tries began: getting past it is progress. */
  loadedBeforeRetries: number;
  /** The countdown of a retry, or the watch for a stall. */
  timer: ReturnType<typeof setTimeout> | null;
  /** Gave up after the connection stayed lost: being back online resumes it. */
  lostConnection: boolean;
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

const NOT_INTERRUPTED = { interruption: null, retryInSeconds: null, reconnecting: false } as const;

export class UploadQueue<F extends UploadFile = File> {
  private entries: Entry<F>[] = [];
  private nextId = 1;
  private limits: UploadLimits;
  private signInRequired = false;
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

  /** Whether a file is being sent, waits its turn or waits to retry: leaving the page now would stop it. */
  get busy(): boolean {
    return this.items.some(isActive);
  }

  setLimits(limits: UploadLimits): void {
    this.limits = limits;
  }

  /**
   * Whether uploads need someone to sign in first (an account-only server, nobody signed in). Meanwhile chosen files
   * wait in the list, in this page's memory, and go as soon as this turns false.
   */
  setSignInRequired(required: boolean): void {
    if (required === this.signInRequired) return;
    this.signInRequired = required;
    for (const entry of this.entries) {
      const waits = required && !entry.running;
      if (entry.item.state === 'queued' && entry.item.waitingForSignIn !== waits) this.update(entry, { waitingForSignIn: waits });
    }
    this.pump();
  }

  /**
   * Queues files in the given order; files the browser can already refuse are listed as failed at once, and those
   * whose content is not a video as soon as it has been read.
   */
  add(files: readonly F[]): UploadItem[] {
    const added = files.flatMap((file) => {
      // The same file chosen again for an upload that waits for Resume is that upload going on, not a second one
      // fighting it for the same place on the server.
      const waiting = this.entries.find(
        (e) => e.item.recovery === 'resume' && e.item.name === file.name && e.item.size === file.size,
      );
      if (waiting) {
        this.retry(waiting.item.id);
        return [];
      }
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
        videoId: null,
        ...NOT_INTERRUPTED,
        recovery: null,
        waitingForSignIn: reason === null && this.signInRequired,
      };
      const entry: Entry<F> = {
        item,
        file,
        running: null,
        meter: null,
        inspected: reason !== null || !this.inspect,
        retries: 0,
        loadedBeforeRetries: 0,
        timer: null,
        lostConnection: false,
      };
      this.entries.push(entry);
      if (!entry.inspected) this.check(entry);
      return [item];
    });
    this.emit();
    this.pump();
    return added;
  }

  /**
   * Takes a waiting file off the list; stops one being sent, waiting to retry or waiting to be resumed, and has the
   * server drop what it holds of it.
   */
  cancel(id: number): void {
    const entry = this.find(id);
    if (!entry) return;
    if (entry.item.state === 'queued' && !entry.running) {
      this.entries = this.entries.filter((e) => e !== entry);
      this.emit();
      return;
    }
    if (!isActive(entry.item) && !(entry.item.state === 'failed' && entry.item.recovery === 'resume')) return;
    const running = entry.running;
    this.stopWatching(entry);
    entry.running = null;
    entry.meter = null;
    this.update(entry, { state: 'cancelled', bytesPerSecond: null, secondsLeft: null, error: null, recovery: null, ...NOT_INTERRUPTED });
    running?.abort();
    this.pump();
  }

  /**
   * Tries a failed upload again: from the server's offset with the same file when it can be resumed, else from the
   * start as a new upload. It takes its turn like a newly chosen file.
   */
  retry(id: number): void {
    const entry = this.find(id);
    if (!entry || entry.item.state !== 'failed' || entry.item.recovery === null) return;
    if (entry.item.recovery === 'restart') {
      entry.running = null;
      entry.loadedBeforeRetries = 0;
    }
    entry.retries = 0;
    entry.lostConnection = false;
    this.update(entry, {
      state: 'queued',
      error: null,
      errorCode: null,
      recovery: null,
      waitingForSignIn: this.signInRequired && !entry.running,
      ...(entry.running ? {} : { loaded: 0 }),
    });
    this.pump();
  }

  /**
   * The browser is back online: uploads waiting to retry go at once, and those that gave up because the connection
   * stayed lost go on by themselves.
   */
  retryNow(): void {
    for (const entry of this.entries) {
      if (entry.item.state === 'retrying') {
        this.stopWatching(entry);
        this.attemptAgain(entry);
      } else if (entry.item.state === 'failed' && entry.lostConnection) {
        this.retry(entry.item.id);
      }
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
          this.update(entry, { state: 'failed', error: refusal, rejected: true, waitingForSignIn: false });
        }
        this.pump();
      });
  }

  private pump(): void {
    // One upload at a time; one waiting to retry keeps its turn, since the next file would meet the same connection.
    if (this.entries.some((e) => e.item.state === 'uploading' || e.item.state === 'retrying')) return;
    // Only a new upload needs the sign-in: one the server already has goes on by its URL alone.
    const next = this.entries.find((e) => e.item.state === 'queued' && (!this.signInRequired || e.running));
    // The next file waits for its check, which pumps again when it is done; files keep their order.
    if (next?.inspected) this.begin(next);
  }

  private begin(entry: Entry<F>): void {
    const resumed = entry.running !== null;
    const running =
      entry.running?.resume() ??
      this.transport.start({
        file: entry.file,
        title: titleFor(entry.file.name),
        callerRetries: true,
        onProgress: (loaded, total) => this.progress(entry, loaded, total),
        onVideoId: (videoId) => this.update(entry, { videoId }),
      });
    this.follow(entry, running, resumed);
  }

  /** A retry's countdown ran out, or the connection came back: the same upload goes on. */
  private attemptAgain(entry: Entry<F>): void {
    const running = entry.running;
    if (!running) {
      this.update(entry, { state: 'queued', ...NOT_INTERRUPTED });
      this.pump();
      return;
    }
    this.follow(entry, running.resume(), true);
  }

  private follow(entry: Entry<F>, running: RunningUpload, resumed: boolean): void {
    // A resumed upload's speed is measured afresh from the offset the server reports, never from before the break.
    entry.meter = new TransferMeter();
    if (!resumed) entry.meter.add(this.now(), 0);
    entry.running = running;
    this.update(entry, {
      state: 'uploading',
      bytesPerSecond: null,
      secondsLeft: null,
      ...NOT_INTERRUPTED,
      reconnecting: resumed,
      waitingForSignIn: false,
    });
    this.watchForStall(entry);
    running.done.then(
      (video) => this.succeed(entry, running, video),
      (error: unknown) => this.fail(entry, running, error),
    );
  }

  private progress(entry: Entry<F>, loaded: number, total: number): void {
    if (entry.item.state !== 'uploading' || !entry.meter) return;
    const size = total > 0 ? total : entry.item.total;
    entry.meter.add(this.now(), loaded);
    if (loaded > entry.loadedBeforeRetries) {
      entry.retries = 0;
      entry.loadedBeforeRetries = loaded;
    }
    this.watchForStall(entry);
    this.update(entry, {
      loaded: Math.min(loaded, size),
      total: size,
      bytesPerSecond: entry.meter.bytesPerSecond(),
      secondsLeft: entry.meter.secondsLeft(size),
      reconnecting: false,
    });
  }

  private succeed(entry: Entry<F>, running: RunningUpload, video: Video): void {
    // A cancelled or paused attempt may still settle afterwards; its outcome no longer matters.
    if (entry.running !== running || entry.item.state !== 'uploading') return;
    this.stopWatching(entry);
    entry.running = null;
    entry.meter = null;
    this.update(entry, { state: 'done', video, loaded: entry.item.total, bytesPerSecond: null, secondsLeft: null, ...NOT_INTERRUPTED });
    const { item } = entry;
    this.uploadedListeners.forEach((listener) => listener(item, video));
    this.pump();
  }

  private fail(entry: Entry<F>, running: RunningUpload, error: unknown): void {
    if (entry.running !== running || entry.item.state !== 'uploading') return;
    this.stopWatching(entry);
    entry.meter = null;
    const kind = failureKind(error);
    if (kind === 'interrupted') {
      this.interrupted(entry, error);
      return;
    }
    if (error instanceof ApiError && error.code === 'sign_in_required' && entry.item.loaded === 0) {
      // The session ended before the upload was created: the file waits for the next sign-in instead of being lost.
      entry.running = null;
      this.signInRequired = true;
      this.update(entry, { state: 'queued', bytesPerSecond: null, secondsLeft: null, ...NOT_INTERRUPTED, waitingForSignIn: true });
      this.pump();
      return;
    }
    const lost = kind === 'lost';
    entry.running = null;
    this.update(entry, {
      state: 'failed',
      bytesPerSecond: null,
      secondsLeft: null,
      ...NOT_INTERRUPTED,
      error: lost ? lostMessage(error) : uploadErrorMessage(error),
      errorCode: error instanceof ApiError ? error.code : null,
      recovery: lost ? 'restart' : null,
    });
    this.pump();
  }

  /** Waits before the next try, counting down; after the last one the upload waits for the person. */
  private interrupted(entry: Entry<F>, error: unknown): void {
    const delay = RETRY_DELAYS_SECONDS[entry.retries];
    if (delay === undefined) {
      entry.lostConnection = error instanceof ApiError && error.isNetwork;
      this.update(entry, {
        state: 'failed',
        bytesPerSecond: null,
        secondsLeft: null,
        ...NOT_INTERRUPTED,
        error: `Upload interrupted at ${uploadPercent(entry.item)} %: ${
          entry.lostConnection ? 'Reel could not be reached' : 'Reel was not responding'
        } for about two minutes. Resume goes on from there.`,
        errorCode: error instanceof ApiError ? error.code : null,
        recovery: 'resume',
      });
      this.pump();
      return;
    }
    entry.retries++;
    this.update(entry, {
      state: 'retrying',
      bytesPerSecond: null,
      secondsLeft: null,
      interruption: interruptionText(error),
      retryInSeconds: delay,
      reconnecting: false,
    });
    const tick = () => {
      const left = (entry.item.retryInSeconds ?? 1) - 1;
      if (left <= 0) {
        entry.timer = null;
        this.attemptAgain(entry);
      } else {
        this.update(entry, { retryInSeconds: left });
        entry.timer = setTimeout(tick, 1000);
      }
    };
    entry.timer = setTimeout(tick, 1000);
  }

  /** Restarts the watch for a connection that died silently: no progress for STALL_MS counts as lost. */
  private watchForStall(entry: Entry<F>): void {
    this.stopWatching(entry);
    entry.timer = setTimeout(() => {
      entry.timer = null;
      const running = entry.running;
      if (entry.item.state !== 'uploading' || !running) return;
      // Every byte is sent: the server is judging the file, which is not a stall.
      if (entry.item.loaded >= entry.item.total) return;
      running.pause();
      entry.meter = null;
      this.interrupted(entry, new ApiError(0, 'stalled', 'No bytes moved.'));
    }, STALL_MS);
  }

  private stopWatching(entry: Entry<F>): void {
    if (entry.timer !== null) clearTimeout(entry.timer);
    entry.timer = null;
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

function lostMessage(error: unknown): string {
  const reason = error instanceof ApiError && error.status === 410 && error.code === 'upload_expired' ? 'it waited too long for its next bytes' : 'it was removed';
  return `Reel no longer has this upload (${reason}). Start again sends the whole file anew.`;
}

function isActive(item: UploadItem): boolean {
  return item.state === 'queued' || item.state === 'uploading' || item.state === 'retrying';
}

/** Percent shown on the bar and in the status text; 100 only once the last byte is sent. */
export function uploadPercent(item: Pick<UploadItem, 'loaded' | 'total' | 'state'>): number {
  if (item.state === 'done') return 100;
  if (item.total <= 0) return 0;
  const percent = Math.floor((item.loaded / item.total) * 100);
  return Math.min(item.loaded >= item.total ? 100 : 99, Math.max(0, percent));
}

export interface UploadsSummary {
  /** Whether the header shows the uploads: while any is under way or waits, or has failed. */
  visible: boolean;
  /** What the header says, e.g. "Uploading 2 files · 37 %". */
  text: string;
  /** The same on a phone: a number or a word. */
  short: string;
  /** Whether something needs the person (a failure, a sign-in). */
  attention: boolean;
  /**
   * What a screen reader hears when it changes: the situation only, never the percent or a countdown, so the live
   * region speaks when something happens rather than every second.
   */
  announcement: string;
}

const files = (count: number) => (count === 1 ? '1 file' : `${count} files`);

/** The uploads in one line for the header of every page. */
export function summarizeUploads(items: readonly UploadItem[]): UploadsSummary {
  const active = items.filter(isActive);
  const failed = items.filter((i) => i.state === 'failed');
  if (active.length > 0) {
    const retrying = active.find((i) => i.state === 'retrying');
    const loaded = active.reduce((sum, i) => sum + i.loaded, 0);
    const total = active.reduce((sum, i) => sum + i.total, 0);
    const percent = uploadPercent({ state: 'uploading', loaded, total });
    if (retrying) {
      const text = `${retrying.interruption ?? 'Connection lost'} · retrying`;
      return { visible: true, text, short: 'Retrying', attention: true, announcement: `${text} ${files(active.length)} by itself.` };
    }
    if (active.every((i) => i.waitingForSignIn)) {
      const text = `Sign in to upload ${files(active.length)}`;
      return { visible: true, text, short: 'Sign in', attention: true, announcement: `${text}.` };
    }
    return {
      visible: true,
      text: `Uploading ${files(active.length)} · ${percent} %`,
      short: `${percent} %`,
      attention: false,
      announcement: `Uploading ${files(active.length)}.`,
    };
  }
  if (failed.length > 0) {
    const text = failed.length === 1 ? '1 upload failed' : `${failed.length} uploads failed`;
    return { visible: true, text, short: 'Failed', attention: true, announcement: `${text}.` };
  }
  const finished = items.some((i) => i.state === 'done');
  return { visible: false, text: '', short: '', attention: false, announcement: finished ? 'Uploads finished.' : '' };
}
