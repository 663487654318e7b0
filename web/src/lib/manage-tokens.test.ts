import { describe, expect, it } from 'vitest';
import { MemoryStorage } from '../testing/builders';
import { MANAGE_TOKENS_KEY, ManageTokenStore, type ManagedUpload } from './manage-tokens';

const upload = (id: string, manageToken = `token-${id}`): ManagedUpload => ({
  id,
  manageToken,
  title: `${id}.mp4`,
  createdAt: '2026-11-21T10:00:00Z',
});

describe('ManageTokenStore', () => {
  it('remembers uploads under reel.manage.v1, newest first, and finds their tokens', () => {
    const storage = new MemoryStorage();
    const store = new ManageTokenStore(storage);
    store.remember(upload('a'));
    store.remember(upload('b'));

    expect(store.list().map((e) => e.id)).toEqual(['b', 'a']);
    expect(store.tokenFor('a')).toBe('token-a');
    expect(store.tokenFor('zzz')).toBeNull();
    expect(JSON.parse(storage.getItem(MANAGE_TOKENS_KEY)!)).toEqual([upload('b'), upload('a')]);
  });

  it('gives the header that proves the right to manage, and nothing for other videos', () => {
    const store = new ManageTokenStore(new MemoryStorage());
    store.remember(upload('a', 'secret'));
    expect(store.headersFor('a')).toEqual({ 'Reel-Manage-Token': 'secret' });
    expect(store.headersFor('b')).toEqual({});
  });

  it('keeps only the fields it needs, once per video', () => {
    const storage = new MemoryStorage();
    const store = new ManageTokenStore(storage);
    store.remember({ ...upload('a', 'first'), extra: 'x' } as ManagedUpload);
    store.remember(upload('a', 'second'));
    expect(store.list()).toEqual([upload('a', 'second')]);
  });

  it('forgets a video (deleted, or the server no longer knows it)', () => {
    const store = new ManageTokenStore(new MemoryStorage());
    store.remember(upload('a'));
    store.remember(upload('b'));
    store.forget('a');
    expect(store.list().map((e) => e.id)).toEqual(['b']);
    expect(store.tokenFor('a')).toBeNull();
  });

  it('follows a rename', () => {
    const store = new ManageTokenStore(new MemoryStorage());
    store.remember(upload('a'));
    store.rename('a', 'Holiday');
    expect(store.list()[0]!.title).toBe('Holiday');
  });

  it('drops the oldest beyond its limit', () => {
    const store = new ManageTokenStore(new MemoryStorage(), 2);
    ['a', 'b', 'c'].forEach((id) => store.remember(upload(id)));
    expect(store.list().map((e) => e.id)).toEqual(['c', 'b']);
  });

  it('skips entries that are broken, and storage that is not a list', () => {
    const storage = new MemoryStorage();
    storage.setItem(MANAGE_TOKENS_KEY, JSON.stringify([upload('a'), { id: 'b' }, null, upload('a', 'dup')]));
    const store = new ManageTokenStore(storage);
    expect(store.list()).toEqual([upload('a')]);
    storage.setItem(MANAGE_TOKENS_KEY, '{"a":1}');
    expect(store.list()).toEqual([]);
    storage.setItem(MANAGE_TOKENS_KEY, 'not json');
    expect(store.tokenFor('a')).toBeNull();
  });

  it('does not remember an entry without a token', () => {
    const store = new ManageTokenStore(new MemoryStorage());
    store.remember(upload('a', ''));
    expect(store.list()).toEqual([]);
  });

  it('works without storage (nothing remembered)', () => {
    const store = new ManageTokenStore(null);
    store.remember(upload('a'));
    expect(store.list()).toEqual([]);
    expect(store.headersFor('a')).toEqual({});
  });
});
