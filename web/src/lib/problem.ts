// Errors of the HTTP API as the UI handles them. Separate from api.ts so the session, which api.ts builds on,
// can raise them too.

/** An answer the server refused (problem+json), or a request that never got an answer (status 0). */
export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly detail: string | null;
  /** From a Retry-After header (429), in whole seconds; null when the server did not say. */
  readonly retryAfterSeconds: number | null;

  constructor(status: number, code: string, message: string, detail: string | null = null, retryAfterSeconds: number | null = null) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.detail = detail;
    this.retryAfterSeconds = retryAfterSeconds;
  }

  get isNotFound(): boolean {
    return this.status === 404;
  }

  get isNetwork(): boolean {
    return this.status === 0;
  }
}

export const NETWORK_ERROR_CODE = 'network_error';

export function networkError(
  message = 'Reel could not be reached. Check your connection and try again.',
): ApiError {
  return new ApiError(0, NETWORK_ERROR_CODE, message);
}

/** Retry-After as seconds: either a number of seconds or an HTTP date. */
export function parseRetryAfter(value: string | null | undefined, now: number = Date.now()): number | null {
  const text = value?.trim();
  if (!text) return null;
  if (/^\d+$/.test(text)) return Number(text);
  const date = Date.parse(text);
  return Number.isNaN(date) ? null : Math.max(0, Math.ceil((date - now) / 1000));
}

/**
 * Turns an error answer into an ApiError. The message is what a person should read: the problem's detail,
 * else its title, else a generic line with the status, because proxies answer errors in HTML too.
 */
export function problemToError(status: number, body: string, retryAfter: string | null = null): ApiError {
  let problem: { title?: unknown; detail?: unknown; code?: unknown } = {};
  try {
    const parsed: unknown = JSON.parse(body);
    if (parsed && typeof parsed === 'object') problem = parsed;
  } catch {
    // Not JSON: keep the generic message below.
  }
  const text = (value: unknown) => (typeof value === 'string' && value.trim() !== '' ? value.trim() : null);
  const detail = text(problem.detail);
  const title = text(problem.title);
  const code = text(problem.code) ?? `http_${status}`;
  return new ApiError(
    status,
    code,
    detail ?? title ?? `The server answered with an error (HTTP ${status}).`,
    detail,
    parseRetryAfter(retryAfter),
  );
}

/** "30 seconds", "4 minutes", "2 hours": how long a person has to wait, rounded up. */
export function describeWait(seconds: number): string {
  const s = Math.max(1, Math.ceil(seconds));
  if (s < 60) return s === 1 ? '1 second' : `${s} seconds`;
  const minutes = Math.ceil(s / 60);
  if (minutes < 60) return minutes === 1 ? '1 minute' : `${minutes} minutes`;
  const hours = Math.ceil(minutes / 60);
  return hours === 1 ? '1 hour' : `${hours} hours`;
}

/**
 * What a sign-in or register form shows for a failure: the server's own sentence (it says which rule was broken),
 * with the wait added to "too many attempts" when the server put it only in Retry-After.
 */
export function authErrorMessage(error: unknown): string {
  if (!(error instanceof ApiError)) {
    return messageOf(error, 'Something went wrong. Try again.');
  }
  let message = error.message;
  if (error.status === 429 && error.retryAfterSeconds !== null && !/\d/.test(message)) {
    message = `${message.replace(/\.?$/, '.')} Try again in ${describeWait(error.retryAfterSeconds)}.`;
  }
  return message;
}

/** What a failure says to a person: its own message (an ApiError's is the server's detail), else `fallback`. */
export function messageOf(failure: unknown, fallback: string): string {
  return failure instanceof Error && failure.message ? failure.message : fallback;
}
