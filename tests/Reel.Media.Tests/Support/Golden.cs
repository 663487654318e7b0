using System.Text;

namespace Reel.Media.Tests.Support;

/// <summary>
/// Golden argument lists: <c>Fixtures/golden/NAME.args</c>, one argument per line. With <c>UPDATE_GOLDEN=1</c> the
/// test writes the file into the source tree instead of comparing, so a deliberate change is one run and a diff review.
/// </summary>
internal static class Golden
{
    public static void AssertArguments(string name, IReadOnlyList<string> actual)
    {
        var bad = actual.FirstOrDefault(a => a.Contains('\n', StringComparison.Ordinal) || a.Contains('\r', StringComparison.Ordinal));
        Assert.True(bad is null, $"An argument contains a line break and cannot be stored one per line: {bad}");

        // Fixed inputs use '/' paths; Path.Combine on Windows would join with '\'.
        var lines = actual.Select(a => a.Replace(Path.DirectorySeparatorChar, '/')).ToList();
        var fileName = name + ".args";

        if (Environment.GetEnvironmentVariable("UPDATE_GOLDEN") == "1")
        {
            var dir = Path.Combine(SourceProjectDirectory(), "Fixtures", "golden");
            Directory.CreateDirectory(dir);
            File.WriteAllText(Path.Combine(dir, fileName), string.Join('\n', lines) + "\n", new UTF8Encoding(false));
            return;
        }

        var expectedPath = Path.Combine(AppContext.BaseDirectory, "Fixtures", "golden", fileName);
        Assert.True(File.Exists(expectedPath), $"No golden file {fileName}; run the tests once with UPDATE_GOLDEN=1 and review it.");
        var expected = File.ReadAllText(expectedPath).Replace("\r\n", "\n", StringComparison.Ordinal).TrimEnd('\n').Split('\n');
        if (!expected.SequenceEqual(lines, StringComparer.Ordinal))
            Assert.Fail($"Arguments differ from {fileName} (- golden, + actual); if the change is intended, rerun with UPDATE_GOLDEN=1 and review the diff:\n{Diff(expected, lines)}");
    }

    /// <summary>The test project folder in the source tree: walk up from the build output to the folder holding Reel.slnx.</summary>
    private static string SourceProjectDirectory()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Reel.slnx")))
                return Path.Combine(dir.FullName, "tests", "Reel.Media.Tests");
        }
        throw new InvalidOperationException($"No Reel.slnx above {AppContext.BaseDirectory}; cannot update golden files.");
    }

    /// <summary>A line diff from the longest common subsequence: unchanged lines indented, removed '-', added '+'.</summary>
    internal static string Diff(IReadOnlyList<string> expected, IReadOnlyList<string> actual)
    {
        var common = new int[expected.Count + 1, actual.Count + 1];
        for (var i = expected.Count - 1; i >= 0; i--)
        {
            for (var j = actual.Count - 1; j >= 0; j--)
            {
                common[i, j] = expected[i] == actual[j]
                    ? common[i + 1, j + 1] + 1
                    : Math.Max(common[i + 1, j], common[i, j + 1]);
            }
        }

        var text = new StringBuilder();
        int e = 0, a = 0;
        while (e < expected.Count || a < actual.Count)
        {
            if (e < expected.Count && a < actual.Count && expected[e] == actual[a])
            {
                text.Append("  ").Append(expected[e++]).Append('\n');
                a++;
            }
            else if (e < expected.Count && (a == actual.Count || common[e + 1, a] >= common[e, a + 1]))
            {
                text.Append("- ").Append(expected[e++]).Append('\n');
            }
            else
            {
                text.Append("+ ").Append(actual[a++]).Append('\n');
            }
        }
        return text.ToString();
    }
}
