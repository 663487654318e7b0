using System.Text.RegularExpressions;

namespace Reel.Media;

/// <summary>
/// Turns the language tags containers carry (ISO 639-2 "eng"/"ger", sometimes already BCP 47 "en", "pt-BR") into
/// BCP 47 tags for HLS and the API. Untrusted text: anything that is not a plain language tag becomes null, so it can
/// be written into a playlist attribute as it is.
/// </summary>
public static partial class LanguageTags
{
    // ISO 639-2 (bibliographic and terminology codes) of the languages with a two-letter code people are likely to meet.
    private static readonly Dictionary<string, string> TwoLetter = new(StringComparer.Ordinal)
    {
        ["eng"] = "en", ["fre"] = "fr", ["fra"] = "fr", ["ger"] = "de", ["deu"] = "de", ["spa"] = "es", ["ita"] = "it",
        ["por"] = "pt", ["dut"] = "nl", ["nld"] = "nl", ["rus"] = "ru", ["ukr"] = "uk", ["pol"] = "pl", ["cze"] = "cs",
        ["ces"] = "cs", ["slo"] = "sk", ["slk"] = "sk", ["hun"] = "hu", ["rum"] = "ro", ["ron"] = "ro", ["bul"] = "bg",
        ["gre"] = "el", ["ell"] = "el", ["tur"] = "tr", ["ara"] = "ar", ["heb"] = "he", ["per"] = "fa", ["fas"] = "fa",
        ["hin"] = "hi", ["ben"] = "bn", ["urd"] = "ur", ["chi"] = "zh", ["zho"] = "zh", ["jpn"] = "ja", ["kor"] = "ko",
        ["vie"] = "vi", ["tha"] = "th", ["ind"] = "id", ["may"] = "ms", ["msa"] = "ms", ["swe"] = "sv", ["nor"] = "no",
        ["nob"] = "nb", ["nno"] = "nn", ["dan"] = "da", ["fin"] = "fi", ["ice"] = "is", ["isl"] = "is", ["est"] = "et",
        ["lav"] = "lv", ["lit"] = "lt", ["hrv"] = "hr", ["srp"] = "sr", ["slv"] = "sl", ["cat"] = "ca", ["baq"] = "eu",
        ["eus"] = "eu", ["glg"] = "gl", ["wel"] = "cy", ["cym"] = "cy", ["gle"] = "ga", ["tam"] = "ta", ["tel"] = "te",
        ["fil"] = "fil", ["tgl"] = "tl", ["swa"] = "sw", ["afr"] = "af", ["lat"] = "la",
    };

    /// <summary>The BCP 47 tag for a container's language tag, or null when it is absent, undetermined or malformed.</summary>
    public static string? ToBcp47(string? tag)
    {
        if (tag is null) return null;
        var text = tag.Trim().Replace('_', '-');
        if (!Plain().IsMatch(text)) return null;
        var parts = text.Split('-');
        var language = parts[0].ToLowerInvariant();
        if (language is "und" or "mis" or "mul" or "zxx") return null;
        language = TwoLetter.GetValueOrDefault(language, language);
        return parts.Length == 1 ? language : language + "-" + string.Join('-', parts.Skip(1));
    }

    /// <summary>
    /// The three-letter ISO 639-2 code MP4 files store (e.g. "en" → "eng"), or null when there is none: what the
    /// language of a BCP 47 tag becomes in a download.
    /// </summary>
    public static string? ToIso639(string? bcp47)
    {
        if (ToBcp47(bcp47) is not { } tag) return null;
        var language = tag.Split('-')[0];
        if (language.Length == 3) return language;
        foreach (var (three, two) in TwoLetter)
        {
            if (two == language) return three;
        }
        return null;
    }

    /// <summary>A language's own name for a label ("Deutsch" for "de"), or the tag itself for languages not listed.</summary>
    public static string NativeName(string bcp47) => bcp47.Split('-')[0] switch
    {
        "en" => "English", "fr" => "Français", "de" => "Deutsch", "es" => "Español", "it" => "Italiano", "pt" => "Português",
        "nl" => "Nederlands", "ru" => "Русский", "pl" => "Polski", "ja" => "日本語", "zh" => "中文", "ko" => "한국어",
        "sv" => "Svenska", "da" => "Dansk", "no" or "nb" or "nn" => "Norsk", "fi" => "Suomi", "tr" => "Türkçe", "ar" => "العربية",
        _ => bcp47,
    };

    [GeneratedRegex("^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8}){0,2}\\z")]
    private static partial Regex Plain();
}
