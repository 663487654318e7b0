// Typed access to the Reel HTTP API (docs/api.md). The UI talks to the server only through these functions,
// plus the upload transport, which needs XMLHttpRequest for progress events.

export type VideoStatus = 'queued' | 'processing' | 'ready' | 'failed';

export interface Rendition {
  name: string;
  width: number;
  height: number;
  bitrateKbps: number;
  ready: boolean;
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

/** An answer the server refused (problem+json), or a request that never got an answer (status 0). */
export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly detail: string | null;

  constructor(status: number, code: string, message: string, detail: string | null = null) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.detail = detail;
  }

  get isNotFound(): boolean {
    return this.status === 404;
  }

  get isNetwork(): boolean {
    return this.status === 0;
  }
}

export const NETWORK_ERROR_CODE = 'network_error';

export function networkError(
  message = 'Reel could not be reached. Check your connection and try again.',
): ApiError {
  return new ApiError(0, NETWORK_ERROR_CODE, message);
}

/**
 * Turns an error answer into an ApiError. The message is what a person should read: the problem's detail,
 * else its title, else a generic line with the status, because proxies answer errors in HTML too.
 */
export function problemToError(status: number, body: string): ApiError {
  let problem: { title?: unknown; detail?: unknown; code?: unknown } = {};
  try {
    const parsed: unknown = JSON.parse(body);
    if (parsed && typeof parsed === 'object') problem = parsed;
  } catch {
    // Not JSON: keep the generic message below.
  }
  const text = (value: unknown) => (typeof value === 'string' && value.trim() !== '' ? value.trim() : null);
  const detail = text(problem.detail);
  const title = text(problem.title);
  const code = text(problem.code) ?? `http_${status}`;
  return new ApiError(status, code, detail ?? title ?? `The server answered with an error (HTTP ${status}).`, detail);
}

async function getJson<T>(path: string, signal?: AbortSignal): Promise<T> {
  let response: Response;
  try {
    response = await fetch(path, { headers: { Accept: 'application/json' }, signal });
  } catch (error) {
    if (signal?.aborted) throw error;
    throw networkError();
  }
  const body = await response.text();
  if (!response.ok) throw problemToError(response.status, body);
  return JSON.parse(body) as T;
}

export function getVideo(id: string, signal?: AbortSignal): Promise<Video> {
  return getJson<Video>(`/api/videos/${encodeURIComponent(id)}`, signal);
}

export function listVideos(limit: number, cursor: string | null, signal?: AbortSignal): Promise<VideoPage> {
  const query = new URLSearchParams({ limit: String(limit) });
  if (cursor) query.set('cursor', cursor);
  return getJson<VideoPage>(`/api/videos?${query}`, signal);
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
