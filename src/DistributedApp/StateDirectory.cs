namespace DistributedApp;

/// <summary>
/// The directory holding database files, logs and resources.json. A lock file keeps two app hosts from
/// sharing one (they would fight over the same PostgreSQL data directory).
/// </summary>
internal sealed class StateDirectory : IDisposable
{
    private const string LockFileName = "apphost.lock";
    private readonly FileStream _lock;

    private StateDirectory(string path, FileStream lockFile)
    {
        Path = path;
        _lock = lockFile;
    }

    public string Path { get; }

    public static StateDirectory Open(string path, bool reset)
    {
        var fullPath = System.IO.Path.GetFullPath(path);
        Directory.CreateDirectory(fullPath);
        FileStream lockFile;
        try
        {
            lockFile = new FileStream(System.IO.Path.Combine(fullPath, LockFileName), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException ex)
        {
            throw new DistributedApplicationException($"Another app host is using the state directory {fullPath}.", ex);
        }

        if (reset)
        {
            foreach (var entry in new DirectoryInfo(fullPath).EnumerateFileSystemInfos())
            {
                if (entry.Name == LockFileName)
                {
                    continue;
                }

                if (entry is DirectoryInfo directory)
                {
                    directory.Delete(recursive: true);
                }
                else
                {
                    entry.Delete();
                }
            }
        }

        return new StateDirectory(fullPath, lockFile);
    }

    public void Dispose() => _lock.Dispose();
}
