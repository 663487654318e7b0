using System.CommandLine;
using System.Globalization;
using System.Text.Json;
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
        var limitRate = new Option<string?>("--limit-rate") { Description = "Send at most this many bytes per second, e.g. 500K or 2M" };
        var noWait = new Option<bool>("--no-wait") { Description = "Print the watch URL as soon as the bytes are stored, without waiting until the video plays" };
        var chunkSize = new Option<string?>("--chunk-size") { Description = $"Bytes per request (default {TusUpload.DefaultChunkSize >> 20}M); lower it behind a proxy that limits request bodies" };
        var command = new Command("upload", "Upload files, resuming any earlier unfinished upload of the same file; prints each watch URL once it plays") { files, title, limitRate, chunkSize, noWait };
        command.SetAction((parse, cancellationToken) => RunAsync(parse, async (api, _) =>
        {
            var chosen = parse.GetValue(files)!;
            if (parse.GetValue(title) is not null && chosen.Length > 1) throw new CliException(ExitCodes.Usage, "--title names one video; upload one file at a time to give titles.");
            var rate = ParseSize(parse.GetValue(limitRate), "--limit-rate");
            var chunk = ParseSize(parse.GetValue(chunkSize), "--chunk-size") ?? TusUpload.DefaultChunkSize;
            foreach (var file in chosen)
            {
                if (!file.Exists) throw new CliException(ExitCodes.Usage, $"{file.FullName}: no such file.");
                if (file.Length == 0) throw new CliException(ExitCodes.Usage, $"{file.FullName} is empty.");
            }
            var worst = ExitCodes.Ok;
            foreach (var file in chosen)
            {
                try
                {
                    await UploadOneAsync(api, file, parse.GetValue(title), chunk, rate, !parse.GetValue(noWait), parse.GetValue(jsonOption), cancellationToken);
                }
                catch (CliException e) when (chosen.Length > 1)
                {
                    // One bad file does not stop the others; the exit code reports the worst.
                    ReportError(e, parse.GetValue(jsonOption), file.Name);
                    worst = Math.Max(worst, e.ExitCode);
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
        var command = new Command("ls", "List your videos (signed in), or the public ones") { limit, all };
        command.SetAction((parse, cancellationToken) => RunAsync(parse, async (api, asJson) =>
        {
            var count = parse.GetValue(limit);
            if (count is < 1 or > 200) throw new CliException(ExitCodes.Usage, "--limit is between 1 and 200.");
            var scope = parse.GetValue(all) ? "&all=true" : api.SignedIn ? "&mine=true" : "";
            var page = await api.GetJsonAsync($"/api/videos?limit={count}{scope}", cancellationToken);
            var items = page.GetProperty("items");
            if (asJson)
            {
                Console.Out.WriteLine(items.GetRawText());
                return ExitCodes.Ok;
            }
            if (items.GetArrayLength() == 0)
            {
                _err.MarkupLine(api.SignedIn ? "[grey]No videos yet. Upload one with 'reel upload FILE'.[/]" : "[grey]No public videos. Sign in with 'reel login' to see your own.[/]");
                return ExitCodes.Ok;
            }
            var rows = items.EnumerateArray().Select(video => new[]
            {
                video.GetProperty("id").GetString()!,
                video.GetProperty("title").GetString()!,
                StatusText(video),
                Duration(video.GetProperty("durationSeconds").GetDouble()),
                TusUpload.Bytes(video.GetProperty("sizeBytes").GetInt64()),
                video.GetProperty("createdAt").GetDateTime().ToLocalTime().ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture),
            }).ToList();
            if (Console.IsOutputRedirected)
            {
                // A pipe gets one tab-separated line per video, as ls does; a person gets a table.
                foreach (var row in rows) Console.Out.WriteLine(string.Join('\t', row));
                return ExitCodes.Ok;
            }
            var table = new Table().Border(TableBorder.Simple).AddColumns("ID", "Title", "Status", "Length", "Size", "Uploaded");
            foreach (var row in rows) table.AddRow(row.Select(Markup.Escape).ToArray());
            AnsiConsole.Write(table);
            return ExitCodes.Ok;
        }, cancellationToken));
        return command;
    }

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
            ? $"{TusUpload.Bytes(used)} of {TusUpload.Bytes(quota.GetInt64())} used ({Math.Round(100.0 * used / quota.GetInt64()).ToString(CultureInfo.InvariantCulture)}%)"
            : $"{TusUpload.Bytes(used)} used, no quota";
    }

    public Command Status()
    {
        var id = new Argument<string>("ID") { Description = "The video's id" };
        var wait = new Option<bool>("--wait", "-w") { Description = "Wait until the video is ready (exit 5 if it fails)" };
        var command = new Command("status", "Show a video's status, or wait until it is ready") { id, wait };
        command.SetAction((parse, cancellationToken) => RunAsync(parse, async (api, asJson) =>
        {
            var videoId = parse.GetValue(id)!;
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

    public Command Remove()
    {
        var id = new Argument<string>("ID") { Description = "The video's id" };
        var command = new Command("rm", "Delete a video and all of its files") { id };
        command.SetAction((parse, cancellationToken) => RunAsync(parse, async (api, asJson) =>
        {
            var videoId = parse.GetValue(id)!;
            using var response = await api.SendAsync(() => new HttpRequestMessage(HttpMethod.Delete, $"/api/videos/{Uri.EscapeDataString(videoId)}"),
                cancellationToken, _config.ManageToken(api.Server, videoId));
            if (!response.IsSuccessStatusCode) throw await ReelApi.ProblemAsync(response, cancellationToken);
            _config.SaveManageToken(api.Server, videoId, null);
            if (asJson) Console.Out.WriteLine(JsonSerializer.Serialize(new { deleted = videoId }, Json));
            else Console.Out.WriteLine($"Deleted {videoId}.");
            return ExitCodes.Ok;
        }, cancellationToken));
        return command;
    }

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
        var clock = System.Diagnostics.Stopwatch.StartNew();
        await Progress().StartAsync(async context =>
        {
            var sending = context.AddTask(Markup.Escape(file.Name), maxValue: file.Length);
            outcome = await new TusUpload(api, _config).RunAsync(
                file, title, chunkSize, rate, bytes => sending.Value = bytes,
                note => _err.MarkupLine($"[grey]{Markup.Escape(note)}[/]"), cancellationToken);
            sending.Value = file.Length;
        });
        var sent = file.Length - outcome.ResumedFrom;
        _err.MarkupLine(Markup.Escape($"Uploaded {file.Name}: {TusUpload.Bytes(sent)} in {clock.Elapsed.TotalSeconds:0.0} s"
            + $" ({TusUpload.Bytes((long)(sent / Math.Max(clock.Elapsed.TotalSeconds, 0.001)))}/s)"
            + (outcome.ResumedFrom > 0 ? $", after {TusUpload.Bytes(outcome.ResumedFrom)} sent before" : "") + "."));
        if (outcome.ManageToken is not null) _config.SaveManageToken(api.Server, outcome.VideoId, outcome.ManageToken);

        var video = await WaitAsync(api, outcome.VideoId, outcome.ManageToken,
            v => !waitUntilPlayable || v.GetProperty("playable").GetBoolean() || v.GetProperty("status").GetString() == "failed", "Preparing to play", cancellationToken);
        if (Failed(video))
            throw new CliException(ExitCodes.ProcessingFailed, $"{file.Name}: {video.GetProperty("error").GetProperty("message").GetString()}", video.GetProperty("error").GetProperty("code").GetString());
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

    private Spectre.Console.Progress Progress() =>
        _err.Progress().AutoClear(false).HideCompleted(false).Columns(
            new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new DownloadedColumn(),
            new TransferSpeedColumn(), new RemainingTimeColumn());

    /// <summary>Runs a command against the chosen server, turning failures into a message and an exit code.</summary>
    private async Task<int> RunAsync(ParseResult parse, Func<ReelApi, bool, Task<int>> action, CancellationToken cancellationToken)
    {
        var asJson = parse.GetValue(jsonOption);
        try
        {
            using var api = new ReelApi(ReelApi.ResolveServer(parse.GetValue(serverOption), _config), _config);
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

    private void ReportError(CliException e, bool asJson, string? file = null)
    {
        if (asJson) Console.Error.WriteLine(JsonSerializer.Serialize(new { error = new { code = e.Code, message = e.Message, file, exitCode = e.ExitCode } }, Json));
        else _err.MarkupLine($"[red]reel:[/] {Markup.Escape(e.Message)}{(e.Code is null ? "" : $" [grey]({Markup.Escape(e.Code)})[/]")}");
    }

    private static bool Failed(JsonElement video) => video.GetProperty("status").GetString() == "failed";

    private static string StatusText(JsonElement video) => video.GetProperty("status").GetString() switch
    {
        "uploading" => $"uploading ({TusUpload.Bytes(video.TryGetProperty("uploadedBytes", out var b) ? b.GetInt64() : 0)})",
        "processing" => $"processing {video.GetProperty("progress").GetDouble():P0}{(video.GetProperty("playable").GetBoolean() ? ", playable" : "")}",
        "failed" => $"failed: {video.GetProperty("error").GetProperty("message").GetString()}",
        var other => other ?? "unknown",
    };

    private static string Duration(double seconds) =>
        TimeSpan.FromSeconds(Math.Round(seconds)).ToString(seconds >= 3600 ? @"h\:mm\:ss" : @"m\:ss", CultureInfo.InvariantCulture);

    /// <summary>"500K", "2M", "1.5G" or plain bytes (per second, for a rate).</summary>
    internal static long? ParseSize(string? text, string option)
    {
        if (string.IsNullOrWhiteSpace(text)) return null;
        var unit = char.ToUpperInvariant(text[^1]) switch { 'K' => 1L << 10, 'M' => 1L << 20, 'G' => 1L << 30, _ => 1L };
        var number = unit == 1 ? text : text[..^1];
        return double.TryParse(number, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var value) && value >= 1 && value * unit < long.MaxValue
            ? (long)(value * unit)
            : throw new CliException(ExitCodes.Usage, $"{option} '{text}' is not a size; give bytes like 500K, 64M or 1G.");
    }
}
