// Seek previews: the server's storyboard is a WebVTT file whose cues name a region of a sprite image,
// e.g. "storyboard/abc-0.jpg#xywh=0,0,160,90", relative to the VTT file itself.

export interface StoryboardCue {
  start: number;
  end: number;
  /** Absolute URL of the sprite image. */
  url: string;
  /** The tile inside the sprite; null when the cue shows a whole image. */
  region: { x: number; y: number; width: number; height: number } | null;
}

/** "01:02:03.500" or "02:03.500" in seconds; null for anything else. */
export function parseTimestamp(text: string): number | null {
  const match = /^(?:(\d+):)?([0-5]\d):([0-5]\d)(?:[.,](\d{1,3}))?$/.exec(text.trim());
  if (!match) return null;
  const [, hours, minutes, seconds, fraction] = match;
  return (
    Number(hours ?? 0) * 3600 + Number(minutes) * 60 + Number(seconds) + (fraction ? Number(fraction.padEnd(3, '0')) / 1000 : 0)
  );
}

function parseRegion(fragment: string): StoryboardCue['region'] | undefined {
  if (fragment === '') return null;
  const match = /^xywh=(?:pixel:)?(\d+),(\d+),(\d+),(\d+)$/.exec(fragment);
  if (!match) return undefined;
  const [x, y, width, height] = match.slice(1).map(Number) as [number, number, number, number];
  return width > 0 && height > 0 ? { x, y, width, height } : undefined;
}

/**
 * Reads the cues of a storyboard. Lines that are not a well-formed cue are skipped rather than failing the
 * whole file: a preview is a nicety, never a reason to break the player.
 */
export function parseStoryboard(vtt: string, vttUrl: string): StoryboardCue[] {
  const lines = vtt.replace(/^\uFEFF/, '').split(/\r\n|\r|\n/);
  const cues: StoryboardCue[] = [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (!line.includes('-->')) continue;
    const [startText, rest = ''] = line.split('-->');
    const start = parseTimestamp(startText!);
    const end = parseTimestamp(rest.trim().split(/\s+/)[0] ?? '');
    const payload = lines[i + 1]?.trim() ?? '';
    if (start === null || end === null || end <= start || payload === '' || payload.includes('-->')) continue;
    i++;
    const hash = payload.indexOf('#');
    const path = hash < 0 ? payload : payload.slice(0, hash);
    const region = parseRegion(hash < 0 ? '' : payload.slice(hash + 1));
    if (region === undefined || path === '') continue;
    let url: string;
    try {
      url = new URL(path, vttUrl).toString();
    } catch {
      continue;
    }
    cues.push({ start, end, url, region });
  }
  return cues.sort((a, b) => a.start - b.start);
}

/** The cue to show at a time: the last one that has started, so gaps and the very end still get a picture. */
export function cueAt(cues: readonly StoryboardCue[], time: number): StoryboardCue | null {
  if (cues.length === 0 || time < cues[0]!.start) return cues[0] ?? null;
  let low = 0;
  let high = cues.length - 1;
  while (low < high) {
    const middle = Math.ceil((low + high) / 2);
    if (cues[middle]!.start <= time) low = middle;
    else high = middle - 1;
  }
  return cues[low]!;
}
