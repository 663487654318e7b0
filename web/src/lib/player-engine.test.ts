import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { aRung } from '../testing/builders';
import {
  HLS_BUFFERING,
  HLS_ERROR_PENALTY_MS,
  HLS_TEXT,
  PlayerEngine,
  type HlsAudioTrack,
  type HlsClass,
  type HlsInstance,
  type PlayerCallbacks,
} from './player-engine';
import type { LoadedLevel } from './quality';

const STREAM = '/media/abc/master.m3u8';
const level = (name: string, height: number): LoadedLevel => ({
  uri: `http://reel.test/media/abc/${name}/index.m3u8`,
  width: height * 2,
  height,
});

/** What the server's master playlist lists at the moment a player loads it. */
let master: LoadedLevel[] = [];
/** Its alternate audio. */
let masterAudio: HlsAudioTrack[] = [];
const instances: FakeHls[] = [];

/** hls.js's loader, as far as the paced playlist loader built on it needs. */
class FakeLoader {
  context: unknown = null;
  load() {}
  abort() {}
  destroy() {}
}

class FakeHls implements HlsInstance {
  static isSupported = () => true;
  static DefaultConfig = { loader: FakeLoader };
  levels: LoadedLevel[] = [];
  currentLevel = -1;
  nextLevel = -1;
  autoLevelCapping = -1;
  audioTracks: HlsAudioTrack[] = [];
  audioTrack = -1;
  destroyed = false;
  media: HTMLMediaElement | null = null;
  source: string | null = null;
  recovered = 0;
  sourceLoads = 0;
  startLoads: (number | undefined)[] = [];
  private listeners = new Map<string, ((event: string, data: never) => void)[]>();

  constructor(readonly config: Record<string, unknown>) {
    instances.push(this);
  }
  attachMedia(media: HTMLMediaElement) {
    this.media = media;
  }
  loadSource(url: string) {
    this.source = url;
    this.sourceLoads++;
  }
  startLoad(position?: number) {
    this.startLoads.push(position);
  }
  recoverMediaError() {
    this.recovered++;
  }
  destroy() {
    this.destroyed = true;
  }
  on(event: string, listener: (event: string, data: never) => void) {
    this.listeners.set(event, [...(this.listeners.get(event) ?? []), listener]);
  }
  fire(event: string, data: unknown = {}) {
    this.listeners.get(event)?.forEach((l) => l(event, data as never));
  }
  /** The master playlist arrives. */
  parsed() {
    this.levels = [...master];
    this.fire('hlsManifestParsed');
    if (masterAudio.length > 0) {
      this.audioTracks = [...masterAudio];
      this.audioTrack = 0;
      this.fire('hlsAudioTracksUpdated', { audioTracks: this.audioTracks });
    }
  }
}

class FakeVideo {
  audioTracks?: unknown;
  currentTime = 0;
  paused = true;
  plays = 0;
  src = '';
  canPlayType = () => '';
  play() {
    this.plays++;
    this.paused = false;
    return Promise.resolve();
  }
}

function setup(options: { linkAware?: boolean; native?: boolean } = {}) {
  instances.length = 0;
  masterAudio = [];
  const events: string[] = [];
  const callbacks: PlayerCallbacks = {
    onLevels: (levels) => events.push(`levels ${levels.length}`),
    onPlaying: (name) => events.push(`playing ${name}`),
    onChoice: (choice) => events.push(`choice ${choice}`),
    onNotice: (message) => events.push(`notice ${message}`),
    onError: (message) => events.push(`error ${message}`),
    onAutoplayBlocked: () => events.push('blocked'),
    onOutage: (outage) =>
      events.push(outage === null ? 'outage over' : outage.retryAt === null ? 'outage trying' : `outage retry in ${outage.retryAt - Date.now()}`),
    onReloading: (reloading) => events.push(`reloading ${reloading}`),
    onAudioTracks: (tracks, current) => events.push(`audio ${tracks.map((t) => t.name).join('|')} @${current}`),
    ...(options.linkAware ? { onLinksRejected: () => events.push('links rejected') } : {}),
  };
  const video = new FakeVideo();
  if (options.native) video.canPlayType = () => 'maybe';
  const Hls = options.native ? null : (FakeHls as unknown as HlsClass);
  const engine = new PlayerEngine(video as unknown as HTMLVideoElement, STREAM, callbacks, Hls);
  return { engine, video, events, current: () => instances[instances.length - 1]! };
}

describe('PlayerEngine with hls.js', () => {
  it('loads the stream with the buffering settings, without text tracks of its own, and starts playing', () => {
    master = [level('source', 720)];
    const { engine, video, current } = setup();
    engine.start(null);
    current().parsed();

    expect(engine.mode).toBe('hls.js');
    expect(current().config).toMatchObject({
      ...HLS_BUFFERING,
      ...HLS_TEXT,
      startPosition: -1,
      errorPenaltyExpireMs: HLS_ERROR_PENALTY_MS,
    });
    // Playlists come through the paced loader, built on hls.js's own.
    expect(Object.getPrototypeOf(current().config.pLoader)).toBe(FakeLoader);
    expect(current().source).toBe(STREAM);
    expect(current().media).toBe(video);
    expect(video.plays).toBe(1);
  });

  it('honours a start position', () => {
    master = [level('source', 720)];
    const { engine, current } = setup();
    engine.start(42);
    expect(current().config.startPosition).toBe(42);
  });

  it('locks a rung the loaded master lists without reloading', () => {
    master = [level('720p', 720), level('360p', 360)];
    const { engine, current } = setup();
    engine.start(null);
    current().parsed();
    engine.selectQuality('360p');

    expect(instances).toHaveLength(1);
    expect(current().nextLevel).toBe(1);
    engine.selectQuality('auto');
    expect(current().nextLevel).toBe(-1);
  });

  it('reloads the master at the current position for a rung it did not list, then locks that rung', () => {
    master = [level('source', 1080)];
    const { engine, video, events, current } = setup();
    engine.start(null);
    current().parsed();
    const first = current();
    video.currentTime = 12.5;
    video.paused = false;
    video.plays = 0;

    // Meanwhile the ladder has replaced the remux in the master playlist.
    master = [level('1080p', 1080), level('720p', 720), level('360p', 360)];
    engine.selectQuality('720p');

    expect(first.destroyed).toBe(true);
    expect(instances).toHaveLength(2);
    expect(current().config.startPosition).toBe(12.5);
    expect(events).toContain('reloading true');
    current().parsed();
    expect(current().currentLevel).toBe(1);
    expect(video.plays).toBe(1);
    expect(events.at(-1)).not.toMatch(/^notice/);
  });

  it('keeps a paused video paused across the reload', () => {
    master = [level('source', 1080)];
    const { engine, video, current } = setup();
    engine.start(null);
    current().parsed();
    video.paused = true;
    video.plays = 0;
    master = [level('720p', 720)];
    engine.selectQuality('720p');
    current().parsed();
    expect(video.plays).toBe(0);
  });

  it('falls back to Auto with a notice when the reloaded master still lacks the rung', () => {
    master = [level('source', 1080)];
    const { engine, events, current } = setup();
    engine.start(null);
    current().parsed();
    engine.selectQuality('1080p');
    current().parsed();

    expect(current().currentLevel).toBe(-1);
    expect(events).toContain('choice auto');
    expect(events.some((e) => e.startsWith('notice 1080p is not playable yet'))).toBe(true);
  });

  it('tries to recover from a fatal media error once, then reports it', () => {
    master = [level('source', 720)];
    const { engine, events, current } = setup();
    engine.start(null);
    current().parsed();
    const fatal = { fatal: true, type: 'mediaError', details: 'bufferAppendError' };

    current().fire('hlsError', fatal);
    expect(current().recovered).toBe(1);
    expect(events.some((e) => e.startsWith('error'))).toBe(false);

    current().fire('hlsError', fatal);
    expect(current().recovered).toBe(1);
    expect(events).toContain('error The video could not be played.');
  });

  it('restarts loading once after a fatal network error the server answered, and again after data flowed', () => {
    master = [level('source', 720)];
    const { engine, video, events, current } = setup();
    engine.start(null);
    current().parsed();
    video.currentTime = 8;
    const fatal = { fatal: true, type: 'networkError', details: 'fragLoadError', response: { code: 403 } };

    current().fire('hlsError', fatal);
    expect(current().startLoads).toEqual([8]);
    current().fire('hlsFragBuffered');
    current().fire('hlsError', fatal);
    expect(current().startLoads).toEqual([8, 8]);
    current().fire('hlsError', fatal);
    expect(events).toContain('error The video stopped loading. Check your connection and try again.');
  });

  it('ignores errors that hls.js handles itself', () => {
    master = [level('source', 720)];
    const { engine, events, current } = setup();
    engine.start(null);
    current().fire('hlsError', { fatal: false, type: 'networkError', details: 'fragLoadError' });
    expect(events.some((e) => e.startsWith('error'))).toBe(false);
  });

  it('reports autoplay refused by the browser', async () => {
    master = [level('source', 720)];
    const { engine, video, events, current } = setup();
    video.play = () => Promise.reject(Object.assign(new Error('blocked'), { name: 'NotAllowedError' }));
    engine.start(null);
    current().parsed();
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(events).toContain('blocked');
  });
});

describe('PlayerEngine with expiring links', () => {
  const notFound = (details: string, fatal: boolean) => ({ fatal, type: 'networkError', details, response: { code: 404 } });
  const TOKENED = '/s/fresh-token/master.m3u8';

  it('asks for fresh links once on a 404, instead of retrying the same address', () => {
    master = [level('720p', 720)];
    const { engine, events, current } = setup({ linkAware: true });
    engine.start(null);
    current().parsed();

    current().fire('hlsError', notFound('fragLoadError', false));
    current().fire('hlsError', notFound('levelLoadError', false));
    current().fire('hlsError', notFound('fragLoadError', true));

    expect(events.filter((e) => e === 'links rejected')).toHaveLength(1);
    expect(current().startLoads).toEqual([]);
    expect(events.some((e) => e.startsWith('error The'))).toBe(false);
  });

  it('reloads the new address at the current position, playing on, with the locked rung', () => {
    master = [level('720p', 720), level('360p', 360)];
    const { engine, video, events, current } = setup({ linkAware: true });
    engine.start(null);
    current().parsed();
    engine.selectQuality('360p');
    const first = current();
    video.currentTime = 42;
    // The element stalled and paused itself at the 404; the viewer had been watching.
    video.paused = true;
    video.plays = 0;
    first.fire('hlsError', notFound('fragLoadError', true));

    engine.reloadSource(TOKENED);

    expect(first.destroyed).toBe(true);
    expect(current().source).toBe(TOKENED);
    expect(current().config.startPosition).toBe(42);
    expect(events).toContain('reloading true');
    current().parsed();
    expect(current().currentLevel).toBe(1);
    expect(video.plays).toBe(1);
  });

  it('keeps a paused viewer paused when links are renewed ahead of expiry', () => {
    master = [level('720p', 720)];
    const { engine, video, current } = setup({ linkAware: true });
    engine.start(null);
    current().parsed();
    video.paused = true;
    video.plays = 0;
    engine.reloadSource(TOKENED);
    current().parsed();
    expect(video.plays).toBe(0);
  });

  it('treats a 404 of the fresh links as a real error, without asking again', () => {
    master = [level('720p', 720)];
    const { engine, events, current } = setup({ linkAware: true });
    engine.start(null);
    current().parsed();
    current().fire('hlsError', notFound('fragLoadError', true));
    engine.reloadSource(TOKENED);
    current().parsed();

    current().fire('hlsError', notFound('fragLoadError', true));
    current().fire('hlsError', notFound('fragLoadError', true));

    expect(events.filter((e) => e === 'links rejected')).toHaveLength(1);
    expect(events).toContain('error The video stopped loading. Check your connection and try again.');
  });

  it('asks again for a later 404 once the fresh links had worked', () => {
    master = [level('720p', 720)];
    const { engine, events, current } = setup({ linkAware: true });
    engine.start(null);
    current().parsed();
    current().fire('hlsError', notFound('fragLoadError', false));
    engine.reloadSource(TOKENED);
    current().parsed();
    current().fire('hlsFragBuffered');

    current().fire('hlsError', notFound('fragLoadError', false));

    expect(events.filter((e) => e === 'links rejected')).toHaveLength(2);
  });

  it('shows the error when no fresh links could be had', () => {
    master = [level('720p', 720)];
    const { engine, events, current } = setup({ linkAware: true });
    engine.start(null);
    current().fire('hlsError', notFound('manifestLoadError', true));
    engine.fail('The video stopped loading.');
    expect(events.at(-1)).toBe('error The video stopped loading.');
  });

  it('without a page that renews links, a 404 is an ordinary network error', () => {
    master = [level('720p', 720)];
    const { engine, video, events, current } = setup();
    engine.start(null);
    current().parsed();
    video.currentTime = 3;
    current().fire('hlsError', notFound('fragLoadError', true));
    expect(current().startLoads).toEqual([3]);
    expect(events).not.toContain('links rejected');
  });
});

describe('PlayerEngine while the ladder is still encoding', () => {
  const rung = aRung;

  it('caps Auto to the rungs encoded far enough ahead, and follows them as they advance', () => {
    master = [level('360p', 360), level('720p', 720), level('1080p', 1080)];
    const { engine, video, current } = setup();
    engine.setRenditions([rung('360p', true, 600), rung('720p', false, 50), rung('1080p', false, 15)]);
    engine.start(null);
    current().parsed();
    expect(current().autoLevelCapping).toBe(1);

    video.currentTime = 40;
    engine.checkRungs();
    expect(current().autoLevelCapping).toBe(0);

    engine.setRenditions([rung('360p', true, 600), rung('720p', true, 600), rung('1080p', false, 100)]);
    expect(current().autoLevelCapping).toBe(-1);
    expect(instances).toHaveLength(1);
  });

  it('judges from where a resumed video is about to start, before the element has seeked there', () => {
    master = [level('360p', 360), level('720p', 720)];
    const { engine, video, current } = setup();
    engine.setRenditions([rung('360p', true, 600), rung('720p', false, 100)]);
    engine.start(300);
    current().parsed();
    expect(current().autoLevelCapping).toBe(0);

    video.currentTime = 60;
    engine.checkRungs();
    expect(current().autoLevelCapping).toBe(-1);
  });

  it('refuses a rung that is behind the viewer, with a short message, and keeps the choice', () => {
    master = [level('360p', 360), level('1080p', 1080)];
    const { engine, video, events, current } = setup();
    engine.setRenditions([rung('360p', true, 600), rung('1080p', false, 70)]);
    engine.start(null);
    current().parsed();
    video.currentTime = 60;
    events.length = 0;

    engine.selectQuality('1080p');

    expect(current().nextLevel).toBe(-1);
    expect(events).toEqual(['notice 1080p is encoded only up to 1:10 so far; try again in a while.', 'choice auto']);
  });

  it('reloads the master in Auto once a rung it does not list becomes playable, and only once', () => {
    master = [level('source', 1080)];
    const { engine, video, current } = setup();
    engine.setRenditions([rung('360p', false, 10)]);
    engine.start(null);
    current().parsed();
    video.currentTime = 5;
    video.paused = false;
    video.plays = 0;

    engine.setRenditions([rung('360p', false, 30)]);
    expect(instances).toHaveLength(2);
    expect(current().config.startPosition).toBe(5);
    // The server's master may still lag behind the API: no second reload for the same rung.
    current().parsed();
    expect(video.plays).toBe(1);
    engine.setRenditions([rung('360p', false, 40)]);
    engine.checkRungs();
    expect(instances).toHaveLength(2);

    master = [level('360p', 360)];
    engine.setRenditions([rung('360p', false, 40), rung('720p', false, 30)]);
    expect(instances).toHaveLength(3);
  });

  it('does not reload for rungs that were playable when the master was loaded', () => {
    master = [level('source', 1080)];
    const { engine, current } = setup();
    engine.setRenditions([rung('360p', true, 60)]);
    engine.start(null);
    current().parsed();
    engine.setRenditions([rung('360p', true, 60)]);
    expect(instances).toHaveLength(1);
  });

  it('does not reload the master for a new rung while the viewer has locked one', () => {
    master = [level('360p', 360)];
    const { engine, current } = setup();
    engine.setRenditions([rung('360p', true, 600)]);
    engine.start(null);
    current().parsed();
    engine.selectQuality('360p');
    engine.setRenditions([rung('360p', true, 600), rung('720p', true, 600)]);
    expect(instances).toHaveLength(1);
  });

  it('returns to Auto with a notice when a locked rung falls behind the viewer', () => {
    master = [level('360p', 360), level('720p', 720)];
    const { engine, video, events, current } = setup();
    engine.setRenditions([rung('360p', true, 600), rung('720p', false, 60)]);
    engine.start(null);
    current().parsed();
    engine.selectQuality('720p');
    expect(current().nextLevel).toBe(1);

    video.currentTime = 45;
    engine.checkRungs();

    expect(current().nextLevel).toBe(-1);
    expect(events).toContain('choice auto');
    expect(events.at(-1)).toBe('notice 720p is still encoding behind you, so the player chooses until it is ahead.');
  });
});

describe('PlayerEngine with several audio tracks', () => {
  it('reports the tracks of the master and switches without reloading', () => {
    master = [level('720p', 720)];
    const { engine, events, current } = setup();
    masterAudio = [{ name: 'English', lang: 'en' }, { name: 'Commentary', lang: 'en' }];
    engine.start(null);
    current().parsed();
    expect(events.at(-1)).toBe('audio English|Commentary @0');

    engine.selectAudio(1);
    expect(current().audioTrack).toBe(1);
    current().fire('hlsAudioTrackSwitched', { id: 1 });
    expect(events.at(-1)).toBe('audio English|Commentary @1');
    expect(instances).toHaveLength(1);
  });

  it('keeps the chosen track when the master is loaded again', () => {
    master = [level('source', 1080)];
    const { engine, current } = setup();
    masterAudio = [{ name: 'English', lang: 'en' }, { name: 'Français', lang: 'fr' }];
    engine.start(null);
    current().parsed();
    engine.selectAudio(1);
    master = [level('720p', 720)];
    engine.selectQuality('720p');
    current().parsed();
    expect(instances).toHaveLength(2);
    expect(current().audioTrack).toBe(1);
  });

  it("uses Safari's own audio tracks when the browser plays HLS itself", () => {
    master = [];
    const { engine, video, events } = setup({ native: true });
    const listeners: (() => void)[] = [];
    const tracks = [
      { label: 'English', language: 'en', enabled: true },
      { label: 'Commentary', language: 'en', enabled: false },
    ];
    video.audioTracks = Object.assign(tracks, {
      addEventListener: (_type: string, listener: () => void) => listeners.push(listener),
      removeEventListener: () => {},
    });
    (video as unknown as { addEventListener: () => void }).addEventListener = () => {};
    engine.start(null);
    listeners[0]!();
    expect(events.at(-1)).toBe('audio English|Commentary @0');

    engine.selectAudio(1);
    expect(tracks.map((t) => t.enabled)).toEqual([false, true]);
    expect(events.at(-1)).toBe('audio English|Commentary @1');
  });
});

describe('PlayerEngine while Reel cannot be reached', () => {
  const unreachable = (details: string, fatal = true) => ({ fatal, type: 'networkError', details, response: { code: 0 } });

  beforeEach(() => {
    vi.useFakeTimers();
    // No jitter: the pauses are the back-off's steps exactly.
    vi.spyOn(Math, 'random').mockReturnValue(0.5);
  });

  afterEach(() => {
    vi.useRealTimers();
    vi.restoreAllMocks();
  });

  function playing(options: { linkAware?: boolean } = {}) {
    master = [level('360p', 360)];
    const context = setup(options);
    context.engine.start(null);
    context.current().parsed();
    context.video.currentTime = 8;
    context.video.paused = false;
    return context;
  }

  it('keeps trying with growing pauses from where the viewer is, without an error, until data flows again', () => {
    const { video, events, current } = playing();

    current().fire('hlsError', unreachable('fragLoadError'));
    expect(events.at(-1)).toBe('outage retry in 1000');
    vi.advanceTimersByTime(999);
    expect(current().startLoads).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(current().startLoads).toEqual([8]);
    expect(events.at(-1)).toBe('outage trying');

    current().fire('hlsError', unreachable('fragLoadError'));
    expect(events.at(-1)).toBe('outage retry in 2000');
    // The viewer seeks meanwhile: loading resumes there.
    video.currentTime = 30;
    vi.advanceTimersByTime(2000);
    expect(current().startLoads).toEqual([8, 30]);

    current().fire('hlsError', unreachable('levelLoadTimeOut'));
    expect(events.at(-1)).toBe('outage retry in 4000');
    vi.advanceTimersByTime(4000);
    current().fire('hlsFragBuffered');

    expect(events.at(-1)).toBe('outage over');
    expect(events.some((e) => e.startsWith('error The'))).toBe(false);
    expect(instances).toHaveLength(1);
  });

  it('tries again at once when told Reel may be back, and starts the pauses over after a recovery', () => {
    const { engine, current } = playing();
    current().fire('hlsError', unreachable('fragLoadError'));
    vi.advanceTimersByTime(1000);
    current().fire('hlsError', unreachable('fragLoadError'));

    engine.reconnectNow();
    expect(current().startLoads).toEqual([8, 8]);
    // The pause it cut short does not fire a second attempt.
    vi.advanceTimersByTime(10_000);
    expect(current().startLoads).toEqual([8, 8]);

    current().fire('hlsLevelLoaded');
    current().fire('hlsError', unreachable('fragLoadError'));
    vi.advanceTimersByTime(1000);
    expect(current().startLoads).toEqual([8, 8, 8]);
  });

  it('does not try while the page is hidden, and tries as soon as it is shown', () => {
    const { engine, events, current } = playing();
    engine.setPageHidden(true);
    current().fire('hlsError', unreachable('fragLoadError'));
    expect(events.at(-1)).toBe('outage trying');

    vi.advanceTimersByTime(60_000);
    engine.reconnectNow();
    expect(current().startLoads).toEqual([]);

    engine.setPageHidden(false);
    expect(current().startLoads).toEqual([8]);
  });

  it('loads the master again when Reel was gone before it came', () => {
    master = [level('360p', 360)];
    const { engine, events, current } = setup();
    engine.start(null);
    current().fire('hlsError', unreachable('manifestLoadError'));
    vi.advanceTimersByTime(1000);

    expect(current().sourceLoads).toBe(2);
    expect(current().source).toBe(STREAM);
    current().parsed();
    expect(events).toContain('outage over');
  });

  it('shows the outage at once while hls.js still retries a load itself, with no attempt of its own', () => {
    const { current, events } = playing();
    current().fire('hlsError', { fatal: false, type: 'networkError', details: 'fragLoadError', response: { code: 503 } });
    expect(events.at(-1)).toBe('outage trying');
    vi.advanceTimersByTime(60_000);
    expect(current().startLoads).toEqual([]);
  });

  it('leaves answers that are final to their own handling', () => {
    const { current, events } = playing();
    current().fire('hlsError', { fatal: true, type: 'networkError', details: 'fragLoadError', response: { code: 410 } });
    current().fire('hlsError', { fatal: true, type: 'networkError', details: 'fragLoadError', response: { code: 410 } });
    expect(events.some((e) => e.startsWith('outage'))).toBe(false);
    expect(events).toContain('error The video stopped loading. Check your connection and try again.');
  });

  it('asks for fresh links again as the outage goes when they could not be had, and plays on with them', () => {
    const { engine, video, events, current } = playing({ linkAware: true });
    current().fire('hlsError', { fatal: true, type: 'networkError', details: 'fragLoadError', response: { code: 404 } });
    video.paused = true;
    engine.linksUnreachable();
    expect(events.at(-1)).toBe('outage retry in 1000');

    vi.advanceTimersByTime(1000);
    expect(events.filter((e) => e === 'links rejected')).toHaveLength(2);
    video.plays = 0;
    engine.reloadSource('/s/fresh/master.m3u8');
    current().parsed();

    expect(video.plays).toBe(1);
    expect(events).toContain('outage over');
  });

  it('retries the browser’s own HLS after a network error of the element', () => {
    master = [];
    const { engine, video, events } = setup({ native: true });
    const listeners = new Map<string, () => void>();
    Object.assign(video, {
      addEventListener: (type: string, listener: () => void) => listeners.set(type, listener),
      removeEventListener: () => {},
    });
    engine.start(null);
    video.src = '';
    Object.assign(video, { error: { code: 2 } });
    listeners.get('error')!();

    expect(events.at(-1)).toBe('outage retry in 1000');
    vi.advanceTimersByTime(1000);
    expect(video.src).toBe(STREAM);
    listeners.get('playing')!();
    expect(events.at(-1)).toBe('outage over');
  });
});
