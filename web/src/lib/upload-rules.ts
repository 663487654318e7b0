// What the browser can judge before sending a file without reading it: its size. Its content is judged by
// media-sniff.ts; its name never is, because the server accepts by content and a file named oddly may be a video.

import type { UploadLimits } from './api';
import { formatBytes } from './format';

const DISPLAY_NAMES: Record<string, string> = { '.webm': 'WebM' };

/** "MP4, MOV, M4V, MKV, WebM and AVI": a list of extensions as people know the formats. */
export function describeExtensions(extensions: readonly string[]): string {
  const names = extensions.map((e) => DISPLAY_NAMES[e] ?? e.replace(/^\./, '').toUpperCase());
  if (names.length <= 1) return names.join('');
  return `${names.slice(0, -1).join(', ')} and ${names[names.length - 1]}`;
}

/**
 * The file picker's `accept`: the server's MIME types and extensions. Phones need "video/*" to offer the camera
 * roll; desktop pickers need the extensions, as .mts or .vob files have no video MIME type on most systems.
 */
export function acceptAttribute(limits: Pick<UploadLimits, 'acceptedMimeTypes' | 'acceptedExtensions'>): string {
  return [...new Set([...limits.acceptedMimeTypes, ...limits.acceptedExtensions])].join(',');
}

/** Why this file cannot be uploaded whatever it holds, as a sentence naming it; null when it may be sent. */
export function rejectionReason(file: { name: string; size: number }, limits: Pick<UploadLimits, 'maxBytes'>): string | null {
  if (file.size > limits.maxBytes) {
    return `${file.name} is too large (${formatBytes(file.size)}). Reel accepts videos up to ${formatBytes(limits.maxBytes)}.`;
  }
  if (file.size === 0) {
    return `${file.name} is empty.`;
  }
  return null;
}

/** The server refuses titles over 200 characters; a long file name should not cost the upload. */
export const MAX_TITLE_LENGTH = 200;

/** A video's title from its file name: "clip.mp4" is "clip", "my.holiday.mov" "my.holiday"; ".mp4" stays. */
export function titleFor(fileName: string): string {
  const name = fileName.trim();
  const dot = name.lastIndexOf('.');
  const stem = dot > 0 ? name.slice(0, dot).trim() : '';
  const title = stem || name || 'Untitled video';
  return [...title].slice(0, MAX_TITLE_LENGTH).join('');
}

/**
 * Whether this visitor can send files now. `sign-in` when the server takes uploads only from accounts (or upload
 * keys, which a browser does not hold) and nobody is signed in: the page asks for a sign-in instead of inviting a
 * drop. `unknown` while the session is still being restored.
 */
export type UploadAccess = 'open' | 'sign-in' | 'unknown';

export function uploadAccess(policy: string, session: 'restoring' | 'signed-in' | 'signed-out'): UploadAccess {
  if (policy !== 'accounts' && policy !== 'apikey') return 'open';
  if (session === 'restoring') return 'unknown';
  return session === 'signed-in' ? 'open' : 'sign-in';
}
