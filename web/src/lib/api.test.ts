import { describe, expect, it } from 'vitest';
import { DEFAULT_LIMITS, parseUploadLimits, problemToError, shareUrl } from './api';

describe('problemToError', () => {
  it('carries the status, code and detail of a problem+json answer', () => {
    const error = problemToError(
      413,
      '{"status":413,"title":"File too large","detail":"The upload exceeds the limit of 1 GiB.","code":"file_too_large"}',
    );
    expect(error.status).toBe(413);
    expect(error.code).toBe('file_too_large');
    expect(error.detail).toBe('The upload exceeds the limit of 1 GiB.');
    expect(error.message).toBe('The upload exceeds the limit of 1 GiB.');
  });

  it('falls back to the title, then to a generic message for answers that are not problems', () => {
    expect(problemToError(404, '{"title":"Not found","code":"not_found"}').message).toBe('Not found');
    const html = problemToError(502, '<html>Bad gateway</html>');
    expect(html.code).toBe('http_502');
    expect(html.message).toBe('The server answered with an error (HTTP 502).');
    expect(problemToError(404, '').isNotFound).toBe(true);
  });
});

describe('shareUrl', () => {
  it('is absolute, from the origin the page runs on', () => {
    expect(shareUrl({ watchUrl: '/watch/abc' }, 'https://videos.example.org')).toBe('https://videos.example.org/watch/abc');
  });
});

describe('parseUploadLimits', () => {
  it("takes the server's lists as they are", () => {
    const limits = parseUploadLimits({
      maxBytes: 2048,
      acceptedExtensions: ['.mp4', '.MTS', '.vob'],
      acceptedMimeTypes: ['video/*', 'application/mxf'],
      formats: [
        { name: 'MP4, MOV, M4V, 3GP', extensions: ['.mp4', '.mov'] },
        { name: 'MPEG-TS, AVCHD', extensions: ['.ts', '.mts'] },
      ],
      policy: 'accounts',
    });
    expect(limits).toEqual({
      maxBytes: 2048,
      acceptedExtensions: ['.mp4', '.mts', '.vob'],
      acceptedMimeTypes: ['video/*', 'application/mxf'],
      formats: [
        { name: 'MP4, MOV, M4V, 3GP', extensions: ['.mp4', '.mov'] },
        { name: 'MPEG-TS, AVCHD', extensions: ['.ts', '.mts'] },
      ],
      policy: 'accounts',
    });
  });

  it('falls back list by list for an older server', () => {
    expect(parseUploadLimits({ maxBytes: 10, acceptedExtensions: ['.mp4', '.webm'] })).toEqual({
      maxBytes: 10,
      acceptedExtensions: ['.mp4', '.webm'],
      acceptedMimeTypes: ['video/*'],
      formats: [{ name: 'MP4 and WebM', extensions: ['.mp4', '.webm'] }],
      policy: 'anonymous',
    });
    expect(parseUploadLimits(undefined)).toEqual(DEFAULT_LIMITS);
    expect(parseUploadLimits({ maxBytes: -1, formats: [{ extensions: ['.mp4'] }] })).toEqual(DEFAULT_LIMITS);
  });
});
