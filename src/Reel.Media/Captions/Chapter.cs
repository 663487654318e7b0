namespace Reel.Media;

/// <summary>A chapter: where it starts and its title as plain text (tags stripped, entities decoded), trimmed, at most 200 characters.</summary>
public sealed record Chapter(double StartSeconds, string Title);
