import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  isOutage,
  OFFLINE_MESSAGE,
  outageAnnouncement,
  outageMessage,
  Reconnector,
  RETRY_STEPS_MS,
  retryDelay,
  secondsUntil,
  type Outage,
} from './reconnect';

describe('retryDelay', () => {
  it('doubles from one second and stays at fifteen', () => {
    const middle = () => 0.5;
    expect([0, 1, 2, 3, 4, 5, 20].map((attempt) => retryDelay(attempt, middle))).toEqual([
      1000, 2000, 4000, 8000, 15_000, 15_000, 15_000,
    ]);
  });

  it('spreads each pause by a tenth either way', () => {
    expect(retryDelay(0, () => 0)).toBe(900);
    expect(retryDelay(0, () => 0.999_999)).toBe(1100);
    expect(retryDelay(RETRY_STEPS_MS.length, () => 0)).toBe(13_500);
  });
});

describe('isOutage', () => {
  const failure = (details: string, code?: number) => ({ type: 'networkError', details, response: code === undefined ? undefined : { code } });

  it('is a load that got no answer, or one that says "not now"', () => {
    expect(isOutage(failure('fragLoadError', 0))).toBe(true);
    expect(isOutage(failure('levelLoadTimeOut'))).toBe(true);
    expect(isOutage(failure('manifestLoadError', 502))).toBe(true);
    expect(isOutage(failure('fragLoadError', 503))).toBe(true);
    expect(isOutage(failure('audioTrackLoadError', 429))).toBe(true);
  });

  it('is not the server’s final word, nor a broken playlist or picture', () => {
    expect(isOutage(failure('fragLoadError', 403))).toBe(false);
    expect(isOutage(failure('fragLoadError', 404))).toBe(false);
    expect(isOutage(failure('levelLoadError', 410))).toBe(false);
    expect(isOutage(failure('levelParsingError'))).toBe(false);
    expect(isOutage({ type: 'mediaError', details: 'bufferAppendError' })).toBe(false);
  });
});

describe('the outage message', () => {
  it('blames the network when the browser is offline', () => {
    expect(outageMessage(false, 4)).toBe(OFFLINE_MESSAGE);
    expect(outageAnnouncement(false)).toBe(OFFLINE_MESSAGE);
  });

  it('blames Reel otherwise, and counts down to the next attempt', () => {
    expect(outageMessage(true, 12)).toBe('Reel is unreachable. Retrying in 12 s…');
    expect(outageMessage(true, 0)).toBe('Reel is unreachable. Trying again…');
    expect(outageMessage(true, null)).toBe('Reel is unreachable. Trying again…');
    // Said once, without the seconds that change every second.
    expect(outageAnnouncement(true)).not.toMatch(/\d/);
  });

  it('rounds the seconds left up', () => {
    expect(secondsUntil(10_001, 0)).toBe(11);
    expect(secondsUntil(10_000, 0)).toBe(10);
    expect(secondsUntil(1000, 5000)).toBe(0);
    expect(secondsUntil(null, 0)).toBeNull();
  });
});

describe('Reconnector', () => {
  let attempts: number;
  let reports: (Outage | null)[];
  let reconnector: Reconnector;

  beforeEach(() => {
    vi.useFakeTimers();
    attempts = 0;
    reports = [];
    reconnector = new Reconnector(
      () => attempts++,
      (outage) => reports.push(outage),
      () => 0.5,
    );
  });

  afterEach(() => vi.useRealTimers());

  it('tries after 1, 2, 4, 8, 15 and 15 s while loads keep failing, saying when', () => {
    const at: number[] = [];
    for (let i = 0; i < 6; i++) {
      const start = Date.now();
      reconnector.failed();
      expect(reports.at(-1)).toEqual({ retryAt: start + [1000, 2000, 4000, 8000, 15_000, 15_000][i]! });
      vi.advanceTimersToNextTimer();
      at.push(Date.now() - start);
      expect(reports.at(-1)).toEqual({ retryAt: null });
    }
    expect(at).toEqual([1000, 2000, 4000, 8000, 15_000, 15_000]);
    expect(attempts).toBe(6);
  });

  it('ends the outage when data arrives, and starts the pauses over for the next one', () => {
    reconnector.failed();
    vi.advanceTimersByTime(1000);
    reconnector.failed();
    reconnector.recovered();
    expect(reports.at(-1)).toBeNull();
    expect(reconnector.down).toBe(false);
    vi.advanceTimersByTime(60_000);
    expect(attempts).toBe(1);

    reconnector.failed();
    expect(reports.at(-1)).toEqual({ retryAt: Date.now() + 1000 });
  });

  it('tries at once when asked, only during an outage', () => {
    reconnector.now();
    expect(attempts).toBe(0);
    reconnector.failed();
    reconnector.now();
    expect(attempts).toBe(1);
    vi.advanceTimersByTime(60_000);
    expect(attempts).toBe(1);
  });

  it('waits while the page is hidden and tries as soon as it is shown', () => {
    reconnector.failed();
    reconnector.setHidden(true);
    expect(reports.at(-1)).toEqual({ retryAt: null });
    vi.advanceTimersByTime(60_000);
    reconnector.failed();
    reconnector.now();
    expect(attempts).toBe(0);

    reconnector.setHidden(false);
    expect(attempts).toBe(1);
  });

  it('shows an outage another part retries without scheduling an attempt, and takes over when that gives up', () => {
    reconnector.retrying();
    expect(reports).toEqual([{ retryAt: null }]);
    vi.advanceTimersByTime(60_000);
    expect(attempts).toBe(0);
    reconnector.failed();
    vi.advanceTimersByTime(1000);
    expect(attempts).toBe(1);
  });

  it('stops for good, clearing the outage', () => {
    reconnector.failed();
    reconnector.stop();
    expect(reports.at(-1)).toBeNull();
    vi.advanceTimersByTime(60_000);
    expect(attempts).toBe(0);
  });
});
