// The library's search, order and status filter: read from and written to the page's URL query (?q=&sort=&status=),
// so a reload or the back button shows the same list, and turned into the list request's parameters.

/** The server's limit on a search. */
export const MAX_SEARCH_LENGTH = 200;

/** How long typing must pause before the list is asked for again. */
export const SEARCH_DEBOUNCE_MS = 250;

export type LibrarySort = 'newest' | 'oldest' | 'title' | 'duration';
/** '' is every status. */
export type LibraryStatus = '' | 'ready' | 'processing' | 'failed' | 'uploading';

export interface LibraryQuery {
  q: string;
  sort: LibrarySort;
  status: LibraryStatus;
}

export const SORT_OPTIONS: readonly { value: LibrarySort; label: string }[] = [
  { value: 'newest', label: 'Newest' },
  { value: 'oldest', label: 'Oldest' },
  { value: 'title', label: 'Title' },
  { value: 'duration', label: 'Duration' },
];

export const STATUS_OPTIONS: readonly { value: LibraryStatus; label: string }[] = [
  { value: '', label: 'All' },
  { value: 'ready', label: 'Ready' },
  { value: 'processing', label: 'Processing' },
  { value: 'failed', label: 'Failed' },
  { value: 'uploading', label: 'Uploading' },
];

export const DEFAULT_QUERY: LibraryQuery = { q: '', sort: 'newest', status: '' };

/** The query a URL's search part asks for; values this page does not offer fall back to the defaults. */
export function readLibraryQuery(search: string): LibraryQuery {
  const params = new URLSearchParams(search);
  const sort = params.get('sort');
  const status = params.get('status');
  return {
    q: [...(params.get('q') ?? '')].slice(0, MAX_SEARCH_LENGTH).join(''),
    sort: SORT_OPTIONS.find((o) => o.value === sort)?.value ?? DEFAULT_QUERY.sort,
    status: STATUS_OPTIONS.find((o) => o.value === status)?.value ?? DEFAULT_QUERY.status,
  };
}

/**
 * The URL's search part for a query ('' for the defaults), keeping the parameters of `current` that are not the
 * library's.
 */
export function libraryQueryString(query: LibraryQuery, current = ''): string {
  const params = new URLSearchParams(current);
  const q = query.q.trim();
  if (q) params.set('q', q);
  else params.delete('q');
  if (query.sort !== DEFAULT_QUERY.sort) params.set('sort', query.sort);
  else params.delete('sort');
  if (query.status) params.set('status', query.status);
  else params.delete('status');
  const text = params.toString();
  return text ? `?${text}` : '';
}

/** The list request's parameters: only what differs from the server's defaults. */
export function listFilter(query: LibraryQuery): { q?: string; sort?: LibrarySort; status?: LibraryStatus } {
  const q = query.q.trim();
  return {
    ...(q ? { q } : {}),
    ...(query.sort !== 'newest' ? { sort: query.sort } : {}),
    ...(query.status ? { status: query.status } : {}),
  };
}

/** Whether two queries ask for the same list (spaces around a search do not count). */
export function sameList(a: LibraryQuery, b: LibraryQuery): boolean {
  return a.q.trim() === b.q.trim() && a.sort === b.sort && a.status === b.status;
}

/** What an empty list says when the search or the filter explains it, or null when nothing narrows the list. */
export function noMatchMessage(query: LibraryQuery): string | null {
  const q = query.q.trim();
  const status = STATUS_OPTIONS.find((o) => o.value === query.status && o.value !== '');
  if (q && status) return `No ${status.label.toLowerCase()} videos match “${q}”`;
  if (q) return `No videos match “${q}”`;
  if (status) return `No ${status.label.toLowerCase()} videos`;
  return null;
}

/** Calls `run` once `ms` after the last `call`; `cancel` drops a pending call. */
export function debounce<A extends unknown[]>(run: (...args: A) => void, ms: number) {
  let timer: ReturnType<typeof setTimeout> | undefined;
  return {
    call(...args: A) {
      clearTimeout(timer);
      timer = setTimeout(() => run(...args), ms);
    },
    cancel() {
      clearTimeout(timer);
      timer = undefined;
    },
  };
}
