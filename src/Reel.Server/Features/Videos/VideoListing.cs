using System.Globalization;
using Microsoft.AspNetCore.Http.HttpResults;
using Reel.Server.Data;
using Reel.Server.Infrastructure;

namespace Reel.Server.Features.Videos;

/// <summary>
/// A video list request's search, order, status filter and cursor. A cursor holds the last video's key in its list's
/// order, so it only continues a list of that order; newest-first keeps the plain (created_at, id) cursor it always had.
/// </summary>
internal static class VideoListing
{
    public const int MaxQueryLength = 200;
    public static readonly string[] Sorts = ["newest", "oldest", "title", "duration"];
    public static readonly string[] Statuses = [VideoStatus.Uploading, VideoStatus.Queued, VideoStatus.Processing, VideoStatus.Ready, VideoStatus.Failed];

    /// <summary>How many videos one <c>ids</c> request may name: a page of cards, with room to spare.</summary>
    public const int MaxIds = 100;

    /// <summary>The ids of an <c>ids</c> request (comma-separated, each a video id, repeats once), or the problem with them.</summary>
    public static (IReadOnlyList<string>? Ids, ProblemHttpResult? Problem) ReadIds(string ids, bool alone)
    {
        if (!alone)
            return (null, Problems.BadRequest("invalid_ids", "ids names the videos wanted; it goes without q, sort, status, cursor, mine and all."));
        var chosen = ids.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).Distinct(StringComparer.Ordinal).ToList();
        if (chosen.Count is 0 or > MaxIds || !chosen.All(Ids.IsVideoId))
            return (null, Problems.BadRequest("invalid_ids", $"ids is 1 to {MaxIds} video ids, separated by commas."));
        return (chosen, null);
    }

    public sealed record Request(string? TitleContains, string? Status, VideoSort Sort, VideoPosition? After);

    public static (Request? Request, ProblemHttpResult? Problem) Read(string? q, string? sort, string? status, string? cursor)
    {
        var search = q?.Trim();
        if (search?.Length > MaxQueryLength)
            return (null, Problems.BadRequest("invalid_query", $"q has at most {MaxQueryLength} characters."));
        if (!TryParseSort(sort, out var order))
            return (null, Problems.BadRequest("invalid_sort", "sort is newest, oldest, title or duration."));
        if (!string.IsNullOrEmpty(status) && !Statuses.Contains(status, StringComparer.Ordinal))
            return (null, Problems.BadRequest("invalid_status", "status is uploading, queued, processing, ready or failed."));
        VideoPosition? after = null;
        if (cursor is not null && (after = Decode(order, cursor)) is null) return (null, Cursor.Invalid());
        return (new Request(string.IsNullOrEmpty(search) ? null : search, string.IsNullOrEmpty(status) ? null : status, order, after), null);
    }

    private static bool TryParseSort(string? sort, out VideoSort order)
    {
        order = sort switch
        {
            null or "" or "newest" => VideoSort.Newest,
            "oldest" => VideoSort.Oldest,
            "title" => VideoSort.Title,
            "duration" => VideoSort.Duration,
            _ => (VideoSort)(-1),
        };
        return Enum.IsDefined(order);
    }

    /// <summary>The cursor that continues a list of <paramref name="sort"/> after <paramref name="last"/>.</summary>
    public static string Encode(VideoSort sort, VideoRecord last) => sort switch
    {
        VideoSort.Oldest => Cursor.EncodeText($"o.{last.CreatedAt.ToString(CultureInfo.InvariantCulture)}.{last.Id}"),
        // The id goes first: it has no dots, and the title may.
        VideoSort.Title => Cursor.EncodeText($"t.{last.Id}.{last.Title}"),
        VideoSort.Duration => Cursor.EncodeText($"d.{last.DurationSeconds.ToString("R", CultureInfo.InvariantCulture)}.{last.Id}"),
        _ => Cursor.Encode(last.CreatedAt, last.Id),
    };

    public static VideoPosition? Decode(VideoSort sort, string cursor)
    {
        if (sort == VideoSort.Newest)
            return Cursor.Decode(cursor) is var (createdAt, id) ? new VideoPosition(createdAt, "", 0, id) : null;
        var parts = Cursor.DecodeText(cursor)?.Split('.', 3);
        if (parts is not { Length: 3 }) return null;
        return (sort, parts[0]) switch
        {
            (VideoSort.Oldest, "o") when long.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var createdAt) && Ids.IsVideoId(parts[2]) =>
                new VideoPosition(createdAt, "", 0, parts[2]),
            (VideoSort.Title, "t") when Ids.IsVideoId(parts[1]) && parts[2].Length <= VideoIntake.MaxTitleLength =>
                new VideoPosition(0, parts[2], 0, parts[1]),
            (VideoSort.Duration, "d") when double.TryParse(parts[1], NumberStyles.Float, CultureInfo.InvariantCulture, out var duration) && double.IsFinite(duration) && Ids.IsVideoId(parts[2]) =>
                new VideoPosition(0, "", duration, parts[2]),
            _ => null,
        };
    }
}
