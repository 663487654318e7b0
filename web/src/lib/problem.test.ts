import { describe, expect, it } from 'vitest';
import { ApiError, authErrorMessage, describeWait, networkError, parseRetryAfter, problemToError } from './problem';

describe('parseRetryAfter', () => {
  it('reads seconds and HTTP dates', () => {
    const now = Date.parse('2026-11-21T10:00:00Z');
    expect(parseRetryAfter('120', now)).toBe(120);
    expect(parseRetryAfter('Sat, 21 Nov 2026 10:05:00 GMT', now)).toBe(300);
    expect(parseRetryAfter('Sat, 21 Nov 2026 09:00:00 GMT', now)).toBe(0);
    expect(parseRetryAfter('soon', now)).toBeNull();
    expect(parseRetryAfter(null, now)).toBeNull();
  });

  it('is carried by the error of a 429', () => {
    const error = problemToError(429, '{"code":"too_many_attempts","detail":"Too many attempts."}', '60');
    expect(error.retryAfterSeconds).toBe(60);
    expect(problemToError(401, '{}').retryAfterSeconds).toBeNull();
  });
});

describe('authErrorMessage', () => {
  it('shows the server’s sentence', () => {
    const error = problemToError(401, '{"code":"invalid_credentials","detail":"The email or the password is wrong."}');
    expect(authErrorMessage(error)).toBe('The email or the password is wrong.');
  });

  it('adds the wait of a 429 when the sentence does not say it', () => {
    expect(authErrorMessage(new ApiError(429, 'too_many_attempts', 'Too many attempts', null, 300))).toBe(
      'Too many attempts. Try again in 5 minutes.',
    );
    expect(authErrorMessage(new ApiError(429, 'too_many_attempts', 'Wait 300 seconds.', null, 300))).toBe('Wait 300 seconds.');
  });

  it('explains a network failure and anything else', () => {
    expect(authErrorMessage(networkError())).toMatch(/could not be reached/);
    expect(authErrorMessage('?')).toBe('Something went wrong. Try again.');
  });
});

describe('describeWait', () => {
  it('rounds up to a unit a person reads', () => {
    expect(describeWait(1)).toBe('1 second');
    expect(describeWait(42)).toBe('42 seconds');
    expect(describeWait(61)).toBe('2 minutes');
    expect(describeWait(3600)).toBe('1 hour');
    expect(describeWait(3601)).toBe('2 hours');
  });
});
