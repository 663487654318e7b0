import { describe, expect, it } from 'vitest';
import { ApiError, problemToError } from './problem';
import { describeStorage, parseStorageUsage, storageShare, uploadErrorMessage } from './quota';

describe('the storage quota beside the upload zone', () => {
  it('reads "x of y used" from GET /api/auth/me', () => {
    const usage = parseStorageUsage({ id: 'u1', storage: { usedBytes: 1288490189, quotaBytes: 5368709120 } });
    expect(describeStorage(usage)).toBe('1.2 GB of 5 GB used');
    expect(storageShare(usage)).toBeCloseTo(0.24, 2);
  });

  it('shows nothing without a quota or from an older server', () => {
    expect(describeStorage(parseStorageUsage({ storage: { usedBytes: 10, quotaBytes: null } }))).toBeNull();
    expect(describeStorage(parseStorageUsage({ id: 'u1' }))).toBeNull();
    expect(storageShare(null)).toBeNull();
  });

  it('never shows more than a full meter', () => {
    expect(storageShare({ usedBytes: 12, quotaBytes: 10 })).toBe(1);
  });
});

describe('uploadErrorMessage', () => {
  it('shows the server’s sentence of a full quota, which says what is used and how to make room', () => {
    const detail =
      'This upload needs 3 MB, but the account has 1 MB left: it uses 4 MB of its 5 MB quota. Nothing of it was kept. Delete videos to make room.';
    const error = problemToError(413, JSON.stringify({ code: 'quota_exceeded', title: 'Storage quota exceeded', detail }));
    expect(uploadErrorMessage(error)).toBe(detail);
  });

  it('says where to make room when the server did not', () => {
    const error = new ApiError(413, 'quota_exceeded', 'Storage quota exceeded', null);
    expect(uploadErrorMessage(error)).toBe('This upload does not fit in your storage quota. Delete videos in My videos to make room.');
  });

  it('explains a rate limit without a sentence by its Retry-After', () => {
    expect(uploadErrorMessage(new ApiError(429, 'rate_limited', 'HTTP 429', null, 4))).toBe('Too many new uploads at once. Try again in 4 s.');
  });

  it('keeps every other error as it is', () => {
    expect(uploadErrorMessage(new ApiError(415, 'unsupported_media', 'Not a video.'))).toBe('Not a video.');
    expect(uploadErrorMessage('?')).toBe('The upload failed.');
  });
});
