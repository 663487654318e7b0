// Typed access to the Reel HTTP API (docs/api.md). The UI talks to the server only
// through these functions, plus the upload transport, which needs XMLHttpRequest for progress events, and the
// session (session.ts), which owns /api/auth. Every request goes through the session, which adds the access token
// and refreshes it; requests about one video add the manage token this browser holds for it, if any.

import { MANAGE_TOKEN_HEADER, manageTokens } from './manage-tokens';
import { ApiError, networkError, problemToError } from './problem';
import { session } from './session';

export type VideoStatus = 'queued' | 'processing' | 'ready' | 'failed';

export interface Rendition {
  name: string;
  width: number;
  height: number;
  bitrateKbps: number;
  ready: boolean;
}

export type Visibility = 'public' | 'unlisted' | 'private';
export const VISIBILITIES: readonly Visibility[] = ['public', 'unlisted', 'private'];

export interface Owner {
  id: string;
  displayName: string;
}

export interface Video {
  id: string;
  title: string;
  status: VideoStatus;
  playable: boolean;
  progress: number;
  error: { code: string; message: string } | null;
  visibility: string;
  durationSeconds: number;
  width: number;
  height: number;
  sizeBytes: number;
  createdAt: string;
  readyAt: string | null;
  streamUrl: string | null;
  downloadUrl: string | null;
  thumbnailUrl: string | null;
  storyboardUrl: string | null;
  watchUrl: string;
  renditions: Rendition[];
  /** Who owns it; null for anonymous uploads and for videos whose owner was deleted. */
  owner?: Owner | null;
  /** Whether the caller may rename, delete or revoke it (owner, admin, or holder of its manage token). */
  canManage?: boolean;
  /** Where a signed-in caller left off (already backed off by the server); null otherwise. */
  resumeAtSeconds?: number | null;
  /** When the tokens in the URLs above stop working. */
  linksExpireAt?: string | null;
  /** Only in the 201 of an anonymous upload: the one time the server shows it. */
  manageToken?: string;
}

export interface PlaybackAnswer {
  streamUrl: string | null;
  downloadUrl: string | null;
  thumbnailUrl: string | null;
  storyboardUrl: string | null;
  expiresAt: string | null;
}

export interface AdminUser {
  id: string;
  email: string;
  displayName: string;
  roles: string[];
  createdAt: string;
}

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

export interface VideoPage {
  items: Video[];
  nextCursor: string | null;
}

export interface UploadLimits {
  maxBytes: number;
  acceptedExtensions: string[];
}

/** What the server told us before we upload; used when GET /api/config is unavailable. */
export const DEFAULT_LIMITS: UploadLimits = {
  maxBytes: 1024 * 1024 * 1024,
  acceptedExtensions: ['.mp4', '.mov', '.m4v', '.mkv', '.webm', '.avi'],
};

export { ApiError, NETWORK_ERROR_CODE, networkError, problemToError } from './problem';

/**
 * One request through the session (token, refresh, retry on 401). Resolves with the answer when it is 2xx;
 * rejects with an ApiError otherwise, or when there was no answer at all.
 */
async function request(path: string, init: RequestInit = {}): Promise<Response> {
  const headers = new Headers(init.headers);
  headers.set('Accept', 'application/json');
  let response: Response;
  try {
    response = await session.fetch(path, { ...init, headers });
  } catch (error) {
    if (init.signal?.aborted) throw error;
    throw networkError();
  }
  if (!response.ok) throw problemToError(response.status, await response.text(), response.headers.get('Retry-After'));
  return response;
}

async function getJson<T>(path: string, signal?: AbortSignal, headers?: HeadersInit): Promise<T> {
  const response = await request(path, { headers, signal });
  return JSON.parse(await response.text()) as T;
}

async function sendJson<T>(method: string, path: string, body: unknown, headers: Record<string, string> = {}): Promise<T> {
  const response = await request(path, {
    method,
    headers: { ...headers, 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
  });
  return JSON.parse(await response.text()) as T;
}

const videoPath = (id: string) => `/api/videos/${encodeURIComponent(id)}`;

// `manageToken` is for a video whose token is not kept yet (an upload that has just finished).
export function getVideo(id: string, signal?: AbortSignal, manageToken?: string): Promise<Video> {
  return getJson<Video>(videoPath(id), signal, manageToken ? { [MANAGE_TOKEN_HEADER]: manageToken } : manageTokens.headersFor(id));
}

/** Which videos a list shows: public ones and the caller's own, only the caller's own, or all (admins). */
export type VideoScope = 'listed' | 'mine' | 'all';

export function listVideos(
  limit: number,
  cursor: string | null,
  signal?: AbortSignal,
  scope: VideoScope = 'listed',
): Promise<VideoPage> {
  const query = new URLSearchParams({ limit: String(limit) });
  if (cursor) query.set('cursor', cursor);
  if (scope === 'mine') query.set('mine', 'true');
  if (scope === 'all') query.set('all', 'true');
  return getJson<VideoPage>(`/api/videos?${query}`, signal);
}

export async function updateVideo(id: string, change: { title?: string; visibility?: Visibility }): Promise<Video> {
  const video = await sendJson<Video>('PATCH', videoPath(id), change, manageTokens.headersFor(id));
  if (change.title !== undefined) manageTokens.rename(id, video.title);
  return video;
}

export async function deleteVideo(id: string): Promise<void> {
  try {
    await request(videoPath(id), { method: 'DELETE', headers: manageTokens.headersFor(id) });
  } catch (error) {
    // Already gone is what the person wanted.
    if (!(error instanceof ApiError && error.isNotFound)) throw error;
  }
  manageTokens.forget(id);
}

/** Every outstanding stream link of the video stops working; players ask for fresh ones. */
export async function revokeLinks(id: string): Promise<void> {
  await request(`${videoPath(id)}/revoke-links`, { method: 'POST', headers: manageTokens.headersFor(id) });
}

/** Fresh stream, download, thumbnail and storyboard URLs for the video. */
export function refreshPlayback(id: string): Promise<PlaybackAnswer> {
  return sendJson<PlaybackAnswer>('POST', `${videoPath(id)}/playback`, {}, manageTokens.headersFor(id));
}

/**
 * Reports where a signed-in viewer is. `keepalive` lets the request outlive the page, so the position reported
 * from `pagehide` arrives too.
 */
export async function saveProgress(id: string, positionSeconds: number): Promise<void> {
  await request(`${videoPath(id)}/progress`, {
    method: 'PUT',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ positionSeconds: Math.round(positionSeconds * 10) / 10 }),
    keepalive: true,
  });
}

export function listUsers(limit: number, cursor: string | null, signal?: AbortSignal): Promise<Page<AdminUser>> {
  const query = new URLSearchParams({ limit: String(limit) });
  if (cursor) query.set('cursor', cursor);
  return getJson<Page<AdminUser>>(`/api/admin/users?${query}`, signal);
}

export function setUserRoles(id: string, roles: string[]): Promise<AdminUser> {
  return sendJson<AdminUser>('PATCH', `/api/admin/users/${encodeURIComponent(id)}`, { roles });
}

export async function deleteUser(id: string): Promise<void> {
  await request(`/api/admin/users/${encodeURIComponent(id)}`, { method: 'DELETE' });
}

/** The upload limits, or the documented defaults when the server cannot say (older server, network trouble). */
export async function getUploadLimits(signal?: AbortSignal): Promise<UploadLimits> {
  try {
    const config = await getJson<{ upload?: Partial<UploadLimits> }>('/api/config', signal);
    const maxBytes = config.upload?.maxBytes;
    const extensions = config.upload?.acceptedExtensions;
    return {
      maxBytes: typeof maxBytes === 'number' && maxBytes > 0 ? maxBytes : DEFAULT_LIMITS.maxBytes,
      acceptedExtensions:
        Array.isArray(extensions) && extensions.length > 0
          ? extensions.map((e) => String(e).toLowerCase())
          : DEFAULT_LIMITS.acceptedExtensions,
    };
  } catch {
    return DEFAULT_LIMITS;
  }
}

/** The address a person shares: absolute, because it leaves this browser. */
export function shareUrl(video: Pick<Video, 'watchUrl'>, origin: string = location.origin): string {
  return new URL(video.watchUrl, origin).toString();
}
