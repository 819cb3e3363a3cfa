using System.Globalization;
using System.Text.Json;
using Aspire.Hosting.ApplicationModel;
using LocalServers;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace AppHost;

/// <summary>
/// Keeps <c>{state}/resources.json</c> current from the resource events: each resource's name, type,
/// state, health, pid and endpoints with the ports DCP allocated, so scripts and outside test clients
/// find a running system without reading the dashboard; and the token server's seeded accounts (client ids and
/// secrets per role, people's user names and passwords) so that they can get tokens the way a channel does.
/// </summary>
internal static class ResourcesFile
{
    public const string FileName = "resources.json";

    public static IDistributedApplicationBuilder AddResourcesFile(this IDistributedApplicationBuilder builder, LocalAccounts.SeededAccounts accounts)
    {
        var path = Path.Combine(builder.GetStateDirectory(), FileName);
        builder.Services.AddHostedService(services => new Writer(services.GetRequiredService<ResourceNotificationService>(), path, accounts));
        return builder;
    }

    private sealed class Writer(ResourceNotificationService notifications, string path, LocalAccounts.SeededAccounts accounts) : BackgroundService
    {
        private TokenAccounts? _tokens;

        private static readonly JsonSerializerOptions Json = new() { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.CamelCase };

        private readonly SortedDictionary<string, ResourceEntry> entries = new(StringComparer.Ordinal);

        protected override async Task ExecuteAsync(CancellationToken stoppingToken)
        {
            try
            {
                await foreach (var update in notifications.WatchAsync(stoppingToken))
                {
                    if (update.Snapshot.IsHidden)
                    {
                        continue;
                    }

                    entries[update.ResourceId] = ToEntry(update);
                    await WriteAsync(stoppingToken);
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                // The app host is stopping.
            }
        }

        private static ResourceEntry ToEntry(ResourceEvent update)
        {
            var snapshot = update.Snapshot;
            var pid = snapshot.Properties.FirstOrDefault(p => p.Name is "executable.pid" or "project.pid" or "resource.pid")?.Value;
            return new ResourceEntry(
                update.Resource.Name,
                update.ResourceId,
                snapshot.ResourceType,
                snapshot.State?.Text ?? "Unknown",
                snapshot.HealthStatus?.ToString(),
                pid is null ? null : Convert.ToInt32(pid, CultureInfo.InvariantCulture),
                [.. snapshot.Urls.Where(u => !u.IsInactive).Select(u => new EndpointEntry(u.Name ?? string.Empty, u.Url, u.IsInternal))]);
        }

        private async Task WriteAsync(CancellationToken cancellationToken)
        {
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            var temporary = path + ".tmp";
            _tokens ??= await TokenAccountsAsync(cancellationToken);
            await File.WriteAllTextAsync(temporary, JsonSerializer.Serialize(new { resources = entries.Values, tokens = _tokens }, Json), cancellationToken);
            File.Move(temporary, path, overwrite: true);
        }

        private async Task<TokenAccounts> TokenAccountsAsync(CancellationToken cancellationToken)
        {
            var clients = new List<ClientEntry>();
            foreach (var (account, secret) in accounts.Clients)
            {
                clients.Add(new ClientEntry(account.Name, await secret.GetValueAsync(cancellationToken) ?? string.Empty, account.Role, account.MerchantId, account.ChannelId));
            }

            var people = new List<PersonEntry>();
            foreach (var (account, password) in accounts.People)
            {
                people.Add(new PersonEntry(account.Name, await password.GetValueAsync(cancellationToken) ?? string.Empty, account.Role, account.MerchantId));
            }

            return new TokenAccounts("/connect/token", "/connect/authorize", LocalAccounts.WebClientId, clients, people);
        }
    }

    private sealed record TokenAccounts(string TokenPath, string AuthorizePath, string PublicClientId, IReadOnlyList<ClientEntry> Clients, IReadOnlyList<PersonEntry> People);

    private sealed record ClientEntry(string ClientId, string ClientSecret, string Role, string? MerchantId, string? ChannelId);

    private sealed record PersonEntry(string UserName, string Password, string Role, string? MerchantId);

    private sealed record ResourceEntry(string Name, string Instance, string Type, string State, string? Health, int? Pid, IReadOnlyList<EndpointEntry> Endpoints);

    private sealed record EndpointEntry(string Name, string Url, bool Internal);
}
