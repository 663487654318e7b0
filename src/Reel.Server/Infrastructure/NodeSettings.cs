using System.Security.Cryptography;
using System.Text;

namespace Reel.Server.Infrastructure;

/// <summary>Which roles this process plays and where it keeps its files; read once at start.</summary>
internal sealed class NodeSettings
{
    public static readonly string[] AllRoles = ["api", "stream", "worker"];

    private NodeSettings(string dataDir, IReadOnlySet<string> roles, string nodeId)
    {
        DataDir = dataDir;
        Roles = roles;
        NodeId = nodeId;
    }

    public string DataDir { get; }

    public IReadOnlySet<string> Roles { get; }

    /// <summary>Names this node's job leases, so a restarted node can take its own lapsed work back at once.</summary>
    public string NodeId { get; }

    public string TempDir => Path.Combine(DataDir, "tmp");

    public string WorkDir => Path.Combine(DataDir, "work");

    public string MediaDir => Path.Combine(DataDir, "media");

    public bool Has(string role) => Roles.Contains(role);

    public static NodeSettings From(IConfiguration configuration)
    {
        var dataDir = Path.GetFullPath(configuration["DataDir"] is { Length: > 0 } d ? d : "data");
        var rolesText = configuration["Roles"];
        var roles = string.IsNullOrWhiteSpace(rolesText)
            ? AllRoles.ToHashSet()
            : rolesText.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(r => r.ToLowerInvariant()).ToHashSet();
        var unknown = roles.Except(AllRoles).ToList();
        if (roles.Count == 0 || unknown.Count > 0)
            throw new InvalidOperationException($"Roles must be a comma-separated subset of {string.Join(',', AllRoles)}; got '{rolesText}'.");

        var nodeId = configuration["NodeId"] is { Length: > 0 } id
            ? id
            : Environment.MachineName + "-" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(dataDir)))[..8];
        return new NodeSettings(dataDir, roles, nodeId);
    }

    public void CreateDirectories()
    {
        foreach (var dir in new[] { DataDir, TempDir, WorkDir, MediaDir })
            Directory.CreateDirectory(dir);
    }
}
