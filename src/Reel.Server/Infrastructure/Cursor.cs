using System.Buffers.Text;
using System.Globalization;
using System.Text;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Reel.Server.Infrastructure;

/// <summary>Paging cursors: the (created_at, id) of the last item of a page, opaque to clients.</summary>
internal static class Cursor
{
    /// <summary>Checks a list request's paging parameters: where to continue (null: from the top), or the problem with them.</summary>
    public static ((long CreatedAt, string Id)? After, ProblemHttpResult? Problem) Page(int limit, string? cursor)
    {
        if (InvalidLimit(limit) is { } problem) return (null, problem);
        if (cursor is null) return (null, null);
        return Decode(cursor) is { } after ? (after, null) : (null, Invalid());
    }

    public static ProblemHttpResult? InvalidLimit(int limit) =>
        limit is < 1 or > 200 ? Problems.BadRequest("invalid_limit", "limit is between 1 and 200.") : null;

    public static ProblemHttpResult Invalid() => Problems.BadRequest("invalid_cursor", "The cursor is not one this server gave out.");

    /// <summary>A cursor of any other shape; <see cref="DecodeText"/> gives the text back, or null for what is not a cursor.</summary>
    public static string EncodeText(string text) => Base64Url.EncodeToString(Encoding.UTF8.GetBytes(text));

    public static string? DecodeText(string cursor)
    {
        try
        {
            return Encoding.UTF8.GetString(Base64Url.DecodeFromChars(cursor));
        }
        catch (FormatException)
        {
            return null;
        }
    }

    public static string Encode(long createdAt, string id) =>
        Base64Url.EncodeToString(Encoding.UTF8.GetBytes($"{createdAt.ToString(CultureInfo.InvariantCulture)}.{id}"));

    public static (long, string)? Decode(string cursor)
    {
        try
        {
            var parts = Encoding.UTF8.GetString(Base64Url.DecodeFromChars(cursor)).Split('.', 2);
            return parts.Length == 2 && long.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var createdAt) && Ids.IsVideoId(parts[1])
                ? (createdAt, parts[1])
                : null;
        }
        catch (FormatException)
        {
            return null;
        }
    }
}
