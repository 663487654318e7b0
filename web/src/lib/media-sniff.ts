// What a file is, judged by its first bytes rather than its name. The server probes every upload and decides; the
// browser refuses only what is certainly not a video (a PDF, a ZIP, an MP3, a still photo) so nobody waits for a
// long upload to be told so. A container Reel reads, and anything not recognised, is sent: the server judges.

/** How much of the start of a file is read: enough for every signature below and a few MPEG-TS packets. */
export const SNIFF_BYTES = 64 * 1024;

export type Sniffed =
  /** A container the server reads (it still decides whether a video stream is inside). */
  | { verdict: 'video'; format: string }
  /** Sound without pictures. */
  | { verdict: 'audio'; format: string }
  /** Something else altogether; `what` reads after "is", e.g. "a PDF document". */
  | { verdict: 'not-video'; what: string }
  | { verdict: 'unknown' };

const UNKNOWN: Sniffed = { verdict: 'unknown' };
const video = (format: string): Sniffed => ({ verdict: 'video', format });
const audio = (format: string): Sniffed => ({ verdict: 'audio', format });
const notVideo = (what: string): Sniffed => ({ verdict: 'not-video', what });

function matches(bytes: Uint8Array, offset: number, signature: string | readonly number[]): boolean {
  const expected = typeof signature === 'string' ? [...signature].map((c) => c.charCodeAt(0)) : signature;
  if (offset + expected.length > bytes.length) return false;
  return expected.every((b, i) => bytes[offset + i] === b);
}

function ascii(bytes: Uint8Array, offset: number, length: number): string {
  return String.fromCharCode(...bytes.subarray(offset, offset + length));
}

function u32(bytes: Uint8Array, offset: number): number {
  return ((bytes[offset]! << 24) | (bytes[offset + 1]! << 16) | (bytes[offset + 2]! << 8) | bytes[offset + 3]!) >>> 0;
}

/** What the first bytes of a file say it is. */
export function sniff(bytes: Uint8Array): Sniffed {
  if (bytes.length < 4) return UNKNOWN;
  // Containers the server reads come first: an M2TS's arbitrary 4-byte prefix must never read as something else.
  return sniffVideo(bytes) ?? sniffOther(bytes) ?? UNKNOWN;
}

function sniffVideo(b: Uint8Array): Sniffed | null {
  if (['ftyp', 'moov', 'mdat'].some((box) => matches(b, 4, box))) return isoMedia(b);
  if (matches(b, 0, [0x1a, 0x45, 0xdf, 0xa3])) {
    return video(ascii(b, 0, Math.min(b.length, 64)).includes('webm') ? 'WebM' : 'Matroska');
  }
  if (matches(b, 0, 'RIFF') && matches(b, 8, 'AVI ')) return video('AVI');
  if (matches(b, 0, 'RIFF') && matches(b, 8, 'WEBP')) return webp(b);
  if (matches(b, 0, 'GIF87a') || matches(b, 0, 'GIF89a')) return video('GIF');
  if (matches(b, 0, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return png(b);
  if (syncsEvery(b, 0, 188)) return video('MPEG-TS');
  if (syncsEvery(b, 4, 192)) return video('M2TS');
  if (matches(b, 0, [0x00, 0x00, 0x01, 0xba])) return video('MPEG-PS');
  if (matches(b, 0, [0x30, 0x26, 0xb2, 0x75, 0x8e, 0x66, 0xcf, 0x11])) return video('ASF');
  if (matches(b, 0, 'FLV') && b[3] === 0x01) return video('FLV');
  if (matches(b, 0, [0x06, 0x0e, 0x2b, 0x34])) return video('MXF');
  if (matches(b, 0, 'OggS')) return ogg(b);
  return null;
}

function sniffOther(b: Uint8Array): Sniffed | null {
  if (matches(b, 0, 'PK') && [[3, 4], [5, 6], [7, 8]].some((tail) => matches(b, 2, tail))) return notVideo('a ZIP archive');
  if (matches(b, 0, 'Rar!\x1a\x07')) return notVideo('a RAR archive');
  if (matches(b, 0, [0x37, 0x7a, 0xbc, 0xaf, 0x27, 0x1c])) return notVideo('a 7-Zip archive');
  if (matches(b, 0, [0x1f, 0x8b, 0x08])) return notVideo('a gzip archive');
  if (matches(b, 0, '%PDF')) return notVideo('a PDF document');
  if (matches(b, 0, '#EXTM3U')) return notVideo('a playlist');
  if (matches(b, 0, [0xff, 0xd8, 0xff])) return notVideo('a JPEG image');
  if (matches(b, 0, 'II*\0') || matches(b, 0, 'MM\0*')) return notVideo('a TIFF image');
  if (matches(b, 0, 'RIFF') && matches(b, 8, 'WAVE')) return audio('WAV');
  if (matches(b, 0, 'FORM') && (matches(b, 8, 'AIFF') || matches(b, 8, 'AIFC'))) return audio('AIFF');
  if (matches(b, 0, 'fLaC')) return audio('FLAC');
  if (matches(b, 0, 'ID3') && b[3]! >= 2 && b[3]! <= 4) return audio('MP3');
  if (mpegAudioFrames(b)) return audio('MP3');
  if (adtsFrames(b)) return audio('AAC');
  return null;
}

/** MP4 and its kin; the major brand tells audio-only files (M4A, M4B) apart. */
function isoMedia(b: Uint8Array): Sniffed {
  if (!matches(b, 4, 'ftyp')) return video('MP4');
  const brand = ascii(b, 8, 4);
  if (['M4A ', 'M4B ', 'M4P '].includes(brand)) return audio('M4A');
  // HEIF and AVIF pictures share the box structure; whether an image sequence plays is the server's call.
  if (['heic', 'heix', 'mif1', 'msf1', 'avif', 'avis'].includes(brand)) return UNKNOWN;
  if (brand === 'qt  ') return video('QuickTime');
  if (brand.startsWith('3g')) return video('3GP');
  return video('MP4');
}

/** The sync byte 0x47 at the start of every packet, for as many packets as were read (at least three). */
function syncsEvery(b: Uint8Array, first: number, stride: number): boolean {
  let count = 0;
  for (let at = first; at < b.length; at += stride) {
    if (b[at] !== 0x47) return false;
    count++;
  }
  return count >= 3;
}

/** A WebP that moves has the extended header with its animation flag set; a plain one is a photo. */
function webp(b: Uint8Array): Sniffed | null {
  if (matches(b, 12, 'VP8 ') || matches(b, 12, 'VP8L')) return notVideo('a still WebP image');
  if (matches(b, 12, 'VP8X') && b.length > 20) {
    return (b[20]! & 0x02) !== 0 ? video('animated WebP') : notVideo('a still WebP image');
  }
  return null;
}

/** An animated PNG announces itself (acTL) before its first image data (IDAT); a PNG without it is a picture. */
function png(b: Uint8Array): Sniffed | null {
  let at = 8;
  while (at + 8 <= b.length) {
    const type = ascii(b, at + 4, 4);
    if (type === 'acTL') return video('APNG');
    if (type === 'IDAT') return notVideo('a still PNG image');
    at += 12 + u32(b, at);
  }
  return null;
}

const OGG_VIDEO = ['\x80theora', 'OVP80', 'BBCD'];
const OGG_AUDIO = ['\x01vorbis', 'OpusHead', 'Speex   ', '\x7fFLAC'];
const OGG_SKELETON = ['fishead', 'fisbone'];

/**
 * Ogg begins with one page per stream naming its codec (pages flagged "beginning of stream"). Any video codec
 * makes it a video; only audio codecs, seen through to the first ordinary page, make it audio.
 */
function ogg(b: Uint8Array): Sniffed | null {
  let at = 0;
  let sawAudio = false;
  while (at + 27 <= b.length && matches(b, at, 'OggS')) {
    const segments = b[at + 26]!;
    const dataAt = at + 27 + segments;
    if (dataAt > b.length) return null;
    if ((b[at + 5]! & 0x02) === 0) return sawAudio ? audio('Ogg') : null;
    if (OGG_VIDEO.some((id) => matches(b, dataAt, id))) return video('Ogg');
    if (OGG_AUDIO.some((id) => matches(b, dataAt, id))) sawAudio = true;
    else if (!OGG_SKELETON.some((id) => matches(b, dataAt, id))) return null;
    let size = 0;
    for (let i = 0; i < segments; i++) size += b[at + 27 + i]!;
    at = dataAt + size;
  }
  return null;
}

// MPEG audio (MP3, MP2) frame headers: kbps by [MPEG-1 or 2][layer I, II, III], sample rates by version.
const MPEG1_KBPS = [
  [0, 32, 64, 96, 128, 160, 192, 224, 256, 288, 320, 352, 384, 416, 448],
  [0, 32, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320, 384],
  [0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320],
];
const MPEG2_KBPS = [
  [0, 32, 48, 56, 64, 80, 96, 112, 128, 144, 160, 176, 192, 224, 256],
  [0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160],
  [0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160],
];
const SAMPLE_RATES: Record<number, number[]> = { 3: [44100, 48000, 32000], 2: [22050, 24000, 16000], 0: [11025, 12000, 8000] };

/** The length of the MPEG audio frame starting at `at`, or null when no valid frame header is there. */
function mpegAudioFrameLength(b: Uint8Array, at: number): number | null {
  if (at + 4 > b.length || b[at] !== 0xff || (b[at + 1]! & 0xe0) !== 0xe0) return null;
  const version = (b[at + 1]! >> 3) & 3;
  const layerBits = (b[at + 1]! >> 1) & 3;
  const bitrateIndex = b[at + 2]! >> 4;
  const rateIndex = (b[at + 2]! >> 2) & 3;
  if (version === 1 || layerBits === 0 || bitrateIndex === 0 || bitrateIndex === 15 || rateIndex === 3) return null;
  const layer = 3 - layerBits; // 0: layer I, 1: II, 2: III
  const kbps = (version === 3 ? MPEG1_KBPS : MPEG2_KBPS)[layer]![bitrateIndex]!;
  const rate = SAMPLE_RATES[version]![rateIndex]!;
  const padding = (b[at + 2]! >> 1) & 1;
  if (layer === 0) return (Math.floor((12 * kbps * 1000) / rate) + padding) * 4;
  const factor = layer === 2 && version !== 3 ? 72 : 144;
  return Math.floor((factor * kbps * 1000) / rate) + padding;
}

/** Two MPEG audio frames back to back: a single header-like pair of bytes could be chance. */
function mpegAudioFrames(b: Uint8Array): boolean {
  const length = mpegAudioFrameLength(b, 0);
  return length !== null && mpegAudioFrameLength(b, length) !== null && (b[length + 1]! & 0xfe) === (b[1]! & 0xfe);
}

/** Two AAC ADTS frames back to back. */
function adtsFrames(b: Uint8Array): boolean {
  const isHeader = (at: number) => at + 7 <= b.length && b[at] === 0xff && (b[at + 1]! & 0xf6) === 0xf0;
  if (!isHeader(0)) return false;
  const length = ((b[3]! & 0x03) << 11) | (b[4]! << 3) | (b[5]! >> 5);
  return length >= 7 && isHeader(length);
}

/** Why a file is refused before sending, naming it and what it is; null when it goes to the server. */
export function refusalFor(fileName: string, sniffed: Sniffed): string | null {
  switch (sniffed.verdict) {
    case 'audio':
      return `${fileName} is audio only; Reel needs a video.`;
    case 'not-video':
      return `${fileName} is ${sniffed.what}, not a video.`;
    default:
      return null;
  }
}

/** Reads the start of a file and judges it; a file that cannot be read goes to the server, which will say. */
export async function contentRefusal(file: Blob & { readonly name: string }): Promise<string | null> {
  try {
    const head = new Uint8Array(await file.slice(0, SNIFF_BYTES).arrayBuffer());
    return refusalFor(file.name, sniff(head));
  } catch {
    return null;
  }
}
