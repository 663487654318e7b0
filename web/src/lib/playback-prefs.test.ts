import { describe, expect, it } from 'vitest';
import { DEFAULT_PREFS, PLAYBACK_PREFS_KEY, loadPrefs, nextSpeed, savePrefs, speedLabel, stepVolume } from './playback-prefs';
import type { StorageLike } from './storage';

function memory(): StorageLike & { data: Map<string, string> } {
  const data = new Map<string, string>();
  return { data, getItem: (k) => data.get(k) ?? null, setItem: (k, v) => void data.set(k, v), removeItem: (k) => void data.delete(k) };
}

describe('playback preferences', () => {
  it('remembers volume, mute and speed, and reads back what it wrote', () => {
    const storage = memory();
    savePrefs({ volume: 0.35, muted: true, speed: 1.5 }, storage);
    expect(loadPrefs(storage)).toEqual({ volume: 0.35, muted: true, speed: 1.5 });
  });

  it('falls back to the defaults for anything missing, broken or out of range', () => {
    const storage = memory();
    expect(loadPrefs(storage)).toEqual(DEFAULT_PREFS);
    storage.setItem(PLAYBACK_PREFS_KEY, '{not json');
    expect(loadPrefs(storage)).toEqual(DEFAULT_PREFS);
    storage.setItem(PLAYBACK_PREFS_KEY, JSON.stringify({ volume: 7, muted: 'yes', speed: 3 }));
    expect(loadPrefs(storage)).toEqual(DEFAULT_PREFS);
    expect(loadPrefs(null)).toEqual(DEFAULT_PREFS);
  });

  it('steps through the offered speeds and stops at either end', () => {
    expect(nextSpeed(1, 1)).toBe(1.25);
    expect(nextSpeed(1, -1)).toBe(0.75);
    expect(nextSpeed(2, 1)).toBe(2);
    expect(nextSpeed(0.25, -1)).toBe(0.25);
    // A speed set elsewhere (the browser's own menu) steps to the nearest offered one.
    expect(nextSpeed(1.1, 1)).toBe(1.25);
    expect(nextSpeed(1.1, -1)).toBe(1);
  });

  it('moves the volume in steps of 5 % within 0 and 1', () => {
    expect(stepVolume(0.5, 1)).toBe(0.55);
    expect(stepVolume(0.02, -1)).toBe(0);
    expect(stepVolume(0.98, 1)).toBe(1);
    expect(stepVolume(1, 1)).toBe(1);
  });

  it('names the normal speed in words', () => {
    expect(speedLabel(1)).toBe('Normal');
    expect(speedLabel(1.5)).toBe('1.5×');
  });
});
