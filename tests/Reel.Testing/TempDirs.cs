namespace Reel.Testing;

/// <summary>Folders of a test or a bench run, and their removal when the processes that used them are gone.</summary>
internal static class TempDirs
{
    public static string Create(string prefix)
    {
        var path = Path.Combine(Path.GetTempPath(), $"{prefix}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(path);
        return path;
    }

    public static void Delete(string path)
    {
        try
        {
            if (Directory.Exists(path)) Directory.Delete(path, recursive: true);
        }
        catch (IOException)
        {
            // A process we started may still be closing a file; the OS temp cleaner gets it.
        }
    }
}
