// The account's storage quota as the upload panel shows it. Pure, so it is tested as text.

import { ApiError, messageOf } from './problem';
import { formatBytes } from './format';

/** `storage` of GET /api/auth/me: bytes the account's videos use, and its quota (null: unlimited). */
export interface StorageUsage {
  usedBytes: number;
  quotaBytes: number | null;
}

/** The `storage` part of GET /api/auth/me; null when an older server does not say. */
export function parseStorageUsage(me: unknown): StorageUsage | null {
  const storage = (me as { storage?: { usedBytes?: unknown; quotaBytes?: unknown } } | null)?.storage;
  if (!storage || typeof storage.usedBytes !== 'number') return null;
  return {
    usedBytes: storage.usedBytes,
    quotaBytes: typeof storage.quotaBytes === 'number' && storage.quotaBytes > 0 ? storage.quotaBytes : null,
  };
}

/** "1.2 GB of 5 GB used" beside the upload zone; nothing when the account has no quota. */
export function describeStorage(usage: StorageUsage | null): string | null {
  if (usage === null || usage.quotaBytes === null) return null;
  return `${formatBytes(usage.usedBytes)} of ${formatBytes(usage.quotaBytes)} used`;
}

/** How full the quota is, 0 to 1, for the meter; null without a quota. */
export function storageShare(usage: StorageUsage | null): number | null {
  if (usage === null || usage.quotaBytes === null) return null;
  return Math.min(1, Math.max(0, usage.usedBytes / usage.quotaBytes));
}

/**
 * What a failed upload says. The server's sentence already gives the numbers of a full quota; this adds where to
 * make room, and for a refusal without a sentence (a proxy's page) says what happened in words.
 */
export function uploadErrorMessage(error: unknown): string {
  if (!(error instanceof ApiError)) {
    return messageOf(error, 'The upload failed.');
  }
  if (error.code === 'quota_exceeded') {
    const said = error.detail ?? 'This upload does not fit in your storage quota.';
    return /delete/i.test(said) ? said : `${said.replace(/\.?$/, '.')} Delete videos in My videos to make room.`;
  }
  if (error.code === 'rate_limited' && error.detail === null) {
    return error.retryAfterSeconds !== null
      ? `Too many new uploads at once. Try again in ${error.retryAfterSeconds} s.`
      : 'Too many new uploads at once. Try again shortly.';
  }
  return error.message || 'The upload failed.';
}
