// What the browser can judge before sending a file: its size and its name. The server still probes the content,
// so these checks only spare a person a long upload that would be refused anyway.

import type { UploadLimits } from './api';
import { formatBytes } from './format';

/** The extension of a file name, lower-cased with its dot (".mp4"), or "" when it has none. */
export function extensionOf(name: string): string {
  const dot = name.lastIndexOf('.');
  return dot > 0 && dot < name.length - 1 ? name.slice(dot).toLowerCase() : '';
}

const DISPLAY_NAMES: Record<string, string> = { '.webm': 'WebM' };

/** "MP4, MOV, M4V, MKV, WebM and AVI": the accepted list as people know the formats. */
export function describeExtensions(extensions: readonly string[]): string {
  const names = extensions.map((e) => DISPLAY_NAMES[e] ?? e.replace(/^\./, '').toUpperCase());
  if (names.length <= 1) return names.join('');
  return `${names.slice(0, -1).join(', ')} and ${names[names.length - 1]}`;
}

/** Why this file cannot be uploaded, as a sentence naming it; null when it may be sent. */
export function rejectionReason(file: { name: string; size: number }, limits: UploadLimits): string | null {
  if (!limits.acceptedExtensions.includes(extensionOf(file.name))) {
    return `${file.name} is not a supported video. Reel accepts ${describeExtensions(limits.acceptedExtensions)}.`;
  }
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

export function titleFor(fileName: string): string {
  const title = fileName.trim() || 'Untitled video';
  return [...title].slice(0, MAX_TITLE_LENGTH).join('');
}
