// Typed access to the Reel HTTP API (docs/api.md). The UI talks to the server only through these functions, plus
// the upload transport (tus-upload.ts: resumable tus uploads to /api/uploads with tus-js-client) and the session
// (session.ts), which owns /api/auth. Every request goes through the session, which adds the access token and
// refreshes it; requests about one video add the manage token this browser holds for it, if any.

import type { components } from './api-types';
import { MANAGE_TOKEN_HEADER, manageTokens } from './manage-tokens';
import { ApiError, networkError, problemToError } from './problem';
import { parseStorageUsage, type StorageUsage } from './quota';
import { session } from './session';
import { describeExtensions } from './upload-rules';

// The shapes of the API are generated from the server's OpenAPI document (api-types.ts from openapi.json, both
// written by scripts/openapi.sh); the names below are what the pages use. Change a shape on the server, then
// regenerate: `npm run check` and the server's OpenApiContractTests fail until the copies agree.
type Schemas = components['schemas'];

/** `uploading` while a resumable (tus) upload has not received its last byte; only its owner and admins see such a video. */
export type VideoStatus = Schemas['VideoDto']['status'];

export type Rendition = Schemas['RenditionDto'];

/** One audio track of the source; where there are several, the master offers them as alternate audio. */
export type AudioTrack = Schemas['AudioTrackDto'];

export type HdrKind = NonNullable<Schemas['SourceVideoInfo']['hdr']>;

/** What became of a track of the source: played, offered as alternate audio, or left out. */
export type TrackFate = Schemas['SourceAudioInfo']['fate'];

export type SourceAudioTrack = Schemas['SourceAudioInfo'];

export type SourceSubtitleTrack = Schemas['SourceSubtitleInfo'];

/** What the uploaded file held, and what Reel kept of it. */
export type SourceInfo = Schemas['SourceInfo'];

export type Visibility = Schemas['VideoDto']['visibility'];
export const VISIBILITIES: readonly Visibility[] = ['public', 'unlisted', 'private'];

export type Owner = Schemas['OwnerDto'];

/**
 * A caption of the video: uploaded (`origin` "upload") or from the source's text tracks ("source"). `url` is the
 * whole WebVTT file, present once the video plays; it carries a token like the stream's links.
 */
export type Caption = Schemas['CaptionDto'];

/** A chapter of the video: from the source's chapters, or a WebVTT chapters file the owner uploaded. */
export type Chapter = Schemas['ChapterDto'];

/**
 * A video as the caller sees it. `uploadedBytes` is there only while `status` is `uploading`; `manageToken` only in
 * the 201 of an anonymous upload, the one time the server shows it.
 */
export type Video = Schemas['VideoDto'];

export type PlaybackAnswer = Schemas['PlaybackDto'];

/** A share link as the video's managers see it; `url` is the share page's path (`/v/{key}`). */
export type Share = Schemas['ShareDto'];

export type AdminUser = Schemas['UserDto'];

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

export type VideoPage = Schemas['VideoPage'];

/** A kind of file the server takes, as people know it, e.g. "Matroska (MKV), WebM". */
export type UploadFormat = Pick<Schemas['AcceptedFormat'], 'name' | 'extensions'>;

export interface UploadLimits extends Omit<Schemas['UploadLimits'], 'formats'> {
  /** For the file picker: the server judges by content, so `acceptedExtensions` and these only guide what it offers. */
  formats: UploadFormat[];
}

/**
 * Used only when GET /api/config is unavailable (older server, network trouble): what every Reel server took.
 * The server's own lists replace it as soon as they are known.
 */
export const DEFAULT_LIMITS: UploadLimits = {
  maxBytes: 1024 * 1024 * 1024,
  acceptedExtensions: ['.mp4', '.mov', '.m4v', '.mkv', '.webm', '.avi'],
  acceptedMimeTypes: ['video/*'],
  formats: [
    { name: 'MP4, MOV, M4V', extensions: ['.mp4', '.mov', '.m4v'] },
    { name: 'Matroska (MKV), WebM', extensions: ['.mkv', '.webm'] },
    { name: 'AVI', extensions: ['.avi'] },
  ],
  // Not knowing, the page offers the upload and lets the server say whether a sign-in is needed.
  policy: 'anonymous',
};

export { ApiError, NETWORK_ERROR_CODE, networkError, problemToError } from './problem';
export type { StorageUsage } from './quota';

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

/** How many videos one `GET /api/videos?ids=` may name (docs/api.md, "Reading and changing"). */
export const MAX_IDS_PER_REQUEST = 100;

/**
 * The chosen videos (at most MAX_IDS_PER_REQUEST) that exist and the caller may see, in the order asked; the others
 * are left out. One request carries no manage token (the header names one video), so a video this browser manages
 * only by its token comes back as anyone sees it, without `canManage`: getVideo is for those.
 */
export async function getVideos(ids: readonly string[], signal?: AbortSignal): Promise<Video[]> {
  const query = new URLSearchParams({ ids: ids.join(',') });
  return (await getJson<VideoPage>(`/api/videos?${query}`, signal)).items;
}

/** Which videos a list shows: public ones and the caller's own, only the caller's own, or all (admins). */
export type VideoScope = 'listed' | 'mine' | 'all';

/** A search by title, an order and a status; a cursor only continues the order it came from. */
export interface VideoListFilter {
  q?: string;
  sort?: 'newest' | 'oldest' | 'title' | 'duration';
  status?: string;
}

export function listVideos(
  limit: number,
  cursor: string | null,
  signal?: AbortSignal,
  scope: VideoScope = 'listed',
  filter: VideoListFilter = {},
): Promise<VideoPage> {
  const query = new URLSearchParams({ limit: String(limit) });
  if (cursor) query.set('cursor', cursor);
  if (scope === 'mine') query.set('mine', 'true');
  if (scope === 'all') query.set('all', 'true');
  if (filter.q) query.set('q', filter.q);
  if (filter.sort) query.set('sort', filter.sort);
  if (filter.status) query.set('status', filter.status);
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

/** The signed-in account's storage use and quota (GET /api/auth/me); null when the server does not say. */
export async function getStorageUsage(signal?: AbortSignal): Promise<StorageUsage | null> {
  return parseStorageUsage(await getJson<unknown>('/api/auth/me', signal));
}

/** The upload limits, or the documented defaults when the server cannot say (older server, network trouble). */
export async function getUploadLimits(signal?: AbortSignal): Promise<UploadLimits> {
  try {
    const config = await getJson<{ upload?: unknown }>('/api/config', signal);
    return parseUploadLimits(config.upload);
  } catch {
    return DEFAULT_LIMITS;
  }
}

const stringList = (value: unknown): string[] | null =>
  Array.isArray(value) && value.length > 0 ? value.map((v) => String(v).toLowerCase()) : null;

/** The `upload` part of GET /api/config, each list falling back on its own when an older server lacks it. */
export function parseUploadLimits(upload: unknown): UploadLimits {
  const given = (upload ?? {}) as Record<string, unknown>;
  const maxBytes = given.maxBytes;
  const extensions = stringList(given.acceptedExtensions);
  const mimeTypes = stringList(given.acceptedMimeTypes);
  const formats = Array.isArray(given.formats)
    ? (given.formats as { name?: unknown; extensions?: unknown }[])
        .filter((f) => f && typeof f.name === 'string' && f.name.trim() !== '')
        .map((f) => ({ name: String(f.name), extensions: stringList(f.extensions) ?? [] }))
    : [];
  return {
    maxBytes: typeof maxBytes === 'number' && maxBytes > 0 ? maxBytes : DEFAULT_LIMITS.maxBytes,
    acceptedExtensions: extensions ?? DEFAULT_LIMITS.acceptedExtensions,
    acceptedMimeTypes: mimeTypes ?? DEFAULT_LIMITS.acceptedMimeTypes,
    formats:
      formats.length > 0
        ? formats
        : extensions
          ? [{ name: describeExtensions(extensions), extensions }]
          : DEFAULT_LIMITS.formats,
    policy: typeof given.policy === 'string' && given.policy !== '' ? given.policy : DEFAULT_LIMITS.policy,
  };
}

/** What a new share link may say; everything is optional (no label, never expires, no password, downloads on). */
export interface NewShare {
  label?: string;
  expiresAt?: string;
  password?: string;
  allowDownload?: boolean;
}

export async function listShares(videoId: string, signal?: AbortSignal): Promise<Share[]> {
  return (await getJson<{ items: Share[] }>(`${videoPath(videoId)}/shares`, signal, manageTokens.headersFor(videoId))).items;
}

export function createShare(videoId: string, share: NewShare): Promise<Share> {
  return sendJson<Share>('POST', `${videoPath(videoId)}/shares`, share, manageTokens.headersFor(videoId));
}

/** What a change of a link says; a field left out stays, `null` clears it (label, expiry, password). */
export interface ShareChange {
  label?: string | null;
  expiresAt?: string | null;
  password?: string | null;
  allowDownload?: boolean;
}

/** Changes a link; a change that narrows it (new password, earlier expiry, downloads off) stops the streams it handed out. */
export function updateShare(videoId: string, shareId: string, change: ShareChange): Promise<Share> {
  return sendJson<Share>('PATCH', `${videoPath(videoId)}/shares/${encodeURIComponent(shareId)}`, change, manageTokens.headersFor(videoId));
}

/** The link stops working, and so does every stream handed out through it. */
export async function revokeShare(videoId: string, shareId: string): Promise<void> {
  await request(`${videoPath(videoId)}/shares/${encodeURIComponent(shareId)}`, { method: 'DELETE', headers: manageTokens.headersFor(videoId) });
}

const sharePath = (key: string) => `/api/shares/${encodeURIComponent(key)}`;

/**
 * The video a share link shows, as its viewer sees it. Rejects with the problem's code: `password_required`,
 * `invalid_password`, `too_many_attempts`, `share_expired` (410) or `not_found`.
 */
export function openShare(key: string, password: string | null, signal?: AbortSignal): Promise<Video> {
  return password === null
    ? getJson<Video>(sharePath(key), signal)
    : sendJson<Video>('POST', `${sharePath(key)}/unlock`, { password });
}

/** The poster becomes this image (JPEG, PNG or WebP; the server makes a JPEG of it). */
export async function setPosterImage(id: string, image: Blob): Promise<Video> {
  const response = await request(`${videoPath(id)}/poster`, {
    method: 'PUT',
    headers: { ...manageTokens.headersFor(id), 'Content-Type': image.type || 'application/octet-stream' },
    body: image,
  });
  return JSON.parse(await response.text()) as Video;
}

/** The poster becomes the frame at this time. */
export function setPosterFrame(id: string, atSeconds: number): Promise<Video> {
  return sendJson<Video>('PUT', `${videoPath(id)}/poster`, { atSeconds }, manageTokens.headersFor(id));
}

/** Back to the poster Reel made. */
export async function resetPoster(id: string): Promise<Video> {
  const response = await request(`${videoPath(id)}/poster`, { method: 'DELETE', headers: manageTokens.headersFor(id) });
  return JSON.parse(await response.text()) as Video;
}

/** What an uploaded captions file is: its language (BCP 47, required), its label and whether it shows by default. */
export interface NewCaption {
  language: string;
  label?: string;
  default?: boolean;
}

/**
 * Adds captions from an SRT or WebVTT file; a second upload in a language that has uploaded captions replaces
 * their file. A file the server cannot read is refused with a message naming the line.
 */
export async function addCaption(id: string, file: Blob, caption: NewCaption): Promise<Caption> {
  const form = new FormData();
  form.append('file', file);
  form.append('language', caption.language);
  if (caption.label !== undefined && caption.label.trim() !== '') form.append('label', caption.label.trim());
  if (caption.default !== undefined) form.append('default', String(caption.default));
  // No Content-Type of our own: the browser writes multipart/form-data with its boundary.
  const response = await request(`${videoPath(id)}/captions`, { method: 'POST', headers: manageTokens.headersFor(id), body: form });
  return JSON.parse(await response.text()) as Caption;
}

/** What a change of a caption says; a field left out stays. At most one caption is the default. */
export interface CaptionChange {
  language?: string;
  label?: string;
  default?: boolean;
}

export function changeCaption(id: string, captionId: string, change: CaptionChange): Promise<Caption> {
  return sendJson<Caption>('PATCH', `${videoPath(id)}/captions/${encodeURIComponent(captionId)}`, change, manageTokens.headersFor(id));
}

export async function removeCaption(id: string, captionId: string): Promise<void> {
  await request(`${videoPath(id)}/captions/${encodeURIComponent(captionId)}`, { method: 'DELETE', headers: manageTokens.headersFor(id) });
}

/** Processes a failed video again from its stored upload; the video object as it is now (queued). */
export async function retryVideo(id: string): Promise<Video> {
  const response = await request(`${videoPath(id)}/retry`, { method: 'POST', headers: manageTokens.headersFor(id) });
  return JSON.parse(await response.text()) as Video;
}

/** Stops a new file for the video that is not yet playable (or dismisses one that failed). */
export async function cancelReplacement(id: string): Promise<void> {
  await request(`${videoPath(id)}/source`, { method: 'DELETE', headers: manageTokens.headersFor(id) });
}

/** One view of the video; the watch page sends it once per visit, after 10 s of playback or at the end. */
export async function countView(id: string): Promise<void> {
  await request(`${videoPath(id)}/views`, { method: 'POST' });
}

/** One view through a share link; the page sends it once, after 10 s of playback or at the end. */
export async function countShareView(key: string): Promise<void> {
  await request(`${sharePath(key)}/views`, { method: 'POST' });
}

/** Fresh links for a share's viewer: the share opened again (with its password, if it has one). */
export async function refreshSharePlayback(key: string, password: string | null): Promise<PlaybackAnswer> {
  const video = await openShare(key, password);
  return {
    streamUrl: video.streamUrl,
    downloadUrl: video.downloadUrl,
    thumbnailUrl: video.thumbnailUrl,
    storyboardUrl: video.storyboardUrl,
    expiresAt: video.linksExpireAt,
  };
}

/** The address a person shares: absolute, because it leaves this browser. */
export function shareUrl(video: Pick<Video, 'watchUrl'>, origin: string = location.origin): string {
  return new URL(video.watchUrl, origin).toString();
}
