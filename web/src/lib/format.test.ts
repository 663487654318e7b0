import { describe, expect, it } from 'vitest';
import { downloadFileName, formatAge, formatBytes, formatDuration, formatSpeed, formatTimeLeft } from './format';

describe('formatDuration', () => {
  it('writes m:ss below an hour and h:mm:ss from an hour on', () => {
    expect(formatDuration(0)).toBe('0:00');
    expect(formatDuration(5.9)).toBe('0:05');
    expect(formatDuration(65)).toBe('1:05');
    expect(formatDuration(3599)).toBe('59:59');
    expect(formatDuration(3600)).toBe('1:00:00');
    expect(formatDuration(3725)).toBe('1:02:05');
    expect(formatDuration(Number.NaN)).toBe('0:00');
  });
});

describe('formatBytes', () => {
  it('uses binary multiples with short names', () => {
    expect(formatBytes(512)).toBe('512 bytes');
    expect(formatBytes(1536)).toBe('1.5 KB');
    expect(formatBytes(41_700_000)).toBe('40 MB');
    expect(formatBytes(1024 ** 3)).toBe('1 GB');
    expect(formatBytes(1.25 * 1024 ** 3)).toBe('1.3 GB');
  });
});

describe('formatSpeed and formatTimeLeft', () => {
  it('writes speed in MB/s', () => {
    expect(formatSpeed(2.5 * 1024 * 1024)).toBe('2.5 MB/s');
    expect(formatSpeed(42 * 1024 * 1024)).toBe('42 MB/s');
    expect(formatSpeed(null)).toBe('');
    expect(formatSpeed(0)).toBe('');
  });

  it('rounds time left up', () => {
    expect(formatTimeLeft(7.2)).toBe('8 s left');
    expect(formatTimeLeft(61)).toBe('2 min left');
    expect(formatTimeLeft(3900)).toBe('1 h 5 min left');
    expect(formatTimeLeft(null)).toBe('');
  });
});

describe('formatAge', () => {
  const now = Date.parse('2026-11-21T12:00:00Z');
  it('is relative within a week', () => {
    expect(formatAge('2026-11-21T11:59:50Z', now)).toBe('just now');
    expect(formatAge('2026-11-21T11:55:00Z', now)).toBe('5 min ago');
    expect(formatAge('2026-11-21T09:00:00Z', now)).toBe('3 h ago');
    expect(formatAge('2026-11-20T12:00:00Z', now)).toBe('yesterday');
    expect(formatAge('not a date', now)).toBe('');
  });
});

describe('downloadFileName', () => {
  it('saves as MP4 under the title, without characters disks refuse', () => {
    expect(downloadFileName('holiday.mov')).toBe('holiday.mp4');
    expect(downloadFileName('Trip: day 1/2')).toBe('Trip day 1 2.mp4');
    expect(downloadFileName('   ')).toBe('video.mp4');
  });
});
