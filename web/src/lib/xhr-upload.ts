// The real upload transport. XMLHttpRequest rather than fetch, because only it reports upload progress.
// Signed in, the upload carries the access token (refreshed first when it is about to end), and the server makes
// the caller the owner; anonymous, the 201 carries a manage token instead (kept by uploads.ts).

import { networkError, problemToError, type Video } from './api';
import { session } from './session';
import type { RunningUpload, UploadRequest, UploadTransport } from './upload-queue';

export class UploadAbortedError extends Error {
  constructor() {
    super('The upload was cancelled.');
    this.name = 'UploadAbortedError';
  }
}

interface Attempt {
  done: Promise<Video>;
  abort: () => void;
}

function send({ file, title, onProgress }: UploadRequest<File>, token: string | null): Attempt {
  const xhr = new XMLHttpRequest();
  const done = new Promise<Video>((resolve, reject) => {
    xhr.open('POST', `/api/videos?title=${encodeURIComponent(title)}`);
    // The raw body streams to the server's disk; multipart would add nothing but parsing.
    xhr.setRequestHeader('Content-Type', 'application/octet-stream');
    xhr.setRequestHeader('Accept', 'application/json');
    if (token !== null) xhr.setRequestHeader('Authorization', `Bearer ${token}`);
    xhr.upload.onprogress = (event) => onProgress(event.loaded, event.lengthComputable ? event.total : file.size);
    xhr.onload = () => {
      if (xhr.status >= 200 && xhr.status < 300) {
        try {
          resolve(JSON.parse(xhr.responseText) as Video);
        } catch {
          reject(new Error('The server accepted the file but its answer could not be read.'));
        }
      } else {
        reject(problemToError(xhr.status, xhr.responseText, xhr.getResponseHeader('Retry-After')));
      }
    };
    xhr.onerror = () =>
      reject(networkError('The upload was interrupted before the server answered. Check your connection and try again.'));
    xhr.onabort = () => reject(new UploadAbortedError());
    xhr.send(file);
  });
  return { done, abort: () => xhr.abort() };
}

export const xhrUploadTransport: UploadTransport<File> = {
  start(request: UploadRequest<File>): RunningUpload {
    let current: Attempt | null = null;
    let aborted = false;

    const run = async (): Promise<Video> => {
      // Waits for the session to be known and for a token that will not end mid-request.
      await session.settled();
      const token = await session.usableToken();
      if (aborted) throw new UploadAbortedError();
      current = send(request, token);
      try {
        return await current.done;
      } catch (error) {
        // The server checks the token before it reads the body, so a refused token costs little to retry once.
        const status = (error as { status?: unknown }).status;
        if (status !== 401 || token === null || aborted) throw error;
        const fresh = await session.refresh();
        if (fresh === null || aborted) throw error;
        current = send(request, fresh);
        return await current.done;
      }
    };

    return {
      done: run(),
      abort: () => {
        aborted = true;
        current?.abort();
      },
    };
  },
};
