import { describe, expect, it } from 'vitest';
import { aVideo } from '../testing/builders';
import { ApiError, type Video } from './api';
import { appendNew, applyAnswers, askPending } from './video-list';

const ready = (id: string) => aVideo({ id, status: 'ready', playable: true });
const processing = (id: string, progress = 0.1) => aVideo({ id, status: 'processing', progress });

describe('askPending and applyAnswers', () => {
  it('asks only about videos still processing, and applies the answers to the list as it is now', async () => {
    const asked: string[] = [];
    const list = [ready('a'), processing('b'), processing('c'), processing('d')];
    const answers = await askPending(
      list,
      (id) => {
        asked.push(id);
        if (id === 'b') return Promise.resolve(processing('b', 0.5));
        if (id === 'c') return Promise.reject(new ApiError(404, 'not_found', 'Not found'));
        return Promise.reject(new ApiError(0, 'network_error', 'offline'));
      },
      new AbortController().signal,
    );
    expect(asked).toEqual(['b', 'c', 'd']);

    // Meanwhile a new upload arrived at the top.
    const now = [processing('new'), ...list];
    const next = applyAnswers(now, answers);
    expect(next.map((v) => [v.id, v.progress])).toEqual([
      ['new', 0.1],
      ['a', 0],
      ['b', 0.5],
      ['d', 0.1],
    ]);
  });

  it('returns the same list when there is nothing to change', () => {
    const list: Video[] = [ready('a')];
    expect(applyAnswers(list, new Map())).toBe(list);
    expect(applyAnswers(list, new Map([['a', undefined]]))).toBe(list);
  });
});

describe('appendNew', () => {
  it('adds only videos the list does not have', () => {
    expect(appendNew([ready('a')], [ready('a'), ready('b')]).map((v) => v.id)).toEqual(['a', 'b']);
  });
});
