namespace Reel.Cli;

/// <summary>
/// The video a command is about, as a person gives it: a bare id, or the watch URL <c>reel upload</c> printed
/// (<c>http://host/watch/{id}</c>, also with a query or fragment, or below a path prefix). A URL also names its server.
/// </summary>
internal sealed record VideoTarget(string Id, string? Server)
{
    private const string WatchPath = "/watch/";

    public static VideoTarget Parse(string text)
    {
        var given = text.Trim();
        if (IsId(given)) return new VideoTarget(given, null);
        if (Uri.TryCreate(given, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps))
        {
            var path = uri.AbsolutePath.TrimEnd('/');
            var at = path.LastIndexOf(WatchPath, StringComparison.Ordinal);
            if (at >= 0 && Uri.UnescapeDataString(path[(at + WatchPath.Length)..]) is var id && IsId(id))
                return new VideoTarget(id, uri.GetLeftPart(UriPartial.Authority) + path[..at]);
        }
        throw new CliException(ExitCodes.Usage, $"'{text}' is neither a video id nor a watch URL like {ReelApi.DefaultServer}/watch/ID.");
    }

    // Ids are base64url (22 characters today); anything else cannot name a video, so it is refused here, not by a 404.
    private static bool IsId(string text) =>
        text.Length is > 0 and <= 64 && text.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_');
}
