using System.Diagnostics;
using Microsoft.Extensions.Options;
using Reel.Media;
using Reel.Server.Data;
using Reel.Server.Infrastructure;
using Reel.Server.Storage;

namespace Reel.Server.Processing;

/// <summary>The video a job was for no longer exists (it was deleted while the job waited or ran).</summary>
internal sealed class VideoGoneException(string videoId) : Exception($"Video {videoId} no longer exists.");

/// <summary>
/// Turns an upload into everything a player needs. <see cref="JobKind.Prepare"/> makes a video playable: a
/// browser-compatible one by remuxing it, any other by encoding the lowest rung of its ladder (and its audio) ahead of
/// the rest at the server's priority (it makes no poster and no download); <see cref="JobKind.Encode"/> encodes the
/// other rungs in one ffmpeg process at idle priority, beside it the poster and, for a compatible source, the download
/// copy, then the storyboard and, for any other source, the download from the top rung; <see cref="JobKind.Cleanup"/>
/// later drops the remux; <see cref="JobKind.Repair"/> remakes lost derived files.
/// Every job starts by removing what an earlier attempt left, so running it again is always safe.
/// </summary>
internal sealed class VideoProcessor(
    VideoStore videos,
    IMediaStorage storage,
    MediaTools media,
    HlsMaster masters,
    SourceCaptions sourceCaptions,
    IOptions<StorageOptions> storageOptions,
    IOptions<ProcessingOptions> processingOptions,
    TimeProvider clock,
    ILogger<VideoProcessor> logger)
{
    public const string FastStartName = "source";

    // Shares of the progress bar: the ladder ends at 90 %, the storyboard and download take the rest.
    private const double LadderEnd = 0.9;

    /// <summary>Runs the job; returns the kind of the job that should follow it, if any.</summary>
    public async Task<string?> RunAsync(JobRecord job, string workDir, CancellationToken cancellationToken)
    {
        var video = await videos.GetAsync(job.VideoId, cancellationToken) ?? throw new VideoGoneException(job.VideoId);
        var context = new JobContext(video, FfprobeParser.Parse(video.ProbeJson), workDir, new ProgressWriter(videos, clock, MediaOf.Of(video)));
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
                await TakeVideosPlaceAsync(job, video, cancellationToken);
                return JobKind.Encode;
            case JobKind.Encode:
                if (video.ReplacesId is not null)
                {
                    // A playable replacement whose prepare job ended before it took its video's place (recovery queued this).
                    await TakeVideosPlaceAsync(job, video, cancellationToken);
                    context = context with { Video = await videos.GetAsync(job.VideoId, cancellationToken) ?? throw new VideoGoneException(job.VideoId) };
                }
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

    /// <summary>
    /// A replacement just made playable takes its video's place (<see cref="VideoStore.PromoteAsync"/>): from here on
    /// the job, and the rest of the ladder after it, are the video's. Nothing for any other video.
    /// </summary>
    private async Task TakeVideosPlaceAsync(JobRecord job, VideoRecord replacement, CancellationToken cancellationToken)
    {
        if (replacement.ReplacesId is null) return;
        var keepOldFor = TimeSpan.FromMinutes(processingOptions.Value.ReplacedVersionRetentionMinutes);
        var target = await videos.PromoteAsync(replacement.Id, job, keepOldFor, cancellationToken) ?? throw new VideoGoneException(replacement.Id);
        // The new files' master was written for the replacement, which had no captions: now it lists the video's.
        if (await videos.GetAsync(target, cancellationToken) is { } video)
            await masters.WriteAsync(MediaOf.Of(video), VideoStore.Renditions(video), video.DurationSeconds, cancellationToken);
        logger.LogInformation("Playable: took the place of video {VideoId}, whose old files go in {Minutes} min", target, keepOldFor.TotalMinutes);
    }

    private async Task PrepareAsync(JobContext job, CancellationToken cancellationToken)
    {
        var files = job.Media;
        await videos.StartProcessingAsync(files, cancellationToken);
        var source = await SourcePathAsync(job, cancellationToken);
        await storage.DeletePrefixAsync(StorageKeys.VideoFolder(files.Folder, FastStartName), cancellationToken);

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
            var publisher = new HlsPublisher(storage, files.Folder, hlsDir, async (_, playlist) =>
            {
                var updated = state with { Available = playlist.Segments.Count > 0, Ready = playlist.Ended, EncodedSeconds = Math.Round(playlist.DurationSeconds, 1) };
                if (updated == renditions[0]) return;
                var listingChanged = updated.Available != renditions[0].Available;
                renditions[0] = updated;
                await PublishRenditionsAsync(files, job.Video.DurationSeconds, renditions, listingChanged, cancellationToken);
            });
            await publisher.RunAsync(token => media.RunFfmpegAsync(
                FfmpegArgs.FastStartHls(source, job.Probe, outDir, Ids.NewGeneration(), media.MaxPixels),
                "Remuxing to a first playable rendition", job.Video.DurationSeconds, job.Progress.Reporter(0, job.PrepareShare, job.Video.DurationSeconds), job.LogPath, token,
                ProcessPriorityClass.Normal),
                cancellationToken);
            logger.LogInformation("Playable from the remuxed source");
        }
        else
        {
            // Nothing a browser plays can be copied: the lowest rung of the ladder (with the audio) is encoded first,
            // on its own and at the server's priority, while the other rungs wait at idle priority, so a viewer who
            // starts at once never catches up with the encoder (ADR 11).
            var plan = LadderPlanner.Plan(job.Probe);
            await EncodeRenditionsAsync(
                job, source, plan with { Renditions = [plan.FirstRung] }, [], "Encoding the first rendition", ProcessPriorityClass.Normal,
                job.Progress.Reporter(0, job.PrepareShare, job.Video.DurationSeconds), cancellationToken);
            logger.LogInformation("Playable from the first rung, {Rung}", plan.FirstRung.Name);
        }
        await job.Progress.WriteAsync(job.PrepareShare, force: true, cancellationToken);
    }

    private async Task EncodeAsync(JobContext job, CancellationToken cancellationToken)
    {
        var files = job.Media;
        await videos.StartProcessingAsync(files, cancellationToken);
        var source = await SourcePathAsync(job, cancellationToken);
        var plan = LadderPlanner.Plan(job.Probe);

        // What the prepare job finished (the first rung and the audio beside it) stays; the rest is encoded here.
        var kept = VideoStore.Renditions(job.Video).Where(r => r.FastStart || r.Ready).ToList();
        var done = kept.Where(r => !r.FastStart).Select(r => r.Name).ToHashSet(StringComparer.Ordinal);
        var rest = plan with
        {
            Renditions = [.. plan.Renditions.Where(r => !done.Contains(r.Name))],
            AlternateAudio = [.. plan.AlternateAudio.Where(a => !done.Contains(a.Name))],
        };
        await storage.DeletePrefixAsync(StorageKeys.VideoFolder(files.Folder, "storyboard"), cancellationToken);

        // Poster and (for a compatible source) the download copy are cheap: made beside the ladder, not before it.
        using var stopExtras = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var extras = MakeSourceExtrasAsync(job, source, stopExtras.Token);
        var renditions = kept;
        try
        {
            if (rest.Renditions.Count > 0)
                renditions = await EncodeRenditionsAsync(
                    job, source, rest, kept, "Encoding the ladder", ProcessPriorityClass.Idle,
                    job.Progress.Reporter(job.PrepareShare, LadderEnd - job.PrepareShare, job.Video.DurationSeconds), cancellationToken);
        }
        catch
        {
            await stopExtras.CancelAsync();
            await extras.ContinueWith(_ => { }, CancellationToken.None, TaskContinuationOptions.None, TaskScheduler.Default);
            throw;
        }
        await extras;

        var ladderRungs = renditions.Where(r => r.IsLadderRung).OrderBy(r => r.Width * r.Height).ToList();
        if (ladderRungs.Count != plan.Renditions.Count)
            throw new InvalidOperationException("The ladder is missing rungs its plan has.");
        await MakeStoryboardAsync(job, ladderRungs[0].Name, cancellationToken);
        await job.Progress.WriteAsync(LadderEnd + 0.03, force: true, cancellationToken);

        if (!SourceCheck.IsBrowserCompatible(job.Probe.Video!))
            await MakeDownloadFromRenditionAsync(job, ladderRungs[^1].Name, renditions, cancellationToken);

        var keep = storageOptions.Value.KeepOriginals;
        if (!await videos.MarkReadyAsync(files, keep ? job.Video.SourceKey : null, cancellationToken)) throw new VideoGoneException(files.VideoId);
        if (!keep) await storage.DeletePrefixAsync(StorageKeys.Original(files.Folder), cancellationToken);
        logger.LogInformation("Ready: {Renditions}", string.Join(", ", ladderRungs.Select(r => r.Name)));
    }

    /// <summary>
    /// Encodes the rungs and audio renditions of <paramref name="part"/> in one ffmpeg process, publishing segments
    /// as they come; <paramref name="kept"/> are the renditions that stay listed meanwhile. Returns them all.
    /// </summary>
    private async Task<List<RenditionState>> EncodeRenditionsAsync(
        JobContext job, string source, LadderPlan part, IReadOnlyList<RenditionState> kept, string what, ProcessPriorityClass priority,
        Action<TimeSpan> onProgress, CancellationToken cancellationToken)
    {
        var files = job.Media;
        var renditions = kept.ToList();
        renditions.AddRange(part.Renditions.Select(rung =>
            new RenditionState(rung.Name, rung.Width, rung.Height, rung.MaxrateKbps, rung.BandwidthBps, rung.Codecs, part.FrameRate.Value, FastStart: false, Available: false, Ready: false)));
        renditions.AddRange(part.AlternateAudio.Select(audio =>
            new RenditionState(audio.Name, 0, 0, Rendition.AudioKbps, Rendition.AudioKbps * 1000, AudioRendition.Codecs, 0, FastStart: false, Available: false, Ready: false)
            {
                Audio = new AudioRenditionInfo(audio.Language, audio.Label, audio.IsDefault),
            }));
        // A rerun (after a crash or an outage) first points the master away from what it is about to remove.
        await PublishRenditionsAsync(files, job.Video.DurationSeconds, renditions, writeMaster: true, cancellationToken);
        var hlsDir = Directory.CreateDirectory(Path.Combine(job.WorkDir, "ladder")).FullName;
        var folders = FfmpegArgs.LadderFolders(part, hlsDir);
        foreach (var folder in folders)
        {
            await storage.DeletePrefixAsync(StorageKeys.VideoFolder(files.Folder, Path.GetFileName(folder)), cancellationToken);
            Directory.CreateDirectory(folder);
        }

        var publisher = new HlsPublisher(storage, files.Folder, hlsDir, async (name, playlist) =>
        {
            var index = renditions.FindIndex(r => r.Name == name && !r.FastStart);
            if (index < 0) throw new InvalidOperationException($"ffmpeg wrote an unplanned rendition '{name}'.");
            var updated = renditions[index] with { Available = playlist.Segments.Count > 0, Ready = playlist.Ended, EncodedSeconds = Math.Round(playlist.DurationSeconds, 1) };
            if (updated == renditions[index]) return;
            // A new segment moves only the database's note of how far the rendition is; the master changes with the listing.
            var listingChanged = updated.Available != renditions[index].Available;
            renditions[index] = updated;
            await PublishRenditionsAsync(files, job.Video.DurationSeconds, renditions, listingChanged, cancellationToken);
        });
        await publisher.RunAsync(token => media.RunFfmpegAsync(
            FfmpegArgs.LadderHls(source, part, hlsDir, Ids.NewGeneration(), media.MaxPixels),
            what, job.Video.DurationSeconds, onProgress, job.LogPath, token, priority),
            cancellationToken);
        if (renditions.Where(r => !r.FastStart).FirstOrDefault(r => !r.Ready) is { } unfinished)
            throw new InvalidOperationException($"ffmpeg ended without finishing rendition {unfinished.Name}.");
        return renditions;
    }

    private async Task MakeSourceExtrasAsync(JobContext job, string source, CancellationToken cancellationToken)
    {
        await Task.Yield();
        await MakeThumbnailAsync(job, source, job.Probe.Video!.Index, PictureTreatment.For(job.Probe.Video!), cancellationToken, seekByDecoding: !SourceCheck.HasIndex(job.Probe.FormatName));
        if (SourceCheck.IsBrowserCompatible(job.Probe.Video!))
            await MakeDownloadAsync(job, source, job.Probe, cancellationToken);
        if (await sourceCaptions.TakeAsync(job.Media, job.Probe, source, job.WorkDir, job.LogPath, cancellationToken)
            && await videos.GetAsync(job.Video.Id, cancellationToken) is { } now && now.Media == job.Media.Folder)
        {
            // Players see them now, not only once the ladder is done (the ladder's next master write keeps them).
            await masters.WriteAsync(job.Media, VideoStore.Renditions(now), job.Video.DurationSeconds, cancellationToken);
        }
    }

    private async Task RepairAsync(JobContext job, CancellationToken cancellationToken)
    {
        var files = job.Media;
        var finished = VideoStore.Renditions(job.Video).Where(r => !r.FastStart && r.Ready).ToList();
        var ladder = finished.Where(r => r.IsLadderRung).OrderBy(r => r.Width * r.Height).ToList();
        if (ladder.Count == 0) throw new InvalidOperationException("A ready video without renditions cannot be repaired.");
        await masters.WriteAsync(files, finished, job.Video.DurationSeconds, cancellationToken);

        if (await storage.StatAsync(StorageKeys.VideoFile(files.Folder, "thumbnail.jpg"), cancellationToken) is null)
        {
            var top = await MaterializeAsync(job, ladder[^1].Name, cancellationToken);
            await MakeThumbnailAsync(job, top, 0, picture: null, cancellationToken);
        }
        if (await storage.StatAsync(StorageKeys.VideoFile(files.Folder, "storyboard.vtt"), cancellationToken) is null)
            await MakeStoryboardAsync(job, ladder[0].Name, cancellationToken);
        if (await storage.StatAsync(StorageKeys.VideoFile(files.Folder, "download.mp4"), cancellationToken) is null)
            await MakeDownloadFromRenditionAsync(job, ladder[^1].Name, finished, cancellationToken);
        logger.LogInformation("Repaired derived files");
    }

    private async Task DropFastStartAsync(JobContext job, CancellationToken cancellationToken)
    {
        var renditions = VideoStore.Renditions(job.Video).Where(r => !r.FastStart).ToList();
        if (renditions.Count == 0 || renditions.Any(r => !r.Ready)) return;
        await PublishRenditionsAsync(job.Media, job.Video.DurationSeconds, renditions, writeMaster: true, cancellationToken);
        await storage.DeletePrefixAsync(StorageKeys.VideoFolder(job.Media.Folder, FastStartName), cancellationToken);
        logger.LogInformation("Removed the remuxed first rendition");
    }

    /// <summary>The master playlist first, then the database: when the API says playable, the playlist is there.</summary>
    private async Task PublishRenditionsAsync(MediaOf files, double durationSeconds, List<RenditionState> renditions, bool writeMaster, CancellationToken cancellationToken)
    {
        if (writeMaster) await masters.WriteAsync(files, renditions, durationSeconds, cancellationToken);
        if (!await videos.SetRenditionsAsync(files, renditions, cancellationToken)) throw new VideoGoneException(files.VideoId);
    }

    private async Task MakeThumbnailAsync(JobContext job, string input, int videoStreamIndex, PictureTreatment? picture, CancellationToken cancellationToken, bool seekByDecoding = false)
    {
        var (width, height) = PosterSize(job.Video.Width, job.Video.Height);
        var at = Math.Min(2.0, job.Video.DurationSeconds * 0.1);
        var output = Path.Combine(job.WorkDir, "thumbnail.jpg");
        await media.RunFfmpegAsync(FfmpegArgs.Thumbnail(input, videoStreamIndex, at, width, height, output, media.MaxPixels, picture, seekByDecoding),
            "Making the poster", 10, null, job.LogPath, cancellationToken);
        await storage.PutFileAsync(StorageKeys.VideoFile(job.Media.Folder, "thumbnail.jpg"), output, cancellationToken);
        await videos.SetFilesAsync(job.Media, thumbnail: true, storyboard: null, download: null, cancellationToken);
    }

    private async Task MakeStoryboardAsync(JobContext job, string renditionName, CancellationToken cancellationToken)
    {
        var files = job.Media;
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
            await storage.PutFileAsync(StorageKeys.VideoFile(files.Folder, $"storyboard/{generation}-{i}.jpg"), Path.Combine(dir, $"{generation}-{i}.jpg"), cancellationToken);
        var vtt = plan.WebVtt(job.Video.DurationSeconds, sheet => $"storyboard/{generation}-{Math.Min(sheet, sheets - 1)}.jpg");
        await storage.PutTextAsync(StorageKeys.VideoFile(files.Folder, "storyboard.vtt"), vtt, cancellationToken);
        await videos.SetFilesAsync(files, thumbnail: null, storyboard: true, download: null, cancellationToken);
    }

    private async Task MakeDownloadAsync(JobContext job, string input, MediaProbe probe, CancellationToken cancellationToken)
    {
        var output = Path.Combine(job.WorkDir, "download.mp4");
        await media.RunFfmpegAsync(FfmpegArgs.ProgressiveMp4(input, probe, output, media.MaxPixels),
            "Making the download copy", job.Video.DurationSeconds / 10, null, job.LogPath, cancellationToken);
        await storage.PutFileAsync(StorageKeys.VideoFile(job.Media.Folder, "download.mp4"), output, cancellationToken);
        await videos.SetFilesAsync(job.Media, thumbnail: null, storyboard: null, download: true, cancellationToken);
    }

    private async Task MakeDownloadFromRenditionAsync(JobContext job, string renditionName, IReadOnlyList<RenditionState> renditions, CancellationToken cancellationToken)
    {
        var input = await MaterializeAsync(job, renditionName, cancellationToken);
        var audio = renditions.Where(r => r.Audio is not null && r.Ready).ToList();
        if (audio.Count > 0)
        {
            // The rungs carry no audio of their own: every audio rendition goes into the download beside the video.
            List<(string, string?, bool)> tracks = [];
            foreach (var rendition in audio)
                tracks.Add((await MaterializeAsync(job, rendition.Name, cancellationToken), rendition.Audio!.Language, rendition.Audio.IsDefault));
            var output = Path.Combine(job.WorkDir, "download.mp4");
            await media.RunFfmpegAsync(FfmpegArgs.DownloadWithAudioTracks(input, tracks, output, media.MaxPixels),
                "Making the download copy", job.Video.DurationSeconds / 10, null, job.LogPath, cancellationToken);
            await storage.PutFileAsync(StorageKeys.VideoFile(job.Media.Folder, "download.mp4"), output, cancellationToken);
            await videos.SetFilesAsync(job.Media, thumbnail: null, storyboard: null, download: true, cancellationToken);
            return;
        }
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
        await using (var playlistStream = await storage.OpenWholeAsync(StorageKeys.VideoFile(job.Media.Folder, $"{renditionName}/index.m3u8"), cancellationToken))
        using (var reader = new StreamReader(playlistStream))
            text = await reader.ReadToEndAsync(cancellationToken);
        var playlist = HlsPlaylists.ParseMedia(text);
        var staging = target + (playlist.InitUri is null ? ".part.ts" : ".part");
        await using (var output = new FileStream(staging, FileMode.Create, FileAccess.Write, FileShare.None, 0, FileOptions.Asynchronous))
        {
            foreach (var name in (playlist.InitUri is { } init ? [init] : Array.Empty<string>()).Concat(playlist.Segments.Select(s => s.Uri)))
            {
                await using var part = await storage.OpenWholeAsync(StorageKeys.VideoFile(job.Media.Folder, $"{renditionName}/{name}"), cancellationToken);
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

    /// <summary>The poster's size for a picture of this size: at most 1280 on its long side and 720 on its short one.</summary>
    public static (int Width, int Height) PosterSize(int width, int height) => FitWithin(width, height, 1280, 720);

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

        /// <summary>The video's files this job writes, and what its changes to the video name.</summary>
        public MediaOf Media => MediaOf.Of(Video);

        /// <summary>The prepare job's share of the progress bar: a remux is a moment, a first rung a real encode.</summary>
        public double PrepareShare => SourceCheck.IsBrowserCompatible(Probe.Video!) ? 0.05 : 0.3;
    }
}

/// <summary>Writes a job's progress to the database at most a few times a second.</summary>
internal sealed class ProgressWriter(VideoStore videos, TimeProvider clock, MediaOf files)
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
        _pending = videos.SetProgressAsync(files, start + (share * fraction), CancellationToken.None);
    };

    public async Task WriteAsync(double progress, bool force, CancellationToken cancellationToken)
    {
        await _pending;
        if (force || clock.GetUtcNow() - _last >= MinInterval)
        {
            _last = clock.GetUtcNow();
            await videos.SetProgressAsync(files, progress, cancellationToken);
        }
    }
}
