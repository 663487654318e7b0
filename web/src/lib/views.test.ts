import { describe, expect, it, vi } from 'vitest';
import { viewCounter } from './views';

describe('viewCounter', () => {
  it('reports once, after ten seconds of a long video', () => {
    const report = vi.fn(() => Promise.resolve());
    const seen = viewCounter(report);
    seen(3, 120);
    seen(9.9, 120);
    expect(report).not.toHaveBeenCalled();
    seen(10, 120);
    seen(40, 120);
    seen(120, 120);
    expect(report).toHaveBeenCalledTimes(1);
  });

  it('counts a shorter video watched to its end', () => {
    const report = vi.fn(() => Promise.resolve());
    const seen = viewCounter(report);
    seen(4, 6);
    expect(report).not.toHaveBeenCalled();
    seen(5.6, 6);
    expect(report).toHaveBeenCalledTimes(1);
  });

  it('does not count before the duration is known', () => {
    const report = vi.fn(() => Promise.resolve());
    viewCounter(report)(0, 0);
    expect(report).not.toHaveBeenCalled();
  });

  it('keeps a failed report to the console', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    viewCounter(() => Promise.reject(new Error('offline')))(12, 60);
    await Promise.resolve();
    await Promise.resolve();
    expect(warn).toHaveBeenCalledOnce();
    warn.mockRestore();
  });
});
