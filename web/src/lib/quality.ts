// The quality menu, from two sources that disagree while a video processes: the API's renditions (the whole
// planned ladder, with a ready flag per rung) and the hls.js levels (only what the master playlist listed when
// the player loaded it). A master variant is "{name}/index.m3u8", so a level's URL names its rung.
//
// While a video processes, the higher rungs are encoded slower than real time: a rung whose playlist does not
// reach far enough past the playhead would stall playback, so Auto is capped below it and it cannot be picked.

import type { Rendition } from './api';
import { formatDuration } from './format';

/** What the menu needs of an hls.js level. */
export interface LoadedLevel {
  uri: string;
  width: number;
  height: number;
}

/** "auto" or a rung name such as "720p". */
export type QualityChoice = string;
export const AUTO: QualityChoice = 'auto';

/** The fast-start remux of a compatible upload: a variant of the master, not a rung of the ladder. */
export const SOURCE_VARIANT = 'source';

export interface QualityItem {
  choice: QualityChoice;
  /** Starts with the rung name, e.g. "720p (encoding)". */
  label: string;
  checked: boolean;
  /** Index among the loaded hls.js levels, or null when the loaded master does not list this rung. */
  levelIndex: number | null;
  /** Picking it means loading the master playlist again, which by now may list it. */
  needsReload: boolean;
  /** Its encoding is not far enough ahead of the playhead to play it from here. */
  disabled: boolean;
}

/** How far past the playhead a rung still encoding must reach before the player may use it. */
export const LEAD_SECONDS = 20;

/**
 * Whether a rung can be played from `position` on: "eligible" when ready or encoded far enough ahead, "behind"
 * when its encoder would be caught up with, "unknown" when the server does not say how far it is (older server).
 */
export type RungState = 'eligible' | 'behind' | 'unknown';

export function rungState(renditions: readonly Rendition[], name: string | null, position: number): RungState {
  // The remux is whole before the master lists it.
  if (name === SOURCE_VARIANT) return 'eligible';
  const rendition = renditions.find((r) => r.name === name);
  if (!rendition) return 'unknown';
  if (rendition.ready) return 'eligible';
  if (typeof rendition.encodedSeconds !== 'number') return 'unknown';
  return rendition.encodedSeconds >= position + LEAD_SECONDS ? 'eligible' : 'behind';
}

/** "https://h/media/abc/720p/index.m3u8?x" → "720p": the folder the media playlist sits in. */
export function rungNameFromUrl(url: string): string | null {
  let path: string;
  try {
    path = new URL(url, 'http://reel.invalid/').pathname;
  } catch {
    return null;
  }
  const parts = path.split('/').filter((p) => p !== '');
  return parts.length >= 2 ? decodeURIComponent(parts[parts.length - 2]!) : null;
}

export function levelIndexFor(levels: readonly LoadedLevel[], name: string): number | null {
  const index = levels.findIndex((level) => rungNameFromUrl(level.uri) === name);
  return index < 0 ? null : index;
}

/** How a variant reads in the UI: the remux is the original picture, the rungs keep their names. */
export function displayName(name: string): string {
  return name === SOURCE_VARIANT ? 'Original' : name;
}

/**
 * "Auto" and then the ladder, best first, each marked when it is still encoding, and disabled (with how far it
 * is encoded) when it could not be played from `position` on.
 */
export function qualityItems(
  renditions: readonly Rendition[],
  levels: readonly LoadedLevel[],
  choice: QualityChoice,
  position = 0,
): QualityItem[] {
  const rungs = [...renditions]
    .sort((a, b) => b.width * b.height - a.width * a.height)
    .map((rung): QualityItem => {
      const levelIndex = levelIndexFor(levels, rung.name);
      const behind = rungState(renditions, rung.name, position) === 'behind';
      return {
        choice: rung.name,
        label: rung.ready
          ? rung.name
          : behind
            ? `${rung.name} (encoding, ${formatDuration(rung.encodedSeconds ?? 0)} so far)`
            : `${rung.name} (encoding)`,
        checked: choice === rung.name,
        levelIndex,
        needsReload: levelIndex === null,
        disabled: behind,
      };
    });
  const auto: QualityItem = {
    choice: AUTO,
    label: 'Auto',
    checked: choice === AUTO,
    levelIndex: -1,
    needsReload: false,
    disabled: false,
  };
  return [auto, ...rungs];
}

/**
 * The highest level hls.js may pick in Auto (`autoLevelCapping`), or -1 for no cap. hls.js lists levels from the
 * lowest bitrate up and a cap allows every level up to it, so the cap is the last level that, with all below it,
 * may be played from `position`. Should even the lowest be behind, the cap keeps to the best the lowest can be
 * paired with: the highest playable level.
 */
export function autoLevelCap(levels: readonly LoadedLevel[], renditions: readonly Rendition[], position: number): number {
  const behind = levels.map((level) => rungState(renditions, rungNameFromUrl(level.uri), position) === 'behind');
  const firstBehind = behind.indexOf(true);
  if (firstBehind < 0) return -1;
  if (firstBehind > 0) return firstBehind - 1;
  return Math.max(0, behind.lastIndexOf(false));
}

/**
 * Rungs that can be played from `position` on but that the loaded master does not list, leaving out those the
 * master was already loaded again for: in Auto, a new name here is worth one reload of the master.
 */
export function unlistedEligibleRungs(
  renditions: readonly Rendition[],
  levels: readonly LoadedLevel[],
  position: number,
  reloadedFor: ReadonlySet<string>,
): string[] {
  return renditions
    .filter((r) => !reloadedFor.has(r.name) && levelIndexFor(levels, r.name) === null)
    .filter((r) => rungState(renditions, r.name, position) === 'eligible')
    .map((r) => r.name);
}

/** Why a rung cannot be picked now, for the viewer; null when it can. */
export function pickRefusal(renditions: readonly Rendition[], name: QualityChoice, position: number): string | null {
  if (name === AUTO || rungState(renditions, name, position) !== 'behind') return null;
  const encoded = renditions.find((r) => r.name === name)?.encodedSeconds ?? 0;
  return `${displayName(name)} is encoded only up to ${formatDuration(encoded)} so far; try again in a while.`;
}

/** The rung behind the level hls.js plays now, or null before it has picked one. */
export function playingName(levels: readonly LoadedLevel[], index: number): string | null {
  const level = index >= 0 ? levels[index] : undefined;
  return level ? rungNameFromUrl(level.uri) ?? `${level.height}p` : null;
}

/** The button's text: the choice, and under Auto the rung it settled on. */
export function qualityLabel(choice: QualityChoice, playing: string | null): string {
  if (choice !== AUTO) return displayName(choice);
  return playing ? `Auto (${displayName(playing)})` : 'Auto';
}
