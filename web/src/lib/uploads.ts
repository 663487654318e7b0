// The one upload queue of the app. It lives outside the pages so uploads go on while a person watches a video.

import { getUploadLimits } from './api';
import { manageTokens } from './manage-tokens';
import { contentRefusal } from './media-sniff';
import { UploadQueue, warnBeforeLeaving } from './upload-queue';
import { tusUploadTransport } from './tus-upload';

export const uploads = new UploadQueue<File>(tusUploadTransport, { inspect: contentRefusal });

// An anonymous upload's manage token is shown once: keep it before anything else hears of the upload.
uploads.onUploaded((_item, video) => {
  if (video.manageToken) {
    manageTokens.remember({ id: video.id, manageToken: video.manageToken, title: video.title, createdAt: video.createdAt });
  }
});

/** The server's limits, once known; the queue checks against the documented defaults until then. */
export const uploadLimits = getUploadLimits().then((limits) => {
  uploads.setLimits(limits);
  return limits;
});

// Leaving or reloading the page mid-upload would stop it: the browser asks first.
if (typeof window !== 'undefined') window.addEventListener('beforeunload', (event) => warnBeforeLeaving(event, uploads));
