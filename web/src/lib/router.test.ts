import { describe, expect, it } from 'vitest';
import { matchRoute, watchPath } from './router';

describe('matchRoute', () => {
  it('knows the library and the watch page', () => {
    expect(matchRoute('/')).toEqual({ page: 'library' });
    expect(matchRoute('/watch/q3V7nH2xT0eYl8dF4bK9wA')).toEqual({ page: 'watch', id: 'q3V7nH2xT0eYl8dF4bK9wA' });
    expect(matchRoute('/watch/abc_-1/')).toEqual({ page: 'watch', id: 'abc_-1' });
  });

  it('sends everything else to the not-found page', () => {
    expect(matchRoute('/watch/')).toEqual({ page: 'not-found' });
    expect(matchRoute('/watch/a/b')).toEqual({ page: 'not-found' });
    expect(matchRoute('/watch/..%2Fx')).toEqual({ page: 'not-found' });
    expect(matchRoute('/settings')).toEqual({ page: 'not-found' });
  });

  it('builds watch paths', () => {
    expect(watchPath('abc')).toBe('/watch/abc');
  });
});
