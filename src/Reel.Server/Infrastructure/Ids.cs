using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text.RegularExpressions;

namespace Reel.Server.Infrastructure;

/// <summary>Ids of videos, users and keys: 128 random bits, base64url, 22 characters. A video id is the only thing that ever names a stored file.</summary>
internal static partial class Ids
{
    public static string NewVideoId() => New();

    public static string New() => Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(16));

    /// <summary>A short random tag that makes the file names of one encode attempt unique, so caches never mix attempts.</summary>
    public static string NewGeneration() => Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(6)).Replace('-', 'x').Replace('_', 'y');

    public static bool IsVideoId(string? value) => value is not null && VideoIdPattern().IsMatch(value);

    [GeneratedRegex("^[A-Za-z0-9_-]{21}[AQgw]\\z")]
    private static partial Regex VideoIdPattern();
}
