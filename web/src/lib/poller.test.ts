import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { repeat } from './poller';

describe('repeat', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('runs the task with the delay it asks for, until it returns null', async () => {
    const delays = [1000, 2000, null];
    const runs: number[] = [];
    repeat(async () => {
      runs.push(Date.now());
      return delays.shift() ?? null;
    });

    await vi.advanceTimersByTimeAsync(0);
    await vi.advanceTimersByTimeAsync(1000);
    await vi.advanceTimersByTimeAsync(2000);
    await vi.advanceTimersByTimeAsync(10_000);
    expect(runs.map((t) => t - runs[0]!)).toEqual([0, 1000, 3000]);
  });

  it('stops when asked, and aborts the run in flight', async () => {
    let runs = 0;
    let signal: AbortSignal | undefined;
    const stop = repeat(async (s) => {
      runs++;
      signal = s;
      return 1000;
    });
    await vi.advanceTimersByTimeAsync(0);
    stop();
    await vi.advanceTimersByTimeAsync(5000);
    expect(runs).toBe(1);
    expect(signal?.aborted).toBe(true);
  });

  it('keeps going at a calm pace after a failing run', async () => {
    let runs = 0;
    repeat(async () => {
      runs++;
      if (runs === 1) throw new Error('offline');
      return null;
    });
    await vi.advanceTimersByTimeAsync(0);
    await vi.advanceTimersByTimeAsync(4999);
    expect(runs).toBe(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(runs).toBe(2);
  });
});
