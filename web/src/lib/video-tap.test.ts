import { describe, expect, it } from 'vitest';
import { videoTap } from './video-tap';

describe('a tap or click on the picture', () => {
  it('plays or pauses with a mouse or a pen, whether the controls show or not', () => {
    expect(videoTap('mouse', true)).toBe('toggle-play');
    expect(videoTap('mouse', false)).toBe('toggle-play');
    expect(videoTap('pen', false)).toBe('toggle-play');
    // A click whose press was not seen (a synthetic click) keeps the desktop behaviour.
    expect(videoTap('', false)).toBe('toggle-play');
  });

  it('with a finger shows hidden controls and hides shown ones, never playing or pausing', () => {
    expect(videoTap('touch', false)).toBe('show-controls');
    expect(videoTap('touch', true)).toBe('hide-controls');
  });
});
