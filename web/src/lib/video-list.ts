// Keeping a list of video cards current: videos still processing are asked about again, so their badges move
// without a reload, and videos deleted meanwhile leave the list.

import { ApiError, MAX_IDS_PER_REQUEST, type Video } from './api';
import { POLL_IDLE_MS, shouldPoll } from './status';

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
 * Folds the answer of one `GET /api/videos?ids=` into answers per id: each asked video the answer holds is fresh,
 * each it leaves out is gone for this caller (deleted, or made private by someone else), as a 404 would say.
 */
export function foldListAnswer(asked: readonly string[], items: readonly Video[]): Answers {
  const fresh = new Map(items.map((v) => [v.id, v]));
  return new Map(asked.map((id) => [id, fresh.get(id) ?? null]));
}

/**
 * Asks about the given videos with one list request per hundred instead of one request each. A request that gets no
 * answer (network, server trouble) answers nothing for its videos: they keep what they showed.
 */
export async function askTogether(
  ids: readonly string[],
  fetchVideos: (ids: readonly string[], signal: AbortSignal) => Promise<Video[]>,
  signal: AbortSignal,
): Promise<Answers> {
  const batches: string[][] = [];
  for (let i = 0; i < ids.length; i += MAX_IDS_PER_REQUEST) batches.push(ids.slice(i, i + MAX_IDS_PER_REQUEST));
  const folded = await Promise.all(
    batches.map((batch) =>
      fetchVideos(batch, signal).then(
        (items) => foldListAnswer(batch, items),
        (): Answers => new Map(),
      ),
    ),
  );
  return new Map(folded.flatMap((answers) => [...answers]));
}

/**
 * Picks, round by round, the videos of a page worth asking about: those still on their way; an idle one (an upload
 * nobody sends, see status.ts uploadIdle) only every POLL_IDLE_MS, since it changes only when someone resumes it.
 */
export class PendingRounds {
  private idleAskedAt = -Infinity;

  constructor(
    private readonly idle: (video: Video) => boolean,
    private readonly now: () => number = Date.now,
  ) {}

  /** Starts a round: the ids due in it, for each list of the page. */
  next(): (list: readonly Video[]) => string[] {
    const idleToo = this.now() - this.idleAskedAt >= POLL_IDLE_MS;
    if (idleToo) this.idleAskedAt = this.now();
    return (list) => list.filter((v) => shouldPoll(v) && (idleToo || !this.idle(v))).map((v) => v.id);
  }
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
