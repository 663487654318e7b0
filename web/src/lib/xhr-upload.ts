// The real upload transport. XMLHttpRequest rather than fetch, because only it reports upload progress.

import { networkError, problemToError, type Video } from './api';
import type { RunningUpload, UploadRequest, UploadTransport } from './upload-queue';

export class UploadAbortedError extends Error {
  constructor() {
    super('The upload was cancelled.');
    this.name = 'UploadAbortedError';
  }
}

export const xhrUploadTransport: UploadTransport<File> = {
  start({ file, title, onProgress }: UploadRequest<File>): RunningUpload {
    const xhr = new XMLHttpRequest();
    const done = new Promise<Video>((resolve, reject) => {
      xhr.open('POST', `/api/videos?title=${encodeURIComponent(title)}`);
      // The raw body streams to the server's disk; multipart would add nothing but parsing.
      xhr.setRequestHeader('Content-Type', 'application/octet-stream');
      xhr.setRequestHeader('Accept', 'application/json');
      xhr.upload.onprogress = (event) => onProgress(event.loaded, event.lengthComputable ? event.total : file.size);
      xhr.onload = () => {
        if (xhr.status >= 200 && xhr.status < 300) {
          try {
            resolve(JSON.parse(xhr.responseText) as Video);
          } catch {
            reject(new Error('The server accepted the file but its answer could not be read.'));
          }
        } else {
          reject(problemToError(xhr.status, xhr.responseText));
        }
      };
      xhr.onerror = () =>
        reject(networkError('The upload was interrupted before the server answered. Check your connection and try again.'));
      xhr.onabort = () => reject(new UploadAbortedError());
      xhr.send(file);
    });
    return { done, abort: () => xhr.abort() };
  },
};
