namespace Reel.Testing;

/// <summary>
/// An init script that records, in the page, when the first frame played and how long playback waited afterwards,
/// until the end, in <c>window.__playback</c> (times from <c>Date.now()</c>). Shared with the benchmark
/// (through Reel.Testing), so its watch rows measure exactly what the browser test asserts.
/// </summary>
internal static class PlaybackRecorder
{
    public const string Script = """
        (() => {
          const log = { firstFrameAt: null, stalledMs: 0, stalls: 0, waitingSince: null, endedAt: null };
          window.__playback = log;
          const on = (type, handler) => document.addEventListener(type, e => { if (e.target instanceof HTMLVideoElement) handler(e.target); }, true);
          on('timeupdate', v => { if (log.firstFrameAt === null && v.currentTime > 0) log.firstFrameAt = Date.now(); });
          on('waiting', v => { if (log.firstFrameAt !== null && log.waitingSince === null && !v.ended) { log.waitingSince = Date.now(); log.stalls++; } });
          on('playing', () => { if (log.waitingSince !== null) { log.stalledMs += Date.now() - log.waitingSince; log.waitingSince = null; } });
          on('ended', () => { log.endedAt = Date.now(); });
        })();
        """;

    /// <summary>True once the video has played to its end.</summary>
    public const string Ended = "() => window.__playback && window.__playback.endedAt !== null";

    /// <summary>The record as JSON: firstFrameAt, stalledMs, stalls, waitingSince, endedAt.</summary>
    public const string Read = "() => JSON.stringify(window.__playback)";
}
