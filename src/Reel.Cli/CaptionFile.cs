namespace Reel.Cli;

/// <summary>
/// The file <c>reel captions add</c> sends, read whole before any request: one that is missing or larger than the
/// server takes is a usage error here, not a refused request (docs/api.md, "Captions and chapters").
/// </summary>
internal static class CaptionFile
{
    /// <summary>The server's limit on a caption file.</summary>
    public const long MaxBytes = 2 * 1024 * 1024;

    public static async Task<byte[]> ReadAsync(FileInfo file, CancellationToken cancellationToken)
    {
        file.Refresh();
        if (!file.Exists) throw new CliException(ExitCodes.Usage, "no such file.");
        if (file.Length > MaxBytes) throw TooLarge(file.Length);
        byte[] bytes;
        try
        {
            bytes = await File.ReadAllBytesAsync(file.FullName, cancellationToken);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CliException(ExitCodes.Usage, e.Message);
        }
        // It may have grown between the look and the read.
        return bytes.LongLength > MaxBytes ? throw TooLarge(bytes.LongLength) : bytes;
    }

    private static CliException TooLarge(long length) =>
        new(ExitCodes.Usage, $"the file has {Units.Bytes(length)}; a caption file has at most {MaxBytes >> 20} MiB.");
}
