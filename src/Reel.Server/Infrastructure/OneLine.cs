using System.Text;

namespace Reel.Server.Infrastructure;

/// <summary>Text a person or a file gave, for one line of a page or a playlist: titles, share and caption labels.</summary>
internal static class OneLine
{
    /// <summary>The text with control characters made spaces and runs of spaces made one.</summary>
    public static string Clean(string text)
    {
        var clean = new StringBuilder(text.Length);
        foreach (var c in text.Normalize(NormalizationForm.FormC))
            clean.Append(char.IsControl(c) ? ' ' : c);
        return string.Join(' ', clean.ToString().Split(' ', StringSplitOptions.RemoveEmptyEntries));
    }
}
