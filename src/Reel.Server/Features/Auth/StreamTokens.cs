using System.Buffers.Binary;
using System.Buffers.Text;
using System.Security.Cryptography;
using Microsoft.Extensions.Options;
using Reel.Server.Data;
using Reel.Server.Infrastructure;

namespace Reel.Server.Features.Auth;

/// <summary>
/// Short-lived playback tokens that stand in for a video's id in media URLs. A token is the video id, its expiry, the
/// video's link generation and the folder of the files it opens (the video's media: a player that started before the
/// video's file was replaced plays the old version to its end), encrypted and authenticated with AES-GCM under a key
/// every node shares: it reveals nothing, cannot be forged or moved to another video, and is checked without a
/// database query. Raising the video's generation revokes every token made before. A token handed out through a share
/// link also carries the share's id and generation (so revoking or changing the share stops it), whether the share
/// allows downloads, and expires no later than the share.
/// </summary>
internal sealed class StreamTokens : IDisposable
{
    // Versions 1 and 2 (made before replacements) name no folder: theirs is the video's own.
    private const byte OwnFolderVersion = 1;
    private const byte SharedOwnFolderVersion = 2;
    private const byte Version = 3;
    private const byte SharedVersion = 4;
    private const int IdBytes = 16;
    private const int PlainBytes = 1 + IdBytes + 8 + 4;
    // Share id, share generation, flags.
    private const int SharedPlainBytes = PlainBytes + IdBytes + 4 + 1;
    // Either of the above, then the folder's id.
    private const int FolderBytes = IdBytes;
    private const byte NoDownloadFlag = 1;
    private const int NonceBytes = 12;
    private const int TagBytes = 16;
    private readonly byte[] _key;
    private readonly TimeProvider _clock;
    private readonly TimeSpan _lifetime;
    // Setting up a cipher costs more than checking a token with it, and every segment request checks one: each thread
    // keeps its own, as one instance must not be used by two threads at once.
    private readonly ThreadLocal<AesGcm> _ciphers;

    public StreamTokens(IOptions<AuthOptions> options, NodeSettings node, TimeProvider clock)
    {
        _clock = clock;
        _lifetime = TimeSpan.FromMinutes(options.Value.StreamTokenMinutes);
        _key = options.Value.StreamKey is { } configured ? ParseKey(configured, "Auth:StreamKey") : LoadOrMakeKey(Path.Combine(node.DataDir, "keys", "stream.key"));
        _ciphers = new ThreadLocal<AesGcm>(() => new AesGcm(_key, TagBytes), trackAllValues: true);
    }

    public string Issue(MediaOf media, int generation, out DateTimeOffset expiresAt) => Issue(media, generation, null, out expiresAt);

    /// <summary>A token for the video as a share link shows it; it expires no later than the share.</summary>
    public string Issue(MediaOf media, int generation, ShareGrant? share, out DateTimeOffset expiresAt) =>
        Issue(media, generation, share, _lifetime, out expiresAt);

    /// <summary>A token of a lifetime of its own: a link preview's poster must outlive a chat app's cache.</summary>
    public string Issue(MediaOf media, int generation, ShareGrant? share, TimeSpan lifetime, out DateTimeOffset expiresAt)
    {
        expiresAt = _clock.GetUtcNow() + lifetime;
        if (share?.ExpiresAt is { } shareEnds && shareEnds < expiresAt) expiresAt = shareEnds;
        var length = (share is null ? PlainBytes : SharedPlainBytes) + FolderBytes;
        Span<byte> plain = stackalloc byte[length];
        plain[0] = share is null ? Version : SharedVersion;
        if (Base64Url.DecodeFromChars(media.VideoId, plain.Slice(1, IdBytes)) != IdBytes) throw new ArgumentException("Not a video id.", nameof(media));
        if (Base64Url.DecodeFromChars(media.Folder, plain[^FolderBytes..]) != IdBytes) throw new ArgumentException("Not a folder id.", nameof(media));
        BinaryPrimitives.WriteInt64BigEndian(plain.Slice(1 + IdBytes, 8), expiresAt.ToUnixTimeSeconds());
        BinaryPrimitives.WriteInt32BigEndian(plain.Slice(1 + IdBytes + 8, 4), generation);
        if (share is not null)
        {
            if (Base64Url.DecodeFromChars(share.Id, plain.Slice(PlainBytes, IdBytes)) != IdBytes) throw new ArgumentException("Not a share id.", nameof(share));
            BinaryPrimitives.WriteInt32BigEndian(plain.Slice(PlainBytes + IdBytes, 4), share.Generation);
            plain[SharedPlainBytes - 1] = share.AllowDownload ? (byte)0 : NoDownloadFlag;
        }

        var token = new byte[NonceBytes + plain.Length + TagBytes];
        RandomNumberGenerator.Fill(token.AsSpan(0, NonceBytes));
        _ciphers.Value!.Encrypt(token.AsSpan(0, NonceBytes), plain, token.AsSpan(NonceBytes, plain.Length), token.AsSpan(NonceBytes + plain.Length));
        return Base64Url.EncodeToString(token);
    }

    /// <summary>What a token grants; null when it is forged, garbled or expired.</summary>
    public StreamGrant? Read(string token)
    {
        Span<byte> raw = stackalloc byte[NonceBytes + SharedPlainBytes + FolderBytes + TagBytes];
        var plainLength = 0;
        foreach (var candidate in (ReadOnlySpan<int>)[PlainBytes, SharedPlainBytes, PlainBytes + FolderBytes, SharedPlainBytes + FolderBytes])
        {
            if (token.Length == Base64Url.GetEncodedLength(NonceBytes + candidate + TagBytes)) plainLength = candidate;
        }
        if (plainLength == 0) return null;
        raw = raw[..(NonceBytes + plainLength + TagBytes)];
        if (!Base64Url.TryDecodeFromChars(token, raw, out var written) || written != raw.Length) return null;
        Span<byte> plain = stackalloc byte[plainLength];
        try
        {
            _ciphers.Value!.Decrypt(raw[..NonceBytes], raw.Slice(NonceBytes, plainLength), raw[(NonceBytes + plainLength)..], plain);
        }
        catch (AuthenticationTagMismatchException)
        {
            return null;
        }
        var expected = plainLength switch
        {
            PlainBytes => OwnFolderVersion,
            SharedPlainBytes => SharedOwnFolderVersion,
            PlainBytes + FolderBytes => Version,
            _ => SharedVersion,
        };
        if (plain[0] != expected) return null;
        var expires = BinaryPrimitives.ReadInt64BigEndian(plain.Slice(1 + IdBytes, 8));
        if (expires <= _clock.GetUtcNow().ToUnixTimeSeconds()) return null;
        var videoId = Base64Url.EncodeToString(plain.Slice(1, IdBytes));
        var generation = BinaryPrimitives.ReadInt32BigEndian(plain.Slice(1 + IdBytes + 8, 4));
        var folder = expected is Version or SharedVersion ? Base64Url.EncodeToString(plain[^FolderBytes..]) : videoId;
        return expected is OwnFolderVersion or Version
            ? new StreamGrant(videoId, generation, null, 0, AllowsDownload: true, folder)
            : new StreamGrant(videoId, generation, Base64Url.EncodeToString(plain.Slice(PlainBytes, IdBytes)),
                BinaryPrimitives.ReadInt32BigEndian(plain.Slice(PlainBytes + IdBytes, 4)), AllowsDownload: (plain[SharedPlainBytes - 1] & NoDownloadFlag) == 0, folder);
    }

    public void Dispose()
    {
        foreach (var cipher in _ciphers.Values) cipher.Dispose();
        _ciphers.Dispose();
    }

    private static byte[] LoadOrMakeKey(string path)
    {
        if (!File.Exists(path))
        {
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            // Another process on the same data folder may make it first: then theirs is used.
            KeyFiles.WriteSecret(path, Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)));
        }
        return ParseKey(File.ReadAllText(path).Trim(), path);
    }

    private static byte[] ParseKey(string base64, string source)
    {
        var key = new byte[32];
        return Convert.TryFromBase64String(base64, key, out var length) && length == key.Length
            ? key
            : throw new InvalidOperationException($"{source} must be 32 bytes in base64.");
    }
}

/// <summary>The share a token is handed out through: its id and generation, when it ends, whether it allows downloads.</summary>
internal sealed record ShareGrant(string Id, int Generation, DateTimeOffset? ExpiresAt, bool AllowDownload);

/// <summary>What a playback token grants: a video (in a link generation), through a share or not, and the folder of its files.</summary>
internal sealed record StreamGrant(string VideoId, int Generation, string? ShareId, int ShareGeneration, bool AllowsDownload, string Folder);
