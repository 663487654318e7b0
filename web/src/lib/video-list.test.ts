import { describe, expect, it } from 'vitest';
import { aVideo } from '../testing/builders';
import { ApiError, type Video } from './api';
import { POLL_IDLE_MS } from './status';
import { appendNew, applyAnswers, askPending, askTogether, foldListAnswer, PendingRounds } from './video-list';

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

describe('asking about pending videos together', () => {
  it('folds a list answer into answers per id: fresh where listed, gone where left out', () => {
    const answers = foldListAnswer(['a', 'b', 'c'], [processing('c', 0.9), processing('a', 0.4)]);
    expect([...answers].map(([id, v]) => [id, v?.progress ?? v])).toEqual([
      ['a', 0.4],
      ['b', null],
      ['c', 0.9],
    ]);
    // Applied: b is dropped (deleted, or no longer the caller's to see), the others move on, the rest stay.
    const next = applyAnswers([ready('r'), processing('a'), processing('b'), processing('c')], answers);
    expect(next.map((v) => [v.id, v.progress])).toEqual([
      ['r', 0],
      ['a', 0.4],
      ['c', 0.9],
    ]);
  });

  it('sends one request per hundred ids, and keeps what a failed request was about as it was', async () => {
    const ids = Array.from({ length: 230 }, (_, i) => `v${i}`);
    const requests: number[] = [];
    const answers = await askTogether(
      ids,
      (batch) => {
        requests.push(batch.length);
        // The second hundred gets no answer (the network dropped).
        if (batch[0] === 'v100') return Promise.reject(new ApiError(0, 'network_error', 'offline'));
        return Promise.resolve(batch.map((id) => processing(id, 0.5)));
      },
      new AbortController().signal,
    );
    expect(requests).toEqual([100, 100, 30]);
    expect(answers.size).toBe(130);
    expect(answers.get('v0')?.progress).toBe(0.5);
    expect(answers.has('v150')).toBe(false);
    expect(answers.get('v229')?.progress).toBe(0.5);
  });

  it('asks nothing at all when nothing is pending', async () => {
    let asked = false;
    const answers = await askTogether([], () => ((asked = true), Promise.resolve([])), new AbortController().signal);
    expect(asked).toBe(false);
    expect(answers.size).toBe(0);
  });

  it('leaves idle uploads out unless they are due, every POLL_IDLE_MS from the first round', () => {
    const idleUpload = aVideo({ id: 'idle', status: 'uploading' });
    const list = [ready('r'), processing('p'), idleUpload];
    let now = 1_000;
    const rounds = new PendingRounds((v) => v.id === 'idle', () => now);
    const first = rounds.next();
    expect(first(list)).toEqual(['p', 'idle']);
    expect(first([ready('r')])).toEqual([]);
    now += POLL_IDLE_MS - 1;
    expect(rounds.next()(list)).toEqual(['p']);
    now += 1;
    expect(rounds.next()(list)).toEqual(['p', 'idle']);
  });
});
