// The audio menu: the tracks the player offers (hls.js alternate audio, or Safari's own list), named from what
// the API says of the source's tracks — a title, else the language, else "Track N".

import type { AudioTrack } from './api';

/** What the player knows of a track: the master's NAME and LANGUAGE, or Safari's label and language. */
export interface PlayerAudioTrack {
  name: string | null;
  language: string | null;
}

export interface AudioItem {
  index: number;
  label: string;
  checked: boolean;
}

/** Codes that name no language a person would recognise. */
const NO_LANGUAGE = new Set(['und', 'zxx', 'mis', 'qaa']);

/** "en" or "eng" → "English", in the reader's language; null when the code names no language. */
export function languageName(code: string | null | undefined, locale?: string | readonly string[]): string | null {
  const trimmed = code?.trim();
  if (!trimmed || NO_LANGUAGE.has(trimmed.toLowerCase())) return null;
  try {
    const name = new Intl.DisplayNames(locale as string | string[] | undefined, { type: 'language', fallback: 'none' }).of(trimmed);
    return name && name.toLowerCase() !== trimmed.toLowerCase() ? name : null;
  } catch {
    // Not a well-formed language code.
    return null;
  }
}

/** A track's name: its title, else its language, else its place ("Track 2"). */
export function audioTrackLabel(
  track: { title?: string | null; language?: string | null },
  index: number,
  locale?: string | readonly string[],
): string {
  return track.title?.trim() || languageName(track.language, locale) || `Track ${index + 1}`;
}

/**
 * The menu's entries, in the player's order. The master lists the source's tracks in the API's order, so when the
 * counts agree the API's titles and languages name them; otherwise the master's own NAME does.
 */
export function audioItems(
  tracks: readonly PlayerAudioTrack[],
  source: readonly AudioTrack[] | undefined,
  current: number,
  locale?: string | readonly string[],
): AudioItem[] {
  const matched = source && source.length === tracks.length ? source : null;
  const labels = tracks.map((track, i) => {
    const known = matched?.[i];
    const title = known ? known.title : track.name;
    return audioTrackLabel({ title, language: known?.language ?? track.language }, i, locale);
  });
  // Two tracks both "English": their places tell them apart.
  const repeated = (label: string) => labels.filter((l) => l === label).length > 1;
  return labels.map((label, index) => ({
    index,
    label: repeated(label) ? `${label} (track ${index + 1})` : label,
    checked: index === current,
  }));
}
