using System.Diagnostics;
using TestSupport;
using Grpc.Core;
using Vouchers.Campaign.V1;

namespace Campaign.Service.Tests;

/// <summary>Two copies of the service on one database, as in production behind the gateway.</summary>
public sealed class TwoCopiesFixture : IAsyncLifetime
{
    private TestDatabase? _database;

    public CampaignServiceHost First { get; private set; } = null!;

    public CampaignServiceHost Second { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        _database = await SharedPostgres.CreateDatabaseAsync("campaign_copies");
        var clock = new TestClock(Seeds.Beijing(2023, 1, 1));
        First = await CampaignServiceHost.StartAsync(_database.ConnectionString, clock);
        Second = await CampaignServiceHost.StartAsync(_database.ConnectionString, clock);
    }

    public async Task DisposeAsync()
    {
        await First.DisposeAsync();
        await Second.DisposeAsync();
        await _database!.DisposeAsync();
    }
}

public class SnapshotTests(TwoCopiesFixture fixture) : IClassFixture<TwoCopiesFixture>
{
    [Fact]
    public async Task A_watcher_on_one_copy_receives_the_new_version_within_a_second_of_a_pause_on_the_other()
    {
        fixture.First.Clock.Now = Seeds.Beijing(2023, 2, 1);
        var s1 = await Seeds.ConfigureS1Async(fixture.First.Campaigns, "huating-watch");
        await s1.PublishAsync();
        fixture.First.Clock.Now = Seeds.Beijing(2023, 3, 2);

        using var cancel = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        using var watch = fixture.Second.Snapshots.WatchCampaignSnapshots(new WatchCampaignSnapshotsRequest { CampaignIds = { s1.Id } }, cancellationToken: cancel.Token);
        Assert.True(await watch.ResponseStream.MoveNext(cancel.Token));
        var first = watch.ResponseStream.Current;

        // The schedule may start it meanwhile; wait for RUNNING through the stream itself.
        var current = first;
        while (current.Campaign.State != CampaignState.Running)
        {
            Assert.True(await watch.ResponseStream.MoveNext(cancel.Token));
            current = watch.ResponseStream.Current;
        }

        var stopwatch = Stopwatch.StartNew();
        await fixture.First.Campaigns.PauseCampaignAsync(new CampaignTransitionRequest { CampaignId = s1.Id, ExpectedVersion = current.Campaign.Version, Actor = Seeds.Operator, Reason = "核查" });
        Assert.True(await watch.ResponseStream.MoveNext(cancel.Token));
        stopwatch.Stop();
        var paused = watch.ResponseStream.Current;
        Assert.Equal(CampaignState.Paused, paused.Campaign.State);
        Assert.True(paused.SnapshotVersion > current.SnapshotVersion);
        Assert.True(stopwatch.Elapsed < TimeSpan.FromSeconds(1), $"the new snapshot took {stopwatch.Elapsed}");

        // The other copy's memory is not stale either.
        var read = await fixture.Second.Snapshots.GetCampaignSnapshotAsync(new GetCampaignSnapshotRequest { CampaignId = s1.Id });
        Assert.Equal(paused.SnapshotVersion, read.SnapshotVersion);
        cancel.Cancel();
    }

    [Fact]
    public async Task Reads_are_served_from_memory_until_a_change_on_any_copy_moves_the_version()
    {
        fixture.First.Clock.Now = Seeds.Beijing(2023, 4, 1);
        var s5 = await Seeds.ConfigureS5Async(fixture.First.Campaigns, "zhangdian-cache");
        await s5.PublishAsync();
        var request = new GetCampaignSnapshotRequest { CampaignId = s5.Id };
        var before = await fixture.Second.Snapshots.GetCampaignSnapshotAsync(request);
        var again = await fixture.Second.Snapshots.GetCampaignSnapshotAsync(request);
        Assert.Equal(before.GeneratedAt, again.GeneratedAt);

        var settings = s5.Details.Settings.Clone();
        settings.Description = "以旧换新";
        var updated = await fixture.First.Campaigns.UpdateCampaignSettingsAsync(new UpdateCampaignSettingsRequest { CampaignId = s5.Id, ExpectedVersion = s5.Version, Actor = Seeds.Operator, Settings = settings });
        var deadline = DateTime.UtcNow.AddSeconds(5);
        CampaignSnapshot after;
        do
        {
            after = await fixture.Second.Snapshots.GetCampaignSnapshotAsync(request);
        }
        while (after.SnapshotVersion == before.SnapshotVersion && DateTime.UtcNow < deadline);
        Assert.Equal("以旧换新", after.Campaign.Settings.Description);
        Assert.Equal(updated.Version, after.Campaign.Version);

        var tooNew = await Assert.ThrowsAsync<RpcException>(() => fixture.Second.Snapshots.GetCampaignSnapshotAsync(new GetCampaignSnapshotRequest { CampaignId = s5.Id, MinSnapshotVersion = after.SnapshotVersion + 5 }).ResponseAsync);
        Assert.Equal(StatusCode.Unavailable, tooNew.StatusCode);
    }

    [Fact]
    public async Task Drafts_have_no_snapshot_and_bad_watch_requests_are_refused()
    {
        var draft = await Seeds.CreateAsync(fixture.First.Campaigns, Seeds.S1Settings("huating-draft"));
        var notFound = await Assert.ThrowsAsync<RpcException>(() => fixture.First.Snapshots.GetCampaignSnapshotAsync(new GetCampaignSnapshotRequest { CampaignId = draft.Id }).ResponseAsync);
        Assert.Equal(StatusCode.NotFound, notFound.StatusCode);
        var empty = await Assert.ThrowsAsync<RpcException>(() => fixture.First.Snapshots.GetCampaignSnapshotAsync(new GetCampaignSnapshotRequest()).ResponseAsync);
        Assert.Equal(StatusCode.InvalidArgument, empty.StatusCode);

        using var unknown = fixture.First.Snapshots.WatchCampaignSnapshots(new WatchCampaignSnapshotsRequest { CampaignIds = { "cmp-nope" } });
        var refused = await Assert.ThrowsAsync<RpcException>(() => unknown.ResponseStream.MoveNext(CancellationToken.None));
        Assert.Equal(StatusCode.NotFound, refused.StatusCode);
        using var blank = fixture.First.Snapshots.WatchCampaignSnapshots(new WatchCampaignSnapshotsRequest { CampaignIds = { "" } });
        Assert.Equal(StatusCode.InvalidArgument, (await Assert.ThrowsAsync<RpcException>(() => blank.ResponseStream.MoveNext(CancellationToken.None))).StatusCode);
    }
}
