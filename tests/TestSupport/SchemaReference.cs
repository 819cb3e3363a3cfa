using System.Diagnostics;
using System.Text;
using LocalServers;
using Npgsql;

namespace TestSupport;

/// <summary>
/// A database's schema as <c>pg_dump --schema-only</c> prints it, reduced to what a schema is: the
/// statements, without pg_dump's comments, session settings, <c>\restrict</c> tokens and object order.
/// Each service keeps the schema its migrations must produce in <c>src/&lt;Service&gt;/Data/Migrations/schema.sql</c>
/// (written by <see cref="ReadOrUpdateAsync"/>); its tests migrate a fresh database and compare.
/// </summary>
public static class SchemaReference
{
    /// <summary>Set to 1 to rewrite the reference files from the databases the tests migrate, instead of comparing.</summary>
    public const string UpdateVariable = "UPDATE_SCHEMA_REFERENCE";

    private const string Header = """
        -- The schema a fresh database has after every migration in this folder: pg_dump --schema-only --no-owner
        -- --no-privileges, normalised by tests/TestSupport/SchemaReference.cs (no comments, SET lines or \restrict
        -- tokens; one statement group per object, sorted). Nothing applies this file: the service's tests migrate a
        -- fresh database, dump it the same way and require exactly this text, so a migration that changes the schema
        -- shows its effect here in review. Rewrite it after an intended change with UPDATE_SCHEMA_REFERENCE=1 dotnet test.

        """;

    /// <summary>The normalised schema of the database behind <paramref name="connectionString"/>.</summary>
    public static async Task<string> DumpAsync(string connectionString, CancellationToken cancellationToken = default)
    {
        var settings = new NpgsqlConnectionStringBuilder(connectionString);
        // The pg_dump of the server's own installation: a dump from another major version prints other noise.
        var start = new ProcessStartInfo(Path.Combine(DebianPrograms.PostgresBinDirectory(), "pg_dump"))
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            StandardOutputEncoding = Encoding.UTF8,
        };
        foreach (var argument in new[] { "--schema-only", "--no-owner", "--no-privileges", "--no-password" })
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment["PGHOST"] = settings.Host;
        start.Environment["PGPORT"] = settings.Port.ToString(System.Globalization.CultureInfo.InvariantCulture);
        start.Environment["PGUSER"] = settings.Username;
        start.Environment["PGPASSWORD"] = settings.Password;
        start.Environment["PGDATABASE"] = settings.Database;

        using var process = Process.Start(start) ?? throw new InvalidOperationException("pg_dump could not be started.");
        var output = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var error = process.StandardError.ReadToEndAsync(cancellationToken);
        await process.WaitForExitAsync(cancellationToken);
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"pg_dump exited with {process.ExitCode}: {await error}");
        }

        return Normalise(await output);
    }

    /// <summary>
    /// pg_dump's text without what does not describe the schema. pg_dump opens every object with a
    /// <c>-- Name: …</c> comment block; the statements between two blocks are kept together, and the groups are
    /// sorted so that two databases with the same objects compare equal whatever order they were created in.
    /// Normalising a normalised text changes nothing, so reference files are compared after the same treatment.
    /// </summary>
    public static string Normalise(string dump)
    {
        ArgumentNullException.ThrowIfNull(dump);
        var groups = new List<string>();
        var current = new StringBuilder();
        void Close()
        {
            var text = current.ToString().Trim('\n');
            if (text.Length > 0)
            {
                groups.Add(text);
            }

            current.Clear();
        }

        foreach (var raw in dump.ReplaceLineEndings("\n").Split('\n'))
        {
            var line = raw.TrimEnd();
            if (line.StartsWith("-- Name: ", StringComparison.Ordinal) || line.StartsWith("-- Data for Name: ", StringComparison.Ordinal))
            {
                Close();
                continue;
            }

            if (line.StartsWith("--", StringComparison.Ordinal)
                || line.StartsWith("SET ", StringComparison.Ordinal)
                || line.StartsWith("SELECT pg_catalog.set_config(", StringComparison.Ordinal)
                || line.StartsWith("\\restrict", StringComparison.Ordinal)
                || line.StartsWith("\\unrestrict", StringComparison.Ordinal))
            {
                continue;
            }

            // A blank line inside a group separates statements; runs of them say nothing more than one.
            if (line.Length == 0 && (current.Length == 0 || (current.Length > 1 && current[^2] == '\n')))
            {
                continue;
            }

            current.Append(line).Append('\n');
        }

        Close();
        groups.Sort(StringComparer.Ordinal);
        return string.Join("\n\n", groups) + "\n";
    }

    /// <summary>
    /// The reference schema at <paramref name="repositoryPath"/> (relative to the repository root), normalised. With
    /// <see cref="UpdateVariable"/>=1 the file is first rewritten with <paramref name="actual"/>, so the comparison passes
    /// and the change shows in <c>git diff</c>.
    /// </summary>
    public static async Task<string> ReadOrUpdateAsync(string repositoryPath, string actual, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(actual);
        var path = Path.Combine(RepositoryRoot(), repositoryPath);
        if (Environment.GetEnvironmentVariable(UpdateVariable) == "1")
        {
            await File.WriteAllTextAsync(path, Header + "\n" + actual, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false), cancellationToken);
        }

        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"No reference schema at {repositoryPath}; create it with {UpdateVariable}=1.", path);
        }

        return Normalise(await File.ReadAllTextAsync(path, cancellationToken));
    }

    private static string RepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Microservices.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException($"No Microservices.sln above {AppContext.BaseDirectory}.");
    }
}
