// The one upload queue of the app. It lives outside the pages so uploads go on while a person watches a video.

import { getUploadLimits } from './api';
import { UploadQueue } from './upload-queue';
import { xhrUploadTransport } from './xhr-upload';

export const uploads = new UploadQueue<File>(xhrUploadTransport);

/** The server's limits, once known; the queue checks against the documented defaults until then. */
export const uploadLimits = getUploadLimits().then((limits) => {
  uploads.setLimits(limits);
  return limits;
});
