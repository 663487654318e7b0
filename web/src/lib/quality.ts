// The quality menu, from two sources that disagree while a video processes: the API's renditions (the whole
// planned ladder, with a ready flag per rung) and the hls.js levels (only what the master playlist listed when
// the player loaded it). A master variant is "{name}/index.m3u8", so a level's URL names its rung.

import type { Rendition } from './api';

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

/** "Auto" and then the ladder, best first, each marked when it is still encoding. */
export function qualityItems(
  renditions: readonly Rendition[],
  levels: readonly LoadedLevel[],
  choice: QualityChoice,
): QualityItem[] {
  const rungs = [...renditions]
    .sort((a, b) => b.width * b.height - a.width * a.height)
    .map((rung): QualityItem => {
      const levelIndex = levelIndexFor(levels, rung.name);
      return {
        choice: rung.name,
        label: rung.ready ? rung.name : `${rung.name} (encoding)`,
        checked: choice === rung.name,
        levelIndex,
        needsReload: levelIndex === null,
      };
    });
  const auto: QualityItem = { choice: AUTO, label: 'Auto', checked: choice === AUTO, levelIndex: -1, needsReload: false };
  return [auto, ...rungs];
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
