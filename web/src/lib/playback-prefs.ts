// What a viewer sets once and expects everywhere: the volume (and mute) and the playback speed, kept per browser.
// Also the speeds the player offers, and the steps the keyboard takes through them and through the volume.

import { browserStorage, readJson, writeJson, type StorageLike } from './storage';

export const PLAYBACK_PREFS_KEY = 'reel.playback.v1';

/** The speeds offered, as YouTube offers them. */
export const SPEEDS = [0.25, 0.5, 0.75, 1, 1.25, 1.5, 1.75, 2] as const;

/** How far ↑/↓ move the volume. */
export const VOLUME_STEP = 0.05;

export interface PlaybackPrefs {
  volume: number;
  muted: boolean;
  speed: number;
}

export const DEFAULT_PREFS: PlaybackPrefs = { volume: 1, muted: false, speed: 1 };

const isVolume = (value: unknown): value is number => typeof value === 'number' && Number.isFinite(value) && value >= 0 && value <= 1;

/** The remembered settings; anything missing or out of range is the default. */
export function loadPrefs(storage: StorageLike | null = browserStorage()): PlaybackPrefs {
  const stored = readJson(storage, PLAYBACK_PREFS_KEY) as Partial<Record<keyof PlaybackPrefs, unknown>> | null;
  if (!stored || typeof stored !== 'object') return { ...DEFAULT_PREFS };
  return {
    volume: isVolume(stored.volume) ? stored.volume : DEFAULT_PREFS.volume,
    muted: typeof stored.muted === 'boolean' ? stored.muted : DEFAULT_PREFS.muted,
    speed: SPEEDS.includes(stored.speed as (typeof SPEEDS)[number]) ? (stored.speed as number) : DEFAULT_PREFS.speed,
  };
}

export function savePrefs(prefs: PlaybackPrefs, storage: StorageLike | null = browserStorage()): void {
  writeJson(storage, PLAYBACK_PREFS_KEY, prefs);
}

/** The next offered speed up (`direction` 1) or down (-1) from `current`; the end of the list stays where it is. */
export function nextSpeed(current: number, direction: 1 | -1): number {
  if (direction > 0) return SPEEDS.find((speed) => speed > current + 1e-9) ?? SPEEDS[SPEEDS.length - 1]!;
  return [...SPEEDS].reverse().find((speed) => speed < current - 1e-9) ?? SPEEDS[0]!;
}

/** The volume one step up or down, kept within 0..1 and on the step grid. */
export function stepVolume(current: number, direction: 1 | -1): number {
  const next = Math.round((current + direction * VOLUME_STEP) / VOLUME_STEP) * VOLUME_STEP;
  return Math.min(1, Math.max(0, Number(next.toFixed(2))));
}

/** "1×", "0.75×", "Normal" for 1 in menus. */
export function speedLabel(speed: number): string {
  return speed === 1 ? 'Normal' : `${speed}×`;
}
