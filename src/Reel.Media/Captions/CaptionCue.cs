namespace Reel.Media;

/// <summary>
/// One cue. <see cref="Text"/> is a safe WebVTT cue payload: only <c>&lt;b&gt;</c>, <c>&lt;i&gt;</c> and
/// <c>&lt;u&gt;</c> tags (balanced); <c>&amp;</c>, <c>&lt;</c> and <c>&gt;</c> escaped as entities; no <c>--&gt;</c>, no
/// control characters, no empty lines (lines joined with <c>'\n'</c>); trimmed and never empty.
/// </summary>
public sealed record CaptionCue(TimeSpan Start, TimeSpan End, string Text);
