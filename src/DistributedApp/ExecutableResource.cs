using DistributedApp.Processes;

namespace DistributedApp;

/// <summary>Any program, started with arguments in a working directory.</summary>
public class ExecutableResource : Resource
{
    private readonly List<Func<IReadOnlyList<string>>> _arguments = [];

    public ExecutableResource(string name, string command, string workingDirectory)
        : base(name)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(command);
        Command = command;
        WorkingDirectory = workingDirectory;
    }

    public override string Kind => "executable";

    public string Command { get; }

    public string WorkingDirectory { get; }

    /// <summary>Signal that stops the program cleanly; SIGTERM unless changed.</summary>
    internal int StopSignal { get; set; } = Signals.SigTerm;

    /// <summary>Arguments, evaluated at launch so they may mention allocated ports.</summary>
    internal void AddArguments(Func<IReadOnlyList<string>> arguments) => _arguments.Add(arguments);

    internal override ProcessSpec? CreateProcess(RunContext context)
    {
        var spec = new ProcessSpec
        {
            FileName = Command,
            WorkingDirectory = WorkingDirectory,
            StopSignal = StopSignal,
        };

        foreach (var arguments in _arguments)
        {
            spec.Arguments.AddRange(arguments());
        }

        foreach (var (name, value) in BuildEnvironment())
        {
            spec.Environment[name] = value;
        }

        foreach (var endpoint in Endpoints)
        {
            if (endpoint.EnvironmentVariable is { } variable)
            {
                spec.Environment[variable] = endpoint.AllocatedPort.ToString(System.Globalization.CultureInfo.InvariantCulture);
            }
        }

        return spec;
    }
}
