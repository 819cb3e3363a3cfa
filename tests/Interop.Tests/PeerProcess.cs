using System.Diagnostics;
using System.Text;

namespace Interop.Tests;

/// <summary>
/// A program under test started by this test run: its output lines are collected so tests can
/// wait for a line, and it is killed on dispose if it is still running.
/// </summary>
internal sealed class PeerProcess : IDisposable
{
    private readonly Process process;
    private readonly List<string> lines = [];
    private readonly object gate = new();
    private TaskCompletionSource lineArrived = NewSignal();

    private PeerProcess(Process process, string description)
    {
        this.process = process;
        Description = description;
    }

    public string Description { get; }

    public bool HasExited => process.HasExited;

    /// <summary>Everything the program wrote so far, stdout and stderr interleaved as received.</summary>
    public string Output
    {
        get
        {
            lock (gate)
            {
                return string.Join('\n', lines);
            }
        }
    }

    public static PeerProcess Start(string fileName, IEnumerable<string> arguments, string workingDirectory)
    {
        var startInfo = new ProcessStartInfo(fileName)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
        };
        foreach (var argument in arguments)
        {
            startInfo.ArgumentList.Add(argument);
        }

        startInfo.Environment["DOTNET_NOLOGO"] = "1";
        startInfo.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        startInfo.Environment["PYTHONDONTWRITEBYTECODE"] = "1";
        startInfo.Environment["PYTHONUNBUFFERED"] = "1";

        var process = new Process { StartInfo = startInfo, EnableRaisingEvents = true };
        var peer = new PeerProcess(process, $"{Path.GetFileName(fileName)} {string.Join(' ', startInfo.ArgumentList)}");
        process.OutputDataReceived += (_, e) => peer.Append(e.Data);
        process.ErrorDataReceived += (_, e) => peer.Append(e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return peer;
    }

    /// <summary>Number of output lines so far; pass it to <see cref="WaitForLineAsync"/> to ignore older lines.</summary>
    public int LineCount
    {
        get
        {
            lock (gate)
            {
                return lines.Count;
            }
        }
    }

    /// <summary>Waits for the first output line from <paramref name="fromLine"/> on that matches; fails with the output so far.</summary>
    public async Task<string> WaitForLineAsync(Func<string, bool> matches, TimeSpan timeout, int fromLine = 0)
    {
        using var deadline = new CancellationTokenSource(timeout);
        var checkedCount = fromLine;
        while (true)
        {
            Task next;
            lock (gate)
            {
                for (; checkedCount < lines.Count; checkedCount++)
                {
                    if (matches(lines[checkedCount]))
                    {
                        return lines[checkedCount];
                    }
                }

                next = lineArrived.Task;
            }

            if (process.HasExited)
            {
                // Output can still be draining after the exit; one more look at it decides.
                process.WaitForExit();
                lock (gate)
                {
                    var match = lines.Skip(checkedCount).FirstOrDefault(matches);
                    if (match is not null)
                    {
                        return match;
                    }
                }

                throw new InvalidOperationException($"'{Description}' exited with {process.ExitCode} before the expected output.\n{Output}");
            }

            try
            {
                await next.WaitAsync(TimeSpan.FromMilliseconds(500), deadline.Token);
            }
            catch (TimeoutException)
            {
                // Re-check for an exit without output.
            }
            catch (OperationCanceledException)
            {
                throw new TimeoutException($"'{Description}' did not print the expected output within {timeout}.\n{Output}");
            }
        }
    }

    public async Task WriteLineAsync(string line)
    {
        await process.StandardInput.WriteLineAsync(line);
        await process.StandardInput.FlushAsync();
    }

    /// <summary>Waits for the program to end by itself; kills it and fails if it does not in time.</summary>
    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        using var deadline = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(deadline.Token);
        }
        catch (OperationCanceledException)
        {
            Kill();
            throw new TimeoutException($"'{Description}' did not finish within {timeout}.\n{Output}");
        }

        process.WaitForExit();
        return process.ExitCode;
    }

    public void Dispose()
    {
        Kill();
        process.Dispose();
    }

    private void Kill()
    {
        try
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
                process.WaitForExit(10_000);
            }
        }
        catch (InvalidOperationException)
        {
            // It ended on its own meanwhile.
        }
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        TaskCompletionSource arrived;
        lock (gate)
        {
            lines.Add(line);
            arrived = lineArrived;
            lineArrived = NewSignal();
        }

        arrived.TrySetResult();
    }

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}
