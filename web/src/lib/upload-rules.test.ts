import { describe, expect, it } from 'vitest';
import { DEFAULT_LIMITS } from './api';
import { MAX_TITLE_LENGTH, acceptAttribute, describeExtensions, rejectionReason, titleFor, uploadAccess } from './upload-rules';

describe('rejectionReason', () => {
  it('never judges by name: the server accepts by content', () => {
    for (const name of ['a.mp4', 'b.3gp', 'c.MTS', 'd.vob', 'recording', 'clip.weird']) {
      expect(rejectionReason({ name, size: 10 }, DEFAULT_LIMITS)).toBeNull();
    }
  });

  it('refuses an empty file', () => {
    expect(rejectionReason({ name: 'a.mp4', size: 0 }, DEFAULT_LIMITS)).toBe('a.mp4 is empty.');
  });

  it('accepts a file of exactly the limit and refuses one byte more', () => {
    expect(rejectionReason({ name: 'a.mp4', size: DEFAULT_LIMITS.maxBytes }, DEFAULT_LIMITS)).toBeNull();
    expect(rejectionReason({ name: 'a.mp4', size: DEFAULT_LIMITS.maxBytes + 1 }, DEFAULT_LIMITS)).toBe(
      'a.mp4 is too large (1 GB). Reel accepts videos up to 1 GB.',
    );
  });
});

describe('acceptAttribute', () => {
  it("offers what the server lists, MIME types first, each once", () => {
    expect(
      acceptAttribute({ acceptedMimeTypes: ['video/*', 'image/gif'], acceptedExtensions: ['.mp4', '.mts', '.gif', '.mp4'] }),
    ).toBe('video/*,image/gif,.mp4,.mts,.gif');
    expect(acceptAttribute(DEFAULT_LIMITS)).toBe('video/*,.mp4,.mov,.m4v,.mkv,.webm,.avi');
  });
});

describe('describeExtensions', () => {
  it('lists formats as people know them', () => {
    expect(describeExtensions(DEFAULT_LIMITS.acceptedExtensions)).toBe('MP4, MOV, M4V, MKV, WebM and AVI');
    expect(describeExtensions(['.mp4', '.webm'])).toBe('MP4 and WebM');
  });
});

describe('titleFor', () => {
  it('takes the file name without its extension and cuts what the server would refuse', () => {
    expect(titleFor('holiday.mp4')).toBe('holiday');
    expect(titleFor('clip.mp4')).toBe('clip');
    expect(titleFor('my.holiday.mov')).toBe('my.holiday');
    expect(titleFor(' no extension ')).toBe('no extension');
    expect(titleFor(`${'é'.repeat(250)}.mp4`)).toHaveLength(MAX_TITLE_LENGTH);
  });

  it('keeps a name that is only an extension, and names a nameless file', () => {
    expect(titleFor('.mp4')).toBe('.mp4');
    expect(titleFor('   ')).toBe('Untitled video');
  });
});

describe('uploadAccess', () => {
  it('asks for a sign-in where the server takes uploads only from accounts or keys and nobody is signed in', () => {
    expect(uploadAccess('accounts', 'signed-out')).toBe('sign-in');
    expect(uploadAccess('apikey', 'signed-out')).toBe('sign-in');
    expect(uploadAccess('accounts', 'signed-in')).toBe('open');
    expect(uploadAccess('apikey', 'signed-in')).toBe('open');
  });

  it('waits for the session to be known before asking', () => {
    expect(uploadAccess('accounts', 'restoring')).toBe('unknown');
  });

  it('invites everyone where anyone may upload, and where the server does not say', () => {
    expect(uploadAccess('anonymous', 'signed-out')).toBe('open');
    expect(uploadAccess('anonymous', 'restoring')).toBe('open');
    expect(uploadAccess('', 'signed-out')).toBe('open');
  });
});
