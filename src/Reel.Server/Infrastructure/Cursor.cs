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
        if (limit is < 1 or > 200)
            return (null, Problems.BadRequest("invalid_limit", "limit is between 1 and 200."));
        if (cursor is null) return (null, null);
        return Decode(cursor) is { } after
            ? (after, null)
            : (null, Problems.BadRequest("invalid_cursor", "The cursor is not one this server gave out."));
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
