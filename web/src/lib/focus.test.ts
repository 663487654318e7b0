import { describe, expect, it } from 'vitest';
import { focusAfterRemoval, neighbourIndex } from './focus';

describe('neighbourIndex', () => {
  it('moves to the next item, which took the place of the deleted one', () => {
    // Three cards, the first deleted: two are left and the old second one is now at 0.
    expect(neighbourIndex(0, 2)).toBe(0);
    expect(neighbourIndex(1, 2)).toBe(1);
  });

  it('moves to the one before when the last item was deleted', () => {
    expect(neighbourIndex(2, 2)).toBe(1);
    // Deleted meanwhile by someone else too: still the last one there is.
    expect(neighbourIndex(5, 2)).toBe(1);
  });

  it('has nowhere to go in a list left empty, or for an item that was not in it', () => {
    expect(neighbourIndex(0, 0)).toBeNull();
    expect(neighbourIndex(-1, 3)).toBeNull();
  });
});

describe('focusAfterRemoval', () => {
  const control = (name: string, focused: string[]) => ({ focus: () => focused.push(name) }) as unknown as HTMLElement;

  it('focuses the neighbour among the controls left after the update', async () => {
    const focused: string[] = [];
    const left = [control('first', focused), control('third', focused)];
    await focusAfterRemoval(() => left, 1, () => control('heading', focused));
    expect(focused).toEqual(['third']);
  });

  it('falls back to the heading when the list is left empty', async () => {
    const focused: string[] = [];
    await focusAfterRemoval(() => [], 0, () => control('heading', focused));
    expect(focused).toEqual(['heading']);
  });
});
