import { describe, expect, it } from 'vitest';
import { parseStartTime } from './start-time';

describe('parseStartTime', () => {
  it('reads seconds, units and clock times', () => {
    expect(parseStartTime('?t=90')).toBe(90);
    expect(parseStartTime('?t=12.5s')).toBe(12.5);
    expect(parseStartTime('?t=1m30s')).toBe(90);
    expect(parseStartTime('?t=1h2m')).toBe(3720);
    expect(parseStartTime('?t=1:30')).toBe(90);
    expect(parseStartTime('?t=1:02:03')).toBe(3723);
  });

  it('ignores a missing or unreadable start', () => {
    expect(parseStartTime('')).toBeNull();
    expect(parseStartTime('?t=')).toBeNull();
    expect(parseStartTime('?t=soon')).toBeNull();
  });
});
