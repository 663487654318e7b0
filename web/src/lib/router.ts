// The two pages the server answers with index.html ("/" and "/watch/{id}"), switched with the History API.
// Any other path still reaches the app in development or through a proxy, and gets a not-found page.

export type Route = { page: 'library' } | { page: 'watch'; id: string } | { page: 'not-found' };

const WATCH = /^\/watch\/([A-Za-z0-9_-]{1,64})\/?$/;

export function matchRoute(pathname: string): Route {
  if (pathname === '/' || pathname === '/index.html') return { page: 'library' };
  const watch = WATCH.exec(pathname);
  if (watch) return { page: 'watch', id: watch[1]! };
  return { page: 'not-found' };
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
