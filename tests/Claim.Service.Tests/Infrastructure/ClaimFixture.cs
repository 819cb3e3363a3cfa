using Claim.Service.Data;
using Claim.Service.HotPath;
using Claim.Service.Persistence;
using TestSupport;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Npgsql;
using StackExchange.Redis;
using Vouchers.Campaign.V1;

namespace Claim.Service.Tests.Infrastructure;

/// <summary>One redis-server and one migrated claimdb for the whole test run; each test resets both.</summary>
public sealed class ClaimFixture : IAsyncLifetime
{
    public RedisServer Redis { get; private set; } = null!;

    /// <summary>The tests' own connection, in admin mode for FLUSHALL and KEYS; the service under test opens its own without it.</summary>
    public ConnectionMultiplexer Connection { get; private set; } = null!;

    public TestDatabase Database { get; private set; } = null!;

    public NpgsqlDataSource DataSource { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Redis = await RedisServer.StartAsync();
        Connection = await ConnectionMultiplexer.ConnectAsync($"{Redis.EndPoint},allowAdmin=true,abortConnect=false");
        Database = await SharedPostgres.CreateDatabaseAsync("claim_tests");
        DataSource = NpgsqlDataSource.Create(Database.ConnectionString);
        var options = new DbContextOptionsBuilder<ClaimDbContext>().UseNpgsql(DataSource).Options;
        await using var context = new ClaimDbContext(options);
        await context.Database.MigrateAsync();
    }

    public async Task DisposeAsync()
    {
        await Connection.DisposeAsync();
        await DataSource.DisposeAsync();
        await Database.DisposeAsync();
        await Redis.DisposeAsync();
    }

    /// <summary>Empties Redis and every claimdb table and returns a fresh set of service parts on a clock at <paramref name="now"/>.</summary>
    public async Task<Harness> ResetAsync(DateTimeOffset now, int drawSeed = 12345)
    {
        await ClearAsync();
        return new Harness(this, new TestClock(now), drawSeed);
    }

    /// <summary>Empties Redis and every claimdb table.</summary>
    public async Task ClearAsync()
    {
        await Connection.GetDatabase().ExecuteAsync("FLUSHALL");
        await using var truncate = DataSource.CreateCommand(
            "TRUNCATE vouchers, issuance_events, voucher_consumptions, voucher_reinstatements, presentation_codes, block_list");
        await truncate.ExecuteNonQueryAsync();
    }
}

[CollectionDefinition(Name)]
public sealed class ClaimCollection : ICollectionFixture<ClaimFixture>
{
    public const string Name = "claim";
}

/// <summary>The Claim service's parts wired by hand around the shared Redis and Postgres.</summary>
public sealed class Harness
{
    public Harness(ClaimFixture fixture, TestClock clock, int drawSeed)
    {
        Fixture = fixture;
        Clock = clock;
        Redis = fixture.Connection.GetDatabase();
        Options = Microsoft.Extensions.Options.Options.Create(new ClaimOptions
        {
            IdentitySecret = "test-secret-0123456789abcdef",
            PersisterTakeoverIdle = TimeSpan.FromMilliseconds(200),
        });
        Catalog = new CampaignCatalog();
        Identities = new IdentityKeys(Options);
        Armer = new StockArmer(Redis);
        Store = new VoucherStore(fixture.DataSource);
        Engine = new ClaimEngine(Redis, Catalog, Identities, Armer, new DrawDice(new Random(drawSeed)), clock, Options, store: Store);
    }

    /// <summary>ClaimAdminService's gRPC adapter over this harness's stores, as the service wires it.</summary>
    public Grpc.ClaimAdminGrpcService AdminService()
    {
        var controls = new Admin.ClaimControls(Redis);
        var admin = new Admin.ClaimAdminService(
            Catalog, controls, new Admin.BlockListStore(Fixture.DataSource, Redis), new Usage.VoucherUsageStore(Fixture.DataSource),
            new Persistence.WalletStore(Fixture.DataSource), Identities, new Admin.Reconciler(Redis, Store, Options), Clock);
        return new Grpc.ClaimAdminGrpcService(admin, new Admin.StockReports(Catalog, controls, new Admin.VoucherTallies(Fixture.DataSource), Clock));
    }

    public ClaimFixture Fixture { get; }

    public TestClock Clock { get; }

    public IDatabase Redis { get; }

    public IOptions<ClaimOptions> Options { get; }

    public CampaignCatalog Catalog { get; }

    public IdentityKeys Identities { get; }

    public StockArmer Armer { get; }

    public ClaimEngine Engine { get; }

    public VoucherStore Store { get; }

    public IssuedStreamPersister Persister(string consumer) =>
        new(Redis, Store, Options, Clock, NullLogger<IssuedStreamPersister>.Instance) { ConsumerName = consumer };

    /// <summary>Takes the snapshot in and arms its stock, as the snapshot subscriber and arming service do.</summary>
    public async Task<CampaignPlan> LoadAsync(CampaignSnapshot snapshot)
    {
        Catalog.Apply(snapshot);
        var plan = Catalog.Find(snapshot.CampaignId)!;
        await Armer.ArmAsync(plan);
        return plan;
    }

    /// <summary>Runs a persister until the stream holds nothing unacknowledged.</summary>
    public async Task PersistAllAsync()
    {
        var persister = Persister("drain");
        while (await persister.RunOnceAsync(includeOwnPending: true, CancellationToken.None) > 0)
        {
        }
    }

    public async Task<long> ScalarAsync(string sql)
    {
        await using var command = Fixture.DataSource.CreateCommand(sql);
        return Convert.ToInt64(await command.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
    }
}
