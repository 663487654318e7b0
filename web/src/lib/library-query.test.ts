import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  DEFAULT_QUERY,
  MAX_SEARCH_LENGTH,
  debounce,
  libraryQueryString,
  listFilter,
  noMatchMessage,
  readLibraryQuery,
  sameList,
} from './library-query';

describe('library query in the URL', () => {
  it('reads the search, order and status, and falls back to the defaults for what the page does not offer', () => {
    expect(readLibraryQuery('?q=our%20trip&sort=title&status=ready')).toEqual({ q: 'our trip', sort: 'title', status: 'ready' });
    expect(readLibraryQuery('')).toEqual(DEFAULT_QUERY);
    expect(readLibraryQuery('?sort=size&status=queued')).toEqual(DEFAULT_QUERY);
    expect(readLibraryQuery(`?q=${'a'.repeat(300)}`).q).toHaveLength(MAX_SEARCH_LENGTH);
  });

  it('writes only what differs from the defaults and keeps the other parameters', () => {
    expect(libraryQueryString(DEFAULT_QUERY)).toBe('');
    expect(libraryQueryString({ q: '  a & b ', sort: 'duration', status: 'failed' })).toBe('?q=a+%26+b&sort=duration&status=failed');
    expect(libraryQueryString({ ...DEFAULT_QUERY, q: 'x' }, '?next=%2Fmy&sort=title')).toBe('?next=%2Fmy&q=x');
  });

  it('round-trips through the URL', () => {
    const query = { q: 'café “x”', sort: 'oldest', status: 'uploading' } as const;
    expect(readLibraryQuery(libraryQueryString(query))).toEqual(query);
  });
});

describe('listFilter', () => {
  it('sends only the parameters that change the list, the search trimmed', () => {
    expect(listFilter(DEFAULT_QUERY)).toEqual({});
    expect(listFilter({ q: ' trip ', sort: 'title', status: 'processing' })).toEqual({ q: 'trip', sort: 'title', status: 'processing' });
    expect(listFilter({ q: '   ', sort: 'newest', status: '' })).toEqual({});
  });

  it('counts lists as the same when only spaces around the search differ', () => {
    expect(sameList({ ...DEFAULT_QUERY, q: 'trip ' }, { ...DEFAULT_QUERY, q: 'trip' })).toBe(true);
    expect(sameList(DEFAULT_QUERY, { ...DEFAULT_QUERY, sort: 'title' })).toBe(false);
  });
});

describe('noMatchMessage', () => {
  it('names the search and the status that left the list empty', () => {
    expect(noMatchMessage({ ...DEFAULT_QUERY, q: ' x ' })).toBe('No videos match “x”');
    expect(noMatchMessage({ ...DEFAULT_QUERY, q: 'x', status: 'failed' })).toBe('No failed videos match “x”');
    expect(noMatchMessage({ ...DEFAULT_QUERY, status: 'ready' })).toBe('No ready videos');
    expect(noMatchMessage({ ...DEFAULT_QUERY, sort: 'title' })).toBeNull();
  });
});

describe('debounce', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('runs once after the last call has rested, with its arguments, and not at all when cancelled', () => {
    vi.useFakeTimers();
    const run = vi.fn();
    const debounced = debounce(run, 250);
    debounced.call('a');
    vi.advanceTimersByTime(200);
    debounced.call('ab');
    vi.advanceTimersByTime(249);
    expect(run).not.toHaveBeenCalled();
    vi.advanceTimersByTime(1);
    expect(run).toHaveBeenCalledExactlyOnceWith('ab');
    debounced.call('abc');
    debounced.cancel();
    vi.advanceTimersByTime(1000);
    expect(run).toHaveBeenCalledTimes(1);
  });
});
