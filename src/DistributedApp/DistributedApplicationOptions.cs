namespace DistributedApp;

/// <summary>How an application model runs: where state lives, whether to build, what to show.</summary>
public sealed class DistributedApplicationOptions
{
    /// <summary>Command-line arguments; <c>--reset</c>, <c>--state-dir &lt;dir&gt;</c> and <c>--no-build</c> are understood here, the rest goes to configuration.</summary>
    public string[] Args { get; set; } = [];

    /// <summary>Where database files, logs and resources.json live. Default: .state/ under the repository root.</summary>
    public string? StateDirectory { get; set; }

    /// <summary>Wipe the state directory before starting (the <c>--reset</c> flag).</summary>
    public bool ResetState { get; set; }

    /// <summary>Build every project resource with one <c>dotnet build</c> before starting them.</summary>
    public bool BuildProjects { get; set; } = true;

    /// <summary>Build configuration of project resources. Default: the one the app host itself was built with.</summary>
    public string? Configuration { get; set; }

    /// <summary>Directory that relative project paths start from. Default: the app host's project directory.</summary>
    public string? AppHostDirectory { get; set; }

    /// <summary>Give endpoints declared with a fixed port a free port instead (tests run beside a live app host).</summary>
    public bool AllocateFixedPortsDynamically { get; set; }

    /// <summary>Print the resource table and every resource's log lines on the console.</summary>
    public bool ShowConsole { get; set; } = true;

    /// <summary>Give up stopping gracefully after this long and kill what is left.</summary>
    public TimeSpan StopTimeout { get; set; } = TimeSpan.FromSeconds(9);

    public TimeProvider TimeProvider { get; set; } = TimeProvider.System;

    /// <summary>Where server programs are looked up; tests replace it to simulate a bare machine.</summary>
    internal ServerBinaries Binaries { get; set; } = new();
}
