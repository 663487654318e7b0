using System.Globalization;
using System.Text;
using Reel.Media;
using Reel.Server.Data;
using Reel.Server.Storage;

namespace Reel.Server.Processing;

/// <summary>
/// Writes a video's master playlist: the renditions <see cref="RenditionState.Listed"/> lists, and each of the video's
/// captions as a WebVTT subtitle rendition. Jobs write it as renditions come; a change of captions writes it again, so
/// captions added to a ready video appear without encoding anything.
/// </summary>
/// <remarks>
/// Every caption gets, in the files' folder: <c>captions/{file}.vtt</c>, its clean WebVTT (what the player's track
/// element and a download read), and for HLS players <c>subs/{file}-{pts}.vtt</c> with an X-TIMESTAMP-MAP naming the
/// MPEG-TS time of the listed renditions' start (ffmpeg's muxer starts at 1.4 s) and <c>subs/{file}-{pts}.m3u8</c>,
/// its playlist of one segment. The names change with the file and the start, so each written file is immutable.
/// </remarks>
internal sealed class HlsMaster(IMediaStorage storage, CaptionStore captions, ILogger<HlsMaster> logger)
{
    /// <summary>Writes the master of what <see cref="RenditionState.Listed"/> lists; nothing until that is something.</summary>
    public async Task WriteAsync(MediaOf files, IReadOnlyList<RenditionState> renditions, double durationSeconds, CancellationToken cancellationToken)
    {
        var (variants, audio) = RenditionState.Listed(renditions);
        if (variants.Count == 0) return;
        var subtitles = await PublishCaptionsAsync(files, variants[0].Name, durationSeconds, cancellationToken);
        var master = HlsPlaylists.Master(
            variants.Select(r => new MasterEntry(r.Name, r.Width, r.Height, r.BandwidthBps, r.Codecs, r.FrameRate)),
            [.. audio.Select(a => new AudioEntry(a.Name, a.Audio!.Language, a.Audio.Label, a.Audio.IsDefault))],
            subtitles);
        await storage.PutTextAsync(StorageKeys.VideoFile(files.Folder, "master.m3u8"), master, cancellationToken);
    }

    // The HLS playlist of a caption for segments that start at this MPEG-TS time (its file and the time in its name).
    private static string PlaylistName(CaptionRecord caption, long? pts) =>
        $"subs/{Path.GetFileNameWithoutExtension(caption.FileKey)}-{pts?.ToString(CultureInfo.InvariantCulture) ?? "local"}.m3u8";

    /// <summary>The file name, in the files' folder, of a caption's clean WebVTT once published there.</summary>
    public static string PublishedName(CaptionRecord caption) => "captions/" + Path.GetFileName(caption.FileKey);

    private async Task<IReadOnlyList<SubtitleEntry>> PublishCaptionsAsync(MediaOf files, string rendition, double durationSeconds, CancellationToken cancellationToken)
    {
        var list = await captions.ListAsync(files.VideoId, cancellationToken);
        if (list.Count == 0) return [];
        var pts = await FirstPtsAsync(files.Folder, rendition, cancellationToken);
        var entries = new List<SubtitleEntry>();
        foreach (var caption in list)
        {
            var playlist = PlaylistName(caption, pts);
            // Written last: once it is there, so are the files it names.
            if (await storage.StatAsync(StorageKeys.VideoFile(files.Folder, playlist), cancellationToken) is null)
            {
                if (await ReadAsync(caption.FileKey, cancellationToken) is not { } text)
                {
                    // Replaced or removed between the listing and now: the change that did it writes the master again.
                    logger.LogInformation("Caption {CaptionId} changed while the master was written; left out this time", caption.Id);
                    continue;
                }
                var published = StorageKeys.VideoFile(files.Folder, PublishedName(caption));
                if (published != caption.FileKey) await storage.PutTextAsync(published, text, cancellationToken);
                var segment = Path.GetFileNameWithoutExtension(playlist) + ".vtt";
                await storage.PutTextAsync(StorageKeys.VideoFile(files.Folder, "subs/" + segment), WithTimestampMap(text, pts), cancellationToken);
                await storage.PutTextAsync(StorageKeys.VideoFile(files.Folder, playlist), HlsPlaylists.SubtitlePlaylist(segment, durationSeconds), cancellationToken);
            }
            entries.Add(new SubtitleEntry(playlist, caption.Language == "und" ? null : caption.Language, caption.Label, caption.IsDefault));
        }
        var listed = entries.Select(e => e.Uri).ToHashSet(StringComparer.Ordinal);
        await captions.MarkPublishedAsync(
            [.. list.Where(c => c.PublishedMedia != files.Folder && listed.Contains(PlaylistName(c, pts))).Select(c => c.Id)], files.Folder, cancellationToken);
        return entries;
    }

    /// <summary>The MPEG-TS time the rendition starts at; null for fMP4 renditions (of videos processed long ago) or when unreadable.</summary>
    private async Task<long?> FirstPtsAsync(string folder, string rendition, CancellationToken cancellationToken)
    {
        var playlist = await storage.ReadSmallAsync(StorageKeys.VideoFile(folder, $"{rendition}/index.m3u8"), cancellationToken);
        if (playlist is null) return null;
        var parsed = HlsPlaylists.ParseMedia(Encoding.UTF8.GetString(playlist.Bytes));
        if (parsed.InitUri is not null || parsed.Segments.Count == 0) return null;
        var key = StorageKeys.VideoFile(folder, $"{rendition}/{parsed.Segments[0].Uri}");
        var file = await storage.StatAsync(key, cancellationToken);
        if (file is null) return null;
        var head = new byte[(int)Math.Min(file.Length, MpegTs.HeadBytes)];
        await using (var stream = await storage.OpenReadAsync(key, 0, head.Length, cancellationToken))
            await stream.ReadExactlyAsync(head, cancellationToken);
        var pts = MpegTs.FirstPts(head);
        if (pts is null) logger.LogWarning("No timestamp found at the start of {Segment}; captions are not mapped to it", key);
        return pts;
    }

    private async Task<string?> ReadAsync(string key, CancellationToken cancellationToken)
    {
        if (await storage.ReadSmallAsync(key, cancellationToken) is not { } content) return null;
        return Encoding.UTF8.GetString(content.Bytes);
    }

    // The clean WebVTT with the map in its header: the writer puts nothing else before the first blank line.
    private static string WithTimestampMap(string webVtt, long? pts)
    {
        if (pts is null) return webVtt;
        var headerEnd = webVtt.IndexOf('\n', StringComparison.Ordinal);
        return webVtt.Insert(headerEnd + 1, string.Create(CultureInfo.InvariantCulture, $"X-TIMESTAMP-MAP=MPEGTS:{pts},LOCAL:00:00:00.000\n"));
    }
}
