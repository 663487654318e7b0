using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using Reel.Server.Features.Videos;
using Reel.Server.Tests.Support;

namespace Reel.Server.Tests.Browser;

/// <summary>
/// Captions end to end (issue 17): an MKV with a SubRip and an ASS track and chapters, plus an uploaded SRT, in the
/// master playlist, as WebVTT, in mpv's track list and as the player's text tracks in Chromium.
/// </summary>
[Collection(OneBrowserAtATime.Name)]
public sealed class CaptionsTests(SharedServer shared) : IClassFixture<SharedServer>
{
    private static readonly JsonSerializerOptions Json = JsonSerializerOptions.Web;
    private readonly ReelServer _server = shared.Server;

    [Fact]
    public async Task Subtitle_tracks_of_the_source_and_an_uploaded_srt_play_as_captions_in_hls_players_mpv_and_the_browser_with_chapters()
    {
        var mkv = await MkvWithSubtitlesAndChaptersAsync();
        var uploaded = await _server.UploadAsync(mkv, "video/x-matroska", title: "Lecture");
        var video = await _server.WaitForAsync(uploaded.Id, v => v.Status == "ready" && v.Captions.Count == 2, TimeSpan.FromSeconds(90));

        // The source's text tracks, with their language and title; the chapters with theirs.
        Assert.Equal([("en", "English", true, "source"), ("de", "Deutsch", false, "source")],
            video.Captions.Select(c => (c.Language, c.Label, c.Default, c.Origin)));
        Assert.All(video.SourceInfo!.Subtitles, s => Assert.Equal("captions", s.Fate));
        Assert.Equal([(0.0, "Opening"), (2.0, "The <b>end</b>")], video.Chapters.Select(c => (c.StartSeconds, c.Title)));

        // An SRT as a phone app writes it: BOM, CRLF, a <font> tag, a cue past the end.
        var srt = "\uFEFF1\r\n00:00:00,500 --> 00:00:02,000\r\n<font color=\"red\">Bonjour</font> & <i>bienvenue</i>\r\n\r\n2\r\n00:00:03,000 --> 00:00:09,000\r\nAu revoir\r\n";
        using (var form = CaptionForm(Encoding.UTF8.GetBytes(srt), "fr", isDefault: true))
        using (var created = await _server.Client.PostAsync($"/api/videos/{video.Id}/captions", form))
        {
            Assert.True(created.StatusCode == HttpStatusCode.Created, await created.Content.ReadAsStringAsync());
            var caption = (await created.Content.ReadFromJsonAsync<CaptionDto>(Json))!;
            Assert.Equal(("fr", "Français", true, "upload"), (caption.Language, caption.Label, caption.Default, caption.Origin));
            var vtt = await Hls.GetTextAsync(_server.Client, caption.Url!);
            Assert.StartsWith("WEBVTT", vtt, StringComparison.Ordinal);
            Assert.Contains("00:00:00.500 --> 00:00:02.000\nBonjour &amp; <i>bienvenue</i>", vtt, StringComparison.Ordinal);
        }
        video = await _server.GetVideoAsync(video.Id);
        Assert.Equal(["fr", "en", "de"], video.Captions.Select(c => c.Language));
        Assert.Single(video.Captions, c => c.Default);

        // The master lists the three as subtitle renditions, and every variant names their group.
        var master = await Hls.GetTextAsync(_server.Client, video.StreamUrl!);
        var media = Regex.Matches(master, "#EXT-X-MEDIA:TYPE=SUBTITLES,GROUP-ID=\"subs\",NAME=\"([^\"]+)\",LANGUAGE=\"([^\"]+)\",DEFAULT=(YES|NO),AUTOSELECT=YES,FORCED=NO,URI=\"([^\"]+)\"");
        Assert.Equal([("Français", "fr", "YES"), ("English", "en", "NO"), ("Deutsch", "de", "NO")],
            media.Select(m => (m.Groups[1].Value, m.Groups[2].Value, m.Groups[3].Value)));
        Assert.All(master.Split('\n').Where(l => l.StartsWith("#EXT-X-STREAM-INF", StringComparison.Ordinal)),
            l => Assert.Contains("SUBTITLES=\"subs\"", l, StringComparison.Ordinal));
        // The English track's playlist: one WebVTT segment, mapped to the segments' MPEG-TS time, the ASS styling gone.
        var english = Hls.Resolve(video.StreamUrl!, media[1].Groups[4].Value);
        var playlist = await Hls.GetTextAsync(_server.Client, english);
        var segment = Hls.Resolve(english, playlist.Split('\n').Single(l => l.EndsWith(".vtt", StringComparison.Ordinal)));
        var segmentText = await Hls.GetTextAsync(_server.Client, segment);
        Assert.Matches("^WEBVTT\nX-TIMESTAMP-MAP=MPEGTS:[0-9]+,LOCAL:00:00:00.000\n", segmentText);
        Assert.Contains("Hello there", segmentText, StringComparison.Ordinal);
        var german = await Hls.GetTextAsync(_server.Client, video.Captions.Single(c => c.Language == "de").Url!);
        Assert.Contains("Guten Tag\nzusammen", german, StringComparison.Ordinal);
        Assert.DoesNotContain("\\N", german, StringComparison.Ordinal);
        Assert.DoesNotContain("{", german, StringComparison.Ordinal);

        // mpv plays the stream with the three captions as they are downloaded (the libavformat of Debian 12, 5.1, does not
        // read subtitle renditions of HLS: "Can't support the subtitle"; docs/api.md says so).
        var streamUrl = $"http://127.0.0.1:{_server.Port}{video.StreamUrl}";
        var (code, output) = await Mpv.RunAsync(["--length=1", .. video.Captions.Select(c => $"--sub-file=http://127.0.0.1:{_server.Port}{c.Url}"), streamUrl]);
        Assert.True(code == 0, $"mpv could not play {streamUrl}:\n{output}");
        Assert.Equal(3, Regex.Count(output, @"Subs\s+--sid=\d+ '[^']+\.vtt' \(webvtt\) \(external\)"));

        // The web player offers them as text tracks, the default showing; its timeline marks the chapters.
        await using var chromium = await Chromium.LaunchAsync();
        var page = chromium.Page;
        await page.GotoAsync($"http://127.0.0.1:{_server.Port}/watch/{video.Id}");
        var tracks = await page.WaitForFunctionAsync(
            """
            () => {
              const v = document.querySelector('video');
              if (!v || v.textTracks.length < 3) return null;
              return Array.from(v.textTracks).map(t => `${t.language}|${t.label}|${t.mode}`);
            }
            """, null, new() { Timeout = 60_000, PollingInterval = 100 });
        var listed = (await tracks.JsonValueAsync<string[]>()).Order().ToArray();
        Assert.Equal(["de|Deutsch|disabled", "en|English|disabled", "fr|Français|showing"], listed.Select(t => t.Replace("hidden", "disabled", StringComparison.Ordinal)).ToArray());
        // Held on the French default's first cue for the picture of the menu.
        await page.WaitForFunctionAsync("() => document.querySelector('video').currentTime > 0.8", null, new() { Timeout = 30_000, PollingInterval = 50 });
        await page.EvaluateAsync("() => document.querySelector('video').pause()");
        await page.GetByRole(AriaRole.Button, new() { Name = "Captions" }).ClickAsync();
        var englishItem = page.GetByRole(AriaRole.Menuitemradio, new() { Name = "English" });
        await Assertions.Expect(englishItem).ToBeVisibleAsync();
        await chromium.ScreenshotAsync("captions-menu");
        await englishItem.ClickAsync();
        await page.WaitForFunctionAsync("() => Array.from(document.querySelector('video').textTracks).some(t => t.language === 'en' && t.mode === 'showing')",
            null, new() { Timeout = 10_000 });
        await Assertions.Expect(page.GetByRole(AriaRole.Listitem).Filter(new() { HasText = "Opening" })).ToBeVisibleAsync();
        await Chromium.AssertAccessibleAsync(page, "the watch page with captions and chapters");
        chromium.AssertNoPageErrors();
    }

    [Fact]
    public async Task Captions_that_cannot_be_read_are_refused_naming_the_line_and_only_managers_change_them()
    {
        var video = await _server.WaitUntilReadyAsync((await _server.UploadAsync(await Clips.PathAsync(Clips.Tiny))).Id);
        var broken = "1\n00:00:01,000 --> 00:00:02,000\nFine\n\n2\n00:00:03,000 --> 00:00:0x,000\nBroken\n";
        using (var form = CaptionForm(Encoding.UTF8.GetBytes(broken), "en"))
        {
            var body = await ProblemJson.AssertAsync(await _server.Client.PostAsync($"/api/videos/{video.Id}/captions", form), HttpStatusCode.BadRequest, "invalid_captions");
            Assert.Contains("Line 6", body, StringComparison.Ordinal);
        }
        using (var form = CaptionForm("WEBVTT\n\n00:00.000 --> 00:01.000\nHi\n"u8.ToArray(), "not a language"))
            await ProblemJson.AssertAsync(await _server.Client.PostAsync($"/api/videos/{video.Id}/captions", form), HttpStatusCode.BadRequest, "invalid_language");
        using (var anonymous = _server.AnonymousClient())
        using (var form = CaptionForm("WEBVTT\n\n00:00.000 --> 00:01.000\nHi\n"u8.ToArray(), "en"))
            await ProblemJson.AssertAsync(await anonymous.PostAsync($"/api/videos/{video.Id}/captions", form), HttpStatusCode.Forbidden, "forbidden");
        Assert.Empty((await _server.GetVideoAsync(video.Id)).Captions);

        // UTF-16 with a BOM; then relabelled, replaced by a second upload in its language, and removed.
        using (var form = CaptionForm(Encoding.Unicode.GetPreamble().Concat(Encoding.Unicode.GetBytes("WEBVTT\r\n\r\n00:00.000 --> 00:01.500\r\nÜber\r\n")).ToArray(), "de"))
        using (var created = await _server.Client.PostAsync($"/api/videos/{video.Id}/captions", form))
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var caption = Assert.Single((await _server.GetVideoAsync(video.Id)).Captions);
        Assert.Contains("Über", await Hls.GetTextAsync(_server.Client, caption.Url!), StringComparison.Ordinal);
        using (var renamed = await _server.Client.PatchAsJsonAsync($"/api/videos/{video.Id}/captions/{caption.Id}", new { label = "Deutsch (SDH)" }))
            Assert.Equal("Deutsch (SDH)", (await renamed.Content.ReadFromJsonAsync<CaptionDto>(Json))!.Label);
        Assert.Contains("NAME=\"Deutsch (SDH)\"", await Hls.GetTextAsync(_server.Client, (await _server.GetVideoAsync(video.Id)).StreamUrl!), StringComparison.Ordinal);
        using (var form = CaptionForm("WEBVTT\n\n00:00.000 --> 00:01.000\nNeu\n"u8.ToArray(), "de"))
        using (var replaced = await _server.Client.PostAsync($"/api/videos/{video.Id}/captions", form))
        {
            var again = (await replaced.Content.ReadFromJsonAsync<CaptionDto>(Json))!;
            Assert.Equal((caption.Id, "Deutsch (SDH)"), (again.Id, again.Label));
            Assert.Contains("Neu", await Hls.GetTextAsync(_server.Client, again.Url!), StringComparison.Ordinal);
        }
        Assert.Equal(HttpStatusCode.NoContent, (await _server.Client.DeleteAsync($"/api/videos/{video.Id}/captions/{caption.Id}")).StatusCode);
        Assert.DoesNotContain("SUBTITLES", await Hls.GetTextAsync(_server.Client, (await _server.GetVideoAsync(video.Id)).StreamUrl!), StringComparison.Ordinal);

        // Chapters uploaded as WebVTT, then back to the source's (none).
        using (var chapters = new MultipartFormDataContent { { new ByteArrayContent("WEBVTT\n\n00:01.000 --> 00:02.000\nPart two\n\n00:00.000 --> 00:01.000\nPart one\n"u8.ToArray()), "file", "chapters.vtt" } })
        using (var set = await _server.Client.PutAsync($"/api/videos/{video.Id}/chapters", chapters))
            Assert.Equal([(0.0, "Part one"), (1.0, "Part two")], (await set.Content.ReadFromJsonAsync<VideoJson>(Json))!.Chapters.Select(c => (c.StartSeconds, c.Title)));
        Assert.Empty((await (await _server.Client.DeleteAsync($"/api/videos/{video.Id}/chapters")).Content.ReadFromJsonAsync<VideoJson>(Json))!.Chapters);
    }

    private static MultipartFormDataContent CaptionForm(byte[] file, string language, bool isDefault = false)
    {
        var content = new ByteArrayContent(file);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/x-subrip");
        return new MultipartFormDataContent
        {
            { content, "file", "captions.srt" },
            { new StringContent(language), "language" },
            { new StringContent(isDefault ? "true" : "false"), "default" },
        };
    }

    /// <summary>A 4 s MKV with English SubRip (default, titled), German ASS with styling, and two chapters, made by ffmpeg.</summary>
    private static async Task<string> MkvWithSubtitlesAndChaptersAsync()
    {
        var dir = TempDirs.Create("reel-captions");
        var srt = Path.Combine(dir, "en.srt");
        await File.WriteAllTextAsync(srt, "1\n00:00:00,200 --> 00:00:01,800\nHello there\n\n2\n00:00:02,000 --> 00:00:03,500\n<i>General</i> Kenobi\n");
        var ass = Path.Combine(dir, "de.ass");
        await File.WriteAllTextAsync(ass, """
            [Script Info]
            ScriptType: v4.00+
            PlayResX: 320
            PlayResY: 180

            [V4+ Styles]
            Format: Name, Fontname, Fontsize, PrimaryColour, SecondaryColour, OutlineColour, BackColour, Bold, Italic, Underline, StrikeOut, ScaleX, ScaleY, Spacing, Angle, BorderStyle, Outline, Shadow, Alignment, MarginL, MarginR, MarginV, Encoding
            Style: Default,Arial,16,&H00FFFFFF,&H000000FF,&H00000000,&H00000000,0,0,0,0,100,100,0,0,1,1,0,2,10,10,10,1

            [Events]
            Format: Layer, Start, End, Style, Name, MarginL, MarginR, MarginV, Effect, Text
            Dialogue: 0,0:00:00.50,0:00:02.00,Default,,0,0,0,,{\an8\c&H00FFFF&}Guten Tag\Nzusammen
            Dialogue: 0,0:00:02.50,0:00:03.50,Default,,0,0,0,,Bis bald, Freunde

            """);
        var chapters = Path.Combine(dir, "chapters.txt");
        await File.WriteAllTextAsync(chapters, ";FFMETADATA1\n[CHAPTER]\nTIMEBASE=1/1000\nSTART=0\nEND=2000\ntitle=Opening\n[CHAPTER]\nTIMEBASE=1/1000\nSTART=2000\nEND=4000\ntitle=The <b>end</b>\n");
        var output = Path.Combine(dir, "lecture.mkv");
        await Ffmpeg.RunAsync([
            "-v", "error", "-y",
            "-f", "lavfi", "-i", "testsrc2=size=320x180:rate=15:duration=4",
            "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000:duration=4",
            "-i", srt, "-i", ass, "-i", chapters,
            "-map", "0", "-map", "1", "-map", "2", "-map", "3", "-map_chapters", "4",
            "-c:v", "libx264", "-preset", "veryfast", "-pix_fmt", "yuv420p", "-g", "30", "-c:a", "aac", "-c:s:0", "srt", "-c:s:1", "ass",
            "-metadata:s:s:0", "language=eng", "-metadata:s:s:0", "title=English", "-metadata:s:s:1", "language=ger",
            "-disposition:s:0", "default", "-disposition:s:1", "0",
            output]);
        return output;
    }
}
