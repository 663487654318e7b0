// Builders shared by the unit tests.

import type { Video } from '../lib/api';

export function aVideo(overrides: Partial<Video> = {}): Video {
  const id = overrides.id ?? 'q3V7nH2xT0eYl8dF4bK9wA';
  return {
    id,
    title: 'holiday.mp4',
    status: 'processing',
    playable: false,
    progress: 0,
    error: null,
    visibility: 'unlisted',
    durationSeconds: 60,
    width: 1920,
    height: 1080,
    sizeBytes: 41_700_000,
    createdAt: '2026-11-21T10:00:00Z',
    readyAt: null,
    streamUrl: null,
    downloadUrl: null,
    thumbnailUrl: null,
    storyboardUrl: null,
    watchUrl: `/watch/${id}`,
    renditions: [],
    ...overrides,
  };
}
