import { describe, expect, it } from 'vitest';
import { aRung } from '../testing/builders';
import { encodedExtent, stallMessage } from './stall';

const rung = aRung;

describe('encodedExtent', () => {
  it('is how far the furthest rung is encoded while none is done', () => {
    expect(encodedExtent([rung('720p', false, 12), rung('360p', false, 40)], '720p')).toBe(40);
  });

  it('is null when the picture is all there or nobody says', () => {
    expect(encodedExtent([rung('720p', false, 12), rung('360p', true, 60)], '720p')).toBeNull();
    expect(encodedExtent([rung('360p', false, 12)], 'source')).toBeNull();
    expect(encodedExtent([], null)).toBeNull();
  });
});

describe('stallMessage', () => {
  const view = { processing: true, position: 50, encodedEnd: 38, waitingMs: 0 };

  it('says the encoder has not reached the playhead yet, and by how much, at once', () => {
    expect(stallMessage(view)).toBe('Still preparing this part — 12 s ahead');
    expect(stallMessage({ ...view, position: 38.2 })).toBe('Still preparing this part — 1 s ahead');
  });

  it('leaves a short wait to the spinner, then says it loads, then that the connection is slow', () => {
    const ready = { processing: false, position: 50, encodedEnd: null, waitingMs: 0 };
    expect(stallMessage({ ...ready, waitingMs: 1999 })).toBeNull();
    expect(stallMessage({ ...ready, waitingMs: 2000 })).toBe('Loading…');
    expect(stallMessage({ ...ready, waitingMs: 8000 })).toBe('Slow connection — still loading');
  });

  it('does not blame the encoder for a part it has done', () => {
    expect(stallMessage({ ...view, position: 20, waitingMs: 3000 })).toBe('Loading…');
    expect(stallMessage({ ...view, processing: false, waitingMs: 0 })).toBeNull();
  });
});
