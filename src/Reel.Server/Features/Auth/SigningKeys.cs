using System.Security.Cryptography;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Tokens;
using Reel.Server.Infrastructure;

namespace Reel.Server.Features.Auth;

/// <summary>
/// The RSA keys that sign access tokens. Every <c>*.pem</c> private key in the folder verifies; the newest file signs,
/// so a key is rotated by adding a new file and removing the old one once its tokens have expired. A single node makes
/// its first key itself; a cluster shares the folder's files through its deployment.
/// </summary>
internal sealed class SigningKeys
{
    private readonly IReadOnlyDictionary<string, RsaSecurityKey> _byKid;

    public SigningKeys(IOptions<AuthOptions> options, NodeSettings node, ILogger<SigningKeys> logger)
    {
        var dir = options.Value.SigningKeysDir ?? Path.Combine(node.DataDir, "keys");
        Directory.CreateDirectory(dir);
        var files = Directory.GetFiles(dir, "*.pem").Select(f => new FileInfo(f)).OrderBy(f => f.LastWriteTimeUtc).ThenBy(f => f.Name, StringComparer.Ordinal).ToList();
        if (files.Count == 0)
        {
            var path = Path.Combine(dir, "signing-key-1.pem");
            using var fresh = RSA.Create(2048);
            // Nodes of a cluster starting together on an empty shared folder: the first key written is everyone's.
            if (KeyFiles.WriteSecret(path, fresh.ExportPkcs8PrivateKeyPem()))
                logger.LogInformation("Made a new token signing key in {Path}", path);
            files.Add(new FileInfo(path));
        }

        var keys = files.Select(f =>
        {
            var rsa = RSA.Create();
            rsa.ImportFromPem(File.ReadAllText(f.FullName));
            return new RsaSecurityKey(rsa) { KeyId = KeyIdOf(rsa) };
        }).ToList();
        Current = keys[^1];
        _byKid = keys.GroupBy(k => k.KeyId, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Last(), StringComparer.Ordinal);
    }

    /// <summary>The key new tokens are signed with.</summary>
    public RsaSecurityKey Current { get; }

    public IEnumerable<RsaSecurityKey> All => _byKid.Values;

    /// <summary>The key named by a token's <c>kid</c>; none for an unknown or missing kid, so such a token fails.</summary>
    public IEnumerable<SecurityKey> Resolve(string? kid) =>
        kid is not null && _byKid.TryGetValue(kid, out var key) ? [key] : [];

    /// <summary>The public half of every key as a JSON Web Key Set.</summary>
    public object Jwks() => new
    {
        keys = All.Select(k =>
        {
            var p = k.Rsa.ExportParameters(includePrivateParameters: false);
            return new { kty = "RSA", use = "sig", alg = SecurityAlgorithms.RsaSha256, kid = k.KeyId, n = Base64UrlEncoder.Encode(p.Modulus), e = Base64UrlEncoder.Encode(p.Exponent) };
        }).ToList(),
    };

    // RFC 7638 thumbprint of the public key: the same key gets the same kid on every node.
    private static string KeyIdOf(RSA rsa)
    {
        var p = rsa.ExportParameters(includePrivateParameters: false);
        var canonical = $"{{\"e\":\"{Base64UrlEncoder.Encode(p.Exponent)}\",\"kty\":\"RSA\",\"n\":\"{Base64UrlEncoder.Encode(p.Modulus)}\"}}";
        return Base64UrlEncoder.Encode(SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(canonical)));
    }
}

internal static class KeyFiles
{
    /// <summary>
    /// Writes a secret readable by its owner only, atomically, so a crash never leaves half a key. False when another
    /// process wrote the file first; its content is then the one that counts.
    /// </summary>
    public static bool WriteSecret(string path, string content)
    {
        var temp = $"{path}.{Guid.NewGuid():N}.tmp";
        var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows()) options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        using (var stream = new FileStream(temp, options))
        using (var writer = new StreamWriter(stream))
        {
            writer.Write(content);
            writer.Flush();
            stream.Flush(flushToDisk: true);
        }
        try
        {
            File.Move(temp, path, overwrite: false);
            return true;
        }
        catch (IOException) when (File.Exists(path))
        {
            File.Delete(temp);
            return false;
        }
    }
}
