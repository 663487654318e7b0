import { describe, expect, it } from 'vitest';
import { matchRoute, safeNextPath, signInPath, watchPath } from './router';

describe('matchRoute', () => {
  it('knows the library and the watch page', () => {
    expect(matchRoute('/')).toEqual({ page: 'library' });
    expect(matchRoute('/watch/q3V7nH2xT0eYl8dF4bK9wA')).toEqual({ page: 'watch', id: 'q3V7nH2xT0eYl8dF4bK9wA' });
    expect(matchRoute('/watch/abc_-1/')).toEqual({ page: 'watch', id: 'abc_-1' });
    expect(matchRoute('/v/Zk2Lq9vT0pX7mB4cN8rS1dF6hJ3wY5uA')).toEqual({ page: 'share', key: 'Zk2Lq9vT0pX7mB4cN8rS1dF6hJ3wY5uA' });
    expect(matchRoute('/v/')).toEqual({ page: 'not-found' });
    expect(matchRoute('/embed/abc_-1')).toEqual({ page: 'embed', id: 'abc_-1' });
    expect(matchRoute('/embed/v/Zk2Lq9vT0pX7mB4c')).toEqual({ page: 'embed-share', key: 'Zk2Lq9vT0pX7mB4c' });
    expect(matchRoute('/embed/v')).toEqual({ page: 'not-found' });
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

describe('the account pages', () => {
  it('are routes of the app, with or without a trailing slash', () => {
    expect(matchRoute('/signin')).toEqual({ page: 'signin' });
    expect(matchRoute('/register')).toEqual({ page: 'register' });
    expect(matchRoute('/my')).toEqual({ page: 'my' });
    expect(matchRoute('/my/')).toEqual({ page: 'my' });
    expect(matchRoute('/admin')).toEqual({ page: 'admin' });
    expect(matchRoute('/admin/users')).toEqual({ page: 'not-found' });
    expect(matchRoute('/signinx')).toEqual({ page: 'not-found' });
  });
});

describe('safeNextPath', () => {
  const origin = 'https://reel.example.org';

  it('accepts paths of this site, with their query and fragment', () => {
    expect(safeNextPath('/my', origin)).toBe('/my');
    expect(safeNextPath('/watch/abc?t=90#x', origin)).toBe('/watch/abc?t=90#x');
    expect(safeNextPath('/admin', origin)).toBe('/admin');
  });

  it('turns everything that could leave the site into the start page', () => {
    for (const raw of [
      'https://evil.example/',
      '//evil.example/path',
      '/\\evil.example',
      '\\\\evil.example',
      '/\t/evil.example',
      '/\n/evil.example',
      'javascript:alert(1)',
      'my',
      '',
      null,
      undefined,
    ]) {
      expect(safeNextPath(raw, origin), String(raw)).toBe('/');
    }
  });

  it('does not lead back to the forms themselves', () => {
    expect(safeNextPath('/signin?next=/my', origin)).toBe('/');
    expect(safeNextPath('/register', origin)).toBe('/');
  });

  it('normalises dot segments without leaving the site', () => {
    expect(safeNextPath('/watch/../my', origin)).toBe('/my');
    expect(safeNextPath('/../../my', origin)).toBe('/my');
  });
});

describe('signInPath', () => {
  it('carries the page to come back to', () => {
    expect(signInPath('/my')).toBe('/signin?next=%2Fmy');
    expect(signInPath('/watch/abc?t=5')).toBe('/signin?next=%2Fwatch%2Fabc%3Ft%3D5');
    expect(signInPath('/my', '/register')).toBe('/register?next=%2Fmy');
  });

  it('leaves out the start page and anything unsafe', () => {
    expect(signInPath('/')).toBe('/signin');
    expect(signInPath(null)).toBe('/signin');
    expect(signInPath('//evil.example')).toBe('/signin');
  });
});
