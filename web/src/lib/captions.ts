// The player's captions: one <track> per caption the server offers a file for, and a menu (Off, each caption).
// Which one shows when a video starts: the language this browser chose last (remembered across videos, so a viewer
// who reads German captions gets German wherever there are some), else the caption the owner marked default, else
// none. The choice is remembered by language, not by caption, because caption ids mean nothing on another video.

import type { Caption } from './api';
import { languageName } from './audio';
import { browserStorage, readJson, writeJson, type StorageLike } from './storage';

export const CAPTIONS_KEY = 'reel.captions.v1';
/** What is remembered for "captions off", and the menu entry's id. */
export const OFF = 'off';

/** A caption as the player's <track> has it: its address is kept while polls bring the same file with new tokens. */
export interface CaptionTrack {
  id: string;
  language: string;
  label: string;
  default: boolean;
  src: string;
}

export interface CaptionItem {
  id: string;
  label: string;
  checked: boolean;
}

/** The file an address names, without the token before it or a query after it. */
function fileOf(url: string): string {
  const path = url.split(/[?#]/, 1)[0] ?? '';
  return path.slice(path.lastIndexOf('/') + 1);
}

/**
 * Folds the captions of a freshly polled video into the tracks in use. Each answer carries new tokens; a new `src`
 * would make the browser load the file again (and drop the cues on screen), so a caption keeps its address while it
 * names the same file. A replaced file has a new name, and is loaded. Captions without a file yet are left out.
 * Returns `current` itself when nothing changes, so the tracks are not touched.
 */
export function mergeCaptionTracks(current: readonly CaptionTrack[], fresh: readonly Caption[]): readonly CaptionTrack[] {
  const kept = new Map(current.map((track) => [track.id, track]));
  const next: CaptionTrack[] = [];
  for (const caption of fresh) {
    if (!caption.url) continue;
    const old = kept.get(caption.id);
    const src = old && fileOf(old.src) === fileOf(caption.url) ? old.src : caption.url;
    next.push({ id: caption.id, language: caption.language, label: caption.label, default: caption.default, src });
  }
  const same =
    next.length === current.length &&
    next.every((track, i) => {
      const old = current[i]!;
      return (
        track.id === old.id &&
        track.src === old.src &&
        track.label === old.label &&
        track.language === old.language &&
        track.default === old.default
      );
    });
  return same ? current : next;
}

/**
 * A track whose file would not load (its token expired before it was first shown: tracks load only when shown) takes
 * the address of the latest poll, if that one differs. Returns `current` itself otherwise.
 */
export function retryCaptionTrack(current: readonly CaptionTrack[], fresh: readonly Caption[], id: string): readonly CaptionTrack[] {
  const url = fresh.find((caption) => caption.id === id)?.url;
  if (!url) return current;
  let changed = false;
  const next = current.map((track) => {
    if (track.id !== id || track.src === url) return track;
    changed = true;
    return { ...track, src: url };
  });
  return changed ? next : current;
}

const primary = (language: string) => language.toLowerCase().split('-', 1)[0] ?? '';

/**
 * The caption to show when a video starts (its id), or null for none. `remembered` is what this browser chose last:
 * a language, `off`, or null when it never chose. A remembered language matches exactly first ("pt-BR"), then by its
 * main language ("pt"); among several, the default one wins. A language the video lacks falls back to the default.
 */
export function initialCaption(tracks: readonly Pick<CaptionTrack, 'id' | 'language' | 'default'>[], remembered: string | null): string | null {
  if (remembered === OFF) return null;
  if (remembered) {
    const wanted = remembered.toLowerCase();
    const exact = tracks.filter((track) => track.language.toLowerCase() === wanted);
    const close = exact.length > 0 ? exact : tracks.filter((track) => primary(track.language) === primary(wanted));
    const match = close.find((track) => track.default) ?? close[0];
    if (match) return match.id;
  }
  return tracks.find((track) => track.default)?.id ?? null;
}

/**
 * What `c` switches to: off when a caption shows, else the one shown last (if the video still has it), else the
 * one the video would start with, else its first. Null when there is nothing to show.
 */
export function toggledCaption(
  tracks: readonly Pick<CaptionTrack, 'id' | 'language' | 'default'>[],
  current: string | null,
  last: string | null,
  remembered: string | null,
): string | null {
  if (current !== null) return null;
  if (last !== null && tracks.some((track) => track.id === last)) return last;
  return initialCaption(tracks, remembered === OFF ? null : remembered) ?? tracks[0]?.id ?? null;
}

/** The menu: Off, then each caption by its label; two captions of the same label are told apart by language. */
export function captionItems(
  tracks: readonly Pick<CaptionTrack, 'id' | 'language' | 'label'>[],
  current: string | null,
  locale?: string | readonly string[],
): CaptionItem[] {
  const count = (label: string) => tracks.filter((track) => track.label === label).length;
  const items = tracks.map((track, index) => {
    let label = track.label;
    if (count(label) > 1) {
      const language = languageName(track.language, locale) ?? track.language;
      label = language && language !== label ? `${label} (${language})` : `${label} (${index + 1})`;
    }
    return { id: track.id, label, checked: track.id === current };
  });
  return [{ id: OFF, label: 'Off', checked: current === null || !tracks.some((track) => track.id === current) }, ...items];
}

/** The menu button's text: "Off" or the caption's label. */
export function captionLabel(tracks: readonly Pick<CaptionTrack, 'id' | 'label'>[], current: string | null): string {
  return tracks.find((track) => track.id === current)?.label ?? 'Off';
}

/** The language this browser chose last, `off`, or null when it never chose (or cannot remember). */
export function rememberedCaptions(storage: StorageLike | null = browserStorage()): string | null {
  const value = readJson(storage, CAPTIONS_KEY);
  return typeof value === 'string' && value.trim() !== '' ? value : null;
}

/** Remembers a choice by its language (or `off`) for the next video. */
export function rememberCaptions(track: Pick<CaptionTrack, 'language'> | null, storage: StorageLike | null = browserStorage()): void {
  writeJson(storage, CAPTIONS_KEY, track ? track.language : OFF);
}

/** Common BCP 47 tags, offered when captions are added (any other tag is taken too). */
export const COMMON_LANGUAGES: readonly string[] = [
  'en',
  'en-US',
  'en-GB',
  'de',
  'fr',
  'es',
  'es-419',
  'it',
  'pt',
  'pt-BR',
  'nl',
  'sv',
  'da',
  'nb',
  'fi',
  'pl',
  'cs',
  'hu',
  'ro',
  'el',
  'ru',
  'uk',
  'tr',
  'ar',
  'he',
  'fa',
  'hi',
  'bn',
  'id',
  'vi',
  'th',
  'ja',
  'ko',
  'zh-Hans',
  'zh-Hant',
];
