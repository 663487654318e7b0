// The real upload transport: tus 1.0 (resumable) against /api/uploads, with tus-js-client.
//
// A dropped connection is retried from the offset the server reports, and a page reload resumes when the same file
// is chosen again: tus-js-client remembers each unfinished upload's URL under a fingerprint of the file (name, type,
// size, last modified). The upload URL the server answers (Location) is itself the right to add to the upload, a
// secret of its own (not the video's id), so it is used as it is and nothing else is needed to resume. Signed in,
// every request carries a fresh access token and the server makes the caller the owner; anonymous, the creation
// answer carries a manage token for managing the video afterwards, kept here per upload and handed on with the
// finished video (uploads.ts keeps it for good).

import * as tus from 'tus-js-client';
import { getVideo, networkError, problemToError, type Video } from './api';
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
  if (!response) return networkError('The upload was interrupted and could not be resumed. Check your connection and try again.');
  return problemToError(response.getStatus(), response.getBody() ?? '', response.getHeader('Retry-After') ?? null);
}

async function fetchVideo({ videoId, manageToken }: UploadIdentity): Promise<Video> {
  const video = await getVideo(videoId, undefined, manageToken ?? undefined);
  // Only the creation answer carries the manage token; the queue keeps it from the finished video.
  return manageToken !== null ? { ...video, manageToken } : video;
}

export const tusUploadTransport: UploadTransport<File> = {
  start({ file, title, replaces, onProgress }: UploadRequest<File>): RunningUpload {
    let aborted = false;
    let refreshToken = false;
    let reject: (error: Error) => void = () => {};

    const upload = new tus.Upload(file, {
      endpoint: ENDPOINT,
      chunkSize: CHUNK_SIZE,
      retryDelays: RETRY_DELAYS,
      metadata: { filename: file.name, filetype: file.type, title, ...(replaces ? { replaces } : {}) },
      removeFingerprintOnSuccess: true,
      async onBeforeRequest(request) {
        // Waits for the session to be known and for a token that will not end mid-request; after a refusal, a new one.
        await session.settled();
        const token = refreshToken ? await session.refresh() : await session.usableToken();
        refreshToken = false;
        if (token !== null) request.setHeader('Authorization', `Bearer ${token}`);
        // A new file for a video is its manager's to send: without an account, this browser's manage token says so.
        if (replaces && request.getMethod() === 'POST') {
          for (const [name, value] of Object.entries(manageTokens.headersFor(replaces))) request.setHeader(name, value);
        }
      },
      onAfterResponse(request, response) {
        const status = response.getStatus();
        const videoId = response.getHeader(VIDEO_ID_HEADER);
        const location = response.getHeader('Location');
        if (request.getMethod() === 'POST' && status === 201 && videoId && location) {
          rememberIdentity(location, { videoId, manageToken: response.getHeader(MANAGE_TOKEN_HEADER) || null, replaces: !!replaces });
        }
        refreshToken = status === 401;
      },
      onProgress: (sent, total) => onProgress(sent, total),
      onError: (error) => reject(aborted ? new UploadAbortedError() : toError(error)),
      // As tus-js-client would (server trouble, a lost connection, a busy or moved offset), and once more after a
      // refused token, which the next request replaces.
      onShouldRetry: (error, attempt) => {
        const status = error.originalResponse?.getStatus() ?? 0;
        if (status === 401) return attempt === 0;
        // Too many new uploads from this address at once: the next try, a few seconds on, gets its turn. A full quota
        // or too many open uploads stay refused however often it is asked.
        if (status === 429) return problemToError(status, error.originalResponse?.getBody() ?? '').code === 'rate_limited';
        return status === 0 || status >= 500 || status === 409 || status === 423;
      },
    });

    const done = new Promise<Video>((resolve, rejectDone) => {
      reject = rejectDone;
      upload.options.onSuccess = () => {
        const identity = recallIdentity(upload.url);
        forgetIdentity(upload.url);
        if (identity === null) {
          rejectDone(new Error('The upload finished but the server did not say which video it became.'));
          return;
        }
        fetchVideo(identity).then(resolve, rejectDone);
      };
      // A file chosen again after a reload or a failure goes on where the server stopped: as a new video, or as a new
      // file for the same video, never one as the other.
      upload
        .findPreviousUploads()
        .then((previous) => {
          const resumable = previous.find((p) => {
            const identity = recallIdentity(p.uploadUrl);
            return identity !== null && (replaces ? identity.replaces && identity.videoId === replaces : !identity.replaces);
          });
          if (resumable) upload.resumeFromPreviousUpload(resumable);
          if (!aborted) upload.start();
        })
        .catch((error: Error) => rejectDone(toError(error)));
    });

    return {
      done,
      abort: () => {
        aborted = true;
        const url = upload.url;
        // Cancelling means never: the server is told to drop what it has.
        void upload.abort(true).catch(() => {});
        forgetIdentity(url);
        reject(new UploadAbortedError());
      },
    };
  },
};
