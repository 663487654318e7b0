// The pages the server answers with index.html ("/", "/watch/{id}", "/v/{key}", "/embed/{id}", "/embed/v/{key}", "/signin", "/register", "/my", "/admin"),
// switched with the History API. Any other path still reaches the app in development or through a proxy, and gets
// a not-found page.

export type Route =
  | { page: 'library' }
  | { page: 'watch'; id: string }
  | { page: 'share'; key: string }
  | { page: 'embed'; id: string }
  | { page: 'embed-share'; key: string }
  | { page: 'signin' }
  | { page: 'register' }
  | { page: 'my' }
  | { page: 'admin' }
  | { page: 'not-found' };

const WATCH = /^\/watch\/([A-Za-z0-9_-]{1,64})\/?$/;
const SHARE = /^\/v\/([A-Za-z0-9_-]{1,64})\/?$/;
const EMBED = /^\/embed\/([A-Za-z0-9_-]{1,64})\/?$/;
const EMBED_SHARE = /^\/embed\/v\/([A-Za-z0-9_-]{1,64})\/?$/;
const PAGES = new Map<string, Route>([
  ['/signin', { page: 'signin' }],
  ['/register', { page: 'register' }],
  ['/my', { page: 'my' }],
  ['/admin', { page: 'admin' }],
]);

export function matchRoute(pathname: string): Route {
  if (pathname === '/' || pathname === '/index.html') return { page: 'library' };
  const watch = WATCH.exec(pathname);
  if (watch) return { page: 'watch', id: watch[1]! };
  const share = SHARE.exec(pathname);
  if (share) return { page: 'share', key: share[1]! };
  const embedShare = EMBED_SHARE.exec(pathname);
  if (embedShare) return { page: 'embed-share', key: embedShare[1]! };
  const embed = EMBED.exec(pathname);
  if (embed && embed[1] !== 'v') return { page: 'embed', id: embed[1]! };
  return PAGES.get(pathname.length > 1 ? pathname.replace(/\/$/, '') : pathname) ?? { page: 'not-found' };
}

/**
 * Where to go after signing in, from a `?next=` value. Only a path of this site is accepted (it starts with one
 * "/" and stays on this origin), so a crafted sign-in link cannot send a person elsewhere; the sign-in and
 * register pages themselves lead home instead, so nobody lands on a form again.
 */
export function safeNextPath(raw: string | null | undefined, origin: string = location.origin): string {
  if (!raw || !raw.startsWith('/') || raw.startsWith('//') || raw.includes('\\')) return '/';
  // Control characters (tabs and newlines are dropped by URL parsing, turning "/\t/evil" into "//evil").
  if ([...raw].some((c) => c.charCodeAt(0) < 32 || c.charCodeAt(0) === 127)) return '/';
  let url: URL;
  let base: URL;
  try {
    base = new URL(origin);
    url = new URL(raw, base);
  } catch {
    return '/';
  }
  if (url.origin !== base.origin) return '/';
  const route = matchRoute(url.pathname).page;
  if (route === 'signin' || route === 'register') return '/';
  return url.pathname + url.search + url.hash;
}

/** The sign-in page, with the way back to `next` (the current page) unless that is the start page. */
export function signInPath(next?: string | null, page: '/signin' | '/register' = '/signin'): string {
  const back = next ? safeNextPath(next, 'http://reel.invalid') : '/';
  return back === '/' ? page : `${page}?next=${encodeURIComponent(back)}`;
}

export function watchPath(id: string): string {
  return `/watch/${encodeURIComponent(id)}`;
}

const NAVIGATED = 'reel:navigated';

/** Moves to a page of the app without reloading it. */
export function navigate(path: string, options: { replace?: boolean } = {}): void {
  if (options.replace) history.replaceState(null, '', path);
  else history.pushState(null, '', path);
  window.dispatchEvent(new Event(NAVIGATED));
}

/** Calls back with the path whenever the page changes, by a link, by code or by the back button. */
export function onNavigate(listener: (url: URL) => void): () => void {
  const handler = () => listener(new URL(location.href));
  window.addEventListener('popstate', handler);
  window.addEventListener(NAVIGATED, handler);
  return () => {
    window.removeEventListener('popstate', handler);
    window.removeEventListener(NAVIGATED, handler);
  };
}

/**
 * The path of a link click the app should handle itself: a plain left click on a link to one of its own pages.
 * Clicks with a modifier (new tab), downloads and other targets are left to the browser.
 */
export function internalLinkTarget(event: MouseEvent, origin: string = location.origin): string | null {
  if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) {
    return null;
  }
  const anchor = event.target instanceof Element ? event.target.closest('a') : null;
  if (!anchor || !anchor.href || anchor.hasAttribute('download') || (anchor.target && anchor.target !== '_self')) {
    return null;
  }
  const url = new URL(anchor.href);
  if (url.origin !== origin || matchRoute(url.pathname).page === 'not-found') return null;
  // A jump within the page (a skip link) stays the browser's job.
  if (url.hash && url.pathname === location.pathname && url.search === location.search) return null;
  return url.pathname + url.search + url.hash;
}
