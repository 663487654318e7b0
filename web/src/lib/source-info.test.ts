import { describe, expect, it } from 'vitest';
import type { SourceAudioTrack, SourceInfo, SourceSubtitleTrack } from './api';
import { codecName, sourceSummary } from './source-info';

const audio = (overrides: Partial<SourceAudioTrack>): SourceAudioTrack => ({
  index: 1,
  codec: 'aac',
  language: null,
  title: null,
  channels: 2,
  default: false,
  fate: 'played',
  reason: null,
  ...overrides,
});

const subtitle = (overrides: Partial<SourceSubtitleTrack>): SourceSubtitleTrack => ({
  index: 3,
  codec: 'subrip',
  language: null,
  title: null,
  fate: 'dropped',
  reason: 'Subtitles are not shown yet.',
  ...overrides,
});

const info = (overrides: Partial<SourceInfo> = {}): SourceInfo => ({
  container: 'mpegts',
  containerName: 'MPEG-TS',
  video: { codec: 'h264', profile: 'High', width: 1920, height: 1080, frameRate: 25, bitDepth: 8, hdr: null, interlaced: false },
  audio: [audio({ language: 'en' })],
  subtitles: [],
  notes: [],
  ...overrides,
});

describe('sourceSummary', () => {
  it('says what the source held and what was left out', () => {
    const text = sourceSummary(
      info({
        video: { codec: 'h264', profile: 'High', width: 1920, height: 1080, frameRate: 25, bitDepth: 10, hdr: 'hlg', interlaced: true },
        audio: [
          audio({ index: 1, language: 'eng', codec: 'ac3', channels: 6, default: true, fate: 'played' }),
          audio({ index: 2, language: 'eng', title: 'Commentary', fate: 'alternate' }),
        ],
        subtitles: [subtitle({ language: 'fre' })],
      }),
      'en',
    );
    expect(text).toBe(
      'From the source: MPEG-TS, H.264 1080i, HDR HLG → SDR. 2 audio tracks: English (played), Commentary (alternate). ' +
        'Left out: 1 subtitle track (SubRip, French) — subtitles are not shown yet.',
    );
  });

  it("adds the server's notes after what it lists", () => {
    const text = sourceSummary(
      info({
        video: { codec: 'hevc', profile: null, width: 3840, height: 2160, frameRate: 50, bitDepth: 10, hdr: 'pq', interlaced: false },
        notes: ['HDR (PQ) was converted to standard dynamic range.', 'Interlaced video was deinterlaced to 50 frames per second'],
      }),
      'en',
    );
    expect(text).toBe(
      'From the source: MPEG-TS, HEVC 2160p, HDR10 (PQ) → SDR. 1 audio track: English (played). ' +
        'HDR (PQ) was converted to standard dynamic range. Interlaced video was deinterlaced to 50 frames per second.',
    );
  });

  it('groups left-out tracks by kind and reason, naming each', () => {
    const text = sourceSummary(
      info({
        audio: [
          audio({ language: 'de', fate: 'played' }),
          audio({ index: 2, codec: 'truehd', channels: 8, fate: 'dropped', reason: 'TrueHD audio cannot be streamed.' }),
        ],
        subtitles: [subtitle({ language: 'fr' }), subtitle({ index: 4, codec: 'hdmv_pgs_subtitle', title: 'Forced' })],
      }),
      'en',
    );
    expect(text).toBe(
      'From the source: MPEG-TS, H.264 1080p. 1 audio track: German (played). ' +
        'Left out: 1 audio track (TrueHD) — TrueHD audio cannot be streamed; ' +
        '2 subtitle tracks (SubRip, French; PGS, Forced) — subtitles are not shown yet.',
    );
  });

  it('names tracks without title or language by codec and channels, and says when there is no audio', () => {
    expect(
      sourceSummary(info({ audio: [audio({ codec: 'ac3', channels: 6 })], notes: ['Something changed.'] }), 'en'),
    ).toContain('1 audio track: AC-3 5.1 (played).');
    expect(sourceSummary(info({ audio: [], notes: ['Something changed.'] }), 'en')).toContain('No audio.');
  });

  it('is null when nothing was left out and nothing changed', () => {
    expect(sourceSummary(info(), 'en')).toBeNull();
    expect(sourceSummary(info({ audio: [audio({}), audio({ index: 2, fate: 'alternate' })] }), 'en')).toBeNull();
  });
});

describe('codecName', () => {
  it('names codecs as people know them', () => {
    expect(codecName('h264')).toBe('H.264');
    expect(codecName('pcm_s16le')).toBe('PCM');
    expect(codecName('cinepak')).toBe('CINEPAK');
  });
});
