import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { pacedPlaylistLoader, reloadWait, targetDuration, type PlaylistCallbacks, type PlaylistContext } from './playlist-pacing';

const EVENT_PLAYLIST = '#EXTM3U\n#EXT-X-VERSION:6\n#EXT-X-TARGETDURATION:2\n#EXT-X-PLAYLIST-TYPE:EVENT\n#EXTINF:0.500,\nseg0.m4s\n';

describe('targetDuration', () => {
  it('reads EXT-X-TARGETDURATION, and nothing from a master', () => {
    expect(targetDuration(EVENT_PLAYLIST)).toBe(2);
    expect(targetDuration('#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=1\n360p/index.m3u8\n')).toBeNull();
  });
});

describe('reloadWait', () => {
  it('holds a reload back until a target duration after the last load began', () => {
    expect(reloadWait(1000, 2, 1500, 30)).toBe(1500);
    expect(reloadWait(1000, 2, 3000, 30)).toBe(0);
    expect(reloadWait(null, 2, 1500, 30)).toBe(0);
    expect(reloadWait(1000, null, 1500, 30)).toBe(0);
  });

  it('does not hold one back while little is buffered, when a late segment would stall the picture', () => {
    expect(reloadWait(1000, 2, 1500, 7.9)).toBe(0);
    expect(reloadWait(1000, 2, 1500, 8)).toBe(1500);
  });
});

describe('pacedPlaylistLoader', () => {
  /** Requests that reached the network, by the time (ms) they went out. */
  let requests: { url: string; at: number }[];
  /** Seconds the player has buffered ahead. */
  let buffered: number;

  class NetworkLoader {
    context: PlaylistContext | null = null;
    aborted = false;
    constructor(readonly config: Record<string, unknown>) {}
    load(context: PlaylistContext, _config: unknown, callbacks: PlaylistCallbacks) {
      this.context = context;
      requests.push({ url: context.url, at: Date.now() });
      callbacks.onSuccess({ data: context.type === 'manifest' ? '#EXTM3U\n' : EVENT_PLAYLIST });
    }
    abort() {
      this.aborted = true;
    }
    destroy() {}
  }

  beforeEach(() => {
    vi.useFakeTimers();
    requests = [];
    buffered = 30;
  });
  afterEach(() => vi.useRealTimers());

  const level = (url: string): PlaylistContext => ({ url, type: 'level' });
  const received: unknown[] = [];
  const callbacks: PlaylistCallbacks = { onSuccess: (response) => received.push(response.data) };

  it('lets a media playlist be reloaded once per target duration, however often hls.js asks', () => {
    const Loader = pacedPlaylistLoader(NetworkLoader, () => buffered, () => Date.now());
    const start = Date.now();
    // hls.js asks again half a target duration after each answer, as it does when the playlist did not change.
    const ask = () =>
      new Loader({}).load(level('/s/t/360p/index.m3u8'), {}, {
        onSuccess: (response) => {
          received.push(response.data);
          if (Date.now() - start < 20_000) setTimeout(ask, 1000);
        },
      });
    ask();
    vi.advanceTimersByTime(20_000);

    // Unpaced that is a request every second; paced, every two.
    expect(requests.map((r) => r.at - start)).toEqual(Array.from({ length: 11 }, (_, i) => i * 2000));
    expect(received.at(-1)).toBe(EVENT_PLAYLIST);
  });

  it('lets hls.js reload at its own pace while the player has little buffered', () => {
    const Loader = pacedPlaylistLoader(NetworkLoader, () => buffered, () => Date.now());
    buffered = 1;
    new Loader({}).load(level('/s/t/360p/index.m3u8'), {}, callbacks);
    vi.advanceTimersByTime(500);
    new Loader({}).load(level('/s/t/360p/index.m3u8'), {}, callbacks);
    expect(requests).toHaveLength(2);
  });

  it('loads a master, and a playlist it has not loaded yet, at once', () => {
    const Loader = pacedPlaylistLoader(NetworkLoader, () => buffered, () => Date.now());
    new Loader({}).load(level('/s/t/360p/index.m3u8'), {}, callbacks);
    new Loader({}).load({ url: '/s/t/master.m3u8', type: 'manifest' }, {}, callbacks);
    new Loader({}).load({ url: '/s/t/master.m3u8', type: 'manifest' }, {}, callbacks);
    new Loader({}).load(level('/s/t/720p/index.m3u8'), {}, callbacks);
    expect(requests.map((r) => r.url)).toEqual([
      '/s/t/360p/index.m3u8',
      '/s/t/master.m3u8',
      '/s/t/master.m3u8',
      '/s/t/720p/index.m3u8',
    ]);
  });

  it('sends nothing for a held reload that hls.js aborts, and says what it holds', () => {
    const Loader = pacedPlaylistLoader(NetworkLoader, () => buffered, () => Date.now());
    new Loader({}).load(level('/s/t/360p/index.m3u8'), {}, callbacks);
    const held = new Loader({});
    held.load(level('/s/t/360p/index.m3u8'), {}, callbacks);
    expect(held.context?.url).toBe('/s/t/360p/index.m3u8');

    held.abort();
    vi.advanceTimersByTime(10_000);
    expect(requests).toHaveLength(1);
  });

  it('keeps the pace of each hls.js instance apart', () => {
    new (pacedPlaylistLoader(NetworkLoader, () => buffered, () => Date.now()))({}).load(level('/a.m3u8'), {}, callbacks);
    new (pacedPlaylistLoader(NetworkLoader, () => buffered, () => Date.now()))({}).load(level('/a.m3u8'), {}, callbacks);
    expect(requests).toHaveLength(2);
  });
});
