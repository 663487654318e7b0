// The API client as the app uses it: the one session and the one manage-token store, over a stubbed fetch and
// localStorage (the modules are imported afresh for each test, after the stubs are in place).

import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { jsonResponse, MemoryStorage } from '../testing/builders';

interface Sent {
  url: string;
  method: string;
  headers: Headers;
  body: string | null;
  form: FormData | null;
  keepalive: boolean | undefined;
}

let sent: Sent[];
let storage: MemoryStorage;
let respond: (request: Sent) => Response;

beforeEach(() => {
  sent = [];
  storage = new MemoryStorage();
  storage.setItem(
    'reel.manage.v1',
    JSON.stringify([{ id: 'mine', manageToken: 'm-secret', title: 'mine.mp4', createdAt: '2026-11-21T10:00:00Z' }]),
  );
  respond = () => jsonResponse(404, { code: 'not_found' });
  vi.stubGlobal('localStorage', storage);
  vi.stubGlobal('fetch', async (url: string, init: RequestInit = {}) => {
    const request: Sent = {
      url,
      method: init.method ?? 'GET',
      headers: new Headers(init.headers),
      body: typeof init.body === 'string' ? init.body : null,
      form: init.body instanceof FormData ? init.body : null,
      keepalive: init.keepalive,
    };
    sent.push(request);
    return respond(request);
  });
  vi.resetModules();
});

afterEach(() => {
  vi.unstubAllGlobals();
});

async function load() {
  const api = await import('./api');
  const { session } = await import('./session');
  const { manageTokens } = await import('./manage-tokens');
  return { api, session, manageTokens };
}

describe('requests about one video', () => {
  it('carry the manage token this browser holds for that video, and only for it', async () => {
    const { api } = await load();
    respond = (r) => (r.url.startsWith('/api/videos/') ? jsonResponse(200, { id: 'x', title: 't' }) : jsonResponse(404, {}));

    await api.getVideo('mine');
    await api.getVideo('other');
    await api.updateVideo('mine', { visibility: 'private' });
    await api.revokeLinks('mine');

    expect(sent.map((r) => [r.method, r.url, r.headers.get('Reel-Manage-Token')])).toEqual([
      ['GET', '/api/videos/mine', 'm-secret'],
      ['GET', '/api/videos/other', null],
      ['PATCH', '/api/videos/mine', 'm-secret'],
      ['POST', '/api/videos/mine/revoke-links', 'm-secret'],
    ]);
    expect(JSON.parse(sent[2]!.body!)).toEqual({ visibility: 'private' });
  });

  it('captions are added as a multipart form, changed and removed with the manage token', async () => {
    const { api } = await load();
    const caption = { id: 'c1', language: 'de', label: 'Deutsch', default: true, origin: 'upload', url: null };
    respond = (r) => (r.method === 'DELETE' ? new Response(null, { status: 204 }) : jsonResponse(r.method === 'POST' ? 201 : 200, caption));

    const file = new Blob(['1\n00:00:01,000 --> 00:00:02,000\nHallo\n'], { type: 'application/x-subrip' });
    expect(await api.addCaption('mine', file, { language: 'de', label: ' Deutsch ', default: true })).toEqual(caption);
    await api.addCaption('mine', file, { language: 'fr', label: '  ' });
    await api.changeCaption('mine', 'c1', { label: 'Deutsch (SDH)' });
    await api.removeCaption('mine', 'c1');

    expect(sent.map((r) => [r.method, r.url, r.headers.get('Reel-Manage-Token')])).toEqual([
      ['POST', '/api/videos/mine/captions', 'm-secret'],
      ['POST', '/api/videos/mine/captions', 'm-secret'],
      ['PATCH', '/api/videos/mine/captions/c1', 'm-secret'],
      ['DELETE', '/api/videos/mine/captions/c1', 'm-secret'],
    ]);
    // The browser writes the multipart Content-Type with its boundary.
    expect(sent[0]!.headers.get('Content-Type')).toBeNull();
    const form = sent[0]!.form!;
    expect([form.get('language'), form.get('label'), form.get('default')]).toEqual(['de', 'Deutsch', 'true']);
    expect(form.get('file')).toBeInstanceOf(Blob);
    expect([sent[1]!.form!.has('label'), sent[1]!.form!.has('default')]).toEqual([false, false]);
    expect(JSON.parse(sent[2]!.body!)).toEqual({ label: 'Deutsch (SDH)' });
  });

  it('a caption file the server cannot read is refused with its message, which names the line', async () => {
    const { api } = await load();
    respond = () =>
      jsonResponse(400, { code: 'invalid_captions', title: 'Bad request', detail: 'The file is not SRT or WebVTT Reel can read. Line 6: …' });
    await expect(api.addCaption('mine', new Blob(['x']), { language: 'en' })).rejects.toMatchObject({
      status: 400,
      code: 'invalid_captions',
      message: 'The file is not SRT or WebVTT Reel can read. Line 6: …',
    });
  });

  it('deleting forgets the manage token, also when the video was already gone', async () => {
    const { api, manageTokens } = await load();
    respond = () => jsonResponse(404, { code: 'not_found' });
    await api.deleteVideo('mine');
    expect(sent[0]).toMatchObject({ method: 'DELETE', url: '/api/videos/mine' });
    expect(manageTokens.tokenFor('mine')).toBeNull();
  });

  it('a refused delete keeps the token and reports the problem', async () => {
    const { api, manageTokens } = await load();
    respond = () => jsonResponse(403, { code: 'forbidden', detail: 'You may not manage this video.' });
    await expect(api.deleteVideo('mine')).rejects.toMatchObject({ status: 403, code: 'forbidden' });
    expect(manageTokens.tokenFor('mine')).toBe('m-secret');
  });
});

describe('signed in', () => {
  it('adds the access token to API calls and saves progress with keepalive', async () => {
    // This browser signed in before, so the start asks the server for a session.
    storage.setItem('reel.session.v1', '1');
    const { api, session } = await load();
    respond = (r) => {
      if (r.url === '/api/auth/refresh') {
        return jsonResponse(200, { accessToken: 'jwt-1', expiresIn: 900, user: { id: 'u1', email: 'a@b.c', displayName: 'A', roles: ['viewer'] } });
      }
      return r.url.endsWith('/progress') ? new Response(null, { status: 204 }) : jsonResponse(200, { items: [], nextCursor: null });
    };
    await session.restore();

    await api.listVideos(24, null, undefined, 'mine');
    await api.saveProgress('v1', 42.46);

    expect(sent[1]!.url).toBe('/api/videos?limit=24&mine=true');
    expect(sent[1]!.headers.get('Authorization')).toBe('Bearer jwt-1');
    expect(sent[2]).toMatchObject({ method: 'PUT', url: '/api/videos/v1/progress', keepalive: true });
    expect(JSON.parse(sent[2]!.body!)).toEqual({ positionSeconds: 42.5 });
    expect(sent[2]!.headers.get('Authorization')).toBe('Bearer jwt-1');
  });

  it('asks the admin endpoints with paging, and lists with a search, an order and a status', async () => {
    const { api } = await load();
    respond = () => jsonResponse(200, { items: [], nextCursor: null });
    await api.listUsers(50, 'c2');
    await api.listVideos(50, null, undefined, 'all');
    await api.setUserRoles('u 1', ['admin', 'viewer']);
    await api.listVideos(2, 'c3', undefined, 'listed', { q: 'our trip', sort: 'title', status: 'ready' });
    expect(sent.map((r) => [r.method, r.url])).toEqual([
      ['GET', '/api/admin/users?limit=50&cursor=c2'],
      ['GET', '/api/videos?limit=50&all=true'],
      ['PATCH', '/api/admin/users/u%201'],
      ['GET', '/api/videos?limit=2&cursor=c3&q=our+trip&sort=title&status=ready'],
    ]);
    expect(JSON.parse(sent[2]!.body!)).toEqual({ roles: ['admin', 'viewer'] });
  });
});
