namespace TestSupport;

/// <summary>A state folder of a test's own (PostgreSQL cluster, Redis AOF, resources.json), removed afterwards.</summary>
public sealed class TemporaryStateDirectory : IDisposable
{
    public string Path { get; } = Directory.CreateTempSubdirectory("apphost-tests-").FullName;

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // A server still flushing its last file: the system's temp clean-up takes the rest.
        }
    }
}
