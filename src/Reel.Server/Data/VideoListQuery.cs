namespace Reel.Server.Data;

/// <summary>The orders a video list comes in; every one ends on the id, so a page boundary is exact.</summary>
internal enum VideoSort
{
    Newest,
    Oldest,
    /// <summary>A to Z, ignoring case.</summary>
    Title,
    /// <summary>Shortest first.</summary>
    Duration,
}

/// <summary>Where the previous page ended: the last video's key in the list's order and its id.</summary>
internal sealed record VideoPosition(long CreatedAt, string Title, double DurationSeconds, string Id);

/// <summary>
/// Which videos a list shows and in what order. <paramref name="TitleContains"/> is matched ignoring case;
/// <paramref name="Status"/> is one of <see cref="VideoStatus"/>'s values.
/// </summary>
internal sealed record VideoListQuery(VideoScope Scope, string? UserId, string? TitleContains, string? Status, VideoSort Sort, VideoPosition? After);
