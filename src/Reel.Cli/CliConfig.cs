using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace Reel.Cli;

/// <summary>
/// What <c>reel</c> keeps between runs, in the user's config folder (<c>$XDG_CONFIG_HOME/reel</c>, usually
/// <c>~/.config/reel</c>; <c>REEL_CONFIG_DIR</c> overrides it): the sign-in, unfinished uploads and the manage tokens
/// of videos uploaded without an account. Every file is readable by the user alone (0600) and replaced whole.
/// </summary>
internal sealed class CliConfig(string dir)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    public string Dir { get; } = dir;

    public static CliConfig Default() =>
        new(Environment.GetEnvironmentVariable("REEL_CONFIG_DIR") is { Length: > 0 } configured
            ? configured
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.ApplicationData, Environment.SpecialFolderOption.DoNotVerify), "reel"));

    public Credentials? LoadCredentials() => Read<Credentials>("credentials.json");

    public void SaveCredentials(Credentials credentials) => Write("credentials.json", credentials);

    public void ForgetCredentials() => File.Delete(Path.Combine(Dir, "credentials.json"));

    /// <summary>The unfinished upload of this file to this server, if a previous run left one.</summary>
    public PendingUpload? FindUpload(string fingerprint) =>
        Read<Dictionary<string, PendingUpload>>("uploads.json")?.GetValueOrDefault(fingerprint);

    public void SaveUpload(string fingerprint, PendingUpload? upload)
    {
        var all = Read<Dictionary<string, PendingUpload>>("uploads.json") ?? [];
        if (upload is null) all.Remove(fingerprint);
        else all[fingerprint] = upload;
        Write("uploads.json", all);
    }

    /// <summary>Manage tokens of videos uploaded without an account, by server and video id.</summary>
    public string? ManageToken(string server, string videoId) =>
        Read<Dictionary<string, string>>("manage-tokens.json")?.GetValueOrDefault($"{server} {videoId}");

    /// <summary>Every kept manage token for this server: the videos this user can manage without an account.</summary>
    public IReadOnlyList<(string VideoId, string Token)> ManageTokens(string server) =>
        [.. (Read<Dictionary<string, string>>("manage-tokens.json") ?? [])
            .Where(entry => entry.Key.StartsWith(server + " ", StringComparison.Ordinal))
            .Select(entry => (entry.Key[(server.Length + 1)..], entry.Value))];

    public void SaveManageToken(string server, string videoId, string? token)
    {
        var all = Read<Dictionary<string, string>>("manage-tokens.json") ?? [];
        if (token is null) all.Remove($"{server} {videoId}");
        else all[$"{server} {videoId}"] = token;
        Write("manage-tokens.json", all);
    }

    /// <summary>Which unfinished upload a file continues: the same server, path, size and modification time.</summary>
    public static string Fingerprint(string server, FileInfo file) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes($"{server}\n{file.FullName}\n{file.Length}\n{file.LastWriteTimeUtc.Ticks}")));

    private T? Read<T>(string name) where T : class
    {
        var path = Path.Combine(Dir, name);
        try
        {
            return File.Exists(path) ? JsonSerializer.Deserialize<T>(File.ReadAllText(path), Json) : null;
        }
        catch (JsonException)
        {
            // A file garbled by hand is as good as none; the next save replaces it.
            return null;
        }
    }

    private void Write<T>(string name, T value)
    {
        if (OperatingSystem.IsWindows()) Directory.CreateDirectory(Dir);
        else Directory.CreateDirectory(Dir, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var target = Path.Combine(Dir, name);
        var staging = Path.Combine(Dir, $".{name}.{Guid.NewGuid():N}.tmp");
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows()) options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        using (var file = new FileStream(staging, options))
            JsonSerializer.Serialize(file, value, Json);
        File.Move(staging, target, overwrite: true);
    }
}

/// <summary>A sign-in: a session (access and refresh token) or an upload key, for one server.</summary>
internal sealed record Credentials(string Server, string? AccessToken, string? RefreshToken, DateTimeOffset? AccessExpiresAt, string? ApiKey, string? Email);

/// <summary>An upload a previous run began: where it lives on the server and how to prove it is ours.</summary>
internal sealed record PendingUpload(string UploadUrl, string VideoId, string? ManageToken);
