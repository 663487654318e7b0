// Chapters: marks on the player's timeline, the title in the seek preview, and the list on the watch page. The
// server sends them in order of their start; nothing here relies on it.

import type { Chapter } from './api';

/** The chapter playing at this time: the one that started last before it, or null before the first. */
export function chapterAt(chapters: readonly Chapter[], time: number): Chapter | null {
  let found: Chapter | null = null;
  for (const chapter of chapters) {
    if (chapter.startSeconds <= time && (found === null || chapter.startSeconds >= found.startSeconds)) found = chapter;
  }
  return found;
}

/**
 * Where the timeline marks a chapter starts, as shares of the duration (0–1), in order. The start of the video
 * needs no mark, nor does a chapter starting at the very end or past it (a chapter list longer than the file).
 */
export function chapterMarks(chapters: readonly Chapter[], duration: number): number[] {
  if (!(duration > 0)) return [];
  const shares = chapters
    .map((chapter) => chapter.startSeconds / duration)
    .filter((share) => share > 0 && share < 1)
    .sort((a, b) => a - b);
  return shares.filter((share, i) => i === 0 || share !== shares[i - 1]);
}
