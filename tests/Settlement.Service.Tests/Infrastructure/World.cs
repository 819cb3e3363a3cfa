using TestSupport;

namespace Settlement.Service.Tests.Infrastructure;

/// <summary>A fresh settlementdb, the feeds and one Settlement copy: each test starts from nothing.</summary>
public sealed class World : IAsyncDisposable
{
    private readonly List<SettlementHost> _hosts = [];

    private World(TestDatabase database, FeedServer feeds, TestClock clock)
    {
        Database = database;
        Feeds = feeds;
        Clock = clock;
    }

    public TestDatabase Database { get; }

    public FeedServer Feeds { get; }

    public TestClock Clock { get; }

    public SettlementHost Host => _hosts[0];

    public static async Task<World> StartAsync(DateTimeOffset now, string prefix = "settlement")
    {
        var database = await SharedPostgres.CreateDatabaseAsync(prefix);
        var world = new World(database, await FeedServer.StartAsync(), new TestClock(now));
        await world.AddHostAsync();
        return world;
    }

    /// <summary>Another copy of the service on the same database and feeds.</summary>
    public async Task<SettlementHost> AddHostAsync(IReadOnlyDictionary<string, string?>? settings = null)
    {
        var host = await SettlementHost.StartAsync(Database.ConnectionString, Clock, Feeds.Address, settings);
        _hosts.Add(host);
        return host;
    }

    public async Task StopHostAsync(SettlementHost host)
    {
        _hosts.Remove(host);
        await host.DisposeAsync();
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var host in _hosts)
        {
            await host.DisposeAsync();
        }

        await Feeds.DisposeAsync();
        await Database.DisposeAsync();
    }
}
