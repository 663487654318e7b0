namespace Reel.Media;

/// <summary>A cue as a reader found it: its timing line (1-based), times, and the lines of its text as written.</summary>
internal sealed record RawCue(int Line, TimeSpan Start, TimeSpan End, IReadOnlyList<string> Text);
