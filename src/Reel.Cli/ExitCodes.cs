namespace Reel.Cli;

/// <summary>What <c>reel</c> exits with; documented in README ("Command-line client").</summary>
internal static class ExitCodes
{
    public const int Ok = 0;

    /// <summary>A bug or something unforeseen; the message says what.</summary>
    public const int Unexpected = 1;

    /// <summary>The command line is wrong, or a file to upload cannot be read (or, for captions, is over the server's 2 MiB).</summary>
    public const int Usage = 2;

    /// <summary>The server refused the request (a 4xx problem other than sign-in), e.g. not a video, too large, not found.</summary>
    public const int Refused = 3;

    /// <summary>The server could not be reached, or failed (5xx), after the retries.</summary>
    public const int Unavailable = 4;

    /// <summary>The video was stored but its processing failed.</summary>
    public const int ProcessingFailed = 5;

    /// <summary>Signing in is needed, failed, or the account may not do this (401/403).</summary>
    public const int NotAllowed = 6;

    /// <summary>Interrupted with Ctrl+C; an upload goes on from there next time.</summary>
    public const int Interrupted = 130;
}

/// <summary>A failure with a message for a person and the exit code that classifies it.</summary>
internal sealed class CliException(int exitCode, string message, string? code = null) : Exception(message)
{
    public int ExitCode { get; } = exitCode;

    /// <summary>The server's problem code, when the server said no.</summary>
    public string? Code { get; } = code;
}
