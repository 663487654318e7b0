using System.Buffers.Binary;
using System.Buffers.Text;
using System.Security.Cryptography;
using Microsoft.Extensions.Options;
using Reel.Server.Infrastructure;

namespace Reel.Server.Features.Auth;

/// <summary>
/// Short-lived playback tokens that stand in for a video's id in media URLs. A token is the video id, its expiry and
/// the video's link generation, encrypted and authenticated with AES-GCM under a key every node shares: it reveals
/// nothing, cannot be forged or moved to another video, and is checked without a database query. Raising the video's
/// generation revokes every token made before.
/// </summary>
internal sealed class StreamTokens : IDisposable
{
    private const byte Version = 1;
    private const int IdBytes = 16;
    private const int PlainBytes = 1 + IdBytes + 8 + 4;
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

    public string Issue(string videoId, int generation, out DateTimeOffset expiresAt)
    {
        expiresAt = _clock.GetUtcNow() + _lifetime;
        Span<byte> plain = stackalloc byte[PlainBytes];
        plain[0] = Version;
        if (Base64Url.DecodeFromChars(videoId, plain.Slice(1, IdBytes)) != IdBytes) throw new ArgumentException("Not a video id.", nameof(videoId));
        BinaryPrimitives.WriteInt64BigEndian(plain.Slice(1 + IdBytes, 8), expiresAt.ToUnixTimeSeconds());
        BinaryPrimitives.WriteInt32BigEndian(plain.Slice(1 + IdBytes + 8, 4), generation);

        var token = new byte[NonceBytes + PlainBytes + TagBytes];
        RandomNumberGenerator.Fill(token.AsSpan(0, NonceBytes));
        _ciphers.Value!.Encrypt(token.AsSpan(0, NonceBytes), plain, token.AsSpan(NonceBytes, PlainBytes), token.AsSpan(NonceBytes + PlainBytes));
        return Base64Url.EncodeToString(token);
    }

    /// <summary>The video a token grants, with the generation it was made in; null when forged, garbled or expired.</summary>
    public (string VideoId, int Generation)? Read(string token)
    {
        Span<byte> raw = stackalloc byte[NonceBytes + PlainBytes + TagBytes];
        if (token.Length != Base64Url.GetEncodedLength(raw.Length)
            || !Base64Url.TryDecodeFromChars(token, raw, out var written) || written != raw.Length)
            return null;
        Span<byte> plain = stackalloc byte[PlainBytes];
        try
        {
            _ciphers.Value!.Decrypt(raw[..NonceBytes], raw.Slice(NonceBytes, PlainBytes), raw[(NonceBytes + PlainBytes)..], plain);
        }
        catch (AuthenticationTagMismatchException)
        {
            return null;
        }
        if (plain[0] != Version) return null;
        var expires = BinaryPrimitives.ReadInt64BigEndian(plain.Slice(1 + IdBytes, 8));
        if (expires <= _clock.GetUtcNow().ToUnixTimeSeconds()) return null;
        return (Base64Url.EncodeToString(plain.Slice(1, IdBytes)), BinaryPrimitives.ReadInt32BigEndian(plain.Slice(1 + IdBytes + 8, 4)));
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
