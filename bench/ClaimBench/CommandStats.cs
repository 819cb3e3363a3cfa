using System.Globalization;

namespace ClaimBench;

/// <summary>
/// Redis's own account of a phase: INFO commandstats after CONFIG RESETSTAT, per call of the phase — how many of each
/// command ran and how many microseconds Redis spent inside it (a script's time includes the commands it calls).
/// </summary>
internal static class CommandStats
{
    public static string Describe(string info, long calls)
    {
        var rows = new List<(string Command, double Calls, double Microseconds)>();
        foreach (var line in info.Split('\n', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            // cmdstat_evalsha:calls=1000,usec=5000,usec_per_call=5.00,rejected_calls=0,failed_calls=0
            if (!line.StartsWith("cmdstat_", StringComparison.Ordinal))
            {
                continue;
            }

            var colon = line.IndexOf(':', StringComparison.Ordinal);
            var fields = line[(colon + 1)..].Split(',').Select(f => f.Split('=')).Where(f => f.Length == 2).ToDictionary(f => f[0], f => f[1], StringComparer.Ordinal);
            var count = double.Parse(fields.GetValueOrDefault("calls", "0"), CultureInfo.InvariantCulture);
            var usec = double.Parse(fields.GetValueOrDefault("usec", "0"), CultureInfo.InvariantCulture);
            rows.Add((line[8..colon], count / calls, usec / calls));
        }

        return string.Join(", ", rows.Where(r => r.Calls >= 0.001 && r.Command is not "config" and not "info").OrderByDescending(r => r.Microseconds)
            .Select(r => string.Create(CultureInfo.InvariantCulture, $"{r.Command} {r.Calls:0.###}× {r.Microseconds:F1}")));
    }
}
