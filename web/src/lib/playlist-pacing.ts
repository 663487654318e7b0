// While a video is still being encoded its media playlists are EVENT playlists, which hls.js treats as live and
// reloads on its own schedule: every target duration when the playlist grew, every half target duration when it did
// not, and every last-segment duration near its end. With Reel's 2 s segments (and half-second first ones) that came
// to a request about every 1.5 s per playlist. hls.js has no setting for that schedule, but it takes a playlist
// loader of our own (its `pLoader` option): this one holds a reload of the same playlist back until a whole target
// duration has passed since the last one began, which is as fast as the encoder adds a segment. Only while the player
// has plenty buffered: near the end of what it has (starting, or right after a seek) hls.js's quicker reloads are
// what gets the first frames on screen without a stall.

/** What hls.js hands a playlist loader (its LoaderContext). */
export interface PlaylistContext {
  url: string;
  type: string;
}

/** hls.js's loader callbacks, of which only onSuccess is looked at. */
export interface PlaylistCallbacks {
  onSuccess(response: { data?: unknown }, ...rest: never[]): void;
}

/** The part of hls.js's Loader interface the pacing touches. */
export interface PlaylistLoader {
  context: PlaylistContext | null;
  load(context: PlaylistContext, config: unknown, callbacks: PlaylistCallbacks): void;
  abort(): void;
  destroy(): void;
}

export type PlaylistLoaderClass = new (config: Record<string, unknown>) => PlaylistLoader;

/** The EXT-X-TARGETDURATION of a media playlist, in seconds; null when it has none (a master playlist). */
export function targetDuration(playlist: string): number | null {
  const match = /^#EXT-X-TARGETDURATION:\s*(\d+(?:\.\d+)?)\s*$/m.exec(playlist);
  const seconds = match ? Number(match[1]) : NaN;
  return Number.isFinite(seconds) && seconds > 0 ? seconds : null;
}

/** Reloads are held back only while the player has at least this many target durations buffered ahead. */
export const PACE_WITH_TARGETS_AHEAD = 4;

/**
 * How long to hold back a load of a playlist that was last loaded at `lastStart` (ms), with `ahead` seconds buffered
 * past the playhead; 0 to load at once.
 */
export function reloadWait(lastStart: number | null, targetSeconds: number | null, now: number, ahead: number): number {
  if (lastStart === null || targetSeconds === null || ahead < targetSeconds * PACE_WITH_TARGETS_AHEAD) return 0;
  return Math.max(0, lastStart + targetSeconds * 1000 - now);
}

/**
 * hls.js's own loader, with reloads of a media playlist paced by its target duration while `ahead()` (the seconds
 * buffered past the playhead) is plenty. hls.js makes a loader per request, so what was loaded when is kept per
 * returned class: make one class per hls.js instance.
 */
export function pacedPlaylistLoader(
  Base: PlaylistLoaderClass,
  ahead: () => number,
  now: () => number = () => performance.now(),
): PlaylistLoaderClass {
  const loaded = new Map<string, { start: number; target: number | null }>();
  return class PacedPlaylistLoader extends Base {
    private held: ReturnType<typeof setTimeout> | undefined;

    override load(context: PlaylistContext, config: unknown, callbacks: PlaylistCallbacks): void {
      // The master is loaded once per source; only media playlists are reloaded.
      if (context.type === 'manifest') {
        super.load(context, config, callbacks);
        return;
      }
      const url = context.url;
      const last = loaded.get(url);
      const go = () => {
        this.held = undefined;
        loaded.set(url, { start: now(), target: last?.target ?? null });
        super.load(context, config, {
          ...callbacks,
          onSuccess: (response, ...rest) => {
            const target = typeof response.data === 'string' ? targetDuration(response.data) : null;
            const entry = loaded.get(url);
            if (entry && target !== null) entry.target = target;
            callbacks.onSuccess(response, ...rest);
          },
        });
      };
      const wait = reloadWait(last?.start ?? null, last?.target ?? null, now(), ahead());
      if (wait <= 0) {
        go();
        return;
      }
      // hls.js reads the context to tell that this playlist is already on its way, and does not ask twice.
      this.context = context;
      this.held = setTimeout(go, wait);
    }

    override abort(): void {
      clearTimeout(this.held);
      this.held = undefined;
      super.abort();
    }

    override destroy(): void {
      clearTimeout(this.held);
      this.held = undefined;
      super.destroy();
    }
  };
}
