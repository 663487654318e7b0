namespace Reel.Media;

/// <summary>
/// The cues of a caption file, sorted by start (stable, so cues starting together keep the file's order), each ending
/// after it starts. Two documents are equal when their cues are.
/// </summary>
public sealed record CaptionDocument(IReadOnlyList<CaptionCue> Cues)
{
    /// <summary>True when both documents hold equal cues in the same order.</summary>
    public bool Equals(CaptionDocument? other) =>
        other is not null && (ReferenceEquals(this, other) || Cues.SequenceEqual(other.Cues));

    /// <inheritdoc/>
    public override int GetHashCode()
    {
        var hash = new HashCode();
        foreach (var cue in Cues) hash.Add(cue);
        return hash.ToHashCode();
    }
}
