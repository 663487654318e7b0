// Playback of a Reel stream in a <video> element: hls.js where Media Source Extensions exist, the browser's own
// HLS (Safari) otherwise. It owns the hls.js instance so the page only deals with choices and callbacks.
// hls.js is passed in (and typed narrowly) so the quality-reload logic is tested without a browser.

import type { Rendition } from './api';
import type { PlayerAudioTrack } from './audio';
import { pacedPlaylistLoader, type PlaylistLoaderClass } from './playlist-pacing';
import {
  AUTO,
  autoLevelCap,
  displayName,
  levelIndexFor,
  pickRefusal,
  playingName,
  rungState,
  unlistedEligibleRungs,
  type LoadedLevel,
  type QualityChoice,
} from './quality';
import { isOutage, Reconnector, type Outage } from './reconnect';

/**
 * Buffering, as decided in the ADR on buffering: fetch 30 s ahead in a burst and then idle until the buffer
 * drains, so the connection sleeps between bursts; let the buffer grow to 60 s when downloads are quick; keep
 * 30 s behind the playhead for instant short back-seeks while bounding memory.
 */
export const HLS_BUFFERING = {
  maxBufferLength: 30,
  maxMaxBufferLength: 60,
  backBufferLength: 30,
} as const;

/**
 * Captions reach the player as <track> elements of the page (one .vtt per caption, which works the same with
 * hls.js, its light build and Safari's own HLS), so hls.js must not add a second set of text tracks from the
 * master's subtitle renditions, nor any from captions embedded in the video.
 */
export const HLS_TEXT = {
  enableWebVTT: false,
  enableIMSC1: false,
  enableCEA708Captions: false,
} as const;

/**
 * After an outage a level that failed to load is kept out of Auto's upward switches until this long has passed
 * (hls.js keeps it out for good by default), so the quality climbs back once Reel is reachable again.
 */
export const HLS_ERROR_PENALTY_MS = 30_000;

/** What the engine reads of an hls.js audio track (a MediaPlaylist of the master's EXT-X-MEDIA:TYPE=AUDIO). */
export interface HlsAudioTrack {
  name: string;
  lang?: string;
}

/** The part of an hls.js instance the engine uses. */
export interface HlsInstance {
  readonly levels: readonly LoadedLevel[];
  currentLevel: number;
  nextLevel: number;
  /** The highest level Auto may use; -1 for none. */
  autoLevelCapping: number;
  /** The alternate audio of the master (empty in the light build, which Player.svelte loads when there is none). */
  readonly audioTracks: readonly HlsAudioTrack[];
  audioTrack: number;
  attachMedia(media: HTMLMediaElement): void;
  loadSource(url: string): void;
  startLoad(startPosition?: number): void;
  recoverMediaError(): void;
  destroy(): void;
  on(event: string, listener: (event: string, data: never) => void): void;
}

export interface HlsClass {
  new (config: Record<string, unknown>): HlsInstance;
  isSupported(): boolean;
  /** hls.js's defaults; its loader is the base of the paced playlist loader. */
  readonly DefaultConfig: { readonly loader: PlaylistLoaderClass };
}

/** hls.js event and error names (Hls.Events / Hls.ErrorTypes), spelled out to keep the narrow typing above. */
const EVENTS = {
  manifestParsed: 'hlsManifestParsed',
  levelSwitched: 'hlsLevelSwitched',
  levelsUpdated: 'hlsLevelsUpdated',
  fragBuffered: 'hlsFragBuffered',
  levelLoaded: 'hlsLevelLoaded',
  audioTracksUpdated: 'hlsAudioTracksUpdated',
  audioTrackSwitched: 'hlsAudioTrackSwitched',
  error: 'hlsError',
} as const;

/** MediaError.MEDIA_ERR_NETWORK: the browser's own HLS could not fetch the stream. */
const MEDIA_ERR_NETWORK = 2;

/** Safari's own audio track list (HTMLMediaElement.audioTracks), which the DOM typings leave out. */
interface NativeAudioTrackList {
  readonly length: number;
  [index: number]: { label: string; language: string; enabled: boolean };
  addEventListener(type: string, listener: () => void): void;
  removeEventListener(type: string, listener: () => void): void;
}

interface HlsErrorData {
  fatal: boolean;
  type: string;
  details: string;
  /** The HTTP answer of a failed playlist or segment load. */
  response?: { code?: number };
}

export interface PlayerCallbacks {
  /** The levels of the master playlist as loaded now. */
  onLevels(levels: readonly LoadedLevel[]): void;
  /** The variant being played (e.g. "720p" or "source"); null when unknown. */
  onPlaying(name: string | null): void;
  /** The choice in force, which falls back to Auto when a picked rung is not in the master yet. */
  onChoice(choice: QualityChoice): void;
  /** A short message for the viewer, e.g. why a choice could not be honoured. */
  onNotice(message: string): void;
  /** Playback cannot continue without help; null clears an earlier error. */
  onError(message: string | null): void;
  /**
   * Reel or the network is gone and the engine tries again by itself (see reconnect.ts): when the next attempt is;
   * null once the stream loads again.
   */
  onOutage?(outage: Outage | null): void;
  /** The browser refused to start playback on its own. */
  onAutoplayBlocked(): void;
  /** True while the master is being loaded again, when the element briefly reports no time. */
  onReloading(reloading: boolean): void;
  /** The audio tracks offered and the index of the one playing (-1 when unknown); fewer than two means no choice. */
  onAudioTracks?(tracks: readonly PlayerAudioTrack[], current: number): void;
  /**
   * The stream answered 404: its links expired or were revoked (or the video is gone). The page asks for fresh
   * links and answers with `reloadSource`, or with `fail` when there are none. Without this callback a 404 is an
   * ordinary network error.
   */
  onLinksRejected?(): void;
}

export type PlaybackMode = 'hls.js' | 'native' | 'unsupported';

/** What an attempt during an outage does: load the master again, load on from the playhead, or ask for links. */
type ReconnectBy = 'master' | 'stream' | 'links' | 'native';

interface Pending {
  lock: QualityChoice | null;
  resume: boolean;
}

export class PlayerEngine {
  private hls: HlsInstance | null = null;
  private choice: QualityChoice = AUTO;
  private recovered = { media: false, network: false };
  private removeNativeListeners: (() => void) | null = null;
  private destroyed = false;
  /** Fresh links were asked for and nothing has loaded since: a 404 now is not about expired links. */
  private linksRenewed = false;
  private awaitingLinks = false;
  /** The API's rungs, from the page's polling: how far each is encoded decides which ones may play. */
  private renditions: readonly Rendition[] = [];
  /** Rungs the loaded master was loaded with in mind: a rung new to this set may reload the master in Auto. */
  private reloadedFor = new Set<string>();
  /** The audio track the viewer picked, kept across master reloads; null for the stream's default. */
  private audioChoice: number | null = null;
  private parsed = false;
  /** Where the loaded master was asked to start, until the element reports a time of its own. */
  private loadPosition: number | null = null;
  /** Tries again after a load failed for want of a connection, for as long as the outage lasts. */
  private readonly reconnector: Reconnector;
  private reconnectBy: ReconnectBy = 'stream';
  /** The viewer was watching when the outage began (the element may pause itself when a native load fails). */
  private resumeAfterOutage = true;

  readonly mode: PlaybackMode;

  constructor(
    private readonly video: HTMLVideoElement,
    private streamUrl: string,
    private readonly callbacks: PlayerCallbacks,
    private readonly Hls: HlsClass | null,
  ) {
    if (Hls?.isSupported()) this.mode = 'hls.js';
    else if (video.canPlayType('application/vnd.apple.mpegurl')) this.mode = 'native';
    else this.mode = 'unsupported';
    this.reconnector = new Reconnector(
      () => this.reconnect(),
      (outage) => this.callbacks.onOutage?.(outage),
    );
  }

  /** Starts loading (and playing, where the browser allows) at the given second, or where the stream says. */
  start(startPosition: number | null): void {
    if (this.mode === 'hls.js') this.createHls(startPosition, { lock: null, resume: true });
    else if (this.mode === 'native') this.startNative(startPosition);
    else this.callbacks.onError('This browser cannot play streaming video. Use the download link instead.');
  }

  /**
   * Locks a rung or returns to Auto; a rung the loaded master does not list yet reloads the master. A rung whose
   * encoding is not far enough ahead of the playhead is refused with a notice.
   */
  selectQuality(choice: QualityChoice): void {
    const hls = this.hls;
    if (!hls || this.destroyed) return;
    const refusal = pickRefusal(this.renditions, choice, this.position());
    if (refusal) {
      this.callbacks.onNotice(refusal);
      this.callbacks.onChoice(this.choice);
      return;
    }
    this.choice = choice;
    this.callbacks.onChoice(choice);
    if (choice === AUTO) {
      // Auto mode, switching at the next segment rather than flushing what is buffered.
      hls.nextLevel = -1;
      return;
    }
    const index = levelIndexFor(hls.levels, choice);
    if (index !== null) {
      hls.nextLevel = index;
    } else {
      this.reloadMaster(choice);
    }
  }

  /** The API's rungs as last polled; applied at once (see `checkRungs`). */
  setRenditions(renditions: readonly Rendition[]): void {
    this.renditions = renditions;
    this.checkRungs();
  }

  /**
   * Keeps playback ahead of the encoders, on every poll and every few seconds of playback: Auto is capped to the
   * rungs encoded far enough past the playhead; a rung that became playable and that the loaded master does not
   * list reloads it once; a locked rung that fell behind gives way to Auto.
   */
  checkRungs(): void {
    const hls = this.hls;
    if (!hls || !this.parsed || this.destroyed) return;
    const position = this.position();
    const cap = autoLevelCap(hls.levels, this.renditions, position);
    if (hls.autoLevelCapping !== cap) hls.autoLevelCapping = cap;
    if (this.choice === AUTO) {
      if (unlistedEligibleRungs(this.renditions, hls.levels, position, this.reloadedFor).length > 0) this.reloadMaster(null);
    } else if (rungState(this.renditions, this.choice, position) === 'behind') {
      const fallen = this.choice;
      this.choice = AUTO;
      hls.nextLevel = -1;
      this.callbacks.onChoice(AUTO);
      this.callbacks.onNotice(`${displayName(fallen)} is still encoding behind you, so the player chooses until it is ahead.`);
    }
  }

  /** Plays another of the audio tracks reported through `onAudioTracks`, without stopping the picture. */
  selectAudio(index: number): void {
    if (this.destroyed) return;
    this.audioChoice = index;
    if (this.mode === 'hls.js') {
      if (this.hls && index >= 0 && index < this.hls.audioTracks.length) this.hls.audioTrack = index;
      return;
    }
    const native = this.nativeAudio();
    if (!native || index < 0 || index >= native.length) return;
    // Enable the new track before disabling the old one, so the element never has no audio track at all.
    native[index]!.enabled = true;
    for (let i = 0; i < native.length; i++) if (i !== index) native[i]!.enabled = false;
    this.reportNativeAudio();
  }

  /**
   * There is reason to think Reel is reachable again (the viewer asked, the browser is back online, the page's
   * own request to the server succeeded): during an outage, try at once instead of waiting out the pause.
   */
  reconnectNow(): void {
    if (!this.destroyed) this.reconnector.now();
  }

  /** Retrying waits while the page is hidden, and tries at once when it is shown again. */
  setPageHidden(hidden: boolean): void {
    if (!this.destroyed) this.reconnector.setHidden(hidden);
  }

  /** Fresh links could not be had because Reel could not be reached: they are asked for again as the outage goes. */
  linksUnreachable(): void {
    if (this.destroyed) return;
    // A stream that stopped on a 404 was playing as far as the viewer is concerned, even if the element paused.
    const watching = !this.video.paused || (this.awaitingLinks && !this.video.ended);
    this.awaitingLinks = false;
    this.callbacks.onReloading(false);
    this.outage('links', watching);
  }

  /** Starts again from the current position after an error the engine gave up on. */
  retry(): void {
    if (this.destroyed) return;
    const position = this.video.currentTime;
    this.reconnector.stop();
    this.callbacks.onError(null);
    this.recovered = { media: false, network: false };
    this.linksRenewed = false;
    this.awaitingLinks = false;
    if (this.mode === 'hls.js') {
      this.destroyHls();
      this.callbacks.onReloading(true);
      this.createHls(position, { lock: this.choice === AUTO ? null : this.choice, resume: true });
    } else if (this.mode === 'native') {
      this.removeNativeListeners?.();
      this.startNative(position);
    }
  }

  /**
   * Continues from the current position with new links to the same stream (fresh tokens), through the same
   * master reload as a quality change: playing goes on playing, paused stays paused, a locked rung stays locked.
   */
  reloadSource(url: string): void {
    if (this.destroyed) return;
    const stalled = this.awaitingLinks || (this.reconnector.down && this.resumeAfterOutage);
    this.reconnectBy = 'stream';
    this.streamUrl = url;
    this.awaitingLinks = false;
    this.linksRenewed = true;
    this.recovered = { media: false, network: false };
    this.callbacks.onError(null);
    const position = this.video.currentTime;
    // A stream that stopped on a 404 was playing as far as the viewer is concerned, even if the element paused.
    const resume = !this.video.paused || (stalled && !this.video.ended);
    if (this.mode === 'hls.js') {
      this.destroyHls();
      this.callbacks.onReloading(true);
      this.createHls(position, { lock: this.choice === AUTO ? null : this.choice, resume });
    } else if (this.mode === 'native') {
      this.removeNativeListeners?.();
      this.startNative(position, resume);
    }
  }

  /** No fresh links could be had: the viewer gets the message and the retry button. */
  fail(message: string): void {
    if (this.destroyed) return;
    this.reconnector.stop();
    this.awaitingLinks = false;
    this.callbacks.onReloading(false);
    this.callbacks.onError(message);
  }

  destroy(): void {
    this.destroyed = true;
    this.reconnector.stop();
    this.destroyHls();
    this.removeNativeListeners?.();
  }

  /** Loads the master again at the current position, playing on if it played, e.g. for a rung it did not list. */
  private reloadMaster(lock: QualityChoice | null): void {
    const position = this.video.currentTime;
    const resume = !this.video.paused;
    this.destroyHls();
    this.callbacks.onReloading(true);
    this.createHls(position, { lock, resume });
  }

  /** Seconds buffered past the playhead, without gaps. */
  private bufferedAhead(): number {
    const { buffered, currentTime } = this.video;
    for (let i = 0; i < buffered.length; i++) {
      if (buffered.start(i) <= currentTime + 0.5 && buffered.end(i) > currentTime) return buffered.end(i) - currentTime;
    }
    return 0;
  }

  /** The playhead, or where playback is about to start: a resumed video reports 0 until it has seeked. */
  private position(): number {
    const time = this.video.currentTime;
    if (this.loadPosition !== null) {
      if (time > 0) this.loadPosition = null;
      else return this.loadPosition;
    }
    return time;
  }

  private createHls(startPosition: number | null, pending: Pending): void {
    this.parsed = false;
    this.loadPosition = startPosition !== null && startPosition > 0 ? startPosition : null;
    const Hls = this.Hls!;
    const hls = new Hls({
      ...HLS_BUFFERING,
      ...HLS_TEXT,
      startPosition: startPosition ?? -1,
      errorPenaltyExpireMs: HLS_ERROR_PENALTY_MS,
      pLoader: pacedPlaylistLoader(Hls.DefaultConfig.loader, () => this.bufferedAhead()),
    });
    this.hls = hls;
    hls.on(EVENTS.manifestParsed, () => this.manifestParsed(hls, pending));
    hls.on(EVENTS.levelsUpdated, () => this.callbacks.onLevels(hls.levels));
    hls.on(EVENTS.levelSwitched, (_event, data: { level: number }) =>
      this.callbacks.onPlaying(playingName(hls.levels, data.level)),
    );
    hls.on(EVENTS.fragBuffered, () => {
      this.recovered = { media: false, network: false };
      this.linksRenewed = false;
      if (hls === this.hls) this.reconnector.recovered();
    });
    // A playlist came: Reel answers again (while the buffer is full no segment is asked for to tell).
    hls.on(EVENTS.levelLoaded, () => {
      if (hls === this.hls) this.reconnector.recovered();
    });
    hls.on(EVENTS.audioTracksUpdated, () => this.audioTracksUpdated(hls));
    hls.on(EVENTS.audioTrackSwitched, (_event, data: { id: number }) => {
      if (hls === this.hls) this.callbacks.onAudioTracks?.(this.hlsAudio(hls), data.id);
    });
    hls.on(EVENTS.error, (_event, data: HlsErrorData) => this.hlsError(hls, data));
    hls.attachMedia(this.video);
    hls.loadSource(this.streamUrl);
  }

  private hlsAudio(hls: HlsInstance): PlayerAudioTrack[] {
    return hls.audioTracks.map((track) => ({ name: track.name || null, language: track.lang || null }));
  }

  private audioTracksUpdated(hls: HlsInstance): void {
    if (hls !== this.hls) return;
    // A reloaded master starts on the default track: the viewer's choice carries over.
    const choice = this.audioChoice;
    if (choice !== null && choice < hls.audioTracks.length && hls.audioTrack !== choice) hls.audioTrack = choice;
    this.callbacks.onAudioTracks?.(this.hlsAudio(hls), hls.audioTrack);
  }

  private manifestParsed(hls: HlsInstance, pending: Pending): void {
    if (hls !== this.hls) return;
    this.parsed = true;
    this.reconnector.recovered();
    // The master now lists what is playable at this moment; only rungs becoming playable later are worth a reload.
    const position = this.position();
    for (const rendition of this.renditions) {
      if (rungState(this.renditions, rendition.name, position) === 'eligible') this.reloadedFor.add(rendition.name);
    }
    this.callbacks.onReloading(false);
    this.callbacks.onLevels(hls.levels);
    if (pending.lock !== null) {
      const index = levelIndexFor(hls.levels, pending.lock);
      if (index !== null) {
        hls.currentLevel = index;
      } else {
        this.choice = AUTO;
        this.callbacks.onChoice(AUTO);
        this.callbacks.onNotice(`${pending.lock} is not playable yet, so the player chooses for you until it is.`);
      }
    }
    this.checkRungs();
    if (pending.resume) this.play();
  }

  private hlsError(hls: HlsInstance, data: HlsErrorData): void {
    if (hls !== this.hls) return;
    // A 404 from the stream means its token expired or was revoked: hls.js would only retry the same address.
    // Fresh links once; if even those fail before anything loads, it is an ordinary error after all.
    if (data.type === 'networkError' && data.response?.code === 404 && this.callbacks.onLinksRejected && !this.linksRenewed) {
      if (!this.awaitingLinks) {
        this.awaitingLinks = true;
        this.callbacks.onLinksRejected();
      }
      return;
    }
    // No connection to Reel: not the end of playback. What is buffered plays on while the engine keeps trying.
    if (isOutage(data)) {
      if (data.fatal) this.outage(this.parsed ? 'stream' : 'master', !this.video.paused);
      else this.reconnector.retrying();
      return;
    }
    if (!data.fatal) return;
    // One attempt to recover each kind of fatal error, as hls.js recommends; a second one in a row means
    // something is really wrong, and the viewer gets a message and a button instead of an endless loop.
    if (data.type === 'mediaError' && !this.recovered.media) {
      this.recovered.media = true;
      hls.recoverMediaError();
      return;
    }
    if (data.type === 'networkError' && !this.recovered.network) {
      this.recovered.network = true;
      if (data.details.startsWith('manifest')) hls.loadSource(this.streamUrl);
      else hls.startLoad(this.video.currentTime);
      return;
    }
    this.callbacks.onReloading(false);
    this.callbacks.onError(
      data.type === 'networkError'
        ? 'The video stopped loading. Check your connection and try again.'
        : 'The video could not be played.',
    );
  }

  /** A load failed for want of a connection: the next attempt, by `by`, comes after the back-off's next pause. */
  private outage(by: ReconnectBy, watching: boolean): void {
    if (!this.reconnector.down) this.resumeAfterOutage = watching;
    this.reconnectBy = by;
    this.reconnector.failed();
  }

  /**
   * One attempt to get going again, keeping what is buffered and the playhead, wherever the viewer moved it
   * meanwhile. Success shows as data arriving (`recovered`), failure as the next outage error (`failed`).
   */
  private reconnect(): void {
    if (this.destroyed) return;
    const hls = this.hls;
    switch (this.reconnectBy) {
      case 'links':
        this.awaitingLinks = true;
        this.callbacks.onLinksRejected?.();
        return;
      case 'native':
        this.removeNativeListeners?.();
        this.startNative(this.video.currentTime, this.resumeAfterOutage);
        return;
      case 'master':
        hls?.loadSource(this.streamUrl);
        return;
      case 'stream':
        hls?.startLoad(this.video.currentTime);
        return;
    }
  }

  private startNative(startPosition: number | null, resume = true): void {
    const video = this.video;
    const loaded = () => {
      if (startPosition !== null && startPosition > 0) video.currentTime = startPosition;
      if (resume) this.play();
    };
    const playing = () => {
      this.linksRenewed = false;
      this.reconnector.recovered();
    };
    const failed = () => {
      if (!video.error) return;
      // The browser does not say why a native HLS load failed; expired links are the likely cause once.
      if (this.callbacks.onLinksRejected && !this.linksRenewed) {
        if (!this.awaitingLinks) {
          this.awaitingLinks = true;
          this.callbacks.onLinksRejected();
        }
        return;
      }
      if (video.error.code === MEDIA_ERR_NETWORK) {
        this.outage('native', !video.paused || (resume && !video.ended));
        return;
      }
      this.callbacks.onError('The video could not be played.');
    };
    const audioChanged = () => this.reportNativeAudio();
    const audio = this.nativeAudio();
    video.addEventListener('loadedmetadata', loaded, { once: true });
    video.addEventListener('playing', playing);
    video.addEventListener('error', failed);
    for (const type of ['addtrack', 'removetrack', 'change']) audio?.addEventListener(type, audioChanged);
    this.removeNativeListeners = () => {
      video.removeEventListener('loadedmetadata', loaded);
      video.removeEventListener('playing', playing);
      video.removeEventListener('error', failed);
      for (const type of ['addtrack', 'removetrack', 'change']) audio?.removeEventListener(type, audioChanged);
    };
    video.src = this.streamUrl;
  }

  private nativeAudio(): NativeAudioTrackList | null {
    return (this.video as unknown as { audioTracks?: NativeAudioTrackList }).audioTracks ?? null;
  }

  private reportNativeAudio(): void {
    const list = this.nativeAudio();
    if (!list || this.destroyed) return;
    const tracks: PlayerAudioTrack[] = [];
    let current = -1;
    for (let i = 0; i < list.length; i++) {
      const track = list[i]!;
      tracks.push({ name: track.label || null, language: track.language || null });
      if (current < 0 && track.enabled) current = i;
    }
    this.callbacks.onAudioTracks?.(tracks, current);
  }

  private play(): void {
    this.video.play().catch((error: unknown) => {
      // AbortError only means a newer load interrupted this play(); NotAllowedError is the autoplay policy.
      const name = (error as { name?: unknown } | null)?.name;
      if (name === 'NotAllowedError' && !this.destroyed) this.callbacks.onAutoplayBlocked();
    });
  }

  private destroyHls(): void {
    const hls = this.hls;
    this.hls = null;
    hls?.destroy();
  }
}
