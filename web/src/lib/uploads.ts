// The one upload queue of the app. It lives outside the pages so uploads go on while a person watches a video.

import { getUploadLimits } from './api';
import { manageTokens } from './manage-tokens';
import { contentRefusal } from './media-sniff';
import { session } from './session';
import { UploadQueue, warnBeforeLeaving } from './upload-queue';
import { uploadAccess } from './upload-rules';
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

// Where only accounts may upload, files chosen while nobody is signed in wait in the queue (this page's memory)
// and go once someone signs in; the sign-in page is reached without reloading the app, so they survive it. (While
// the session is being restored, the transport waits for it before asking.)
let policy: string | null = null;
const holdForSignIn = () => {
  if (policy !== null) uploads.setSignInRequired(uploadAccess(policy, session.current.status) === 'sign-in');
};
void uploadLimits.then((limits) => {
  policy = limits.policy;
  holdForSignIn();
});
session.subscribe(holdForSignIn);

if (typeof window !== 'undefined') {
  // Leaving or reloading the page mid-upload would stop it: the browser asks first.
  window.addEventListener('beforeunload', (event) => warnBeforeLeaving(event, uploads));
  // Back online: an upload waiting out a lost connection goes on now rather than at the end of its countdown.
  window.addEventListener('online', () => uploads.retryNow());
}
