using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Npgsql;
using Redemption.Service.Access;
using Redemption.Service.Campaigns;
using Redemption.Service.Domain;
using Vouchers.Common.V1;
using Vouchers.Redemption.V1;
using FieldProblems = VoucherRules.FieldProblems;
using InvalidArgumentException = VoucherRules.InvalidArgumentException;
using NotFoundException = VoucherRules.NotFoundException;
using PageSize = VoucherRules.PageSize;
using PageToken = VoucherRules.PageToken;

namespace Redemption.Service.Screening;

/// <summary>
/// RunScreening and ListAnomalySignals: one campaign's local day of redemptions (voided ones left out) through the
/// detectors of <see cref="AnomalyScreening"/>; a run replaces the day's signals in one transaction.
/// </summary>
public sealed class ScreeningService(NpgsqlDataSource dataSource, CampaignRules campaigns, Peers.ClaimGateway claim, TimeProvider time, RedemptionMetrics metrics)
{
    public async Task<RunScreeningResponse> RunAsync(RunScreeningRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        Actors.RequireOperator(request.Actor);
        if (string.IsNullOrWhiteSpace(request.CampaignId))
        {
            throw InvalidArgumentException.ForField("campaign_id", "请填写活动 (campaign_id is required)");
        }

        var day = ReadDay(request.Day, "day") ?? throw InvalidArgumentException.ForField("day", "请填写筛查日期 (day is required)");
        var campaign = campaigns.Find(request.CampaignId) ?? throw campaigns.Missing($"活动 {request.CampaignId} 不存在 (campaign '{request.CampaignId}' not found)");
        var zone = campaign.Terms.Zone;
        var now = time.GetUtcNow();
        if (day > VoucherRules.CampaignClock.LocalDate(now, zone))
        {
            throw InvalidArgumentException.ForField("day", "不能筛查未来的日期 (day is in the future)");
        }

        return await RunDayAsync(request.CampaignId, day, zone, now, cancellationToken);
    }

    /// <summary>Screens one local day and replaces its signals; the scheduler calls this for yesterday.</summary>
    public async Task<RunScreeningResponse> RunDayAsync(string campaignId, DateOnly day, TimeZoneInfo zone, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var start = VoucherRules.CampaignClock.ToInstant(day, VoucherRules.WallClock.Midnight, zone);
        var end = VoucherRules.CampaignClock.ToInstant(day, VoucherRules.WallClock.EndOfDay, zone);

        // Read first: a Claim that cannot be reached fails the run before anything of the day's signals is replaced.
        var blocked = await claim.BlockedKeyHashesAsync(campaignId, cancellationToken);
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var redemptions = new List<ScreenedRedemption>();
        var masks = new Dictionary<string, MaskedIdentityKey>(StringComparer.Ordinal);
        await using (var select = new NpgsqlCommand(
            $"""
            SELECT redemption_id, merchant_id, order_amount_cents, threshold_cents, buyer_hash, staff_id, redeemed_at, record
            FROM redemptions WHERE campaign_id = @campaign AND redeemed_at >= @start AND redeemed_at < @end AND {Data.RedemptionModel.LiveFilter}
            """, connection))
        {
            select.Parameters.AddWithValue("campaign", campaignId);
            select.Parameters.AddWithValue("start", start.UtcDateTime);
            select.Parameters.AddWithValue("end", end.UtcDateTime);
            await using var reader = await select.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                var record = RedemptionRecord.Parser.ParseFrom((byte[])reader[7]);
                var buyer = reader.GetString(4);
                var masked = record.BuyerKeys.FirstOrDefault(k => k.Kind == IdentityKeyKind.Phone) ?? record.BuyerKeys.FirstOrDefault();
                if (masked is not null)
                {
                    masks[buyer] = masked;
                }

                var till = reader.GetString(5).Length > 0 ? reader.GetString(5) : "channel:" + record.AcquiringChannelId;
                redemptions.Add(new ScreenedRedemption(reader.GetString(0), reader.GetString(1), reader.GetInt64(2), reader.GetInt64(3), buyer,
                    masked?.MaskedValue ?? string.Empty, till, new DateTimeOffset(DateTime.SpecifyKind(reader.GetDateTime(6), DateTimeKind.Utc)),
                    [.. record.BuyerKeys.Select(k => k.KeyHash)]));
            }
        }

        var drafts = AnomalyScreening.Detect(redemptions, zone, blockedKeyHashes: blocked);
        var response = new RunScreeningResponse();
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using (var clear = new NpgsqlCommand("DELETE FROM anomaly_signals WHERE campaign_id = @campaign AND day = @day", connection, transaction))
        {
            clear.Parameters.AddWithValue("campaign", campaignId);
            clear.Parameters.AddWithValue("day", day);
            await clear.ExecuteNonQueryAsync(cancellationToken);
        }

        foreach (var draft in drafts)
        {
            var signal = new AnomalySignal
            {
                SignalId = "sig-" + Guid.NewGuid().ToString("N"),
                Kind = (AnomalyKind)(int)draft.Type,
                CampaignId = campaignId,
                MerchantId = draft.MerchantId,
                Day = new LocalDate { Year = day.Year, Month = day.Month, Day = day.Day },
                ScoreBasisPoints = draft.ScoreBasisPoints,
                MatchingCount = draft.MatchingCount,
                TotalCount = draft.TotalCount,
                Description = draft.Description,
                DetectedAt = Timestamp.FromDateTimeOffset(now),
            };
            signal.SampleRedemptionIds.Add(draft.SampleRedemptionIds);
            if (draft.BuyerHash is { } buyerHash && masks.TryGetValue(buyerHash, out var buyer))
            {
                signal.Buyer = buyer;
            }

            await using var insert = new NpgsqlCommand(
                "INSERT INTO anomaly_signals (signal_id, campaign_id, merchant_id, day, kind, score_basis_points, signal) VALUES (@id, @campaign, @merchant, @day, @kind, @score, @signal)",
                connection, transaction);
            insert.Parameters.AddWithValue("id", signal.SignalId);
            insert.Parameters.AddWithValue("campaign", campaignId);
            insert.Parameters.AddWithValue("merchant", signal.MerchantId);
            insert.Parameters.AddWithValue("day", day);
            insert.Parameters.AddWithValue("kind", (short)signal.Kind);
            insert.Parameters.AddWithValue("score", signal.ScoreBasisPoints);
            insert.Parameters.AddWithValue("signal", signal.ToByteArray());
            await insert.ExecuteNonQueryAsync(cancellationToken);
            response.Signals.Add(signal);
        }

        await using (var ran = new NpgsqlCommand(
            "INSERT INTO screening_runs (campaign_id, day, ran_at) VALUES (@campaign, @day, @now) ON CONFLICT (campaign_id, day) DO UPDATE SET ran_at = EXCLUDED.ran_at", connection, transaction))
        {
            ran.Parameters.AddWithValue("campaign", campaignId);
            ran.Parameters.AddWithValue("day", day);
            ran.Parameters.AddWithValue("now", now.UtcDateTime);
            await ran.ExecuteNonQueryAsync(cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
        metrics.Signals(response.Signals.Count);
        return response;
    }

    /// <summary>Whether a day of a campaign was screened already (the scheduler runs each day once).</summary>
    public async Task<bool> ScreenedAsync(string campaignId, DateOnly day, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("SELECT EXISTS (SELECT 1 FROM screening_runs WHERE campaign_id = @campaign AND day = @day)");
        command.Parameters.AddWithValue("campaign", campaignId);
        command.Parameters.AddWithValue("day", day);
        return (bool)(await command.ExecuteScalarAsync(cancellationToken) ?? false);
    }

    public async Task<ListAnomalySignalsResponse> ListAsync(ListAnomalySignalsRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        Actors.RequireSignalReader(request.Actor);
        var problems = new FieldProblems();
        DateOnly? from = null;
        DateOnly? to = null;
        try
        {
            from = ReadDay(request.FromDay, "from_day");
            to = ReadDay(request.ToDay, "to_day");
        }
        catch (InvalidArgumentException ex)
        {
            problems.AddRange(ex.Violations.Count > 0 ? ex.Violations[0].Field : "day", [ex.Message]);
        }

        if (from is { } f && to is { } t && t < f)
        {
            problems.Add("to_day", "结束日期不能早于开始日期 (to_day is before from_day)");
        }

        problems.ThrowIfAny();
        var kinds = request.Kinds.Select(k => (short)k).Distinct().Order().ToArray();
        var filterKey = string.Join('|', request.CampaignId, request.MerchantId, string.Join(',', kinds), from, to);
        var size = PageSize.Resolve(request.Page?.PageSize ?? 0);
        var after = PageToken.Read(request.Page?.PageToken, filterKey, 2);
        await using var command = dataSource.CreateCommand(
            """
            SELECT score_basis_points, signal_id, signal FROM anomaly_signals
            WHERE (@campaign = '' OR campaign_id = @campaign) AND (@merchant = '' OR merchant_id = @merchant)
              AND (cardinality(@kinds) = 0 OR kind = ANY(@kinds))
              AND (@from::date IS NULL OR day >= @from) AND (@to::date IS NULL OR day <= @to)
              AND (@after_score::integer IS NULL OR score_basis_points < @after_score OR (score_basis_points = @after_score AND signal_id > @after_id))
            ORDER BY score_basis_points DESC, signal_id LIMIT @limit
            """);
        command.Parameters.AddWithValue("campaign", request.CampaignId);
        command.Parameters.AddWithValue("merchant", request.MerchantId);
        command.Parameters.AddWithValue("kinds", kinds);
        command.Parameters.Add(new NpgsqlParameter("from", NpgsqlTypes.NpgsqlDbType.Date) { Value = from is { } fromDay ? fromDay : DBNull.Value });
        command.Parameters.Add(new NpgsqlParameter("to", NpgsqlTypes.NpgsqlDbType.Date) { Value = to is { } toDay ? toDay : DBNull.Value });
        command.Parameters.Add(new NpgsqlParameter("after_score", NpgsqlTypes.NpgsqlDbType.Integer) { Value = after is null ? DBNull.Value : (int)PageToken.ReadLong(after[0]) });
        command.Parameters.AddWithValue("after_id", after?[1] ?? string.Empty);
        command.Parameters.AddWithValue("limit", size + 1);
        var rows = new List<AnomalySignal>();
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                rows.Add(AnomalySignal.Parser.ParseFrom((byte[])reader[2]));
            }
        }

        var (items, next) = PageToken.Page(rows, size, filterKey, s => [PageToken.Key(s.ScoreBasisPoints), s.SignalId]);
        var response = new ListAnomalySignalsResponse { Page = new PageResponse { NextPageToken = next, TotalSize = -1 } };
        response.Signals.Add(items);
        return response;
    }

    private static DateOnly? ReadDay(LocalDate? date, string field)
    {
        if (date is null)
        {
            return null;
        }

        try
        {
            return new DateOnly(date.Year, date.Month, date.Day);
        }
        catch (ArgumentOutOfRangeException)
        {
            throw InvalidArgumentException.ForField(field, $"日期 {date.Year}-{date.Month}-{date.Day} 不存在 ({field} is not a calendar date)");
        }
    }
}
