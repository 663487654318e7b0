using Microsoft.Extensions.Options;
using Reel.Media;
using Reel.Server.Data;
using Reel.Server.Infrastructure;
using Reel.Server.Storage;

namespace Reel.Server.Processing;

/// <summary>The video a job was for no longer exists (it was deleted while the job waited or ran).</summary>
internal sealed class VideoGoneException(string videoId) : Exception($"Video {videoId} no longer exists.");

/// <summary>
/// Turns an upload into everything a player needs. <see cref="JobKind.Prepare"/> makes a browser-compatible video
/// playable at once by remuxing it, and makes the poster; <see cref="JobKind.Encode"/> encodes the ladder in one
/// ffmpeg process, then the storyboard and the download; <see cref="JobKind.Repair"/> remakes lost derived files.
/// Every job starts by removing what an earlier attempt left, so running it again is always safe.
/// </summary>
internal sealed class VideoProcessor(
    VideoStore videos,
    IMediaStorage storage,
    MediaTools media,
    IOptions<StorageOptions> storageOptions,
    TimeProvider clock,
    ILogger<VideoProcessor> logger)
{
    public const string FastStartName = "source";
    private const double PrepareShare = 0.05;
    private const double LadderShare = 0.85;

    /// <summary>Runs the job; returns the kind of the job that should follow it, if any.</summary>
    public async Task<string?> RunAsync(JobRecord job, string workDir, CancellationToken cancellationToken)
    {
        var video = await videos.GetAsync(job.VideoId, cancellationToken) ?? throw new VideoGoneException(job.VideoId);
        var context = new JobContext(video, FfprobeParser.Parse(video.ProbeJson), workDir, new ProgressWriter(videos, clock, video.Id));
        if (video.Status == VideoStatus.Ready && job.Kind is JobKind.Prepare or JobKind.Encode)
        {
            // The server stopped between marking the video ready and closing the job: running it again would take a
            // finished video apart (and its original may be gone already). Only what would have followed is left to do.
            logger.LogInformation("Already ready; closing the interrupted {Kind} job", job.Kind);
            return job.Kind == JobKind.Encode && VideoStore.Renditions(video).Any(r => r.FastStart) ? JobKind.Cleanup : null;
        }
        switch (job.Kind)
        {
            case JobKind.Prepare:
                await PrepareAsync(context, cancellationToken);
                return JobKind.Encode;
            case JobKind.Encode:
                await EncodeAsync(context, cancellationToken);
                return VideoStore.Renditions(context.Video).Any(r => r.FastStart) ? JobKind.Cleanup : null;
            case JobKind.Cleanup:
                await DropFastStartAsync(context, cancellationToken);
                return null;
            case JobKind.Repair:
                await RepairAsync(context, cancellationToken);
                return null;
            default:
                throw new InvalidOperationException($"Unknown job kind {job.Kind}.");
        }
    }

    private async Task PrepareAsync(JobContext job, CancellationToken cancellationToken)
    {
        var id = job.Video.Id;
        await videos.StartProcessingAsync(id, cancellationToken);
        var source = await SourcePathAsync(job, cancellationToken);
        await storage.DeletePrefixAsync(StorageKeys.VideoFolder(id, FastStartName), cancellationToken);

        var video = job.Probe.Video!;
        if (SourceCheck.IsBrowserCompatible(video))
        {
            var state = new RenditionState(
                FastStartName, video.DisplayWidth, video.DisplayHeight,
                BitrateKbps: (int)((video.BitRate ?? (long)(job.Video.SizeBytes * 8 / Math.Max(job.Video.DurationSeconds, 1))) / 1000),
                BandwidthBps: (int)Math.Min(int.MaxValue, job.Video.SizeBytes * 8 * 1.5 / Math.Max(job.Video.DurationSeconds, 1)),
                Codecs: CodecStrings.H264(video.Profile, video.Level, job.Probe.Audio is not null),
                FrameRate: video.FrameRate, FastStart: true, Available: false, Ready: false);
            List<RenditionState> renditions = [state];
            var hlsDir = Path.Combine(job.WorkDir, "hls");
            var outDir = Directory.CreateDirectory(Path.Combine(hlsDir, FastStartName)).FullName;
            var publisher = new HlsPublisher(storage, id, hlsDir, async (_, playlist) =>
            {
                var updated = state with { Available = playlist.Segments.Count > 0, Ready = playlist.Ended };
                if (updated == renditions[0]) return;
                renditions[0] = updated;
                await PublishRenditionsAsync(id, renditions, cancellationToken);
            });
            await publisher.RunAsync(token => media.RunFfmpegAsync(
                FfmpegArgs.FastStartHls(source, job.Probe, outDir, Ids.NewGeneration(), media.MaxPixels),
                "Remuxing to a first playable rendition", job.Video.DurationSeconds, job.Progress.Reporter(0, PrepareShare / 2, job.Video.DurationSeconds), job.LogPath, token),
                cancellationToken);
            logger.LogInformation("Playable from the remuxed source");
        }
        await job.Progress.WriteAsync(PrepareShare, force: true, cancellationToken);
    }

    private async Task EncodeAsync(JobContext job, CancellationToken cancellationToken)
    {
        var id = job.Video.Id;
        await videos.StartProcessingAsync(id, cancellationToken);
        var source = await SourcePathAsync(job, cancellationToken);
        var plan = LadderPlanner.Plan(job.Probe);

        var renditions = VideoStore.Renditions(job.Video).Where(r => r.FastStart).ToList();
        renditions.AddRange(plan.Renditions.Select(rung =>
            new RenditionState(rung.Name, rung.Width, rung.Height, rung.MaxrateKbps, rung.BandwidthBps, rung.Codecs, plan.FrameRate.Value, FastStart: false, Available: false, Ready: false)));
        // A rerun (after a crash or an outage) first points the master away from what it is about to remove.
        await PublishRenditionsAsync(id, renditions, cancellationToken);
        foreach (var rung in plan.Renditions)
            await storage.DeletePrefixAsync(StorageKeys.VideoFolder(id, rung.Name), cancellationToken);
        await storage.DeletePrefixAsync(StorageKeys.VideoFolder(id, "storyboard"), cancellationToken);

        // Poster and (for a compatible source) the download copy are cheap: made beside the ladder, not before it.
        using var stopExtras = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var extras = MakeSourceExtrasAsync(job, source, stopExtras.Token);

        var hlsDir = Directory.CreateDirectory(Path.Combine(job.WorkDir, "ladder")).FullName;
        foreach (var folder in FfmpegArgs.LadderFolders(plan, hlsDir))
            Directory.CreateDirectory(folder);
        var publisher = new HlsPublisher(storage, id, hlsDir, async (name, playlist) =>
        {
            var index = renditions.FindIndex(r => r.Name == name && !r.FastStart);
            if (index < 0) throw new InvalidOperationException($"ffmpeg wrote an unplanned rendition '{name}'.");
            var updated = renditions[index] with { Available = playlist.Segments.Count > 0, Ready = playlist.Ended };
            // Only a change of state touches the master and the database; a new segment alone needs neither.
            if (updated == renditions[index]) return;
            renditions[index] = updated;
            await PublishRenditionsAsync(id, renditions, cancellationToken);
        });
        try
        {
            await publisher.RunAsync(token => media.RunFfmpegAsync(
                FfmpegArgs.LadderHls(source, plan, hlsDir, Ids.NewGeneration(), media.MaxPixels),
                "Encoding the ladder", job.Video.DurationSeconds, job.Progress.Reporter(PrepareShare, LadderShare, job.Video.DurationSeconds), job.LogPath, token),
                cancellationToken);
        }
        catch
        {
            await stopExtras.CancelAsync();
            await extras.ContinueWith(_ => { }, CancellationToken.None, TaskContinuationOptions.None, TaskScheduler.Default);
            throw;
        }
        await extras;
        if (renditions.Where(r => !r.FastStart).FirstOrDefault(r => !r.Ready) is { } unfinished)
            throw new InvalidOperationException($"ffmpeg ended without finishing rendition {unfinished.Name}.");

        var ladderRungs = renditions.Where(r => !r.FastStart).OrderBy(r => r.Width * r.Height).ToList();
        await MakeStoryboardAsync(job, ladderRungs[0].Name, cancellationToken);
        await job.Progress.WriteAsync(PrepareShare + LadderShare + 0.03, force: true, cancellationToken);

        if (!SourceCheck.IsBrowserCompatible(job.Probe.Video!))
            await MakeDownloadFromRenditionAsync(job, ladderRungs[^1].Name, cancellationToken);

        var keep = storageOptions.Value.KeepOriginals;
        await videos.MarkReadyAsync(id, keep ? job.Video.SourceKey : null, cancellationToken);
        if (!keep) await storage.DeletePrefixAsync(StorageKeys.Original(id), cancellationToken);
        logger.LogInformation("Ready: {Renditions}", string.Join(", ", ladderRungs.Select(r => r.Name)));
    }

    private async Task MakeSourceExtrasAsync(JobContext job, string source, CancellationToken cancellationToken)
    {
        await Task.Yield();
        await MakeThumbnailAsync(job, source, job.Probe.Video!.Index, cancellationToken);
        if (SourceCheck.IsBrowserCompatible(job.Probe.Video!))
            await MakeDownloadAsync(job, source, job.Probe, cancellationToken);
    }

    private async Task RepairAsync(JobContext job, CancellationToken cancellationToken)
    {
        var id = job.Video.Id;
        var ladder = VideoStore.Renditions(job.Video).Where(r => !r.FastStart && r.Ready).OrderBy(r => r.Width * r.Height).ToList();
        if (ladder.Count == 0) throw new InvalidOperationException("A ready video without renditions cannot be repaired.");
        await WriteMasterAsync(id, ladder, cancellationToken);

        if (await storage.StatAsync(StorageKeys.VideoFile(id, "thumbnail.jpg"), cancellationToken) is null)
        {
            var top = await MaterializeAsync(job, ladder[^1].Name, cancellationToken);
            await MakeThumbnailAsync(job, top, 0, cancellationToken);
        }
        if (await storage.StatAsync(StorageKeys.VideoFile(id, "storyboard.vtt"), cancellationToken) is null)
            await MakeStoryboardAsync(job, ladder[0].Name, cancellationToken);
        if (await storage.StatAsync(StorageKeys.VideoFile(id, "download.mp4"), cancellationToken) is null)
            await MakeDownloadFromRenditionAsync(job, ladder[^1].Name, cancellationToken);
        logger.LogInformation("Repaired derived files");
    }

    private async Task DropFastStartAsync(JobContext job, CancellationToken cancellationToken)
    {
        var renditions = VideoStore.Renditions(job.Video).Where(r => !r.FastStart).ToList();
        if (renditions.Count == 0 || renditions.Any(r => !r.Ready)) return;
        await PublishRenditionsAsync(job.Video.Id, renditions, cancellationToken);
        await storage.DeletePrefixAsync(StorageKeys.VideoFolder(job.Video.Id, FastStartName), cancellationToken);
        logger.LogInformation("Removed the remuxed first rendition");
    }

    /// <summary>The master playlist first, then the database: when the API says playable, the playlist is there.</summary>
    private async Task PublishRenditionsAsync(string id, List<RenditionState> renditions, CancellationToken cancellationToken)
    {
        await WriteMasterAsync(id, renditions, cancellationToken);
        if (!await videos.SetRenditionsAsync(id, renditions, cancellationToken)) throw new VideoGoneException(id);
    }

    /// <summary>
    /// Lists the ladder rungs that have segments; until one has, the remuxed source. Players keep the master they
    /// loaded, so one that started on the remux plays it to the end while later viewers get the ladder.
    /// </summary>
    private Task WriteMasterAsync(string id, IReadOnlyList<RenditionState> renditions, CancellationToken cancellationToken)
    {
        var ladder = renditions.Where(r => !r.FastStart && r.Available).ToList();
        var listed = ladder.Count > 0 ? ladder : renditions.Where(r => r.FastStart && r.Available).ToList();
        if (listed.Count == 0) return Task.CompletedTask;
        var master = HlsPlaylists.Master(listed.Select(r => new MasterEntry(r.Name, r.Width, r.Height, r.BandwidthBps, r.Codecs, r.FrameRate)));
        return storage.PutTextAsync(StorageKeys.VideoFile(id, "master.m3u8"), master, cancellationToken);
    }

    private async Task MakeThumbnailAsync(JobContext job, string input, int videoStreamIndex, CancellationToken cancellationToken)
    {
        var (width, height) = FitWithin(job.Video.Width, job.Video.Height, 1280, 720);
        var at = Math.Min(2.0, job.Video.DurationSeconds * 0.1);
        var output = Path.Combine(job.WorkDir, "thumbnail.jpg");
        await media.RunFfmpegAsync(FfmpegArgs.Thumbnail(input, videoStreamIndex, at, width, height, output, media.MaxPixels),
            "Making the poster", 10, null, job.LogPath, cancellationToken);
        await storage.PutFileAsync(StorageKeys.VideoFile(job.Video.Id, "thumbnail.jpg"), output, cancellationToken);
        await videos.SetFilesAsync(job.Video.Id, thumbnail: true, storyboard: null, download: null, cancellationToken);
    }

    private async Task MakeStoryboardAsync(JobContext job, string renditionName, CancellationToken cancellationToken)
    {
        var id = job.Video.Id;
        var input = await MaterializeAsync(job, renditionName, cancellationToken);
        var plan = StoryboardPlan.For(job.Video.DurationSeconds, job.Video.Width, job.Video.Height);
        var generation = Ids.NewGeneration();
        var dir = Directory.CreateDirectory(Path.Combine(job.WorkDir, "storyboard")).FullName;
        await media.RunFfmpegAsync(
            FfmpegArgs.Storyboard(input, plan.IntervalSeconds, plan.TileWidth, plan.TileHeight, plan.Columns, plan.Rows, Path.Combine(dir, generation + "-%d.jpg"), media.MaxPixels),
            "Making the storyboard", job.Video.DurationSeconds / 10, null, job.LogPath, cancellationToken);
        var sheets = Directory.GetFiles(dir, generation + "-*.jpg").Length;
        if (sheets == 0) throw new InvalidOperationException("ffmpeg wrote no storyboard sprite.");
        for (var i = 0; i < sheets; i++)
            await storage.PutFileAsync(StorageKeys.VideoFile(id, $"storyboard/{generation}-{i}.jpg"), Path.Combine(dir, $"{generation}-{i}.jpg"), cancellationToken);
        var vtt = plan.WebVtt(job.Video.DurationSeconds, sheet => $"storyboard/{generation}-{Math.Min(sheet, sheets - 1)}.jpg");
        await storage.PutTextAsync(StorageKeys.VideoFile(id, "storyboard.vtt"), vtt, cancellationToken);
        await videos.SetFilesAsync(id, thumbnail: null, storyboard: true, download: null, cancellationToken);
    }

    private async Task MakeDownloadAsync(JobContext job, string input, MediaProbe probe, CancellationToken cancellationToken)
    {
        var output = Path.Combine(job.WorkDir, "download.mp4");
        await media.RunFfmpegAsync(FfmpegArgs.ProgressiveMp4(input, probe, output, media.MaxPixels),
            "Making the download copy", job.Video.DurationSeconds / 10, null, job.LogPath, cancellationToken);
        await storage.PutFileAsync(StorageKeys.VideoFile(job.Video.Id, "download.mp4"), output, cancellationToken);
        await videos.SetFilesAsync(job.Video.Id, thumbnail: null, storyboard: null, download: true, cancellationToken);
    }

    private async Task MakeDownloadFromRenditionAsync(JobContext job, string renditionName, CancellationToken cancellationToken)
    {
        var input = await MaterializeAsync(job, renditionName, cancellationToken);
        var outcome = await media.ProbeAsync(input, cancellationToken);
        if (outcome.Probe is null) throw new InvalidOperationException($"Our own rendition {renditionName} does not probe: {outcome.Problem?.Message}");
        await MakeDownloadAsync(job, input, outcome.Probe, cancellationToken);
    }

    /// <summary>
    /// Joins a stored rendition into one local MP4 ffmpeg can read: MPEG-TS segments end to end, then remuxed; the fMP4
    /// renditions of videos processed before segments were TS (init segment, then media segments) are an MP4 as joined.
    /// </summary>
    private async Task<string> MaterializeAsync(JobContext job, string renditionName, CancellationToken cancellationToken)
    {
        var target = Path.Combine(job.WorkDir, $"{renditionName}.joined.mp4");
        if (File.Exists(target)) return target;
        string text;
        await using (var playlistStream = await storage.OpenWholeAsync(StorageKeys.VideoFile(job.Video.Id, $"{renditionName}/index.m3u8"), cancellationToken))
        using (var reader = new StreamReader(playlistStream))
            text = await reader.ReadToEndAsync(cancellationToken);
        var playlist = HlsPlaylists.ParseMedia(text);
        var staging = target + (playlist.InitUri is null ? ".part.ts" : ".part");
        await using (var output = new FileStream(staging, FileMode.Create, FileAccess.Write, FileShare.None, 0, FileOptions.Asynchronous))
        {
            foreach (var name in (playlist.InitUri is { } init ? [init] : Array.Empty<string>()).Concat(playlist.Segments.Select(s => s.Uri)))
            {
                await using var part = await storage.OpenWholeAsync(StorageKeys.VideoFile(job.Video.Id, $"{renditionName}/{name}"), cancellationToken);
                await part.CopyToAsync(output, cancellationToken);
            }
        }
        if (playlist.InitUri is null)
        {
            var remuxed = target + ".part.mp4";
            await media.RunFfmpegAsync(FfmpegArgs.JoinedRenditionToMp4(staging, remuxed),
                $"Joining the {renditionName} rendition", job.Video.DurationSeconds / 10, null, job.LogPath, cancellationToken);
            File.Delete(staging);
            staging = remuxed;
        }
        File.Move(staging, target);
        return target;
    }

    private async Task<string> SourcePathAsync(JobContext job, CancellationToken cancellationToken) =>
        job.Video.SourceKey is { } key
            ? await storage.GetLocalPathAsync(key, job.WorkDir, cancellationToken)
            : throw new InvalidOperationException("The uploaded file is no longer stored, so the video cannot be processed again.");

    private static (int Width, int Height) FitWithin(int width, int height, int maxLong, int maxShort)
    {
        var scale = Math.Min(1.0, Math.Min((double)maxLong / Math.Max(width, height), (double)maxShort / Math.Min(width, height)));
        var w = Math.Max(2, (int)Math.Round(width * scale / 2) * 2);
        var h = Math.Max(2, (int)Math.Round(height * scale / 2) * 2);
        return (w, h);
    }

    private sealed record JobContext(VideoRecord Video, MediaProbe Probe, string WorkDir, ProgressWriter Progress)
    {
        public string LogPath => Path.Combine(WorkDir, "ffmpeg.log");
    }
}

/// <summary>Writes a job's progress to the database at most a few times a second.</summary>
internal sealed class ProgressWriter(VideoStore videos, TimeProvider clock, string videoId)
{
    private static readonly TimeSpan MinInterval = TimeSpan.FromMilliseconds(500);
    private DateTimeOffset _last = DateTimeOffset.MinValue;
    private Task _pending = Task.CompletedTask;

    /// <summary>A callback for ffmpeg's position that maps it onto [start, start + share] of the whole.</summary>
    public Action<TimeSpan> Reporter(double start, double share, double durationSeconds) => position =>
    {
        var fraction = durationSeconds > 0 ? Math.Clamp(position.TotalSeconds / durationSeconds, 0, 1) : 0;
        var now = clock.GetUtcNow();
        if (now - _last < MinInterval || !_pending.IsCompleted) return;
        _last = now;
        _pending = videos.SetProgressAsync(videoId, start + (share * fraction), CancellationToken.None);
    };

    public async Task WriteAsync(double progress, bool force, CancellationToken cancellationToken)
    {
        await _pending;
        if (force || clock.GetUtcNow() - _last >= MinInterval)
        {
            _last = clock.GetUtcNow();
            await videos.SetProgressAsync(videoId, progress, cancellationToken);
        }
    }
}
