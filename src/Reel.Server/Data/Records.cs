using System.Text.Json.Serialization;

namespace Reel.Server.Data;

/// <summary>A row of <c>videos</c>. Times are Unix milliseconds, the one representation every database stores alike.</summary>
internal sealed class VideoRecord
{
    public string Id { get; set; } = "";
    public string Title { get; set; } = "";
    public string Status { get; set; } = VideoStatus.Queued;
    public string Visibility { get; set; } = "unlisted";
    public double Progress { get; set; }
    public string? ErrorCode { get; set; }
    public string? ErrorMessage { get; set; }
    public double DurationSeconds { get; set; }
    public int Width { get; set; }
    public int Height { get; set; }
    public long SizeBytes { get; set; }
    public string? SourceKey { get; set; }
    public string ProbeJson { get; set; } = "";
    public string Renditions { get; set; } = "[]";
    public bool Playable { get; set; }
    public bool HasThumbnail { get; set; }
    public bool HasStoryboard { get; set; }
    public bool HasDownload { get; set; }
    public long CreatedAt { get; set; }
    public long? ReadyAt { get; set; }
    public long UpdatedAt { get; set; }
    public string? OwnerId { get; set; }
    public string? ManageTokenHash { get; set; }

    /// <summary>Whose turn the video's jobs take in the queue (see <see cref="Features.Auth.Caller.Uploader"/>); never shown.</summary>
    public string? Uploader { get; set; }

    /// <summary>Raised to revoke every playback token made before.</summary>
    public int LinksGeneration { get; set; }

    /// <summary>Views counted by players (once per page visit), through any link.</summary>
    public long Views { get; set; }

    /// <summary>The file of a poster the owner chose (an image, or a frame they picked); null: the generated poster.</summary>
    public string? PosterFile { get; set; }

    /// <summary>While the video is still being uploaded (resumably), the bytes received so far; read, never written.</summary>
    public long? UploadedBytes { get; set; }

    /// <summary>The folder of the video's files when it is not its own id: that of the replacement it took them from.</summary>
    public string? MediaId { get; set; }

    /// <summary>On a replacement (a hidden row until it is playable): the video whose file it replaces.</summary>
    public string? ReplacesId { get; set; }

    /// <summary>Chapters the owner uploaded, as JSON; null: the source's (from its probe).</summary>
    public string? Chapters { get; set; }

    /// <summary>Where the video's files are (<c>videos/{Media}/</c>, <c>originals/{Media}/</c>), and what its jobs' changes name.</summary>
    public string Media => MediaId ?? Id;
}

internal static class VideoStatus
{
    /// <summary>A resumable upload has begun and its last byte has not arrived.</summary>
    public const string Uploading = "uploading";

    public const string Queued = "queued";
    public const string Processing = "processing";
    public const string Ready = "ready";
    public const string Failed = "failed";
}

/// <summary>A row of <c>uploads</c>: a resumable upload in progress.</summary>
internal sealed class UploadRecord
{
    public string VideoId { get; set; } = "";
    public long Length { get; set; }
    public long OffsetBytes { get; set; }
    public string StorageState { get; set; } = "";
    public long ExpiresAt { get; set; }
}

/// <summary>A row of <c>file_deletions</c>: files still to remove, of a deleted video or of a version a replacement took the place of.</summary>
internal sealed class FileDeletion
{
    /// <summary>The folder id of the files (<c>videos/{id}/</c>, <c>originals/{id}/</c>): a video's id or a former <see cref="VideoRecord.Media"/>.</summary>
    public string VideoId { get; set; } = "";

    /// <summary>The storage state of its unfinished resumable upload, if it had one.</summary>
    public string? ResumableState { get; set; }
}

/// <summary>A video's files being written by a job: the video's id and the folder they go to (<see cref="VideoRecord.Media"/>).</summary>
internal readonly record struct MediaOf(string VideoId, string Folder)
{
    public static MediaOf Of(VideoRecord video) => new(video.Id, video.Media);
}

/// <summary>A row of <c>jobs</c>.</summary>
internal sealed class JobRecord
{
    public long Id { get; set; }
    public string VideoId { get; set; } = "";
    public string Kind { get; set; } = "";
    public string State { get; set; } = "";

    /// <summary>Failures the job itself caused (ffmpeg failed, a damaged file…); claims and crashes do not count.</summary>
    public int Attempts { get; set; }

    /// <summary>Runs cut short without the job failing: its node died, or its lease lapsed and another claim took it.</summary>
    public int Interruptions { get; set; }

    public long RunAfter { get; set; }

    /// <summary>The node that holds the lease, so a node can take back its own jobs at start.</summary>
    public string? LeaseOwner { get; set; }

    /// <summary>The claim's fencing token: the job's claim count, which every change by this claim must name.</summary>
    public long LeaseToken { get; set; }

    public long? LeaseUntil { get; set; }
    public string? LastError { get; set; }
}

internal static class JobKind
{
    /// <summary>What makes a video playable: a remux of a compatible source, else the first rung of the ladder; it never waits behind encodes.</summary>
    public const string Prepare = "prepare";

    /// <summary>The rest of the ladder, the poster, the storyboard and the download copy (the prepare job makes none of these).</summary>
    public const string Encode = "encode";

    /// <summary>Regenerates derived files of a ready video that went missing.</summary>
    public const string Repair = "repair";

    /// <summary>Drops the remuxed first rendition once viewers who started on it have had time to finish.</summary>
    public const string Cleanup = "cleanup";

    public static readonly string[] All = [Prepare, Encode, Repair, Cleanup];
}

/// <summary>The state of one rendition, kept as JSON in <c>videos.renditions</c>.</summary>
internal sealed record RenditionState(
    string Name,
    int Width,
    int Height,
    int BitrateKbps,
    int BandwidthBps,
    string Codecs,
    double FrameRate,
    bool FastStart,
    bool Available,
    bool Ready)
{
    /// <summary>Seconds of video its playlist lists so far: players must not switch to a rung that is behind them.</summary>
    public double EncodedSeconds { get; init; }

    /// <summary>Set on an alternate-audio rendition (which has no picture): its language, label and default flag.</summary>
    public AudioRenditionInfo? Audio { get; init; }

    /// <summary>A rung of the H.264 ladder (not the remuxed source, not audio).</summary>
    [JsonIgnore]
    public bool IsLadderRung => !FastStart && Audio is null;

    /// <summary>
    /// What the master playlist lists: the ladder rungs that have segments, with the audio renditions they name once
    /// every one of those has segments too; until then the remuxed source, if it has segments. Players keep the master
    /// they loaded, so one that started on the remux plays it to the end while later viewers get the ladder.
    /// </summary>
    public static (IReadOnlyList<RenditionState> Variants, IReadOnlyList<RenditionState> Audio) Listed(IReadOnlyList<RenditionState> renditions)
    {
        var audio = renditions.Where(r => r.Audio is not null).ToList();
        var ladder = renditions.Where(r => r.IsLadderRung && r.Available).ToList();
        if (ladder.Count > 0 && audio.All(a => a.Available)) return (ladder, audio);
        return (renditions.Where(r => r.FastStart && r.Available).ToList(), []);
    }
}

/// <summary>What the master playlist says of an alternate-audio rendition.</summary>
internal sealed record AudioRenditionInfo(string? Language, string Label, bool IsDefault);

/// <summary>A share link of a video (issue 16): its key shows the video to whoever holds it, until it expires or is revoked.</summary>
internal sealed class ShareRecord
{
    public string Id { get; set; } = "";
    public string VideoId { get; set; } = "";

    /// <summary>The secret in the link (<c>/v/{key}</c>); kept as it is, so the owner can copy the link again.</summary>
    public string ShareKey { get; set; } = "";

    public string? Label { get; set; }

    /// <summary>Unix ms; null: never.</summary>
    public long? ExpiresAt { get; set; }

    public string? PasswordHash { get; set; }
    public bool AllowDownload { get; set; }
    public long Views { get; set; }
    public long CreatedAt { get; set; }

    /// <summary>Raised whenever a change must stop the media URLs handed out before it (revocation, new password, downloads off).</summary>
    public int Generation { get; set; }

    public long? RevokedAt { get; set; }
}

/// <summary>A caption of a video (issue 17): uploaded by its manager, or taken from a text subtitle track of the source.</summary>
internal sealed class CaptionRecord
{
    public string Id { get; set; } = "";
    public string VideoId { get; set; } = "";

    /// <summary>BCP 47, e.g. "de" or "pt-BR"; "und" when a source track did not say.</summary>
    public string Language { get; set; } = "";

    public string Label { get; set; } = "";
    public bool IsDefault { get; set; }

    /// <summary><see cref="CaptionOrigin.Upload"/> or <see cref="CaptionOrigin.Source"/>.</summary>
    public string Origin { get; set; } = CaptionOrigin.Upload;

    /// <summary>Its clean WebVTT in storage; a new file gets a new key, so every copy made of it is immutable.</summary>
    public string FileKey { get; set; } = "";

    public int CueCount { get; set; }

    /// <summary>The files' folder (<see cref="VideoRecord.Media"/>) whose HLS copies of it were last written.</summary>
    public string? PublishedMedia { get; set; }

    public long CreatedAt { get; set; }
}

internal static class CaptionOrigin
{
    public const string Upload = "upload";
    public const string Source = "source";
}
