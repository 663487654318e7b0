import { describe, expect, it } from 'vitest';
import { SNIFF_BYTES, contentRefusal, refusalFor, sniff } from './media-sniff';

type Part = string | readonly number[] | Uint8Array;

/** Bytes from text (one byte per character) and numbers, back to back. */
function bytes(...parts: Part[]): Uint8Array {
  const out: number[] = [];
  for (const part of parts) {
    if (typeof part === 'string') for (const c of part) out.push(c.charCodeAt(0));
    else out.push(...part);
  }
  return Uint8Array.from(out);
}

const be32 = (n: number) => [(n >>> 24) & 0xff, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff];
const zeros = (n: number) => new Array<number>(n).fill(0);
/** A box or chunk: 4-byte big-endian length, type, data (and for PNG a 4-byte CRC). */
const box = (type: string, data: number[] = []) => bytes(be32(8 + data.length), type, data);
const pngChunk = (type: string, data: number[] = []) => bytes(be32(data.length), type, data, zeros(4));
const PNG = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

/** `count` transport packets of `size` bytes, each starting with `prefix` bytes and then the 0x47 sync byte. */
function packets(count: number, size: number, prefix = 0): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(count * size).fill(0xff);
  for (let i = 0; i < count; i++) {
    out.fill(0x00, i * size, i * size + prefix);
    out[i * size + prefix] = 0x47;
  }
  return out;
}

/** An Ogg page: header, one lacing value per 255 bytes, data. */
function oggPage(flags: number, data: Part): Uint8Array {
  const body = bytes(data);
  const lacing: number[] = [];
  let left = body.length;
  while (left >= 255) {
    lacing.push(255);
    left -= 255;
  }
  lacing.push(left);
  return bytes('OggS', [0, flags], zeros(20), [lacing.length], lacing, body);
}
const BOS = 0x02;

/** An MP3 frame (MPEG-1 layer III, 128 kb/s, 44.1 kHz, no padding): 417 bytes. */
const mp3Frame = () => bytes([0xff, 0xfb, 0x90, 0x64], zeros(413));
/** An ADTS AAC frame of `length` bytes. */
const adtsFrame = (length: number) =>
  bytes([0xff, 0xf1, 0x50, 0x80 | ((length >> 11) & 3), (length >> 3) & 0xff, ((length & 7) << 5) | 0x1f, 0xfc], zeros(length - 7));

describe('sniff: containers the server reads', () => {
  it.each([
    ['MP4 (ftyp isom)', bytes(box('ftyp', [...bytes('isom'), ...zeros(4)])), 'MP4'],
    ['QuickTime (ftyp qt)', bytes(box('ftyp', [...bytes('qt  '), ...zeros(4)])), 'QuickTime'],
    ['3GP (ftyp 3gp4)', bytes(box('ftyp', [...bytes('3gp4'), ...zeros(4)])), '3GP'],
    ['MOV starting with moov', bytes(box('moov')), 'MP4'],
    ['MOV starting with mdat', bytes(box('mdat', zeros(16))), 'MP4'],
    ['Matroska', bytes([0x1a, 0x45, 0xdf, 0xa3, 0x9f, 0x42, 0x82, 0x88], 'matroska'), 'Matroska'],
    ['WebM', bytes([0x1a, 0x45, 0xdf, 0xa3, 0x9f, 0x42, 0x82, 0x84], 'webm'), 'WebM'],
    ['AVI', bytes('RIFF', be32(1000), 'AVI LIST'), 'AVI'],
    ['MPEG-TS', packets(5, 188), 'MPEG-TS'],
    ['M2TS (4-byte time code before each packet)', packets(5, 192, 4), 'M2TS'],
    ['MPEG-PS (VOB, MPG)', bytes([0x00, 0x00, 0x01, 0xba, 0x44]), 'MPEG-PS'],
    ['ASF (WMV)', bytes([0x30, 0x26, 0xb2, 0x75, 0x8e, 0x66, 0xcf, 0x11, 0xa6, 0xd9]), 'ASF'],
    ['FLV', bytes('FLV', [0x01, 0x05]), 'FLV'],
    ['MXF', bytes([0x06, 0x0e, 0x2b, 0x34, 0x02, 0x05, 0x01, 0x01]), 'MXF'],
    ['GIF87a', bytes('GIF87a', zeros(8)), 'GIF'],
    ['GIF89a', bytes('GIF89a', zeros(8)), 'GIF'],
    ['APNG', bytes(PNG, pngChunk('IHDR', zeros(13)), pngChunk('acTL', zeros(8)), pngChunk('IDAT', zeros(4))), 'APNG'],
    ['animated WebP', bytes('RIFF', be32(100), 'WEBP', 'VP8X', be32(10), [0x02], zeros(9)), 'animated WebP'],
    ['Ogg Theora', bytes(oggPage(BOS, '\x80theora'), oggPage(BOS, '\x01vorbis')), 'Ogg'],
    ['Ogg with Vorbis first, then Theora', bytes(oggPage(BOS, '\x01vorbis'), oggPage(BOS, '\x80theora')), 'Ogg'],
  ])('%s', (_name, head, format) => {
    expect(sniff(head)).toEqual({ verdict: 'video', format });
  });
});

describe('sniff: what the server refuses', () => {
  it.each([
    ['ZIP', bytes('PK', [3, 4], zeros(26)), 'a ZIP archive'],
    ['PDF', bytes('%PDF-1.7\n'), 'a PDF document'],
    ['JPEG', bytes([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10], 'JFIF'), 'a JPEG image'],
    ['still PNG', bytes(PNG, pngChunk('IHDR', zeros(13)), pngChunk('IDAT', zeros(20))), 'a still PNG image'],
    ['still WebP (lossy)', bytes('RIFF', be32(100), 'WEBP', 'VP8 ', be32(10), zeros(10)), 'a still WebP image'],
    ['still WebP (extended, no animation)', bytes('RIFF', be32(100), 'WEBP', 'VP8X', be32(10), [0x10], zeros(9)), 'a still WebP image'],
    ['RAR', bytes('Rar!\x1a\x07\x00'), 'a RAR archive'],
    ['HLS playlist', bytes('#EXTM3U\n#EXT-X-VERSION:3\n'), 'a playlist'],
  ])('%s is not a video', (_name, head, what) => {
    expect(sniff(head)).toEqual({ verdict: 'not-video', what });
  });

  it.each([
    ['MP3 with an ID3 tag', bytes('ID3', [3, 0, 0, 0, 0, 0, 10]), 'MP3'],
    ['MP3 without a tag: two frames back to back', bytes(mp3Frame(), mp3Frame()), 'MP3'],
    ['AAC in ADTS frames', bytes(adtsFrame(200), adtsFrame(180)), 'AAC'],
    ['WAV', bytes('RIFF', be32(1000), 'WAVEfmt '), 'WAV'],
    ['FLAC', bytes('fLaC', [0, 0, 0, 34]), 'FLAC'],
    ['M4A', bytes(box('ftyp', [...bytes('M4A '), ...zeros(4)])), 'M4A'],
    ['Ogg Vorbis', bytes(oggPage(BOS, '\x01vorbis'), oggPage(0, '\x03vorbis')), 'Ogg'],
    ['Ogg Opus', bytes(oggPage(BOS, 'OpusHead'), oggPage(0, 'OpusTags')), 'Ogg'],
  ])('%s is audio only', (_name, head, format) => {
    expect(sniff(head)).toEqual({ verdict: 'audio', format });
  });
});

describe('sniff: what the server judges', () => {
  it.each([
    ['plain text', bytes('Hello, this is not a video at all.')],
    ['too short to tell', bytes([0x1a, 0x45])],
    ['a single MPEG-TS packet', packets(1, 188)],
    ['a lone MP3-like header', bytes([0xff, 0xfb, 0x90, 0x64], zeros(10))],
    ['UTF-16 text, whose byte-order mark looks like a frame sync', bytes([0xff, 0xfe, 0x3c, 0x00, 0x68, 0x00])],
    ['Ogg whose first pages were not all read', oggPage(BOS, '\x01vorbis')],
    ['Ogg with a codec not known here', bytes(oggPage(BOS, 'XYZ'), oggPage(0, 'data'))],
    ['HEIF picture (the server may read an image sequence)', bytes(box('ftyp', [...bytes('heic'), ...zeros(4)]))],
    ['PNG whose first chunks were not all read', bytes(PNG, pngChunk('IHDR', zeros(13)))],
    ['raw H.264', bytes([0, 0, 0, 1, 0x67, 0x64])],
  ])('%s is sent', (_name, head) => {
    expect(sniff(head)).toEqual({ verdict: 'unknown' });
  });

  it('never mistakes an M2TS whose time code looks like a ZIP for one', () => {
    const m2ts = packets(5, 192, 4);
    m2ts.set([0x50, 0x4b, 0x03, 0x04], 0);
    expect(sniff(m2ts)).toEqual({ verdict: 'video', format: 'M2TS' });
  });

  it('does not take a GIF for MPEG-TS, though both start with "G"', () => {
    expect(sniff(bytes('GIF89a'))).toEqual({ verdict: 'video', format: 'GIF' });
  });
});

describe('refusalFor', () => {
  it('names the file and what it is', () => {
    expect(refusalFor('holiday.pdf', { verdict: 'not-video', what: 'a PDF document' })).toBe(
      'holiday.pdf is a PDF document, not a video.',
    );
    expect(refusalFor('song.mp3', { verdict: 'audio', format: 'MP3' })).toBe('song.mp3 is audio only; Reel needs a video.');
  });

  it('lets videos and unknown files through', () => {
    expect(refusalFor('clip.3gp', { verdict: 'video', format: '3GP' })).toBeNull();
    expect(refusalFor('clip.xyz', { verdict: 'unknown' })).toBeNull();
  });
});

describe('contentRefusal', () => {
  it('reads only the start of the file', async () => {
    const big = new Uint8Array(SNIFF_BYTES * 2);
    big.set(bytes('%PDF'), 0);
    const file = new File([big], 'scan.mp4');
    expect(await contentRefusal(file)).toBe('scan.mp4 is a PDF document, not a video.');
  });

  it('accepts a video whatever its name says', async () => {
    expect(await contentRefusal(new File([packets(20, 188)], 'recording.weird'))).toBeNull();
  });

  it('sends a file it cannot read, so the server decides', async () => {
    const unreadable = { name: 'x.mp4', slice: () => ({ arrayBuffer: () => Promise.reject(new Error('gone')) }) };
    expect(await contentRefusal(unreadable as unknown as File)).toBeNull();
  });
});
