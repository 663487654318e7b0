// Who is signed in. The access token lives in this object only (never in storage, so a script injected into
// the page later cannot find it there); the refresh token lives in an HttpOnly cookie the server sets, which
// no script can read at all. A reload of the page therefore starts signed out and asks the server, once, to
// turn the cookie into a fresh session.
//
// The object is a Svelte store (it has `subscribe`), so components read it as `$session`, and it has no other tie
// to Svelte or the DOM: fetch, the clock, the timers and the cross-tab lock are injected, and the tests drive them.

import { ApiError, networkError, problemToError } from './problem';
import { browserStorage, type StorageLike } from './storage';

export type Role = 'admin' | 'uploader' | 'viewer';
export const ROLES: readonly Role[] = ['admin', 'uploader', 'viewer'];

export interface User {
  id: string;
  email: string;
  displayName: string;
  roles: string[];
}

/** The answer of login, register and refresh. With `"session": "cookie"` the refresh token is not in it. */
export interface SessionBody {
  accessToken: string;
  refreshToken?: string | null;
  expiresIn: number;
  user: User;
}

export type SessionStatus = 'restoring' | 'signed-in' | 'signed-out';

export interface SessionState {
  readonly status: SessionStatus;
  readonly user: User | null;
}

export type Fetch = (input: string, init: RequestInit) => Promise<Response>;

export interface SessionOptions {
  fetch: Fetch;
  now?: () => number;
  setTimer?: (run: () => void, ms: number) => unknown;
  clearTimer?: (handle: unknown) => void;
  /**
   * Runs a refresh while holding a lock shared by every tab of the origin (the Web Locks API). Refresh tokens are
   * spent on use, and two tabs presenting the same one at once would look like theft to the server, which then
   * ends the login everywhere; under the lock the second tab sends the cookie the first one just received.
   */
  lock?: <T>(name: string, task: () => Promise<T>) => Promise<T>;
  /**
   * Remembers, without any secret, whether this browser holds a refresh cookie (the cookie itself is out of
   * script's reach). Without it, every anonymous page load would ask the server and get a 401, which browsers log
   * as an error in the console. Absent: always ask.
   */
  hint?: SessionHint;
}

export interface SessionHint {
  get(): boolean;
  set(signedIn: boolean): void;
}

export const SESSION_HINT_KEY = 'reel.session.v1';

/** The hint in localStorage; a browser without storage always asks. */
export function storageHint(storage: StorageLike | null): SessionHint | undefined {
  if (!storage) return undefined;
  return {
    get: () => {
      try {
        return storage.getItem(SESSION_HINT_KEY) === '1';
      } catch {
        return true;
      }
    },
    set: (signedIn) => {
      try {
        if (signedIn) storage.setItem(SESSION_HINT_KEY, '1');
        else storage.removeItem(SESSION_HINT_KEY);
      } catch {
        // Without storage the next page load asks the server, which is fine.
      }
    },
  };
}

/** When to refresh a token that lives `expiresIn` seconds: a minute before it ends, or halfway for short ones. */
export function refreshDelayMs(expiresInSeconds: number): number {
  const lifetime = Math.max(0, expiresInSeconds) * 1000;
  return Math.max(lifetime - 60_000, lifetime / 2);
}

/** A token this close to its end is refreshed before it is sent rather than after the server refuses it. */
const EXPIRY_MARGIN_MS = 5_000;
/** After a refresh that got no answer, try again this much later while the person still appears signed in. */
const RETRY_AFTER_NETWORK_MS = 30_000;

type RefreshOutcome = 'refreshed' | 'signed-out' | 'unreachable';

export function isAdmin(user: User | null | undefined): boolean {
  return !!user && user.roles.includes('admin');
}

export class Session {
  private token: string | null = null;
  private expiresAt = 0;
  private state: SessionState = { status: 'restoring', user: null };
  private readonly listeners = new Set<(state: SessionState) => void>();
  private refreshing: Promise<string | null> | null = null;
  private restoring: Promise<void> | null = null;
  private timer: unknown = null;
  /** Bumped by sign-in and sign-out, so the late answer of a refresh cannot undo them. */
  private epoch = 0;

  private readonly fetchImpl: Fetch;
  private readonly now: () => number;
  private readonly setTimer: (run: () => void, ms: number) => unknown;
  private readonly clearTimer: (handle: unknown) => void;
  private readonly lock: <T>(name: string, task: () => Promise<T>) => Promise<T>;
  private readonly hint: SessionHint | undefined;

  constructor(options: SessionOptions) {
    this.hint = options.hint;
    this.fetchImpl = options.fetch;
    this.now = options.now ?? (() => Date.now());
    this.setTimer = options.setTimer ?? ((run, ms) => setTimeout(run, ms));
    this.clearTimer = options.clearTimer ?? ((handle) => clearTimeout(handle as ReturnType<typeof setTimeout>));
    this.lock = options.lock ?? ((_name, task) => task());
  }

  get current(): SessionState {
    return this.state;
  }

  get user(): User | null {
    return this.state.user;
  }

  /** The Svelte store contract: calls back now and after every change. */
  subscribe(listener: (state: SessionState) => void): () => void {
    this.listeners.add(listener);
    listener(this.state);
    return () => {
      this.listeners.delete(listener);
    };
  }

  /**
   * Turns the refresh cookie, if any, into a session; once per page load. No cookie, or one the server no longer
   * honours, simply means signed out: nothing to report. API calls wait for this to settle, so the first of them
   * already carries the token. A browser that never signed in (or signed out) does not ask.
   */
  restore(): Promise<void> {
    if (!this.restoring) {
      if (this.hint && !this.hint.get()) {
        this.signOutLocally(false);
        this.restoring = Promise.resolve();
      } else {
        this.restoring = this.refresh().then(() => {
          if (this.state.status === 'restoring') this.signOutLocally(false);
        });
      }
    }
    return this.restoring;
  }

  /** Resolves once the session is known (at once when restore was never asked for). */
  async settled(): Promise<void> {
    await this.restoring;
  }

  /**
   * Asks for a new access token. Concurrent callers share one request: the refresh token is spent by the first
   * use, so a second request with the same cookie would be refused and end the login.
   * Resolves with the new token, or null when there is none (signed out, or the server could not be reached).
   */
  refresh(): Promise<string | null> {
    if (!this.refreshing) {
      const epoch = this.epoch;
      this.refreshing = this.lock('reel-session-refresh', () => this.requestRefresh(epoch)).finally(() => {
        this.refreshing = null;
      });
    }
    return this.refreshing;
  }

  async login(email: string, password: string): Promise<User> {
    return this.start('/api/auth/login', { email, password, session: 'cookie' });
  }

  async register(email: string, password: string, displayName: string): Promise<User> {
    const body: Record<string, string> = { email, password, session: 'cookie' };
    if (displayName.trim() !== '') body.displayName = displayName.trim();
    return this.start('/api/auth/register', body);
  }

  /** Ends the login on the server (which clears the cookie) and here; here even when the server cannot be reached. */
  async logout(): Promise<void> {
    // A refresh still on its way would set a new cookie after the server cleared it.
    await this.refreshing?.catch(() => null);
    const token = this.token;
    this.epoch++;
    this.signOutLocally(true);
    try {
      await this.fetchImpl('/api/auth/logout', authorize(jsonPost({}), token));
    } catch {
      // Signed out here all the same; the refresh token expires on its own.
    }
  }

  /**
   * fetch for the API: adds the access token, refreshes it first when it is about to end, and when the server
   * still answers 401 to a request that carried a token, refreshes once and sends the request once more.
   * Network failures reject as fetch does; every answer, including errors, resolves.
   */
  async fetch(path: string, init: RequestInit = {}): Promise<Response> {
    await this.restoring;
    const token = await this.usableToken();
    const response = await this.fetchImpl(path, authorize(init, token));
    if (response.status !== 401 || token === null) return response;
    // Another caller may have refreshed while this request was on its way: then its token is the one to use.
    const fresh = this.token !== null && this.token !== token ? this.token : await this.refresh();
    if (fresh === null || fresh === token) return response;
    return this.fetchImpl(path, authorize(init, fresh));
  }

  /** A token worth sending now, refreshed first when it is (nearly) expired; null when signed out. */
  async usableToken(): Promise<string | null> {
    if (this.token !== null && this.now() >= this.expiresAt - EXPIRY_MARGIN_MS) {
      return (await this.refresh()) ?? this.token;
    }
    return this.token;
  }

  private async start(path: string, body: Record<string, string>): Promise<User> {
    await this.refreshing?.catch(() => null);
    let response: Response;
    try {
      response = await this.fetchImpl(path, jsonPost(body));
    } catch {
      throw networkError();
    }
    const text = await response.text();
    if (!response.ok) throw problemToError(response.status, text, response.headers.get('Retry-After'));
    const session = parseSession(text);
    if (!session) throw new ApiError(response.status, 'invalid_session', 'The server’s answer could not be read.');
    this.epoch++;
    this.accept(session);
    return session.user;
  }

  private async requestRefresh(epoch: number): Promise<string | null> {
    let outcome: RefreshOutcome;
    let session: SessionBody | null = null;
    try {
      const response = await this.fetchImpl('/api/auth/refresh', jsonPost({}));
      if (response.ok) {
        session = parseSession(await response.text());
        outcome = session ? 'refreshed' : 'unreachable';
      } else {
        // 400/401/403: no cookie, an expired, spent or revoked one. Anything else says nothing about the login.
        outcome = response.status >= 400 && response.status < 500 && response.status !== 429 ? 'signed-out' : 'unreachable';
      }
    } catch {
      outcome = 'unreachable';
    }
    // Signed in or out meanwhile: that is newer than this answer.
    if (epoch !== this.epoch) return this.token;
    if (outcome === 'refreshed' && session) {
      this.accept(session);
      return session.accessToken;
    }
    if (outcome === 'signed-out' || this.state.status !== 'signed-in') {
      // Only the server's "no" means the cookie is gone; an unreachable server may still honour it later.
      this.signOutLocally(outcome === 'signed-out');
      return null;
    }
    // Still signed in as far as we know: keep the token until it ends and try again a little later.
    this.schedule(RETRY_AFTER_NETWORK_MS);
    return null;
  }

  private accept(session: SessionBody): void {
    this.token = session.accessToken;
    this.expiresAt = this.now() + Math.max(0, session.expiresIn) * 1000;
    this.schedule(refreshDelayMs(session.expiresIn));
    this.hint?.set(true);
    this.set({ status: 'signed-in', user: session.user });
  }

  /** `definitive`: the server said the login is over (or the person signed out), so the hint goes too. */
  private signOutLocally(definitive: boolean): void {
    if (definitive) this.hint?.set(false);
    this.token = null;
    this.expiresAt = 0;
    this.unschedule();
    this.set({ status: 'signed-out', user: null });
  }

  private schedule(ms: number): void {
    this.unschedule();
    this.timer = this.setTimer(() => {
      this.timer = null;
      void this.refresh();
    }, ms);
  }

  private unschedule(): void {
    if (this.timer !== null) this.clearTimer(this.timer);
    this.timer = null;
  }

  private set(state: SessionState): void {
    if (state.status === this.state.status && state.user === this.state.user) return;
    this.state = state;
    this.listeners.forEach((listener) => listener(state));
  }
}

function jsonPost(body: unknown): RequestInit {
  return {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
    body: JSON.stringify(body),
    // The refresh cookie travels with same-origin requests only (and only to /api/auth).
    credentials: 'same-origin',
  };
}

function authorize(init: RequestInit, token: string | null): RequestInit {
  const headers = new Headers(init.headers);
  if (token !== null) headers.set('Authorization', `Bearer ${token}`);
  else headers.delete('Authorization');
  return { ...init, headers };
}

function parseSession(text: string): SessionBody | null {
  try {
    const body = JSON.parse(text) as Partial<SessionBody> | null;
    const user = body?.user;
    if (!body || typeof body.accessToken !== 'string' || !user || typeof user.id !== 'string') return null;
    return {
      accessToken: body.accessToken,
      expiresIn: typeof body.expiresIn === 'number' && body.expiresIn > 0 ? body.expiresIn : 900,
      user: {
        id: user.id,
        email: typeof user.email === 'string' ? user.email : '',
        displayName: typeof user.displayName === 'string' && user.displayName.trim() !== '' ? user.displayName : (user.email ?? ''),
        roles: Array.isArray(user.roles) ? user.roles.map(String) : [],
      },
    };
  } catch {
    return null;
  }
}

export function browserLock(locks: LockManager | undefined = typeof navigator !== 'undefined' ? navigator.locks : undefined): SessionOptions['lock'] {
  if (!locks) return undefined;
  return <T>(name: string, task: () => Promise<T>) => {
    let started = false;
    const locked = locks.request(name, () => {
      started = true;
      return task();
    }) as Promise<T>;
    return locked.catch((error: unknown) => {
      if (started) throw error;
      // The lock itself was refused: a browser that denies a frame of another site its storage (an embedded player)
      // denies it locks too. No other tab shares that frame's storage, so the task runs alone anyway.
      return task();
    });
  };
}

/** The one session of the app. */
export const session = new Session({
  fetch: (input, init) => fetch(input, init),
  lock: browserLock(),
  hint: storageHint(browserStorage()),
});
