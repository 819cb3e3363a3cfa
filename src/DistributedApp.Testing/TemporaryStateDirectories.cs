namespace DistributedApp.Testing;

/// <summary>
/// Throw-away state directories under the system temp directory. A test host that crashed leaves its
/// directories behind; the next run removes those no app holds the lock of any more.
/// </summary>
internal static class TemporaryStateDirectories
{
    private const string Prefix = "distributedapp-test-";
    private static int _swept;

    /// <summary>A fresh path; the directory itself appears when an application is built on it.</summary>
    public static string NewPath()
    {
        if (Interlocked.Exchange(ref _swept, 1) == 0)
        {
            SweepAbandoned();
        }

        return Path.Combine(Path.GetTempPath(), Prefix + Guid.NewGuid().ToString("N")[..12]);
    }

    public static void Delete(string path)
    {
        try
        {
            Directory.Delete(path, recursive: true);
        }
        catch (IOException)
        {
            // A file still being written by a dying process; the next sweep removes it.
        }
        catch (UnauthorizedAccessException)
        {
            // Same: left for the next sweep.
        }
    }

    private static void SweepAbandoned()
    {
        foreach (var directory in Directory.EnumerateDirectories(Path.GetTempPath(), Prefix + "*"))
        {
            var lockFile = Path.Combine(directory, "apphost.lock");
            try
            {
                if (File.Exists(lockFile))
                {
                    // Opening exclusively only succeeds when no live app holds it.
                    using var probe = new FileStream(lockFile, FileMode.Open, FileAccess.ReadWrite, FileShare.None);
                }
                else if (Directory.GetLastWriteTimeUtc(directory) > DateTime.UtcNow.AddHours(-1))
                {
                    continue;
                }
            }
            catch (IOException)
            {
                continue;
            }

            Delete(directory);
        }
    }
}
