import { describe, expect, it } from 'vitest';
import { chapterAt, chapterMarks } from './chapters';

const chapters = [
  { startSeconds: 0, title: 'Opening' },
  { startSeconds: 30, title: 'The middle' },
  { startSeconds: 90.5, title: 'Credits' },
];

describe('chapterAt', () => {
  it('finds the chapter that started last before the time', () => {
    expect(chapterAt(chapters, 0)?.title).toBe('Opening');
    expect(chapterAt(chapters, 29.99)?.title).toBe('Opening');
    expect(chapterAt(chapters, 30)?.title).toBe('The middle');
    expect(chapterAt(chapters, 500)?.title).toBe('Credits');
  });

  it('is null before the first chapter and without chapters', () => {
    expect(chapterAt([{ startSeconds: 10, title: 'Late start' }], 5)).toBeNull();
    expect(chapterAt([], 5)).toBeNull();
  });

  it('does not rely on the order', () => {
    expect(chapterAt([chapters[2]!, chapters[0]!, chapters[1]!], 45)?.title).toBe('The middle');
  });
});

describe('chapterMarks', () => {
  it('marks each start but the first, as a share of the duration', () => {
    expect(chapterMarks(chapters, 100)).toEqual([0.3, 0.905]);
  });

  it('leaves out starts at or past the end, repeats, and everything without a duration', () => {
    expect(chapterMarks([...chapters, { startSeconds: 100, title: 'End' }, { startSeconds: 30, title: 'Again' }], 100)).toEqual([0.3, 0.905]);
    expect(chapterMarks(chapters, 0)).toEqual([]);
    expect(chapterMarks(chapters, Number.NaN)).toEqual([]);
  });

  it('sorts the marks', () => {
    expect(chapterMarks([chapters[2]!, chapters[1]!], 100)).toEqual([0.3, 0.905]);
  });
});
