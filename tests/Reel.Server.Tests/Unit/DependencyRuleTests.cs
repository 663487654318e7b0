using System.Text;
using System.Text.RegularExpressions;

namespace Reel.Server.Tests.Unit;

/// <summary>
/// The dependency rule of docs/architecture.md, checked on the server's source: what each file's namespace may name,
/// read from its <c>using</c>s, its fully qualified references and the endpoint classes it mentions (comments aside).
/// </summary>
public sealed partial class DependencyRuleTests
{
    private const string Root = "Reel.Server";

    // The layers under the features: they know nothing of features or of processing.
    private static readonly string[] Foundations = [$"{Root}.Data", $"{Root}.Storage", $"{Root}.Infrastructure"];

    [Fact]
    public void Data_storage_and_infrastructure_import_no_feature_and_no_processing()
    {
        var breaches = (
            from file in SourceFiles()
            where Foundations.Any(f => InNamespace(file.Namespace, f))
            from name in file.NamespacesNamed
            where InNamespace(name, $"{Root}.Features") || InNamespace(name, $"{Root}.Processing")
            select $"{file.Path} ({file.Namespace}) names {name}").ToList();

        Assert.True(breaches.Count == 0, "Data, Storage and Infrastructure must not depend on features or processing:\n" + string.Join('\n', breaches));
    }

    [Fact]
    public void No_feature_uses_the_endpoint_classes_of_another()
    {
        var endpoints = EndpointClasses();
        var breaches = (
            from file in SourceFiles()
            where FeatureOf(file.Namespace) is not null
            from endpoint in endpoints
            where endpoint.Feature != FeatureOf(file.Namespace) && Mentions(file.Code, endpoint.Name)
            select $"{file.Path} ({file.Namespace}) uses {endpoint.Feature}.{endpoint.Name}").ToList();

        Assert.True(breaches.Count == 0, "A feature may use another feature's services, never its endpoints:\n" + string.Join('\n', breaches));
    }

    [Fact]
    public void Processing_and_the_layers_below_it_use_no_endpoint_class()
    {
        var endpoints = EndpointClasses();
        var breaches = (
            from file in SourceFiles()
            where InNamespace(file.Namespace, $"{Root}.Processing") || Foundations.Any(f => InNamespace(file.Namespace, f))
            from endpoint in endpoints
            where Mentions(file.Code, endpoint.Name)
            select $"{file.Path} ({file.Namespace}) uses {endpoint.Feature}.{endpoint.Name}").ToList();

        Assert.True(breaches.Count == 0, "Processing (and Data, Storage, Infrastructure) must not use endpoint classes:\n" + string.Join('\n', breaches));
    }

    [Fact]
    public void The_rule_is_checked_on_the_real_source()
    {
        // Guards the checks above against passing on nothing: a moved folder would leave them reading no file.
        var files = SourceFiles();
        Assert.Contains(files, f => f.Namespace == $"{Root}.Data");
        Assert.Contains(files, f => f.Namespace == $"{Root}.Processing");
        Assert.Contains(EndpointClasses(), e => e is { Feature: "Videos", Name: "VideoEndpoints" });
        Assert.Contains(EndpointClasses(), e => e is { Feature: "Uploads", Name: "TusEndpoints" });
        // And the reading itself sees what the rule forbids, in each form it can take.
        var sample = Read("Sample.cs", """
            using Reel.Server.Features.Auth;
            using Alias = Reel.Server.Processing.WorkSignal;
            using static Reel.Server.Features.Videos.VideoEndpoints;
            namespace Reel.Server.Data;
            // VideoCommentOnly is no reference
            internal sealed class X { object Y = new Reel.Server.Features.Uploads.TusEndpoints.Checksum(); /* Z.ZEndpoints */ }
            """);
        Assert.Equal(
            ["Reel.Server.Features.Auth", "Reel.Server.Features.Uploads.TusEndpoints.Checksum", "Reel.Server.Features.Videos.VideoEndpoints", "Reel.Server.Processing.WorkSignal"],
            sample.NamespacesNamed.Order(StringComparer.Ordinal));
        Assert.True(Mentions(sample.Code, "TusEndpoints"));
        Assert.False(Mentions(sample.Code, "ZEndpoints"));
        Assert.False(Mentions(sample.Code, "VideoCommentOnly"));
    }

    private sealed record SourceFile(string Path, string Namespace, string Code, IReadOnlySet<string> NamespacesNamed);

    private sealed record EndpointClass(string Feature, string Name);

    private static bool InNamespace(string name, string space) =>
        name == space || name.StartsWith(space + ".", StringComparison.Ordinal);

    /// <summary>The feature folder a namespace belongs to (<c>Reel.Server.Features.Videos</c> → Videos), or null.</summary>
    private static string? FeatureOf(string space) =>
        InNamespace(space, $"{Root}.Features") && space.Split('.') is { Length: >= 4 } parts ? parts[3] : null;

    private static bool Mentions(string code, string identifier) =>
        Regex.IsMatch(code, $@"(?<![\w@]){Regex.Escape(identifier)}(?!\w)");

    /// <summary>Every <c>*Endpoints</c> class a feature declares: what maps HTTP to the feature's services.</summary>
    private static List<EndpointClass> EndpointClasses() =>
        (from file in SourceFiles()
         where FeatureOf(file.Namespace) is not null
         from Match m in EndpointDeclaration().Matches(file.Code)
         select new EndpointClass(FeatureOf(file.Namespace)!, m.Groups[1].Value)).Distinct().ToList();

    private static List<SourceFile> SourceFiles()
    {
        var server = Path.Combine(RepoRoot(), "src", "Reel.Server");
        return Directory.EnumerateFiles(server, "*.cs", SearchOption.AllDirectories)
            .Where(p => !p.Split(Path.DirectorySeparatorChar).Any(part => part is "bin" or "obj"))
            .Select(p => Read(Path.GetRelativePath(server, p), File.ReadAllText(p)))
            .ToList();
    }

    private static SourceFile Read(string path, string text)
    {
        var code = WithoutComments(text);
        var space = FileNamespace().Match(code) is { Success: true } m ? m.Groups[1].Value : "";
        var named = new HashSet<string>(StringComparer.Ordinal);
        foreach (Match u in UsingDirective().Matches(code)) named.Add(u.Groups[1].Value);
        // A fully qualified name in code is as much a dependency as a using; the file's own namespace line is not.
        foreach (Match q in QualifiedName().Matches(FileNamespace().Replace(UsingDirective().Replace(code, ""), "")))
            named.Add(q.Value);
        return new SourceFile(path, space, code, named);
    }

    /// <summary>The text without its comments (string and character literals kept whole, so "//" in a URL stays).</summary>
    private static string WithoutComments(string text)
    {
        var code = new StringBuilder(text.Length);
        var i = 0;
        while (i < text.Length)
        {
            if (text[i] == '/' && i + 1 < text.Length && text[i + 1] == '/')
            {
                while (i < text.Length && text[i] != '\n') i++;
            }
            else if (text[i] == '/' && i + 1 < text.Length && text[i + 1] == '*')
            {
                var end = text.IndexOf("*/", i + 2, StringComparison.Ordinal);
                i = end < 0 ? text.Length : end + 2;
                code.Append(' ');
            }
            else if (text[i] == '"' && text.AsSpan(i).StartsWith("\"\"\""))
            {
                var end = text.IndexOf("\"\"\"", i + 3, StringComparison.Ordinal);
                var stop = end < 0 ? text.Length : end + 3;
                code.Append(text, i, stop - i);
                i = stop;
            }
            else if (text[i] is '"' or '\'')
            {
                var verbatim = i > 0 && (text[i - 1] == '@' || (i > 1 && text[i - 2] == '@'));
                var quote = text[i];
                var start = i++;
                while (i < text.Length)
                {
                    if (!verbatim && text[i] == '\\') i += 2;
                    else if (verbatim && text[i] == quote && i + 1 < text.Length && text[i + 1] == quote) i += 2;
                    else if (text[i] == quote || (!verbatim && text[i] == '\n')) break;
                    else i++;
                }
                i = Math.Min(i + 1, text.Length);
                code.Append(text, start, i - start);
            }
            else
            {
                code.Append(text[i++]);
            }
        }
        return code.ToString();
    }

    private static string RepoRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Reel.slnx"))) dir = dir.Parent;
        return dir?.FullName ?? throw new DirectoryNotFoundException("Reel.slnx not found above " + AppContext.BaseDirectory);
    }

    [GeneratedRegex(@"^\s*namespace\s+([\w.]+)\s*[;{]", RegexOptions.Multiline)]
    private static partial Regex FileNamespace();

    [GeneratedRegex(@"^\s*(?:global\s+)?using\s+(?:static\s+)?(?:\w+\s*=\s*)?([\w.]+)\s*;", RegexOptions.Multiline)]
    private static partial Regex UsingDirective();

    [GeneratedRegex(@"(?<![\w.])Reel\.Server(?:\.\w+)+")]
    private static partial Regex QualifiedName();

    [GeneratedRegex(@"\bclass\s+(\w+Endpoints)\b")]
    private static partial Regex EndpointDeclaration();
}
