namespace Reel.Media;

/// <summary>A caption or chapters file that cannot be read, with the line (1-based) a person should look at.</summary>
public sealed class CaptionFormatException(int line, string message) : Exception($"Line {line}: {message}")
{
    /// <summary>The 1-based line of the file the problem is on; 1 for problems of the whole file.</summary>
    public int Line { get; } = line;
}
