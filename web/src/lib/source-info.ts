// The "Source" note on the watch page: what the uploaded file held and what Reel left out of it, in one short
// paragraph for whoever manages the video. Pure, so it is tested as text.

import type { HdrKind, SourceAudioTrack, SourceInfo, SourceSubtitleTrack } from './api';
import { languageName } from './audio';

/** FFmpeg's codec names as people know them; others are shown upper-cased. */
const CODEC_NAMES: Record<string, string> = {
  h264: 'H.264',
  hevc: 'HEVC',
  av1: 'AV1',
  vp9: 'VP9',
  vp8: 'VP8',
  mpeg1video: 'MPEG-1',
  mpeg2video: 'MPEG-2',
  mpeg4: 'MPEG-4 Part 2',
  msmpeg4v3: 'MS MPEG-4',
  wmv3: 'WMV 9',
  vc1: 'VC-1',
  theora: 'Theora',
  prores: 'ProRes',
  dnxhd: 'DNxHD',
  dvvideo: 'DV',
  mjpeg: 'Motion JPEG',
  h263: 'H.263',
  flv1: 'Sorenson Spark',
  gif: 'GIF',
  apng: 'APNG',
  webp: 'WebP',
  aac: 'AAC',
  ac3: 'AC-3',
  eac3: 'E-AC-3',
  dts: 'DTS',
  truehd: 'TrueHD',
  mp3: 'MP3',
  mp2: 'MP2',
  opus: 'Opus',
  vorbis: 'Vorbis',
  flac: 'FLAC',
  alac: 'ALAC',
  wmav2: 'WMA',
  amr_nb: 'AMR',
  subrip: 'SubRip',
  ass: 'ASS',
  ssa: 'SSA',
  webvtt: 'WebVTT',
  mov_text: 'MP4 timed text',
  hdmv_pgs_subtitle: 'PGS',
  dvd_subtitle: 'DVD subtitles',
  dvb_subtitle: 'DVB subtitles',
  eia_608: 'CEA-608 captions',
};

export function codecName(codec: string): string {
  if (CODEC_NAMES[codec]) return CODEC_NAMES[codec];
  if (codec.startsWith('pcm_')) return 'PCM';
  return codec.toUpperCase();
}

const HDR_NAMES: Record<HdrKind, string> = { hlg: 'HDR HLG', pq: 'HDR10 (PQ)', 'dolby-vision': 'Dolby Vision' };

function channelsName(channels: number): string | null {
  if (channels === 1) return 'mono';
  if (channels === 2) return 'stereo';
  if (channels === 6) return '5.1';
  if (channels === 8) return '7.1';
  return channels > 0 ? `${channels} channels` : null;
}

/** "English", "Director's commentary", or failing both "AC-3 5.1". */
function audioLabel(track: SourceAudioTrack, locale?: string): string {
  const named = track.title?.trim() || languageName(track.language, locale);
  return named || [codecName(track.codec), channelsName(track.channels)].filter(Boolean).join(' ');
}

/** "SubRip, French": what a left-out track was. */
function leftOutDetail(track: SourceAudioTrack | SourceSubtitleTrack, locale?: string): string {
  const named = track.title?.trim() || languageName(track.language, locale);
  return [codecName(track.codec), named].filter(Boolean).join(', ');
}

/** The server's sentence as a clause after a dash: "Subtitles are not shown yet." → "subtitles are not shown yet". */
function clause(reason: string): string {
  const text = reason.trim().replace(/\.+$/, '');
  // "Subtitles are …" loses the capital it had as a sentence; "TrueHD is …" or "DTS-HD is …" keep theirs.
  return /^\p{Lu}\p{Ll}*(?=[\s,;:]|$)/u.test(text) ? text[0]!.toLowerCase() + text.slice(1) : text;
}

const tracks = (count: number, kind: string) => `${count} ${kind} track${count === 1 ? '' : 's'}`;

/** The left-out tracks of one kind, grouped by reason: "1 subtitle track (SubRip, French) — not shown yet". */
function leftOut(kind: string, dropped: readonly (SourceAudioTrack | SourceSubtitleTrack)[], locale?: string): string[] {
  const byReason = new Map<string, (SourceAudioTrack | SourceSubtitleTrack)[]>();
  for (const track of dropped) {
    const reason = track.reason?.trim() ?? '';
    byReason.set(reason, [...(byReason.get(reason) ?? []), track]);
  }
  return [...byReason].map(([reason, group]) => {
    const details = group.map((t) => leftOutDetail(t, locale)).join('; ');
    return `${tracks(group.length, kind)} (${details})${reason ? ` — ${clause(reason)}` : ''}`;
  });
}

/**
 * "From the source: MPEG-TS, H.264 1080i, HDR HLG → SDR. 2 audio tracks: English (played), Commentary (alternate).
 * Left out: 1 subtitle track (SubRip, French) — subtitles are not shown yet." followed by the server's notes.
 * Null when nothing was left out or changed: then there is nothing worth a note.
 */
export function sourceSummary(info: SourceInfo, locale?: string): string | null {
  const audio = info.audio ?? [];
  const subtitles = info.subtitles ?? [];
  const notes = (info.notes ?? []).map((n) => n.trim()).filter((n) => n !== '');
  const droppedAudio = audio.filter((t) => t.fate === 'dropped');
  const droppedSubtitles = subtitles.filter((t) => t.fate === 'dropped');
  if (droppedAudio.length === 0 && droppedSubtitles.length === 0 && notes.length === 0) return null;

  const sentences: string[] = [];
  const picture = info.video
    ? [
        `${codecName(info.video.codec)}${info.video.height > 0 ? ` ${info.video.height}${info.video.interlaced ? 'i' : 'p'}` : ''}`,
        info.video.hdr ? `${HDR_NAMES[info.video.hdr] ?? 'HDR'} → SDR` : null,
      ]
    : [];
  const facts = [info.containerName || info.container, ...picture].filter(Boolean);
  if (facts.length > 0) sentences.push(`From the source: ${facts.join(', ')}.`);

  const kept = audio.filter((t) => t.fate !== 'dropped');
  if (kept.length > 0) {
    sentences.push(`${tracks(kept.length, 'audio')}: ${kept.map((t) => `${audioLabel(t, locale)} (${t.fate})`).join(', ')}.`);
  } else if (audio.length === 0) {
    sentences.push('No audio.');
  }

  const left = [...leftOut('audio', droppedAudio, locale), ...leftOut('subtitle', droppedSubtitles, locale)];
  if (left.length > 0) sentences.push(`Left out: ${left.join('; ')}.`);

  return [...sentences, ...notes.map((n) => (/[.!?]$/.test(n) ? n : `${n}.`))].join(' ');
}
