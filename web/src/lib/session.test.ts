import { describe, expect, it } from 'vitest';
import { jsonResponse } from '../testing/builders';
import { ApiError } from './problem';
import { MemoryStorage } from '../testing/builders';
import { browserLock, refreshDelayMs, Session, SESSION_HINT_KEY, storageHint, type SessionBody, type SessionHint, type SessionState } from './session';

const ALICE = { id: 'u1', email: 'alice@example.org', displayName: 'Alice', roles: ['uploader'] };

function sessionBody(token: string, expiresIn = 900): SessionBody {
  return { accessToken: token, expiresIn, user: ALICE };
}

interface Call {
  path: string;
  method: string;
  auth: string | null;
  body: string | null;
  credentials: RequestCredentials | undefined;
  keepalive: boolean | undefined;
}

/** A fake server: each path answers from a queue of handlers; every request is recorded. */
function setup(hint?: SessionHint) {
  const calls: Call[] = [];
  const routes = new Map<string, ((call: Call) => Response | Promise<Response>)[]>();
  let clock = 1_000_000;
  const timers: { at: number; run: () => void; id: number }[] = [];
  let nextTimer = 1;

  const answer = (path: string, ...handlers: ((call: Call) => Response | Promise<Response>)[]) => {
    routes.set(path, [...(routes.get(path) ?? []), ...handlers]);
  };

  const fetch = async (path: string, init: RequestInit): Promise<Response> => {
    const headers = new Headers(init.headers);
    const call: Call = {
      path,
      method: init.method ?? 'GET',
      auth: headers.get('Authorization'),
      body: typeof init.body === 'string' ? init.body : null,
      credentials: init.credentials,
      keepalive: init.keepalive,
    };
    calls.push(call);
    const queue = routes.get(path);
    const handler = queue && queue.length > 1 ? queue.shift()! : queue?.[0];
    if (!handler) throw new Error(`no answer for ${path}`);
    return handler(call);
  };

  const locks: string[] = [];
  const session = new Session({
    fetch,
    now: () => clock,
    setTimer: (run, ms) => {
      const id = nextTimer++;
      timers.push({ at: clock + ms, run, id });
      return id;
    },
    clearTimer: (id) => {
      const index = timers.findIndex((t) => t.id === id);
      if (index >= 0) timers.splice(index, 1);
    },
    lock: (name, task) => {
      locks.push(name);
      return task();
    },
    hint,
  });
  const states: SessionState[] = [];
  session.subscribe((state) => states.push(state));

  return {
    session,
    calls,
    answer,
    states,
    locks,
    timers,
    advance(ms: number) {
      clock += ms;
      for (const timer of [...timers].sort((a, b) => a.at - b.at)) {
        if (timer.at <= clock) {
          timers.splice(timers.indexOf(timer), 1);
          timer.run();
        }
      }
    },
    refreshCalls: () => calls.filter((c) => c.path === '/api/auth/refresh').length,
  };
}

/** A promise the test resolves when it wants the server to answer. */
function deferred<T>() {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

describe('restoring the session at start', () => {
  it('turns the refresh cookie into a session, without sending a refresh token in the body', async () => {
    const t = setup();
    t.answer('/api/auth/refresh', () => jsonResponse(200, sessionBody('access-1')));
    t.answer('/api/auth/me', (call) => jsonResponse(call.auth === 'Bearer access-1' ? 200 : 401, ALICE));

    await t.session.restore();

    expect(t.session.current).toEqual({ status: 'signed-in', user: ALICE });
    const refresh = t.calls[0]!;
    expect(refresh).toMatchObject({ path: '/api/auth/refresh', method: 'POST', body: '{}', credentials: 'same-origin' });
    expect((await t.session.fetch('/api/auth/me')).status).toBe(200);
  });

  it('is signed out, quietly, when there is no cookie or the server refuses it', async () => {
    const t = setup();
    t.answer('/api/auth/refresh', () => jsonResponse(401, { code: 'invalid_refresh_token', detail: 'No session.' }));

    await expect(t.session.restore()).resolves.toBeUndefined();

    expect(t.session.current).toEqual({ status: 'signed-out', user: null });
    expect(t.states.map((s) => s.status)).toEqual(['restoring', 'signed-out']);
    expect(t.timers).toHaveLength(0);
  });

  it('is signed out when the server cannot be reached', async () => {
    const t = setup();
    t.answer('/api/auth/refresh', () => Promise.reject(new TypeError('Failed to fetch')));
    await t.session.restore();
    expect(t.session.current.status).toBe('signed-out');
  });

  it('makes API calls wait for it, so the first one already carries the token', async () => {
    const t = setup();
    const answer = deferred<Response>();
    t.answer('/api/auth/refresh', () => answer.promise);
    t.answer('/api/videos', () => jsonResponse(200, { items: [] }));

    void t.session.restore();
    const request = t.session.fetch('/api/videos');
    await Promise.resolve();
    expect(t.calls.map((c) => c.path)).toEqual(['/api/auth/refresh']);

    answer.resolve(jsonResponse(200, sessionBody('access-1')));
    await request;
    expect(t.calls[1]).toMatchObject({ path: '/api/videos', auth: 'Bearer access-1' });
  });
});

describe('the hint that this browser holds a session', () => {
  it('without it, the start costs no request (and no 401 in the console)', async () => {
    const storage = new MemoryStorage();
    const t = setup(storageHint(storage));
    await t.session.restore();
    expect(t.calls).toHaveLength(0);
    expect(t.session.current.status).toBe('signed-out');
  });

  it('is set by signing in and cleared by signing out', async () => {
    const storage = new MemoryStorage();
    const t = setup(storageHint(storage));
    t.answer('/api/auth/login', () => jsonResponse(200, sessionBody('access-1')));
    t.answer('/api/auth/logout', () => jsonResponse(204, undefined));
    await t.session.login('alice@example.org', 'correct horse battery');
    expect(storage.getItem(SESSION_HINT_KEY)).toBe('1');
    await t.session.logout();
    expect(storage.getItem(SESSION_HINT_KEY)).toBeNull();
  });

  it('with it, the start asks the server; a refusal clears it, an unreachable server does not', async () => {
    const storage = new MemoryStorage();
    storage.setItem(SESSION_HINT_KEY, '1');
    const offline = setup(storageHint(storage));
    offline.answer('/api/auth/refresh', () => Promise.reject(new TypeError('offline')));
    await offline.session.restore();
    expect(offline.refreshCalls()).toBe(1);
    expect(storage.getItem(SESSION_HINT_KEY)).toBe('1');

    const refused = setup(storageHint(storage));
    refused.answer('/api/auth/refresh', () => jsonResponse(401, { code: 'invalid_refresh_token' }));
    await refused.session.restore();
    expect(refused.refreshCalls()).toBe(1);
    expect(storage.getItem(SESSION_HINT_KEY)).toBeNull();
  });
});

describe('refreshing', () => {
  it('shares one request among concurrent callers', async () => {
    const t = setup();
    const answer = deferred<Response>();
    t.answer('/api/auth/refresh', () => answer.promise);

    const first = t.session.refresh();
    const second = t.session.refresh();
    const third = t.session.refresh();
    answer.resolve(jsonResponse(200, sessionBody('access-2')));

    expect(await Promise.all([first, second, third])).toEqual(['access-2', 'access-2', 'access-2']);
    expect(t.refreshCalls()).toBe(1);
    expect(t.locks).toEqual(['reel-session-refresh']);
  });

  it('starts a new request once the previous one settled', async () => {
    const t = setup();
    t.answer(
      '/api/auth/refresh',
      () => jsonResponse(200, sessionBody('access-1')),
      () => jsonResponse(200, sessionBody('access-2')),
    );
    expect(await t.session.refresh()).toBe('access-1');
    expect(await t.session.refresh()).toBe('access-2');
    expect(t.refreshCalls()).toBe(2);
  });

  it('runs shortly before the access token expires', async () => {
    const t = setup();
    t.answer(
      '/api/auth/refresh',
      () => jsonResponse(200, sessionBody('access-1', 900)),
      () => jsonResponse(200, sessionBody('access-2', 900)),
    );
    await t.session.restore();
    expect(refreshDelayMs(900)).toBe(840_000);

    t.advance(839_000);
    expect(t.refreshCalls()).toBe(1);
    t.advance(1_000);
    expect(t.refreshCalls()).toBe(2);
    await t.session.refresh();
    t.answer('/api/x', (call) => jsonResponse(200, { auth: call.auth }));
    expect(await (await t.session.fetch('/api/x')).json()).toEqual({ auth: 'Bearer access-2' });
  });

  it('refreshes halfway through a short-lived token', () => {
    expect(refreshDelayMs(60)).toBe(30_000);
    expect(refreshDelayMs(120)).toBe(60_000);
  });

  it('refreshes first when the token has (nearly) expired, e.g. after the computer slept', async () => {
    const t = setup();
    t.answer(
      '/api/auth/refresh',
      () => jsonResponse(200, sessionBody('access-1', 900)),
      () => jsonResponse(200, sessionBody('access-2', 900)),
    );
    t.answer('/api/x', (call) => jsonResponse(200, { auth: call.auth }));
    await t.session.restore();
    t.timers.length = 0; // the timer did not fire: the tab was asleep
    t.advance(899_000);

    const response = await t.session.fetch('/api/x');

    expect(await response.json()).toEqual({ auth: 'Bearer access-2' });
    expect(t.calls.map((c) => c.path)).toEqual(['/api/auth/refresh', '/api/auth/refresh', '/api/x']);
  });

  it('signs out when the refresh token was already spent (reuse ends the login)', async () => {
    const t = setup();
    t.answer(
      '/api/auth/refresh',
      () => jsonResponse(200, sessionBody('access-1')),
      () => jsonResponse(401, { code: 'refresh_token_reused' }),
    );
    await t.session.restore();
    expect(await t.session.refresh()).toBeNull();
    expect(t.session.current).toEqual({ status: 'signed-out', user: null });
  });

  it('stays signed in when a refresh gets no answer, and tries again later', async () => {
    const t = setup();
    t.answer(
      '/api/auth/refresh',
      () => jsonResponse(200, sessionBody('access-1')),
      () => Promise.reject(new TypeError('offline')),
      () => jsonResponse(200, sessionBody('access-3')),
    );
    await t.session.restore();
    expect(await t.session.refresh()).toBeNull();
    expect(t.session.current.status).toBe('signed-in');

    t.advance(30_000);
    expect(t.refreshCalls()).toBe(3);
  });
});

describe('API calls with a token', () => {
  async function signedIn() {
    const t = setup();
    t.answer(
      '/api/auth/refresh',
      () => jsonResponse(200, sessionBody('old')),
      () => jsonResponse(200, sessionBody('new')),
    );
    await t.session.restore();
    return t;
  }

  it('on a 401, refresh once and send the request once more with the new token', async () => {
    const t = await signedIn();
    t.answer('/api/videos/v1', (call) =>
      call.auth === 'Bearer new' ? jsonResponse(204, undefined) : jsonResponse(401, { code: 'unauthorized' }),
    );

    const response = await t.session.fetch('/api/videos/v1', { method: 'PATCH', body: '{"title":"x"}' });

    expect(response.status).toBe(204);
    expect(t.calls.slice(1).map((c) => [c.path, c.auth, c.body])).toEqual([
      ['/api/videos/v1', 'Bearer old', '{"title":"x"}'],
      ['/api/auth/refresh', null, '{}'],
      ['/api/videos/v1', 'Bearer new', '{"title":"x"}'],
    ]);
  });

  it('retries only once: a second 401 is the answer', async () => {
    const t = await signedIn();
    t.answer('/api/admin/users', () => jsonResponse(401, { code: 'unauthorized' }));

    const response = await t.session.fetch('/api/admin/users');

    expect(response.status).toBe(401);
    expect(t.calls.filter((c) => c.path === '/api/admin/users')).toHaveLength(2);
    expect(t.refreshCalls()).toBe(2);
  });

  it('concurrent 401s share one refresh', async () => {
    const t = await signedIn();
    t.answer('/api/a', (call) => jsonResponse(call.auth === 'Bearer new' ? 200 : 401, {}));
    t.answer('/api/b', (call) => jsonResponse(call.auth === 'Bearer new' ? 200 : 401, {}));
    t.answer('/api/c', (call) => jsonResponse(call.auth === 'Bearer new' ? 200 : 401, {}));

    const answers = await Promise.all(['/api/a', '/api/b', '/api/c'].map((p) => t.session.fetch(p)));

    expect(answers.map((r) => r.status)).toEqual([200, 200, 200]);
    expect(t.refreshCalls()).toBe(2); // the restore, and one for all three
  });

  it('when the refresh fails too, signs out and hands back the 401 without another try', async () => {
    const t = setup();
    t.answer(
      '/api/auth/refresh',
      () => jsonResponse(200, sessionBody('old')),
      () => jsonResponse(401, { code: 'invalid_refresh_token' }),
    );
    t.answer('/api/videos?mine=true', () => jsonResponse(401, { code: 'unauthorized' }));
    await t.session.restore();

    const response = await t.session.fetch('/api/videos?mine=true');

    expect(response.status).toBe(401);
    expect(t.calls.filter((c) => c.path === '/api/videos?mine=true')).toHaveLength(1);
    expect(t.session.current.status).toBe('signed-out');
  });

  it('sends no token and does not refresh when signed out', async () => {
    const t = setup();
    t.answer('/api/auth/refresh', () => jsonResponse(401, {}));
    t.answer('/api/videos', () => jsonResponse(401, { code: 'sign_in_required' }));
    await t.session.restore();

    const response = await t.session.fetch('/api/videos', { headers: { Authorization: 'Bearer stale' } });

    expect(response.status).toBe(401);
    expect(t.calls.map((c) => [c.path, c.auth])).toEqual([
      ['/api/auth/refresh', null],
      ['/api/videos', null],
    ]);
  });

  it('keeps request options such as keepalive on the retry', async () => {
    const t = await signedIn();
    t.answer('/api/videos/v1/progress', (call) => jsonResponse(call.auth === 'Bearer new' ? 204 : 401, undefined));
    await t.session.fetch('/api/videos/v1/progress', { method: 'PUT', body: '{"positionSeconds":42}', keepalive: true });
    const puts = t.calls.filter((c) => c.path === '/api/videos/v1/progress');
    expect(puts.map((c) => [c.method, c.keepalive, c.body])).toEqual([
      ['PUT', true, '{"positionSeconds":42}'],
      ['PUT', true, '{"positionSeconds":42}'],
    ]);
  });
});

describe('signing in, registering and out', () => {
  it('asks for a cookie session and keeps the token in memory', async () => {
    const t = setup();
    t.answer('/api/auth/login', () => jsonResponse(200, sessionBody('access-1')));
    t.answer('/api/auth/me', (call) => jsonResponse(call.auth === 'Bearer access-1' ? 200 : 401, ALICE));

    const user = await t.session.login('alice@example.org', 'correct horse battery');

    expect(user).toEqual(ALICE);
    expect(JSON.parse(t.calls[0]!.body!)).toEqual({
      email: 'alice@example.org',
      password: 'correct horse battery',
      session: 'cookie',
    });
    expect(t.calls[0]!.credentials).toBe('same-origin');
    expect((await t.session.fetch('/api/auth/me')).status).toBe(200);
  });

  it('reports the server’s problem, with the wait of a 429', async () => {
    const t = setup();
    t.answer(
      '/api/auth/login',
      () => jsonResponse(401, { code: 'invalid_credentials', detail: 'The email or the password is wrong.' }),
      () => jsonResponse(429, { code: 'too_many_attempts', detail: 'Too many attempts.' }, { 'Retry-After': '120' }),
    );

    const wrong = await t.session.login('a@example.org', 'nope').catch((e: unknown) => e);
    expect(wrong).toBeInstanceOf(ApiError);
    expect(wrong).toMatchObject({ status: 401, code: 'invalid_credentials', message: 'The email or the password is wrong.' });

    const throttled = await t.session.login('a@example.org', 'nope').catch((e: unknown) => e);
    expect(throttled).toMatchObject({ status: 429, code: 'too_many_attempts', retryAfterSeconds: 120 });
    expect(t.session.current.status).not.toBe('signed-in');
  });

  it('registers with the display name when one is given', async () => {
    const t = setup();
    t.answer('/api/auth/register', () => jsonResponse(201, sessionBody('access-1')));
    await t.session.register('alice@example.org', 'long enough pw', '  Alice ');
    expect(JSON.parse(t.calls[0]!.body!)).toEqual({
      email: 'alice@example.org',
      password: 'long enough pw',
      displayName: 'Alice',
      session: 'cookie',
    });
    expect(t.session.current.status).toBe('signed-in');
  });

  it('signs out on the server and here, and here even when the server is unreachable', async () => {
    const t = setup();
    t.answer('/api/auth/login', () => jsonResponse(200, sessionBody('access-1')));
    t.answer('/api/auth/logout', () => Promise.reject(new TypeError('offline')));
    await t.session.login('alice@example.org', 'correct horse battery');

    await t.session.logout();

    expect(t.calls[1]).toMatchObject({ path: '/api/auth/logout', method: 'POST', body: '{}', credentials: 'same-origin' });
    expect(t.session.current).toEqual({ status: 'signed-out', user: null });
    expect(t.timers).toHaveLength(0);
    t.answer('/api/x', (call) => jsonResponse(200, { auth: call.auth }));
    expect(await (await t.session.fetch('/api/x')).json()).toEqual({ auth: null });
  });

  it('a refresh answer that arrives after signing out does not sign back in', async () => {
    const t = setup();
    const late = deferred<Response>();
    t.answer('/api/auth/login', () => jsonResponse(200, sessionBody('access-1')));
    t.answer('/api/auth/refresh', () => late.promise);
    t.answer('/api/auth/logout', () => jsonResponse(204, undefined));
    await t.session.login('alice@example.org', 'correct horse battery');

    const refresh = t.session.refresh();
    const logout = t.session.logout();
    late.resolve(jsonResponse(200, sessionBody('access-2')));
    await Promise.all([refresh, logout]);

    expect(t.session.current.status).toBe('signed-out');
    // The logout waited for the refresh, so the server cleared the newest cookie.
    expect(t.calls.map((c) => c.path)).toEqual(['/api/auth/login', '/api/auth/refresh', '/api/auth/logout']);
  });
});

describe('the cross-tab lock', () => {
  const refusing = { request: () => Promise.reject(new DOMException('The request was denied.', 'SecurityError')) } as unknown as LockManager;
  const granting = { request: (_name: string, task: () => Promise<unknown>) => task() } as unknown as LockManager;

  it('runs the task without it where the browser refuses locks (a frame of another site without storage)', async () => {
    let runs = 0;
    await expect(browserLock(refusing)!('reel-session-refresh', () => Promise.resolve(++runs))).resolves.toBe(1);
    expect(runs).toBe(1);
  });

  it('never runs a task twice when the task itself fails under the lock', async () => {
    let runs = 0;
    const failing = () => {
      runs++;
      return Promise.reject(new Error('offline'));
    };
    await expect(browserLock(granting)!('reel-session-refresh', failing)).rejects.toThrow('offline');
    expect(runs).toBe(1);
  });
});
