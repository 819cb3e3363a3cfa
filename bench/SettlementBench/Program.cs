using System.Diagnostics;
using System.Globalization;
using Google.Protobuf.WellKnownTypes;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Npgsql;
using NpgsqlTypes;
using Settlement.Service;
using Settlement.Service.Application;
using Settlement.Service.Data;
using Settlement.Service.Feeds;
using TestSupport;
using Vouchers.Campaign.V1;
using Vouchers.Common.V1;
using Vouchers.Redemption.V1;
using Vouchers.Settlement.V1;

// Usage: dotnet SettlementBench.dll [events=1000000] [batch=500] [report-calls=20]
var events = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 1_000_000;
var batchSize = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 500;
var reportCalls = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 20;
const string CampaignId = "bench-s5";
string[] merchants = [.. Enumerable.Range(0, 500).Select(i => $"m{i:D3}")];
(string Tier, long Face, long Cofunding)[] tiers = [("t-200", 20_000, 3_000), ("t-100", 10_000, 1_500)];
var start = new DateTimeOffset(2023, 4, 22, 2, 0, 0, TimeSpan.Zero);

RedemptionRecord Record(int n)
{
    var (tier, face, cofunding) = tiers[n % 2];
    var record = new RedemptionRecord
    {
        RedemptionId = $"red-{n:D8}",
        IdempotencyKey = $"key-{n:D8}",
        VoucherId = $"v-{n:D8}",
        CampaignId = CampaignId,
        RoundId = n % 3 == 0 ? "batch-2" : "batch-1",
        TierId = tier,
        IssuingChannelId = n % 4 == 0 ? "bestpay" : "unionpay",
        MerchantId = merchants[n % merchants.Length],
        MerchantTradeName = "shop " + merchants[n % merchants.Length],
        StaffId = "staff-" + (n % 1000),
        AcquiringChannelId = "unionpay",
        ChannelTransactionId = $"tx-{n:D8}",
        FaceValueCents = face,
        OrderAmountCents = face * 10 + n % 997,
        CategoryId = n % 5 == 0 ? "appliances" : "retail",
        InvoiceNumber = $"FP-{n}",
        MerchantCofundingCents = cofunding,
        GovernmentShareCents = face - cofunding,
        Status = RedemptionStatus.Completed,
        RedeemedAt = Timestamp.FromDateTimeOffset(start.AddSeconds(n % 2_500_000)),
        Version = 1,
    };
    record.BuyerKeys.Add(new MaskedIdentityKey { Kind = IdentityKeyKind.Phone, KeyHash = $"{n % 300_000:x16}", MaskedValue = "138****0000" });
    return record;
}

double Load() => double.Parse(File.ReadAllText("/proc/loadavg").Split(' ')[0], CultureInfo.InvariantCulture);
long PeakRssMb() => long.Parse(File.ReadLines("/proc/self/status").First(l => l.StartsWith("VmHWM:", StringComparison.Ordinal)).Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) / 1024;
void ResetPeakRss() => File.WriteAllText("/proc/self/clear_refs", "5");

Console.WriteLine($"events {events:N0}, batch {batchSize}, load {Load():F1}");
await using var database = await SharedPostgres.CreateDatabaseAsync("settlement_bench");
await using (var db = new SettlementDbContext(new DbContextOptionsBuilder<SettlementDbContext>().UseNpgsql(database.ConnectionString).Options))
{
    await db.Database.MigrateAsync();
}

var services = new ServiceCollection();
services.AddLogging();
services.AddSingleton(TimeProvider.System);
services.AddSingleton(NpgsqlDataSource.Create(database.ConnectionString));
services.AddOptions<ReportOptions>();
services.AddSettlementCore();
await using var provider = services.BuildServiceProvider();
var data = provider.GetRequiredService<NpgsqlDataSource>();

// Baseline: PostgreSQL's own binary COPY of the same rows into a table shaped like redemptions (same indexes).
await using (var create = data.CreateCommand("CREATE TABLE redemptions_copy (LIKE redemptions INCLUDING ALL)"))
{
    await create.ExecuteNonQueryAsync();
}

var copyWatch = Stopwatch.StartNew();
await using (var connection = await data.OpenConnectionAsync())
await using (var import = await connection.BeginBinaryImportAsync(
    "COPY redemptions_copy (redemption_id, campaign_id, voucher_id, round_id, tier_id, issuing_channel_id, merchant_id, merchant_trade_name, staff_id, acquiring_channel_id, channel_transaction_id, category_id, invoice_number, buyer_phone_hash, face_value_cents, order_amount_cents, merchant_cofunding_cents, government_share_cents, status, subsidy_exclusion, redeemed_at, version, feed_sequence, record, settled_earning, clawed_back) FROM STDIN (FORMAT BINARY)"))
{
    for (var n = 1; n <= events; n++)
    {
        var r = Record(n);
        await import.StartRowAsync();
        foreach (var text in new[] { r.RedemptionId, r.CampaignId, r.VoucherId, r.RoundId, r.TierId, r.IssuingChannelId, r.MerchantId, r.MerchantTradeName, r.StaffId, r.AcquiringChannelId, r.ChannelTransactionId, r.CategoryId, r.InvoiceNumber, r.BuyerKeys[0].KeyHash })
        {
            await import.WriteAsync(text, NpgsqlDbType.Text);
        }

        foreach (var amount in new[] { r.FaceValueCents, r.OrderAmountCents, r.MerchantCofundingCents, r.GovernmentShareCents })
        {
            await import.WriteAsync(amount, NpgsqlDbType.Bigint);
        }

        await import.WriteAsync((short)r.Status, NpgsqlDbType.Smallint);
        await import.WriteAsync((short)r.SubsidyExclusion, NpgsqlDbType.Smallint);
        await import.WriteAsync(r.RedeemedAt.ToDateTimeOffset(), NpgsqlDbType.TimestampTz);
        await import.WriteAsync(r.Version, NpgsqlDbType.Bigint);
        await import.WriteAsync((long)n, NpgsqlDbType.Bigint);
        await import.WriteAsync(Google.Protobuf.MessageExtensions.ToByteArray(r), NpgsqlDbType.Bytea);
        await import.WriteAsync(false, NpgsqlDbType.Boolean);
        await import.WriteAsync(false, NpgsqlDbType.Boolean);
    }

    await import.CompleteAsync();
}

copyWatch.Stop();
var copyRate = events / copyWatch.Elapsed.TotalSeconds;
Console.WriteLine($"COPY baseline: {copyWatch.Elapsed.TotalSeconds:F1} s, {copyRate:N0} rows/s (load {Load():F1})");

// The projection exactly as the feed follower drives it: one transaction per batch with the cursor.
var projection = provider.GetRequiredService<RedemptionProjection>();
var projectWatch = Stopwatch.StartNew();
var batch = new List<RedemptionEvent>(batchSize);
for (var n = 1; n <= events; n++)
{
    batch.Add(new RedemptionEvent { Sequence = n, Cursor = n.ToString(CultureInfo.InvariantCulture), Kind = RedemptionEventKind.Redeemed, OccurredAt = Record(n).RedeemedAt, Redemption = Record(n) });
    if (batch.Count == batchSize || n == events)
    {
        await projection.ApplyAsync(batch, CancellationToken.None);
        batch.Clear();
    }
}

projectWatch.Stop();
var projectRate = events / projectWatch.Elapsed.TotalSeconds;
Console.WriteLine($"projection: {projectWatch.Elapsed.TotalSeconds:F1} s, {projectRate:N0} events/s, ratio to COPY {projectRate / copyRate:F2} (target >= 0.20) (load {Load():F1})");

// Vouchers as the issuance feed leaves them (one per redemption, used), loaded in bulk, and the campaign snapshot.
await using (var vouchers = data.CreateCommand(
    """
    INSERT INTO vouchers (voucher_id, campaign_id, round_id, tier_id, tier_name, category_id, channel_id, face_value_cents, status, claimed_at,
        valid_until, ended_at, holder_display_name, holder_phone_hash, holder_keys, redemption_id, merchant_id, used_at, feed_sequence)
    SELECT voucher_id, campaign_id, round_id, tier_id, tier_id, category_id, issuing_channel_id, face_value_cents, 3, redeemed_at - interval '1 hour',
        NULL, NULL, '王*', buyer_phone_hash, '\x'::bytea, redemption_id, merchant_id, redeemed_at, feed_sequence FROM redemptions
    """))
{
    vouchers.CommandTimeout = 600;
    await vouchers.ExecuteNonQueryAsync();
}

await using (var analyze = data.CreateCommand("VACUUM ANALYZE"))
{
    analyze.CommandTimeout = 600;
    await analyze.ExecuteNonQueryAsync();
}

var snapshot = new CampaignSnapshot { CampaignId = CampaignId, SnapshotVersion = 1, Campaign = new CampaignDetails { CampaignId = CampaignId, State = CampaignState.Running, Settings = new CampaignSettings { TimeZone = "Asia/Shanghai", BudgetCents = 50_000_000 }, AllocationPlan = new AllocationMatrix() } };
foreach (var (tier, face, cofunding) in tiers)
{
    snapshot.Campaign.Tiers.Add(new TierDefinition { TierId = tier, Name = tier, FaceValueCents = face, MerchantCofundingCents = cofunding });
    snapshot.Campaign.AllocationPlan.Cells.Add(new AllocationCell { TierId = tier, CategoryId = "retail", Quantity = events });
}

await provider.GetRequiredService<CampaignDirectory>().StoreAsync(snapshot, CancellationToken.None);
var reports = provider.GetRequiredService<Reports>();
var auditor = new Actor { ActorId = "bench", Role = ActorRole.Auditor };

async Task<(double P50, double P99)> TimeAsync(Func<Task> call)
{
    await call();
    var samples = new List<double>();
    for (var i = 0; i < reportCalls; i++)
    {
        var watch = Stopwatch.StartNew();
        await call();
        samples.Add(watch.Elapsed.TotalMilliseconds);
    }

    samples.Sort();
    return (samples[samples.Count / 2], samples[Math.Min(samples.Count - 1, (int)Math.Ceiling(samples.Count * 0.99) - 1)]);
}

TierCategoryReport? tierReport = null;
var tierTimes = await TimeAsync(async () => tierReport = await reports.TierCategoryAsync(new GetTierCategoryReportRequest { Actor = auditor, CampaignId = CampaignId }, CancellationToken.None));
Console.WriteLine($"tier x category report: p50 {tierTimes.P50:F0} ms, p99 {tierTimes.P99:F0} ms (target <= 1000 ms); used {tierReport!.Totals.Used.Count:N0} (load {Load():F1})");
ListRedemptionRecordsResponse? page = null;
var pageTimes = await TimeAsync(async () => page = await reports.RedemptionRecordsAsync(new ListRedemptionRecordsRequest { Actor = auditor, CampaignId = CampaignId, Page = new PageRequest { PageSize = 50 } }, CancellationToken.None));
Console.WriteLine($"redemption list page of 50 with totals: p50 {pageTimes.P50:F0} ms, p99 {pageTimes.P99:F0} ms; totals {page!.Totals.Count:N0} redemptions, leverage {page.Totals.LeverageBasisPoints} bp (load {Load():F1})");

// The audit export of every redemption, as ExportAuditData produces it (rows read with a server-side cursor, checksummed).
GC.Collect();
ResetPeakRss();
var before = PeakRssMb();
var export = provider.GetRequiredService<AuditExport>();
var exportWatch = Stopwatch.StartNew();
using var checksum = new RowChecksum();
await foreach (var row in export.RowsAsync(ExportDataset.Redemptions, CampaignId, DateTimeOffset.UnixEpoch, DateTimeOffset.MaxValue.AddYears(-1), CancellationToken.None))
{
    checksum.Add(row);
}

exportWatch.Stop();
Console.WriteLine($"export: {checksum.Rows:N0} rows in {exportWatch.Elapsed.TotalSeconds:F1} s, {checksum.Rows / exportWatch.Elapsed.TotalSeconds:N0} rows/s, peak RSS {PeakRssMb()} MB during the export (process {before} MB before it; target <= 300 MB), sha256 {checksum.HexDigest()[..16]}… (load {Load():F1})");

var failed = projectRate / copyRate < 0.2 || tierTimes.P99 > 1000 || PeakRssMb() > 300 || checksum.Rows != events || tierReport.Totals.Used.Count != events;
Console.WriteLine(failed ? "FAILED a target" : "all targets met");
return failed ? 1 : 0;
