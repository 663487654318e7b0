// The real upload transport: tus 1.0 (resumable) against /api/uploads, with tus-js-client.
//
// A dropped connection is retried from the offset the server reports: by the queue, which shows the person a
// countdown (`callerRetries`, then `resume()` on the same upload), or quietly here for other callers. A page reload
// resumes when the same file is chosen again: tus-js-client remembers each unfinished upload's URL under a
// fingerprint of the file (name, type, size, last modified). The upload URL the server answers (Location) is itself
// the right to add to the upload or drop it, a secret of its own (not the video's id), so it is used as it is and
// nothing else is needed to resume or cancel. Signed in, every request carries a fresh access token and the server
// makes the caller the owner; anonymous, the creation answer carries a manage token for managing the video
// afterwards, kept at once in manage-tokens.ts (a cancel or a Delete before the last byte needs it) and handed on
// with the finished video.

import * as tus from 'tus-js-client';
import { deleteVideo, getVideo, networkError, problemToError, type Video } from './api';
import { MANAGE_TOKEN_HEADER, manageTokens } from './manage-tokens';
import { session } from './session';
import { browserStorage, readJson, writeJson } from './storage';
import type { RunningUpload, UploadRequest, UploadTransport } from './upload-queue';

export class UploadAbortedError extends Error {
  constructor() {
    super('The upload was cancelled.');
    this.name = 'UploadAbortedError';
  }
}

const ENDPOINT = '/api/uploads';
// Small enough to pass proxies with body limits, large enough that a request's overhead is lost in it.
const CHUNK_SIZE = 64 * 1024 * 1024;
// Each step waits longer: a phone walking out of Wi-Fi needs seconds, a restarting server a little more.
const RETRY_DELAYS = [0, 1000, 3000, 5000, 10000, 20000, 30000];
const VIDEO_ID_HEADER = 'Reel-Video-Id';

interface UploadIdentity {
  videoId: string;
  manageToken: string | null;
  /** A new file for the video (Reel-Video-Id names the video it replaces), not a video of its own. */
  replaces: boolean;
}

const identityKey = (uploadUrl: string) => `reel.tus.${new URL(uploadUrl, location.href).pathname}`;

function rememberIdentity(uploadUrl: string, identity: UploadIdentity): void {
  writeJson(browserStorage(), identityKey(uploadUrl), identity);
}

function recallIdentity(uploadUrl: string | null): UploadIdentity | null {
  if (uploadUrl === null) return null;
  const value = readJson(browserStorage(), identityKey(uploadUrl)) as Partial<UploadIdentity> | null;
  return value && typeof value.videoId === 'string'
    ? { videoId: value.videoId, manageToken: typeof value.manageToken === 'string' ? value.manageToken : null, replaces: value.replaces === true }
    : null;
}

function forgetIdentity(uploadUrl: string | null): void {
  if (uploadUrl !== null) browserStorage()?.removeItem(identityKey(uploadUrl));
}

function toError(error: Error): Error {
  const response = (error as tus.DetailedError).originalResponse;
  // Choosing the same file again goes on from the server's offset (see the top), so the message says so.
  if (!response) return networkError('The connection to Reel was lost. Choose the file again to go on from where it stopped.');
  return problemToError(response.getStatus(), response.getBody() ?? '', response.getHeader('Retry-After') ?? null);
}

async function fetchVideo({ videoId, manageToken }: UploadIdentity): Promise<Video> {
  const video = await getVideo(videoId, undefined, manageToken ?? undefined);
  // Only the creation answer carries the manage token; the queue keeps it from the finished video.
  return manageToken !== null ? { ...video, manageToken } : video;
}

/**
 * An anonymous upload's manage token is kept as soon as the upload exists, not only once it is finished: deleting
 * the video meanwhile (a cancel, the library's Delete) needs it, and a half-uploaded video stays this browser's.
 */
function rememberManageToken(videoId: string, manageToken: string, body: string): void {
  let created: { title?: unknown; createdAt?: unknown } = {};
  try {
    created = JSON.parse(body) as typeof created;
  } catch {
    // The token alone is what matters; the list shows a plain title meanwhile.
  }
  manageTokens.remember({
    id: videoId,
    manageToken,
    title: typeof created.title === 'string' ? created.title : 'Untitled video',
    createdAt: typeof created.createdAt === 'string' ? created.createdAt : new Date().toISOString(),
  });
}

/**
 * Drops a cancelled upload on the server. The upload URL is enough (tus termination, `terminate`); when that is
 * refused (the last byte arrived meanwhile: 409 upload_complete) the video is deleted instead, with its manage token or
 * account. A replacement never is: deleting its video would delete the video it was meant to replace.
 */
async function discard(url: string, identity: UploadIdentity | null, terminate: () => Promise<void>): Promise<void> {
  try {
    await terminate();
  } catch (error) {
    if (identity === null || identity.replaces) throw error;
    if (identity.manageToken !== null && manageTokens.tokenFor(identity.videoId) === null) {
      rememberManageToken(identity.videoId, identity.manageToken, '');
    }
    await deleteVideo(identity.videoId);
  }
  forgetIdentity(url);
  if (identity !== null && !identity.replaces) manageTokens.forget(identity.videoId);
}

interface Attempt {
  resolve: (video: Video) => void;
  reject: (error: Error) => void;
}

export const tusUploadTransport: UploadTransport<File> = {
  start({ file, title, replaces, callerRetries, onProgress, onVideoId }: UploadRequest<File>): RunningUpload {
    /** Cancelled: nothing more is sent but the DELETE that drops the upload. */
    let stopped = false;
    /** A creation request is on its way; a cancel meanwhile waits for its answer to know what to drop. */
    let creating = false;
    let refreshToken = false;
    let current: Attempt = { resolve: () => {}, reject: () => {} };

    const upload = new tus.Upload(file, {
      endpoint: ENDPOINT,
      chunkSize: CHUNK_SIZE,
      retryDelays: RETRY_DELAYS,
      metadata: { filename: file.name, filetype: file.type, title, ...(replaces ? { replaces } : {}) },
      removeFingerprintOnSuccess: true,
      async onBeforeRequest(request) {
        const method = request.getMethod();
        if (stopped && method !== 'DELETE') throw new UploadAbortedError();
        // Waits for the session to be known and for a token that will not end mid-request; after a refusal, a new one.
        await session.settled();
        const token = refreshToken ? await session.refresh() : await session.usableToken();
        refreshToken = false;
        if (token !== null) request.setHeader('Authorization', `Bearer ${token}`);
        // A new file for a video is its manager's to send: without an account, this browser's manage token says so.
        if (replaces && method === 'POST') {
          for (const [name, value] of Object.entries(manageTokens.headersFor(replaces))) request.setHeader(name, value);
        }
        if (stopped && method !== 'DELETE') throw new UploadAbortedError();
        if (method === 'POST') creating = true;
      },
      onAfterResponse(request, response) {
        const status = response.getStatus();
        const method = request.getMethod();
        if (method === 'POST') {
          creating = false;
          const videoId = response.getHeader(VIDEO_ID_HEADER);
          const location = response.getHeader('Location');
          if (status === 201 && videoId && location) {
            const manageToken = response.getHeader(MANAGE_TOKEN_HEADER) || null;
            const identity = { videoId, manageToken, replaces: !!replaces };
            rememberIdentity(location, identity);
            onVideoId?.(videoId);
            if (manageToken !== null && !replaces) rememberManageToken(videoId, manageToken, response.getBody() ?? '');
            if (stopped) {
              // Cancelled while the creation was on its way: what it made goes at once, and no byte follows.
              void upload.abort(false);
              void discard(location, identity, () => tus.Upload.terminate(location, deleteOptions())).catch(() => {});
            }
          }
        }
        // A gone upload is not coming back: its identity goes with it.
        if (method === 'HEAD' && (status === 404 || status === 410)) forgetIdentity(request.getURL());
        refreshToken = status === 401;
      },
      onProgress: (sent, total) => onProgress(sent, total),
      onError: (error) => current.reject(stopped ? new UploadAbortedError() : toError(error)),
      // As tus-js-client would (server trouble, a lost connection, a busy or moved offset), and once more after a
      // refused token, which the next request replaces. A caller that retries lost connections itself (the queue,
      // which shows a countdown) hears of them at once instead.
      onShouldRetry: (error, attempt) => {
        const status = error.originalResponse?.getStatus() ?? 0;
        if (status === 401) return attempt === 0;
        // Too many new uploads from this address at once: the next try, a few seconds on, gets its turn. A full quota
        // or too many open uploads stay refused however often it is asked.
        if (status === 429) return problemToError(status, error.originalResponse?.getBody() ?? '').code === 'rate_limited';
        if (callerRetries && (status === 0 || status >= 500)) return false;
        return status === 0 || status >= 500 || status === 409 || status === 423;
      },
      onSuccess: () => {
        const settled = current;
        const url = upload.url;
        const identity = recallIdentity(url);
        if (identity === null) {
          settled.reject(new Error('The upload finished but the server did not say which video it became.'));
          return;
        }
        // The identity stays until the video is read: a retry after a lost answer finds the upload complete and
        // asks again.
        fetchVideo(identity).then((video) => {
          forgetIdentity(url);
          settled.resolve(video);
        }, settled.reject);
      },
    });

    const abort = () => {
      if (stopped) return;
      stopped = true;
      current.reject(new UploadAbortedError());
      // A creation on its way is left to answer, so that what it made can be dropped (see onAfterResponse).
      if (creating) return;
      const url = upload.url;
      if (url === null) {
        void upload.abort(false);
        return;
      }
      // abort(true) sends the DELETE and forgets the file's fingerprint, so choosing it again starts afresh.
      upload.options = deleteOptions();
      void discard(url, recallIdentity(url), () => upload.abort(true)).catch(() => {});
    };

    // The DELETE of a cancel rides out a short outage too, as tus-js-client retries it by default: nobody waits for it.
    const deleteOptions = (): tus.UploadOptions => ({ ...upload.options, onShouldRetry: null });

    const attempt = (): RunningUpload => ({
      done: new Promise<Video>((resolve, reject) => (current = { resolve, reject })),
      abort,
      pause: () => void upload.abort(false),
      resume: () => {
        const next = attempt();
        // Once the server has the upload, a retry goes on with it or hears that it is gone; a new video from zero
        // would be a surprise (Start again is the person's choice).
        if (upload.url !== null) upload.options.endpoint = null;
        if (!stopped) upload.start();
        return next;
      },
    });

    const first = attempt();
    // A file chosen again after a reload or a failure goes on where the server stopped: as a new video, or as a new
    // file for the same video, never one as the other.
    upload
      .findPreviousUploads()
      .then((previous) => {
        const resumable = previous.find((p) => {
          const identity = recallIdentity(p.uploadUrl);
          return identity !== null && (replaces ? identity.replaces && identity.videoId === replaces : !identity.replaces);
        });
        if (resumable) {
          upload.resumeFromPreviousUpload(resumable);
          onVideoId?.(recallIdentity(resumable.uploadUrl)!.videoId);
        }
        if (!stopped) upload.start();
      })
      .catch((error: Error) => current.reject(toError(error)));
    return first;
  },
};
