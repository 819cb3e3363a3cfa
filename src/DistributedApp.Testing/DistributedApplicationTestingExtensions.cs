using System.Globalization;
using System.Text;

namespace DistributedApp.Testing;

/// <summary>What a test needs from a running application: start-and-wait, clients, addresses.</summary>
public static class DistributedApplicationTestingExtensions
{
    /// <summary>
    /// Starts the application and waits until every resource is healthy. On failure or timeout it stops
    /// everything and throws with each resource's state and the last log lines of those not healthy.
    /// </summary>
    public static async Task StartAndWaitForHealthyAsync(this DistributedApplication app, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(app);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var limit = app.StartTimeout ?? TimeSpan.FromMinutes(3);
        timeout.CancelAfter(limit);
        try
        {
            await app.StartAsync(timeout.Token);
            await app.WaitForHealthyAsync(timeout.Token);
        }
        catch (Exception ex) when (ex is DistributedApplicationException || (ex is OperationCanceledException && !cancellationToken.IsCancellationRequested))
        {
            var report = DescribeUnhealthy(app);
            await app.StopAsync(CancellationToken.None);
            var reason = ex is OperationCanceledException ? $"not every resource was healthy after {limit.TotalSeconds:0}s" : ex.Message;
            throw new DistributedApplicationException($"The application did not start: {reason}\n{report}", ex);
        }
    }

    /// <summary>An HttpClient whose base address is the resource's endpoint.</summary>
    public static HttpClient CreateHttpClient(this DistributedApplication app, string resourceName, string endpointName = ProjectResource.HttpEndpointName)
    {
        ArgumentNullException.ThrowIfNull(app);
        return new HttpClient { BaseAddress = app.GetEndpoint(resourceName, endpointName) };
    }

    /// <summary>Every resource's state and, for those not healthy, their last log lines.</summary>
    public static string DescribeUnhealthy(this DistributedApplication app, int logLines = 25)
    {
        ArgumentNullException.ThrowIfNull(app);
        var text = new StringBuilder();
        foreach (var snapshot in app.Notifications.GetSnapshots())
        {
            text.Append(CultureInfo.InvariantCulture, $"  {snapshot.Name}: {snapshot.State}");
            if (snapshot.ExitCode is { } code)
            {
                text.Append(CultureInfo.InvariantCulture, $" (exit code {code})");
            }

            if (snapshot.Message is { } message)
            {
                text.Append(" — ").Append(message);
            }

            text.Append('\n');
            if (snapshot.State != ResourceState.Healthy)
            {
                foreach (var line in app.Logs.GetRecent(snapshot.Name, logLines))
                {
                    text.Append("    │ ").Append(line.Text).Append('\n');
                }
            }
        }

        foreach (var line in app.Logs.GetRecent("build", logLines).Where(l => l.Text.Contains("error", StringComparison.OrdinalIgnoreCase)))
        {
            text.Append("  build │ ").Append(line.Text).Append('\n');
        }

        return text.ToString();
    }
}
