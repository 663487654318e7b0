// When the stream stops loading because Reel or the network went away, the player does not give up: it tries again
// with growing pauses while someone can see the page, at once when there is reason to think the way is open again
// (the browser is back online, the page reached Reel, the tab is shown again, the viewer asks), and it tells the
// viewer whose side the trouble is on. Errors that are the server's final word (403, 404, 410, a broken file) are
// not outages: they keep their own handling.

/** Pauses between attempts: quick at first for a blip, then calmer, never more than 15 s apart. */
export const RETRY_STEPS_MS = [1000, 2000, 4000, 8000, 15_000] as const;
/** Each pause is up to this fraction shorter or longer, so the players of one server do not all return in step. */
const JITTER = 0.1;

/** The pause before attempt number `attempt` (0 for the first retry); `random` gives a number in [0, 1). */
export function retryDelay(attempt: number, random: () => number = Math.random): number {
  const step = RETRY_STEPS_MS[Math.min(Math.max(0, Math.floor(attempt)), RETRY_STEPS_MS.length - 1)]!;
  return Math.round(step * (1 + JITTER * (2 * random() - 1)));
}

/** What is read of a failed load (hls.js ErrorData). */
export interface LoadFailure {
  type: string;
  details: string;
  /** The HTTP answer; code 0 when there was none (a refused or reset connection). */
  response?: { code?: number };
}

/** Answers that say "not now" rather than "no": the server, or a proxy in front of it, is in trouble for a while. */
const TRANSIENT_STATUS = new Set([408, 429]);

/**
 * Whether a failed load of a playlist or a segment means Reel could not be reached: no answer at all (the
 * connection was refused, reset or timed out) or a transient one (5xx from a proxy whose upstream is down, 503 while
 * storage is away, 408, 429). Worth retrying for as long as it lasts.
 */
export function isOutage(failure: LoadFailure): boolean {
  if (failure.type !== 'networkError' || !/Load(Error|TimeOut)$/.test(failure.details)) return false;
  const code = failure.response?.code;
  return code === undefined || code === 0 || code >= 500 || TRANSIENT_STATUS.has(code);
}

/** Seconds left until `retryAt` (epoch ms), rounded up, as the countdown shows them; null when no attempt is due. */
export function secondsUntil(retryAt: number | null, now: number): number | null {
  if (retryAt === null) return null;
  return Math.max(0, Math.ceil((retryAt - now) / 1000));
}

export const OFFLINE_MESSAGE = 'You are offline. Playback resumes when you are back online.';

/** The notice on the player during an outage: whose side it is on, and when the next attempt is. */
export function outageMessage(online: boolean, secondsLeft: number | null): string {
  if (!online) return OFFLINE_MESSAGE;
  if (secondsLeft === null || secondsLeft <= 0) return 'Reel is unreachable. Trying again…';
  return `Reel is unreachable. Retrying in ${secondsLeft} s…`;
}

/** What a screen reader hears once per change of the outage, not the countdown every second. */
export function outageAnnouncement(online: boolean): string {
  return online ? 'Reel is unreachable. The player keeps trying by itself.' : OFFLINE_MESSAGE;
}

/** An outage in progress: when the next attempt is (epoch ms), or null while one runs or retrying is paused. */
export interface Outage {
  retryAt: number | null;
}

/**
 * Runs the attempts of one outage: `failed` after each failed load schedules the next one by the back-off, `now`
 * tries at once, `recovered` ends the outage. While the page is hidden no attempt is made (nobody watches, and a
 * phone's radio may sleep); showing it again tries at once.
 */
export class Reconnector {
  private attempts = 0;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private active = false;
  private hidden = false;

  constructor(
    private readonly attempt: () => void,
    private readonly report: (outage: Outage | null) => void,
    private readonly random: () => number = Math.random,
  ) {}

  /** Whether an outage is in progress. */
  get down(): boolean {
    return this.active;
  }

  /** A load failed for want of a connection: the next attempt comes after the next pause of the back-off. */
  failed(): void {
    this.active = true;
    clearTimeout(this.timer);
    if (this.hidden) {
      this.report({ retryAt: null });
      return;
    }
    const delay = retryDelay(this.attempts++, this.random);
    this.timer = setTimeout(() => this.run(), delay);
    this.report({ retryAt: Date.now() + delay });
  }

  /**
   * A load failed and is being retried elsewhere (hls.js retries some loads itself before it gives up): the outage
   * shows, with no attempt of this one's due yet.
   */
  retrying(): void {
    if (this.active) return;
    this.active = true;
    clearTimeout(this.timer);
    this.report({ retryAt: null });
  }

  /** Data arrived: the outage, if there was one, is over, and a later one starts the back-off from the beginning. */
  recovered(): void {
    this.attempts = 0;
    if (!this.active) return;
    this.active = false;
    clearTimeout(this.timer);
    this.report(null);
  }

  /** There is reason to think the way is open again: try at once instead of waiting out the pause. */
  now(): void {
    if (!this.active || this.hidden) return;
    clearTimeout(this.timer);
    this.run();
  }

  /** Pauses retrying while the page is hidden; showing it again tries at once. */
  setHidden(hidden: boolean): void {
    if (this.hidden === hidden) return;
    this.hidden = hidden;
    if (!this.active) return;
    if (hidden) {
      clearTimeout(this.timer);
      this.report({ retryAt: null });
    } else {
      this.run();
    }
  }

  /** Ends everything, e.g. for a fresh start of the player or when it goes away. */
  stop(): void {
    clearTimeout(this.timer);
    this.attempts = 0;
    if (!this.active) return;
    this.active = false;
    this.report(null);
  }

  private run(): void {
    this.report({ retryAt: null });
    this.attempt();
  }
}
