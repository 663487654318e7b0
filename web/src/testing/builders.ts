// Builders shared by the unit tests.

import type { Rendition, Video } from '../lib/api';

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
    linksExpireAt: '2026-11-21T16:00:00Z',
    customPoster: false,
    watchUrl: `/watch/${id}`,
    fileVersion: id,
    renditions: [],
    owner: null,
    canManage: false,
    resumeAtSeconds: null,
    audioTracks: [],
    captions: [],
    chapters: [],
    sourceInfo: null,
    ...overrides,
  };
}

/** An in-memory localStorage. */
/** A rung of the ladder as the API reports it while encoding: only its name, readiness and encoded length matter here. */
export function aRung(name: string, ready: boolean, encodedSeconds: number): Rendition {
  return { name, width: 0, height: 0, bitrateKbps: 0, ready, encodedSeconds };
}

export class MemoryStorage {
  readonly data = new Map<string, string>();
  getItem(key: string): string | null {
    return this.data.get(key) ?? null;
  }
  setItem(key: string, value: string): void {
    this.data.set(key, String(value));
  }
  removeItem(key: string): void {
    this.data.delete(key);
  }
}

/** A JSON answer as fetch would resolve it. */
export function jsonResponse(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  return new Response(body === undefined ? null : JSON.stringify(body), {
    status,
    headers: { 'Content-Type': status >= 400 ? 'application/problem+json' : 'application/json', ...headers },
  });
}
