// "Continue where you left off". Signed in, the server keeps the position and hands back `resumeAtSeconds`;
// anonymous, this browser keeps it in localStorage (`reel.resume.v1`) under the same rules as the server:
//   - a position in the first 5 % of the video is not kept: it clears the saved position (a viewer who went back to
//     the start, or only peeked, has no place to come back to; the server's SaveProgress does the same);
//   - past 95 % the video counts as watched and the saved position is cleared;
//   - playback resumes 5 s before the saved position (a little context), never before 0.

import { browserStorage, readJson, writeJson, type StorageLike } from './storage';

export const RESUME_KEY = 'reel.resume.v1';
/** Fractions of the duration and the backoff, as the server's defaults (`Auth:ResumeBackoffSeconds`). */
export const NOT_KEPT_BEFORE = 0.05;
export const WATCHED_AFTER = 0.95;
export const RESUME_BACKOFF_SECONDS = 5;

export type ProgressAction = { kind: 'ignore' } | { kind: 'save'; position: number } | { kind: 'clear' };

/** What reporting `position` of a video `duration` seconds long does to its saved position. */
export function progressAction(position: number, duration: number): ProgressAction {
  if (!Number.isFinite(position) || position < 0 || !Number.isFinite(duration) || duration <= 0) return { kind: 'ignore' };
  if (position < duration * NOT_KEPT_BEFORE || position > duration * WATCHED_AFTER) return { kind: 'clear' };
  return { kind: 'save', position };
}

/** Where to start given a saved position: a few seconds before it, never before the start. */
export function resumePoint(saved: number | null, backoff: number = RESUME_BACKOFF_SECONDS): number | null {
  if (saved === null || !Number.isFinite(saved) || saved < 0) return null;
  return Math.max(0, saved - backoff);
}

export interface StartChoice {
  /** The second the player starts at; null lets the stream decide (its beginning). */
  position: number | null;
  /** Set when the start is a resume point, for the "Resumed at" notice. */
  resumedAt: number | null;
}

/**
 * A `?t=` link wins: whoever shared it meant that moment. Otherwise the resume point, when there is one worth
 * jumping to (a resume point of 0 is just the start).
 */
export function chooseStart(linkStart: number | null, resumeAt: number | null): StartChoice {
  if (linkStart !== null) return { position: linkStart, resumedAt: null };
  if (resumeAt !== null && Number.isFinite(resumeAt) && resumeAt > 0) return { position: resumeAt, resumedAt: resumeAt };
  return { position: null, resumedAt: null };
}

interface SavedPosition {
  positionSeconds: number;
  savedAt: number;
}

function isSavedPosition(value: unknown): value is SavedPosition {
  if (!value || typeof value !== 'object') return false;
  const entry = value as Record<string, unknown>;
  return (
    typeof entry.positionSeconds === 'number' &&
    Number.isFinite(entry.positionSeconds) &&
    entry.positionSeconds >= 0 &&
    typeof entry.savedAt === 'number'
  );
}

/** The anonymous viewer's positions, per video id. */
export class LocalResumeStore {
  constructor(
    private readonly storage: StorageLike | null,
    /** Only the most recently watched videos are remembered. */
    private readonly limit = 200,
    private readonly now: () => number = () => Date.now(),
    private readonly key = RESUME_KEY,
  ) {}

  /** The saved position (not yet backed off), or null. */
  saved(id: string): number | null {
    return this.read().get(id)?.positionSeconds ?? null;
  }

  /** Where to resume this video, or null to start at the beginning. */
  resumeAt(id: string): number | null {
    return resumePoint(this.saved(id));
  }

  /** Applies the rules to a reported position and stores the outcome. */
  record(id: string, position: number, duration: number): ProgressAction {
    const action = progressAction(position, duration);
    if (action.kind === 'ignore') return action;
    const entries = this.read();
    if (action.kind === 'clear') {
      if (!entries.delete(id)) return action;
    } else {
      entries.set(id, { positionSeconds: action.position, savedAt: this.now() });
    }
    // Stored as [id, entry] pairs, newest first: ids are never used as object keys (think "__proto__").
    const kept = [...entries].sort(([, a], [, b]) => b.savedAt - a.savedAt).slice(0, this.limit);
    writeJson(this.storage, this.key, kept);
    return action;
  }

  private read(): Map<string, SavedPosition> {
    const stored = readJson(this.storage, this.key);
    const entries = new Map<string, SavedPosition>();
    if (!Array.isArray(stored)) return entries;
    for (const pair of stored) {
      if (!Array.isArray(pair) || typeof pair[0] !== 'string') continue;
      const value: unknown = pair[1];
      if (isSavedPosition(value) && !entries.has(pair[0])) {
        entries.set(pair[0], { positionSeconds: value.positionSeconds, savedAt: value.savedAt });
      }
    }
    return entries;
  }
}

export const localResume = new LocalResumeStore(browserStorage());
