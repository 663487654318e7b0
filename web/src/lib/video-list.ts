// Keeping a list of video cards current: videos still processing are asked about again, so their badges move
// without a reload, and videos deleted meanwhile leave the list.

import { ApiError, type Video } from './api';
import { shouldPoll } from './status';

/** Adds videos (or any items with an id) the list does not have yet, keeping the server's newest-first order. */
export function appendNew<T extends { id: string }>(list: readonly T[], page: readonly T[]): T[] {
  const known = new Set(list.map((v) => v.id));
  return [...list, ...page.filter((v) => !known.has(v.id))];
}

/** Per id: the fresh video, null when the server no longer has it (404), undefined when it did not answer. */
export type Answers = Map<string, Video | null | undefined>;

/** Asks about every video of the list still processing. */
export async function askPending(
  list: readonly Video[],
  fetchVideo: (id: string, signal: AbortSignal) => Promise<Video>,
  signal: AbortSignal,
): Promise<Answers> {
  const pending = list.filter(shouldPoll);
  const answers = await Promise.all(
    pending.map((v) =>
      fetchVideo(v.id, signal).then(
        (fresh): [string, Video | null | undefined] => [v.id, fresh],
        (error: unknown): [string, Video | null | undefined] => [
          v.id,
          error instanceof ApiError && error.isNotFound ? null : undefined,
        ],
      ),
    ),
  );
  return new Map(answers);
}

/**
 * Applies answers to the list as it is now (it may have changed while they were on their way): answered videos
 * are replaced, deleted ones dropped, the rest kept. Returns the same list when nothing changes.
 */
export function applyAnswers(list: Video[], answers: Answers): Video[] {
  if (answers.size === 0) return list;
  let changed = false;
  const next = list.flatMap((v) => {
    const answer = answers.get(v.id);
    if (answer === undefined) return [v];
    changed = true;
    return answer === null ? [] : [answer];
  });
  return changed ? next : list;
}
