import { describe, expect, it } from 'vitest';
import { cueAt, parseStoryboard, parseTimestamp } from './storyboard';

const VTT_URL = 'http://reel.test/media/abc/storyboard.vtt';

describe('parseTimestamp', () => {
  it('reads hours, minutes, seconds and milliseconds', () => {
    expect(parseTimestamp('00:00:10.000')).toBe(10);
    expect(parseTimestamp('01:02:03.500')).toBe(3723.5);
    expect(parseTimestamp('02:03.250')).toBe(123.25);
    expect(parseTimestamp('10:00:00.000')).toBe(36000);
  });

  it('rejects what is not a timestamp', () => {
    expect(parseTimestamp('1:2:3')).toBeNull();
    expect(parseTimestamp('00:61:00.000')).toBeNull();
    expect(parseTimestamp('soon')).toBeNull();
  });
});

describe('parseStoryboard', () => {
  it('reads cues with their sprite region, resolving paths against the VTT file', () => {
    const vtt = [
      'WEBVTT',
      '',
      '00:00:00.000 --> 00:00:10.000',
      'storyboard/abc-0.jpg#xywh=0,0,160,90',
      '',
      '00:00:10.000 --> 00:00:20.000',
      'storyboard/abc-0.jpg#xywh=160,0,160,90',
      '',
    ].join('\n');

    expect(parseStoryboard(vtt, VTT_URL)).toEqual([
      {
        start: 0,
        end: 10,
        url: 'http://reel.test/media/abc/storyboard/abc-0.jpg',
        region: { x: 0, y: 0, width: 160, height: 90 },
      },
      {
        start: 10,
        end: 20,
        url: 'http://reel.test/media/abc/storyboard/abc-0.jpg',
        region: { x: 160, y: 0, width: 160, height: 90 },
      },
    ]);
  });

  it('reads hour-long storyboards, CRLF line ends, cue identifiers and cue settings', () => {
    const vtt =
      '\uFEFFWEBVTT\r\n\r\ntile-1\r\n01:00:00.000 --> 01:00:10.000 align:start\r\n../sheets/s-3.jpg#xywh=320,90,160,90\r\n';
    const [cue] = parseStoryboard(vtt, VTT_URL);
    expect(cue).toEqual({
      start: 3600,
      end: 3610,
      url: 'http://reel.test/media/sheets/s-3.jpg',
      region: { x: 320, y: 90, width: 160, height: 90 },
    });
  });

  it('keeps absolute image URLs and whole-image cues', () => {
    const vtt = 'WEBVTT\n\n00:00.000 --> 00:05.000\nhttp://cdn.test/a.jpg\n';
    expect(parseStoryboard(vtt, VTT_URL)).toEqual([{ start: 0, end: 5, url: 'http://cdn.test/a.jpg', region: null }]);
  });

  it('skips malformed cues and keeps the good ones', () => {
    const vtt = [
      'WEBVTT',
      '',
      'garbage --> 00:00:10.000',
      'a.jpg#xywh=0,0,160,90',
      '',
      '00:00:20.000 --> 00:00:10.000',
      'backwards.jpg#xywh=0,0,160,90',
      '',
      '00:00:10.000 --> 00:00:20.000',
      '',
      '00:00:20.000 --> 00:00:30.000',
      'b.jpg#xywh=0,0,oops,90',
      '',
      '00:00:30.000 --> 00:00:40.000',
      'good.jpg#xywh=0,90,160,90',
      'NOTE a stray line',
    ].join('\n');

    const cues = parseStoryboard(vtt, VTT_URL);
    expect(cues.map((c) => [c.start, c.url])).toEqual([[30, 'http://reel.test/media/abc/good.jpg']]);
  });
});

describe('cueAt', () => {
  const cues = parseStoryboard(
    'WEBVTT\n\n00:00:00.000 --> 00:00:10.000\na.jpg#xywh=0,0,16,9\n\n00:00:10.000 --> 00:00:20.000\na.jpg#xywh=16,0,16,9\n\n00:00:20.000 --> 00:00:25.500\na.jpg#xywh=32,0,16,9\n',
    VTT_URL,
  );

  it('finds the tile for a time', () => {
    expect(cueAt(cues, 0)?.region?.x).toBe(0);
    expect(cueAt(cues, 9.99)?.region?.x).toBe(0);
    expect(cueAt(cues, 10)?.region?.x).toBe(16);
    expect(cueAt(cues, 24)?.region?.x).toBe(32);
  });

  it('shows the last tile past the end and nothing without cues', () => {
    expect(cueAt(cues, 99)?.region?.x).toBe(32);
    expect(cueAt([], 5)).toBeNull();
  });
});
