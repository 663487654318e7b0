// Where keyboard focus goes when the thing that had it is deleted. Left alone it falls to the page's body, and a
// keyboard or screen reader user starts again from the top of the page; instead it goes to the neighbour of what
// was deleted, as a list in a desktop app does.

import { tick } from 'svelte';

/**
 * Which item to focus once the item at `removed` has left a list that now holds `remaining` items: the next one
 * (it moved up to the same index), else the one before, else none (the list is empty).
 */
export function neighbourIndex(removed: number, remaining: number): number | null {
  if (remaining <= 0 || removed < 0) return null;
  return Math.min(removed, remaining - 1);
}

/**
 * Once the page has updated: focuses the neighbour of the removed item among `controls()` (one control per item, in
 * order, read after the update), else `fallback` — a heading of the list, made focusable with tabindex="-1".
 */
export async function focusAfterRemoval(
  controls: () => readonly HTMLElement[],
  removed: number,
  fallback: () => HTMLElement | null | undefined,
): Promise<void> {
  await tick();
  const left = controls();
  const index = neighbourIndex(removed, left.length);
  const target = index === null ? fallback() : left[index];
  target?.focus();
}

/** The elements under `root` that match `selector`, in document order; none when there is no root (yet). */
export function within(root: ParentNode | null | undefined, selector: string): HTMLElement[] {
  return root ? [...root.querySelectorAll<HTMLElement>(selector)] : [];
}
