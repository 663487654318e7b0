import { describe, expect, it } from 'vitest';
import { Pager } from './pager.svelte';

type Item = { id: string };

describe('Pager', () => {
  it('asks for the next page with the cursor, keeps each item once, and stops at the end', async () => {
    const asked: (string | null)[] = [];
    const pages: Record<string, { items: Item[]; nextCursor: string | null }> = {
      first: { items: [{ id: 'a' }, { id: 'b' }], nextCursor: 'c1' },
      c1: { items: [{ id: 'b' }, { id: 'c' }], nextCursor: null },
    };
    const pager = new Pager<Item>(
      async (cursor) => {
        asked.push(cursor);
        return pages[cursor ?? 'first']!;
      },
      () => 'failed',
    );
    await pager.more();
    await pager.more();
    await pager.more();
    expect(asked).toEqual([null, 'c1']);
    expect(pager.items.map((i) => i.id)).toEqual(['a', 'b', 'c']);
    expect(pager.loaded).toBe(true);
    expect(pager.cursor).toBeNull();
  });

  it('says what went wrong and can try again', async () => {
    let fail = true;
    const pager = new Pager<Item>(
      async () => {
        if (fail) throw new Error('down');
        return { items: [{ id: 'a' }], nextCursor: null };
      },
      (failure) => (failure instanceof Error ? failure.message : '?'),
    );
    await pager.more();
    expect(pager.error).toBe('down');
    expect(pager.loaded).toBe(false);
    expect(pager.loading).toBe(false);
    fail = false;
    await pager.more();
    expect(pager.error).toBeNull();
    expect(pager.items).toEqual([{ id: 'a' }]);
  });

  it('starts over on reset and drops a page of the old list that comes late', async () => {
    const waiting: ((page: { items: Item[]; nextCursor: string | null }) => void)[] = [];
    const pager = new Pager<Item>(
      (cursor) =>
        new Promise((resolve) => {
          waiting.push(resolve);
          void cursor;
        }),
      () => 'failed',
    );
    const old = pager.more();
    const fresh = pager.reset();
    expect(pager.loading).toBe(true);
    waiting[1]!({ items: [{ id: 'new' }], nextCursor: null });
    await fresh;
    waiting[0]!({ items: [{ id: 'old' }], nextCursor: 'c1' });
    await old;
    expect(pager.items).toEqual([{ id: 'new' }]);
    expect(pager.cursor).toBeNull();
    expect(pager.loading).toBe(false);
  });
});
