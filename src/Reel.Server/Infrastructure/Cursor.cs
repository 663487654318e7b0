using System.Buffers.Text;
using System.Globalization;
using System.Text;

namespace Reel.Server.Infrastructure;

/// <summary>Paging cursors: the (created_at, id) of the last item of a page, opaque to clients.</summary>
internal static class Cursor
{
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
