using System.CommandLine;
using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Spectre.Console;

namespace Reel.Cli;

/// <summary>
/// The commands. Results (watch URLs, tables, JSON) go to stdout; progress, notes and errors to stderr, so
/// <c>url=$(reel upload clip.mp4)</c> captures just the URL.
/// </summary>
internal sealed class Commands(Option<string?> serverOption, Option<bool> jsonOption)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
    private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(500);
    private readonly CliConfig _config = CliConfig.Default();
    // Colours and live bars only for a person at a terminal; a log file or a pipe gets plain lines.
    private readonly IAnsiConsole _err = AnsiConsole.Create(new AnsiConsoleSettings
    {
        Out = new AnsiConsoleOutput(Console.Error),
        Ansi = Console.IsErrorRedirected ? AnsiSupport.No : AnsiSupport.Detect,
        ColorSystem = Console.IsErrorRedirected ? ColorSystemSupport.NoColors : ColorSystemSupport.Detect,
        Interactive = Console.IsErrorRedirected ? InteractionSupport.No : InteractionSupport.Detect,
    });

    public Command Upload()
    {
        var files = new Argument<FileInfo[]>("FILE") { Description = "Video files (MP4, MOV, MKV, WebM, AVI)", Arity = ArgumentArity.OneOrMore };
        var title = new Option<string?>("--title", "-t") { Description = "The video's title (default: the file name); only with one file" };
        var limitRate = new Option<string?>("--limit-rate") { Description = "Send at most this many bytes per second, e.g. 500K or 2M (KiB, MiB)" };
        var noWait = new Option<bool>("--no-wait") { Description = "Print the watch URL as soon as the bytes are stored, without waiting until the video plays" };
        var chunkSize = new Option<string?>("--chunk-size") { Description = $"Bytes per request (default {TusUpload.DefaultChunkSize >> 20}M); lower it behind a proxy that limits request bodies" };
        var command = new Command("upload", "Upload files, resuming any earlier unfinished upload of the same file; prints each watch URL once it plays") { files, title, limitRate, chunkSize, noWait };
        command.SetAction((parse, cancellationToken) => RunAsync(parse, async (api, _) =>
        {
            var chosen = parse.GetValue(files)!;
            var asJson = parse.GetValue(jsonOption);
            if (parse.GetValue(title) is not null && chosen.Length > 1) throw new CliException(ExitCodes.Usage, "--title names one video; upload one file at a time to give titles.");
            var rate = Units.ParseSize(parse.GetValue(limitRate), "--limit-rate");
            var chunk = Units.ParseSize(parse.GetValue(chunkSize), "--chunk-size") ?? TusUpload.DefaultChunkSize;
            // A typo in one name stops the run before any upload, and every such file is named.
            var unusable = chosen.Where(file => !file.Exists || file.Length == 0).ToList();
            foreach (var file in unusable)
                ReportError(new CliException(ExitCodes.Usage, file.Exists ? "the file is empty." : "no such file."), asJson, file);
            if (unusable.Count > 0) return ExitCodes.Usage;
            var worst = ExitCodes.Ok;
            foreach (var file in chosen)
            {
                // One bad file does not stop the others; every error names its file, and the exit code reports the worst.
                try
                {
                    await UploadOneAsync(api, file, parse.GetValue(title), chunk, rate, !parse.GetValue(noWait), asJson, cancellationToken);
                }
                catch (CliException e)
                {
                    ReportError(e, asJson, file);
                    worst = Math.Max(worst, e.ExitCode);
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    ReportError(new CliException(ExitCodes.Usage, e.Message), asJson, file);
                    worst = Math.Max(worst, ExitCodes.Usage);
                }
            }
            return worst;
        }, cancellationToken));
        return command;
    }

    public Command List()
    {
        var limit = new Option<int>("--limit", "-n") { Description = "How many videos, newest first", DefaultValueFactory = _ => 50 };
        var all = new Option<bool>("--all") { Description = "Every video on the server (admins)" };
        var command = new Command("ls", "List the videos you can manage: those uploaded from here without an account, and your account's (signed in) or else the public ones") { limit, all };
        command.SetAction((parse, cancellationToken) => RunAsync(parse, async (api, asJson) =>
        {
            var count = parse.GetValue(limit);
            if (count is < 1 or > 200) throw new CliException(ExitCodes.Usage, "--limit is between 1 and 200.");
            var scope = parse.GetValue(all) ? "&all=true" : api.SignedIn ? "&mine=true" : "";
            var page = await api.GetJsonAsync($"/api/videos?limit={count}{scope}", cancellationToken);
            var held = await HeldVideosAsync(api, cancellationToken);
            var heldIds = held.Select(Id).ToHashSet(StringComparer.Ordinal);
            // A video both listed and held by token appears once, as held: that answer says it can be managed.
            var videos = held.Select(video => (Video: video, Access: "manage token"))
                .Concat(page.GetProperty("items").EnumerateArray().Where(video => !heldIds.Contains(Id(video)))
                    .Select(video => (Video: video, Access: video.TryGetProperty("canManage", out var m) && m.GetBoolean() ? "can manage" : "view only")))
                .OrderByDescending(v => v.Video.GetProperty("createdAt").GetDateTimeOffset())
                .Take(count)
                .ToList();
            if (asJson)
            {
                Console.Out.WriteLine(JsonSerializer.Serialize(videos.Select(v => v.Video), Json));
                return ExitCodes.Ok;
            }
            if (videos.Count == 0)
            {
                _err.MarkupLine(api.SignedIn
                    ? "[grey]No videos yet. Upload one with 'reel upload FILE'.[/]"
                    : "[grey]No videos: none is public, and none was uploaded from here. Sign in with 'reel login' to see your account's.[/]");
                return ExitCodes.Ok;
            }
            var rows = videos.Select(v => new[]
            {
                Id(v.Video),
                v.Video.GetProperty("title").GetString()!,
                StatusText(v.Video),
                Duration(v.Video.GetProperty("durationSeconds").GetDouble()),
                Units.Bytes(v.Video.GetProperty("sizeBytes").GetInt64()),
                v.Video.GetProperty("createdAt").GetDateTime().ToLocalTime().ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture),
                v.Access,
            }).ToList();
            if (Console.IsOutputRedirected)
            {
                // A pipe gets one tab-separated line per video, as ls does; a person gets a table.
                foreach (var row in rows) Console.Out.WriteLine(string.Join('\t', row));
                return ExitCodes.Ok;
            }
            var table = new Table().Border(TableBorder.Simple).AddColumns("ID", "Title", "Status", "Length", "Size", "Uploaded", "Access");
            foreach (var row in rows) table.AddRow(row.Select(Markup.Escape).ToArray());
            AnsiConsole.Write(table);
            return ExitCodes.Ok;
        }, cancellationToken));
        return command;
    }

    /// <summary>
    /// The videos whose manage tokens are kept for this server, each fetched with its token (so unlisted and private
    /// ones too). Tokens of videos the server says are gone are forgotten.
    /// </summary>
    private async Task<List<JsonElement>> HeldVideosAsync(ReelApi api, CancellationToken cancellationToken)
    {
        var held = _config.ManageTokens(api.Server);
        var found = new JsonElement?[held.Count];
        await Parallel.ForAsync(0, held.Count, new ParallelOptions { MaxDegreeOfParallelism = 4, CancellationToken = cancellationToken }, async (i, ct) =>
        {
            using var response = await api.SendAsync(() => new HttpRequestMessage(HttpMethod.Get, $"/api/videos/{Uri.EscapeDataString(held[i].VideoId)}"), ct, held[i].Token);
            if (response.StatusCode == System.Net.HttpStatusCode.NotFound)
            {
                // Only the server's own "not_found" means deleted; a proxy's 404 page must not cost the tokens.
                var problem = await ReelApi.ProblemAsync(response, ct);
                if (problem.Code != "not_found") throw problem;
                return;
            }
            found[i] = await ReelApi.ReadJsonAsync(response, ct);
        });
        var gone = held.Where((_, i) => found[i] is null).ToList();
        foreach (var (videoId, _) in gone) _config.SaveManageToken(api.Server, videoId, null);
        if (gone.Count > 0) _err.MarkupLine($"[grey]Forgot the manage tokens of {gone.Count} deleted video(s).[/]");
        return [.. found.OfType<JsonElement>()];
    }

    private static string Id(JsonElement video) => video.GetProperty("id").GetString()!;

    public Command WhoAmI()
    {
        var command = new Command("whoami", "Show the account you are signed in as, and its storage: what your videos use of your quota");
        command.SetAction((parse, cancellationToken) => RunAsync(parse, async (api, asJson) =>
        {
            var me = await api.GetJsonAsync("/api/auth/me", cancellationToken);
            if (asJson)
            {
                Console.Out.WriteLine(me.GetRawText());
                return ExitCodes.Ok;
            }
            var roles = string.Join(", ", me.GetProperty("roles").EnumerateArray().Select(r => r.GetString()));
            Console.Out.WriteLine($"{me.GetProperty("email").GetString()} ({roles}) on {api.Server}");
            if (me.TryGetProperty("storage", out var storage)) Console.Out.WriteLine($"Storage: {StorageText(storage)}");
            return ExitCodes.Ok;
        }, cancellationToken));
        return command;
    }

    /// <summary>"1.2 GB of 5 GB used (24%)", or "1.2 GB used, no quota".</summary>
    internal static string StorageText(JsonElement storage)
    {
        var used = storage.GetProperty("usedBytes").GetInt64();
        return storage.GetProperty("quotaBytes") is { ValueKind: JsonValueKind.Number } quota && quota.GetInt64() > 0
            ? $"{Units.Bytes(used)} of {Units.Bytes(quota.GetInt64())} used ({Math.Round(100.0 * used / quota.GetInt64()).ToString(CultureInfo.InvariantCulture)}%)"
            : $"{Units.Bytes(used)} used, no quota";
    }

    public Command Status()
    {
        var id = VideoArgument();
        var wait = new Option<bool>("--wait", "-w") { Description = "Wait until the video is ready (exit 5 if it fails)" };
        var command = new Command("status", "Show a video's status, or wait until it is ready") { id, wait };
        VideoTarget? target = null;
        command.SetAction((parse, cancellationToken) => RunAsync(parse, () => (target = VideoTarget.Parse(parse.GetValue(id)!)).Server, async (api, asJson) =>
        {
            var videoId = target!.Id;
            var manageToken = _config.ManageToken(api.Server, videoId);
            var video = parse.GetValue(wait)
                ? await WaitAsync(api, videoId, manageToken, v => v.GetProperty("status").GetString() is "ready" or "failed", "Processing", cancellationToken)
                : await api.GetJsonAsync($"/api/videos/{Uri.EscapeDataString(videoId)}", cancellationToken, manageToken);
            if (asJson) Console.Out.WriteLine(video.GetRawText());
            else Console.Out.WriteLine($"{videoId}  {StatusText(video)}  {api.Server}{video.GetProperty("watchUrl").GetString()}");
            return Failed(video) ? ExitCodes.ProcessingFailed : ExitCodes.Ok;
        }, cancellationToken));
        return command;
    }

    private static Argument<string> VideoArgument() =>
        new("VIDEO") { Description = "The video's watch URL (as 'reel upload' prints it) or id" };

    private static Option<string?> ManageTokenOption() =>
        new("--manage-token") { Description = "The video's manage token, instead of the one kept when it was uploaded from here" };

    /// <summary>The manage token given on the command line, else the one kept when the video was uploaded from here.</summary>
    private string? ManageTokenFor(ParseResult parse, Option<string?> option, string server, string videoId) =>
        parse.GetValue(option) is { Length: > 0 } given ? given.Trim() : _config.ManageToken(server, videoId);

    public Command Remove()
    {
        var id = VideoArgument();
        var manageToken = ManageTokenOption();
        var command = new Command("rm", "Delete a video and all of its files") { id, manageToken };
        VideoTarget? target = null;
        command.SetAction((parse, cancellationToken) => RunAsync(parse, () => (target = VideoTarget.Parse(parse.GetValue(id)!)).Server, async (api, asJson) =>
        {
            var videoId = target!.Id;
            var token = ManageTokenFor(parse, manageToken, api.Server, videoId);
            using var response = await api.SendAsync(() => new HttpRequestMessage(HttpMethod.Delete, $"/api/videos/{Uri.EscapeDataString(videoId)}"),
                cancellationToken, token);
            if (!response.IsSuccessStatusCode) throw await ReelApi.ProblemAsync(response, cancellationToken);
            _config.SaveManageToken(api.Server, videoId, null);
            if (asJson) Console.Out.WriteLine(JsonSerializer.Serialize(new { deleted = videoId }, Json));
            else Console.Out.WriteLine($"Deleted {videoId}.");
            return ExitCodes.Ok;
        }, cancellationToken));
        return command;
    }

    public Command Share()
    {
        var id = VideoArgument();
        var label = new Option<string?>("--label") { HelpName = "TEXT", Description = "A name for the link, to tell it from the others in the list" };
        var expires = new Option<string?>("--expires") { HelpName = "WHEN", Description = "When the link stops: 7d, 12h, 30m from now, a day (2027-01-31: through that day, local time) or a time (2027-01-31T18:00Z)" };
        var passwordStdin = new Option<bool>("--password-stdin") { Description = "Protect the link with a password read from stdin (its first line)" };
        var noDownload = new Option<bool>("--no-download") { Description = "Viewers can play the video but not download it" };
        var list = new Option<bool>("--list") { Description = "List the video's links instead: label, URL, expiry, password, downloads, views" };
        var revoke = new Option<string?>("--revoke") { HelpName = "SHARE_ID_OR_URL", Description = "Revoke a link, by its id or URL: it and the media it handed out stop at once" };
        var manageToken = ManageTokenOption();
        var command = new Command("share", "Make a link that shows the video (private ones too) to whoever holds it; prints the link's URL")
        {
            id, label, expires, passwordStdin, noDownload, list, revoke, manageToken,
        };
        VideoTarget? target = null;
        command.SetAction((parse, cancellationToken) => RunAsync(parse, () => (target = VideoTarget.Parse(parse.GetValue(id)!)).Server, async (api, asJson) =>
        {
            var videoId = target!.Id;
            var making = new List<string>();
            if (parse.GetValue(label) is not null) making.Add("--label");
            if (parse.GetValue(expires) is not null) making.Add("--expires");
            if (parse.GetValue(passwordStdin)) making.Add("--password-stdin");
            if (parse.GetValue(noDownload)) making.Add("--no-download");
            var toRevoke = parse.GetValue(revoke);
            if (parse.GetValue(list) && toRevoke is not null) throw new CliException(ExitCodes.Usage, "Give --list or --revoke, not both.");
            if ((parse.GetValue(list) || toRevoke is not null) && making.Count > 0)
                throw new CliException(ExitCodes.Usage, $"{string.Join(", ", making)}: for a new link only, not with --list or --revoke.");
            var token = ManageTokenFor(parse, manageToken, api.Server, videoId);
            var path = $"/api/videos/{Uri.EscapeDataString(videoId)}/shares";
            if (parse.GetValue(list)) return await ListSharesAsync(api, path, token, asJson, cancellationToken);
            if (toRevoke is not null) return await RevokeShareAsync(api, path, token, toRevoke, asJson, cancellationToken);

            // Everything the command line can get wrong is refused before the server hears of the link.
            var expiresAt = parse.GetValue(expires) is { } text ? ShareExpiry.Parse(text, TimeProvider.System) : (DateTimeOffset?)null;
            string? password = null;
            if (parse.GetValue(passwordStdin))
            {
                password = (await Console.In.ReadLineAsync(cancellationToken) ?? "").TrimEnd('\r', '\n');
                if (password.Length == 0) throw new CliException(ExitCodes.Usage, "--password-stdin read an empty password; send it on the first line of stdin.");
            }
            using var response = await api.SendAsync(() => new HttpRequestMessage(HttpMethod.Post, path)
            {
                Content = JsonContent.Create(new { label = parse.GetValue(label), expiresAt = expiresAt?.ToUniversalTime(), password, allowDownload = parse.GetValue(noDownload) ? false : (bool?)null }, options: Json),
            }, cancellationToken, token);
            var share = Absolute(await ReelApi.ReadJsonAsync(response, cancellationToken), api.Server);
            if (asJson)
            {
                Console.Out.WriteLine(share.ToJsonString(Json));
                return ExitCodes.Ok;
            }
            Console.Out.WriteLine((string?)share["url"]);
            _err.MarkupLine(Markup.Escape($"{(share["label"] is { } named ? $"'{(string?)named}': " : "")}{(share["expiresAt"] is null ? "never expires" : $"expires {ExpiryText(share)}")}, "
                + $"{((bool)share["hasPassword"]! ? "password protected" : "no password")}, downloads {((bool)share["allowDownload"]! ? "on" : "off")}."));
            return ExitCodes.Ok;
        }, cancellationToken));
        return command;
    }

    private async Task<int> ListSharesAsync(ReelApi api, string path, string? token, bool asJson, CancellationToken cancellationToken)
    {
        var shares = (await api.GetJsonAsync(path, cancellationToken, token)).GetProperty("items").EnumerateArray().Select(s => Absolute(s, api.Server)).ToList();
        if (asJson)
        {
            Console.Out.WriteLine(new JsonArray([.. shares]).ToJsonString(Json));
            return ExitCodes.Ok;
        }
        if (shares.Count == 0)
        {
            _err.MarkupLine("[grey]No share links for this video. Make one with 'reel share VIDEO'.[/]");
            return ExitCodes.Ok;
        }
        var rows = shares.Select(s => new[]
        {
            (string?)s["label"] ?? "-",
            (string)s["url"]!,
            ExpiryText(s),
            (bool)s["hasPassword"]! ? "yes" : "no",
            (bool)s["allowDownload"]! ? "yes" : "no",
            ((long)s["views"]!).ToString(CultureInfo.InvariantCulture),
        }).ToList();
        if (Console.IsOutputRedirected)
        {
            // As 'ls': a pipe gets one tab-separated line per link, a person a table.
            foreach (var row in rows) Console.Out.WriteLine(string.Join('\t', row));
            return ExitCodes.Ok;
        }
        var table = new Table().Border(TableBorder.Simple).AddColumns("Label", "URL", "Expires", "Password", "Downloads", "Views");
        foreach (var row in rows) table.AddRow(row.Select(Markup.Escape).ToArray());
        AnsiConsole.Write(table);
        return ExitCodes.Ok;
    }

    private static async Task<int> RevokeShareAsync(ReelApi api, string path, string? token, string given, bool asJson, CancellationToken cancellationToken)
    {
        // The server revokes by id; a URL is looked up among the video's links, which also tells a link of another video apart.
        var shares = (await api.GetJsonAsync(path, cancellationToken, token)).GetProperty("items").EnumerateArray().ToList();
        var share = shares.Where(s => NamesShare(s, given)).Select(s => (JsonElement?)s).FirstOrDefault()
            ?? throw new CliException(ExitCodes.Refused, $"'{given.Trim()}' is not a link of this video (revoked already?); 'reel share VIDEO --list' lists them.", "not_found");
        var shareId = share.GetProperty("id").GetString()!;
        using var response = await api.SendAsync(() => new HttpRequestMessage(HttpMethod.Delete, $"{path}/{Uri.EscapeDataString(shareId)}"), cancellationToken, token);
        if (!response.IsSuccessStatusCode) throw await ReelApi.ProblemAsync(response, cancellationToken);
        var url = api.Server + share.GetProperty("url").GetString();
        if (asJson) Console.Out.WriteLine(JsonSerializer.Serialize(new { revoked = shareId, url }, Json));
        else Console.Out.WriteLine($"Revoked {url}.");
        return ExitCodes.Ok;
    }

    /// <summary>
    /// Whether <paramref name="given"/> names the share: its id, or its link as <c>reel share</c> prints it (also with a
    /// query, a fragment or below a path prefix), as the server's <c>/v/KEY</c> path, or the bare key.
    /// </summary>
    internal static bool NamesShare(JsonElement share, string given)
    {
        var text = given.Trim();
        if (text.Length == 0) return false;
        if (text == share.GetProperty("id").GetString()) return true;
        var key = ShareKey(share.GetProperty("url").GetString()!);
        var path = Uri.TryCreate(text, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps)
            ? uri.AbsolutePath
            : text;
        return key.Length > 0 && ShareKey(path) == key;
    }

    private static string ShareKey(string path)
    {
        var trimmed = path.TrimEnd('/');
        var at = trimmed.LastIndexOf("/v/", StringComparison.Ordinal);
        return at >= 0 ? trimmed[(at + 3)..] : trimmed;
    }

    /// <summary>
    /// A share or a caption as the server sent it, with its URL made absolute: what a person can paste anywhere. A
    /// caption has none until the video plays.
    /// </summary>
    private static JsonObject Absolute(JsonElement item, string server)
    {
        var copy = JsonNode.Parse(item.GetRawText())!.AsObject();
        if (copy["url"] is { } url) copy["url"] = server + (string?)url;
        return copy;
    }

    /// <summary>"2027-01-31 18:00" in local time, "expired 2027-01-31 18:00", or "never".</summary>
    private static string ExpiryText(JsonObject share)
    {
        if (share["expiresAt"] is not { } node) return "never";
        var at = node.GetValue<DateTimeOffset>();
        var local = at.ToLocalTime().ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture);
        return at <= TimeProvider.System.GetUtcNow() ? $"expired {local}" : local;
    }

    public Command Captions()
    {
        var command = new Command("captions", "Add, list and remove a video's captions: SubRip or WebVTT files, one per language, shown in its player");
        command.Subcommands.Add(AddCaptions());
        command.Subcommands.Add(ListCaptions());
        command.Subcommands.Add(RemoveCaptions());
        return command;
    }

    private Command AddCaptions()
    {
        var id = VideoArgument();
        var file = new Argument<FileInfo>("FILE") { Description = $"The captions: SubRip (.srt) or WebVTT (.vtt), UTF-8 (or UTF-16 with a BOM), at most {CaptionFile.MaxBytes >> 20} MiB" };
        var language = new Option<string>("--language", "-l") { Required = true, HelpName = "LANGUAGE", Description = "Their language as a BCP 47 tag: de, en, pt-BR" };
        var label = new Option<string?>("--label") { HelpName = "TEXT", Description = "The name in the player's captions menu (default: the language's own name, e.g. Deutsch)" };
        var isDefault = new Option<bool>("--default") { Description = "Players show these captions until the viewer picks others or turns them off" };
        var manageToken = ManageTokenOption();
        var command = new Command("add", "Add captions in a language; a second file in that language replaces the first. Prints what was added")
        {
            id, file, language, label, isDefault, manageToken,
        };
        VideoTarget? target = null;
        command.SetAction((parse, cancellationToken) => RunAsync(parse, () => (target = VideoTarget.Parse(parse.GetValue(id)!)).Server, async (api, asJson) =>
        {
            var videoId = target!.Id;
            var chosen = parse.GetValue(file)!;
            byte[] bytes;
            try
            {
                bytes = await CaptionFile.ReadAsync(chosen, cancellationToken);
            }
            catch (CliException e)
            {
                ReportError(e, asJson, chosen);
                return e.ExitCode;
            }
            var token = ManageTokenFor(parse, manageToken, api.Server, videoId);
            var path = CaptionsPath(videoId);
            // The server puts a second file in a language in place of the first, under the same id: an id listed before
            // the request tells a replacement from a new caption.
            var before = (await api.GetJsonAsync(path, cancellationToken, token)).GetProperty("items").EnumerateArray()
                .Select(c => c.GetProperty("id").GetString()).ToHashSet(StringComparer.Ordinal);
            JsonObject caption;
            try
            {
                using var response = await api.SendAsync(() => new HttpRequestMessage(HttpMethod.Post, path)
                {
                    Content = CaptionForm(bytes, chosen.Name, parse.GetValue(language)!, parse.GetValue(label), parse.GetValue(isDefault)),
                }, cancellationToken, token);
                caption = Absolute(await ReelApi.ReadJsonAsync(response, cancellationToken), api.Server);
            }
            catch (CliException e)
            {
                // A file the server cannot read is named, with the line its detail names.
                ReportError(e, asJson, chosen);
                return e.ExitCode;
            }
            if (asJson) Console.Out.WriteLine(caption.ToJsonString(Json));
            else if (before.Contains((string?)caption["id"])) Console.Out.WriteLine($"Replaced captions {CaptionName(caption)} on {videoId}.");
            else Console.Out.WriteLine($"Added captions {CaptionName(caption)} to {videoId}.");
            return ExitCodes.Ok;
        }, cancellationToken));
        return command;
    }

    private static MultipartFormDataContent CaptionForm(byte[] bytes, string fileName, string language, string? label, bool isDefault)
    {
        var form = new MultipartFormDataContent
        {
            { new ByteArrayContent(bytes), "file", fileName },
            { new StringContent(language), "language" },
        };
        if (label is not null) form.Add(new StringContent(label), "label");
        // Without --default the flag is not sent: a replaced caption stays the default if it was.
        if (isDefault) form.Add(new StringContent("true"), "default");
        return form;
    }

    private Command ListCaptions()
    {
        var id = VideoArgument();
        var manageToken = ManageTokenOption();
        var command = new Command("ls", "List the video's captions: id, language, label, default, origin (upload, or source: a subtitle track of the video's file)") { id, manageToken };
        VideoTarget? target = null;
        command.SetAction((parse, cancellationToken) => RunAsync(parse, () => (target = VideoTarget.Parse(parse.GetValue(id)!)).Server, async (api, asJson) =>
        {
            var videoId = target!.Id;
            var token = ManageTokenFor(parse, manageToken, api.Server, videoId);
            var captions = (await api.GetJsonAsync(CaptionsPath(videoId), cancellationToken, token)).GetProperty("items").EnumerateArray()
                .Select(c => Absolute(c, api.Server)).ToList();
            if (asJson)
            {
                Console.Out.WriteLine(new JsonArray([.. captions]).ToJsonString(Json));
                return ExitCodes.Ok;
            }
            if (captions.Count == 0)
            {
                _err.MarkupLine($"[grey]{Markup.Escape($"No captions for this video. Add some with 'reel captions add {videoId} FILE --language LANGUAGE'.")}[/]");
                return ExitCodes.Ok;
            }
            var rows = captions.Select(c => new[]
            {
                (string)c["id"]!,
                (string)c["language"]!,
                (string)c["label"]!,
                (bool)c["default"]! ? "yes" : "no",
                (string)c["origin"]!,
            }).ToList();
            if (Console.IsOutputRedirected)
            {
                // As 'ls': a pipe gets one tab-separated line per caption, a person a table.
                foreach (var row in rows) Console.Out.WriteLine(string.Join('\t', row));
                return ExitCodes.Ok;
            }
            var table = new Table().Border(TableBorder.Simple).AddColumns("ID", "Language", "Label", "Default", "Origin");
            foreach (var row in rows) table.AddRow(row.Select(Markup.Escape).ToArray());
            AnsiConsole.Write(table);
            return ExitCodes.Ok;
        }, cancellationToken));
        return command;
    }

    private Command RemoveCaptions()
    {
        var id = VideoArgument();
        var captionId = new Argument<string>("CAPTION_ID") { Description = "The caption's id, as 'reel captions ls VIDEO' lists it" };
        var manageToken = ManageTokenOption();
        var command = new Command("rm", "Remove a caption; one from the video's file stays removed until the file is replaced") { id, captionId, manageToken };
        VideoTarget? target = null;
        command.SetAction((parse, cancellationToken) => RunAsync(parse, () => (target = VideoTarget.Parse(parse.GetValue(id)!)).Server, async (api, asJson) =>
        {
            var videoId = target!.Id;
            var wanted = parse.GetValue(captionId)!.Trim();
            var token = ManageTokenFor(parse, manageToken, api.Server, videoId);
            var path = CaptionsPath(videoId);
            // Looked up first, to say which captions went: the id alone tells a person little.
            var caption = (await api.GetJsonAsync(path, cancellationToken, token)).GetProperty("items").EnumerateArray()
                .Where(c => c.GetProperty("id").GetString() == wanted).Select(c => (JsonElement?)c).FirstOrDefault()
                ?? throw new CliException(ExitCodes.Refused, $"'{wanted}' is not a caption of this video (removed already?); 'reel captions ls {videoId}' lists them.", "not_found");
            using var response = await api.SendAsync(() => new HttpRequestMessage(HttpMethod.Delete, $"{path}/{Uri.EscapeDataString(wanted)}"), cancellationToken, token);
            if (!response.IsSuccessStatusCode) throw await ReelApi.ProblemAsync(response, cancellationToken);
            var removed = Absolute(caption, api.Server);
            if (asJson) Console.Out.WriteLine(JsonSerializer.Serialize(new { removed = wanted, language = (string?)removed["language"], label = (string?)removed["label"] }, Json));
            else Console.Out.WriteLine($"Removed captions {CaptionName(removed)} from {videoId}.");
            return ExitCodes.Ok;
        }, cancellationToken));
        return command;
    }

    private static string CaptionsPath(string videoId) => $"/api/videos/{Uri.EscapeDataString(videoId)}/captions";

    /// <summary>"de (Deutsch)": the language, and the label the player shows.</summary>
    private static string CaptionName(JsonObject caption) => $"{(string?)caption["language"]} ({(string?)caption["label"]})";

    public Command Login()
    {
        var email = new Option<string?>("--email", "-e") { Description = "Your account's email (asked for when missing)" };
        var passwordStdin = new Option<bool>("--password-stdin") { Description = "Read the password from stdin (for scripts)" };
        var apiKey = new Option<string?>("--api-key") { Description = "Use an upload key an admin made, instead of an account" };
        var command = new Command("login", "Sign in to a server; the sign-in is kept in your config folder, readable by you alone") { email, passwordStdin, apiKey };
        command.SetAction((parse, cancellationToken) => RunAsync(parse, async (api, asJson) =>
        {
            if (parse.GetValue(apiKey) is { } key)
            {
                api.UseApiKey(key.Trim());
                if (asJson) Console.Out.WriteLine(JsonSerializer.Serialize(new { server = api.Server, apiKey = true }, Json));
                else _err.MarkupLine($"Uploads to [bold]{Markup.Escape(api.Server)}[/] now use that upload key.");
                return ExitCodes.Ok;
            }
            var address = parse.GetValue(email) ?? (Console.IsInputRedirected
                ? throw new CliException(ExitCodes.Usage, "Give --email when the input is not a terminal.")
                : _err.Prompt(new TextPrompt<string>("Email:")));
            string password;
            if (parse.GetValue(passwordStdin)) password = (await Console.In.ReadLineAsync(cancellationToken) ?? "").TrimEnd('\r', '\n');
            else if (Console.IsInputRedirected) throw new CliException(ExitCodes.Usage, "Use --password-stdin when the input is not a terminal.");
            else password = _err.Prompt(new TextPrompt<string>("Password:").Secret());
            var session = await api.LoginAsync(address, password, cancellationToken);
            var user = session.GetProperty("user");
            if (asJson) Console.Out.WriteLine(JsonSerializer.Serialize(new { server = api.Server, user }, Json));
            else _err.MarkupLine($"Signed in to [bold]{Markup.Escape(api.Server)}[/] as {Markup.Escape(user.GetProperty("email").GetString()!)}.");
            return ExitCodes.Ok;
        }, cancellationToken));
        return command;
    }

    public Command Logout()
    {
        var command = new Command("logout", "Sign out and forget the kept sign-in");
        command.SetAction((parse, cancellationToken) => RunAsync(parse, async (api, _) =>
        {
            await api.LogoutAsync(cancellationToken);
            _err.MarkupLine("Signed out.");
            return ExitCodes.Ok;
        }, cancellationToken));
        return command;
    }

    private async Task UploadOneAsync(ReelApi api, FileInfo file, string? title, long chunkSize, long? rate, bool waitUntilPlayable, bool asJson, CancellationToken cancellationToken)
    {
        TusUpload.Outcome outcome = null!;
        var transfer = new TransferRate(file.Length, TimeProvider.System);
        await Progress(transfer).StartAsync(async context =>
        {
            var sending = context.AddTask(Markup.Escape(file.Name), maxValue: file.Length);
            outcome = await new TusUpload(api, _config).RunAsync(
                file, title, chunkSize, rate,
                bytes =>
                {
                    transfer.Report(bytes);
                    sending.Value = bytes;
                },
                note => _err.MarkupLine($"[grey]{Markup.Escape(note)}[/]"), cancellationToken);
            transfer.Report(file.Length);
            sending.Value = file.Length;
        });
        var sent = transfer.SentThisRun;
        _err.MarkupLine(Markup.Escape($"Uploaded {file.Name}: {Units.Bytes(sent)} in {transfer.Elapsed.TotalSeconds:0.0} s"
            + $" ({Units.Rate(sent / Math.Max(transfer.Elapsed.TotalSeconds, 0.001))})"
            + (transfer.StartedAt > 0 ? $", after {Units.Bytes(transfer.StartedAt)} sent before" : "") + "."));
        if (outcome.ManageToken is not null) _config.SaveManageToken(api.Server, outcome.VideoId, outcome.ManageToken);

        var video = await WaitAsync(api, outcome.VideoId, outcome.ManageToken,
            v => !waitUntilPlayable || v.GetProperty("playable").GetBoolean() || v.GetProperty("status").GetString() == "failed", "Preparing to play", cancellationToken);
        if (Failed(video))
            throw new CliException(ExitCodes.ProcessingFailed, video.GetProperty("error").GetProperty("message").GetString() ?? "Processing failed.", video.GetProperty("error").GetProperty("code").GetString());
        var watchUrl = api.Server + video.GetProperty("watchUrl").GetString();
        if (asJson) Console.Out.WriteLine(JsonSerializer.Serialize(new { file = file.FullName, watchUrl, video }, Json));
        else Console.Out.WriteLine(watchUrl);
    }

    /// <summary>Polls the video until <paramref name="done"/> holds, showing its processing progress.</summary>
    private async Task<JsonElement> WaitAsync(ReelApi api, string videoId, string? manageToken, Func<JsonElement, bool> done, string label, CancellationToken cancellationToken)
    {
        var path = $"/api/videos/{Uri.EscapeDataString(videoId)}";
        JsonElement video = default;
        var unreachableSince = (DateTime?)null;
        await _err.Progress().AutoClear(true).Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new SpinnerColumn())
            .StartAsync(async context =>
            {
                var task = context.AddTask(label, maxValue: 1);
                while (true)
                {
                    try
                    {
                        video = await api.GetJsonAsync(path, cancellationToken, manageToken);
                        unreachableSince = null;
                    }
                    catch (CliException e) when (e.ExitCode == ExitCodes.Unavailable)
                    {
                        // A restarting server is waited for a while; it keeps the video's state.
                        unreachableSince ??= DateTime.UtcNow;
                        if (DateTime.UtcNow - unreachableSince > TimeSpan.FromMinutes(2)) throw;
                        await Task.Delay(Poll, cancellationToken);
                        continue;
                    }
                    task.Value = video.GetProperty("progress").GetDouble();
                    if (done(video)) return;
                    await Task.Delay(Poll, cancellationToken);
                }
            });
        return video;
    }

    private Spectre.Console.Progress Progress(TransferRate transfer) =>
        _err.Progress().AutoClear(false).HideCompleted(false).Columns(
            new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new DoneColumn(),
            new SpeedColumn(transfer), new TimeLeftColumn(transfer));

    /// <summary>Runs a command against the chosen server, turning failures into a message and an exit code.</summary>
    private Task<int> RunAsync(ParseResult parse, Func<ReelApi, bool, Task<int>> action, CancellationToken cancellationToken) =>
        RunAsync(parse, () => null, action, cancellationToken);

    /// <param name="serverOfArguments">The server the arguments name (a watch URL's), read once the errors it throws are reported.</param>
    private async Task<int> RunAsync(ParseResult parse, Func<string?> serverOfArguments, Func<ReelApi, bool, Task<int>> action, CancellationToken cancellationToken)
    {
        var asJson = parse.GetValue(jsonOption);
        try
        {
            using var api = new ReelApi(ReelApi.ResolveServer(parse.GetValue(serverOption), _config, serverOfArguments()), _config);
            return await action(api, asJson);
        }
        catch (CliException e)
        {
            ReportError(e, asJson);
            return e.ExitCode;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            _err.MarkupLine("[yellow]Interrupted.[/] Run the same command again to go on where it stopped.");
            return ExitCodes.Interrupted;
        }
        catch (IOException e)
        {
            ReportError(new CliException(ExitCodes.Usage, e.Message), asJson);
            return ExitCodes.Usage;
        }
    }

    /// <param name="file">The file the error is about: named in the text as given on the command line, in JSON in full.</param>
    private void ReportError(CliException e, bool asJson, FileInfo? file = null)
    {
        if (asJson) Console.Error.WriteLine(JsonSerializer.Serialize(new { error = new { code = e.Code, message = e.Message, file = file?.FullName, exitCode = e.ExitCode } }, Json));
        else _err.MarkupLine($"[red]reel:[/] {(file is null ? "" : Markup.Escape($"{file}: "))}{Markup.Escape(e.Message)}{(e.Code is null ? "" : $" [grey]({Markup.Escape(e.Code)})[/]")}");
    }

    private static bool Failed(JsonElement video) => video.GetProperty("status").GetString() == "failed";

    private static string StatusText(JsonElement video) => video.GetProperty("status").GetString() switch
    {
        "uploading" => $"uploading ({Units.Bytes(video.TryGetProperty("uploadedBytes", out var b) ? b.GetInt64() : 0)})",
        "processing" => $"processing {video.GetProperty("progress").GetDouble():P0}{(video.GetProperty("playable").GetBoolean() ? ", playable" : "")}",
        "failed" => $"failed: {video.GetProperty("error").GetProperty("message").GetString()}",
        var other => other ?? "unknown",
    };

    private static string Duration(double seconds) =>
        TimeSpan.FromSeconds(Math.Round(seconds)).ToString(seconds >= 3600 ? @"h\:mm\:ss" : @"m\:ss", CultureInfo.InvariantCulture);
}
