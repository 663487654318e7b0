import { describe, expect, it } from 'vitest';
import { MemoryStorage } from '../testing/builders';
import { chooseStart, LocalResumeStore, progressAction, RESUME_KEY, resumePoint } from './resume';

describe('the server’s rules, applied here for anonymous viewers', () => {
  it('does not keep a position in the first 5 %: it clears the saved one, as the server does', () => {
    expect(progressAction(0, 200)).toEqual({ kind: 'clear' });
    expect(progressAction(9.9, 200)).toEqual({ kind: 'clear' });
    expect(progressAction(10, 200)).toEqual({ kind: 'save', position: 10 });
  });

  it('counts a position past 95 % as watched and clears it', () => {
    expect(progressAction(190, 200)).toEqual({ kind: 'save', position: 190 });
    expect(progressAction(190.1, 200)).toEqual({ kind: 'clear' });
    expect(progressAction(200, 200)).toEqual({ kind: 'clear' });
  });

  it('ignores what it cannot judge: unknown durations, negative or broken positions', () => {
    expect(progressAction(30, 0)).toEqual({ kind: 'ignore' });
    expect(progressAction(-1, 200)).toEqual({ kind: 'ignore' });
    expect(progressAction(Number.NaN, 200)).toEqual({ kind: 'ignore' });
  });

  it('resumes 5 s before the saved position, never before 0', () => {
    expect(resumePoint(83)).toBe(78);
    expect(resumePoint(3)).toBe(0);
    expect(resumePoint(5)).toBe(0);
    expect(resumePoint(null)).toBeNull();
  });
});

describe('choosing where playback starts', () => {
  it('a ?t= link wins over the resume point', () => {
    expect(chooseStart(30, 78)).toEqual({ position: 30, resumedAt: null });
    expect(chooseStart(0, 78)).toEqual({ position: 0, resumedAt: null });
  });

  it('resumes when there is somewhere to resume to', () => {
    expect(chooseStart(null, 78)).toEqual({ position: 78, resumedAt: 78 });
  });

  it('starts at the beginning without a resume point, or with one of 0', () => {
    expect(chooseStart(null, null)).toEqual({ position: null, resumedAt: null });
    expect(chooseStart(null, 0)).toEqual({ position: null, resumedAt: null });
  });
});

describe('LocalResumeStore', () => {
  it('keeps positions per video in localStorage and resumes a little before them', () => {
    const storage = new MemoryStorage();
    const store = new LocalResumeStore(storage);

    expect(store.record('a', 83, 200)).toEqual({ kind: 'save', position: 83 });
    store.record('b', 50, 100);

    expect(store.resumeAt('a')).toBe(78);
    expect(store.resumeAt('b')).toBe(45);
    expect(store.resumeAt('c')).toBeNull();
    // Another page load reads the same storage.
    expect(new LocalResumeStore(storage).resumeAt('a')).toBe(78);
    expect(storage.getItem(RESUME_KEY)).toContain('"positionSeconds":83');
  });

  it('forgets the saved position when the viewer goes back into the first 5 % ("Start over")', () => {
    const store = new LocalResumeStore(new MemoryStorage());
    store.record('a', 83, 200);
    expect(store.record('a', 4, 200)).toEqual({ kind: 'clear' });
    expect(store.saved('a')).toBeNull();
  });

  it('forgets a video watched past 95 %', () => {
    const store = new LocalResumeStore(new MemoryStorage());
    store.record('a', 83, 200);
    expect(store.record('a', 195, 200)).toEqual({ kind: 'clear' });
    expect(store.resumeAt('a')).toBeNull();
  });

  it('remembers only the most recently watched videos', () => {
    let now = 0;
    const store = new LocalResumeStore(new MemoryStorage(), 2, () => now++);
    store.record('a', 50, 100);
    store.record('b', 50, 100);
    store.record('c', 50, 100);
    expect([store.saved('a'), store.saved('b'), store.saved('c')]).toEqual([null, 50, 50]);
  });

  it('survives broken or hostile storage contents', () => {
    const storage = new MemoryStorage();
    storage.setItem(RESUME_KEY, '{not json');
    const store = new LocalResumeStore(storage);
    expect(store.resumeAt('a')).toBeNull();
    store.record('__proto__', 50, 100);
    expect(store.saved('__proto__')).toBe(50);
    expect(({} as Record<string, unknown>).positionSeconds).toBeUndefined();
    storage.setItem(RESUME_KEY, JSON.stringify([['a', { positionSeconds: 'x', savedAt: 1 }], ['b', { positionSeconds: 20, savedAt: 1 }]]));
    expect([store.saved('a'), store.saved('b')]).toEqual([null, 20]);
  });

  it('works, forgetting on reload, without storage', () => {
    const store = new LocalResumeStore(null);
    expect(store.record('a', 50, 100)).toEqual({ kind: 'save', position: 50 });
    expect(store.resumeAt('a')).toBeNull();
  });

  it('does not break when storage refuses to write', () => {
    const storage = new MemoryStorage();
    storage.setItem = () => {
      throw new Error('QuotaExceededError');
    };
    expect(() => new LocalResumeStore(storage).record('a', 50, 100)).not.toThrow();
  });
});
