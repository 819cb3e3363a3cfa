using Microsoft.Extensions.Options;
using Npgsql;
using Redemption.Service.Access;
using Redemption.Service.Domain;
using Vouchers.Common.V1;
using Vouchers.Redemption.V1;
using FailedPreconditionException = VoucherRules.FailedPreconditionException;
using FieldProblems = VoucherRules.FieldProblems;
using PageSize = VoucherRules.PageSize;
using PageToken = VoucherRules.PageToken;

namespace Redemption.Service.Records;

/// <summary>GetRedemption and ListRedemptions: newest first on a keyset of (redeemed_at, redemption_id), totals over every page.</summary>
public sealed class QueryService(NpgsqlDataSource dataSource, Storage.RedemptionStore store, IOptions<RedemptionOptions> options)
{
    private const string Where =
        """
        WHERE (@merchant = '' OR merchant_id = @merchant) AND (@campaign = '' OR campaign_id = @campaign)
          AND (@staff = '' OR staff_id = @staff) AND (@phone = '' OR buyer_phone_hash = @phone)
          AND (@category = '' OR category_id = @category) AND (@tier = '' OR tier_id = @tier)
          AND (cardinality(@statuses) = 0 OR status = ANY(@statuses))
          AND (@from::timestamptz IS NULL OR redeemed_at >= @from) AND (@until::timestamptz IS NULL OR redeemed_at < @until)
        """;

    public async Task<RedemptionRecord> GetAsync(GetRedemptionRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        Actors.RequireMayRead(request.Actor);
        if (string.IsNullOrWhiteSpace(request.RedemptionId))
        {
            throw VoucherRules.InvalidArgumentException.ForField("redemption_id", "请填写核销编号 (redemption_id is required)");
        }

        var record = await store.GetAsync(request.RedemptionId, cancellationToken) ?? throw ReversalService.NotFound(request.RedemptionId);
        Actors.RequireReader(request.Actor, record.MerchantId, record.AcquiringChannelId);
        return record;
    }

    public async Task<ListRedemptionsResponse> ListAsync(ListRedemptionsRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        Actors.RequireLister(request.Actor, request.MerchantId);
        var problems = new FieldProblems();
        var from = request.Window?.StartTime?.ToDateTimeOffset();
        var until = request.Window?.EndTime?.ToDateTimeOffset();
        if (from is { } f && until is { } u && u <= f)
        {
            problems.Add("window", "查询时间段的结束须晚于开始 (window.end_time must be after window.start_time)");
        }

        if (request.Page?.PageSize < 0)
        {
            problems.Add("page.page_size", "每页条数不能为负数 (page_size cannot be negative)");
        }

        problems.ThrowIfAny();
        var phoneHash = PhoneHash(request.BuyerPhone);
        var statuses = request.Statuses.Select(s => (short)s).Distinct().Order().ToArray();
        var filterKey = string.Join('|', request.MerchantId, request.CampaignId, request.StaffId, phoneHash, request.CategoryId, request.TierId,
            string.Join(',', statuses), from?.UtcTicks, until?.UtcTicks);
        var size = PageSize.Resolve(request.Page?.PageSize ?? 0);
        var after = PageToken.Read(request.Page?.PageToken, filterKey, 2);

        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var response = new ListRedemptionsResponse();
        var rows = new List<(DateTimeOffset At, RedemptionRecord Record)>();
        await using (var page = new NpgsqlCommand(
            $"""
            SELECT redeemed_at, record FROM redemptions {Where}
              AND (@after_at::timestamptz IS NULL OR (redeemed_at, redemption_id) < (@after_at, @after_id))
            ORDER BY redeemed_at DESC, redemption_id DESC LIMIT @limit
            """, connection))
        {
            Bind(page, request, phoneHash, statuses, from, until);
            page.Parameters.Add(new NpgsqlParameter("after_at", NpgsqlTypes.NpgsqlDbType.TimestampTz) { Value = after is null ? DBNull.Value : PageToken.ReadInstant(after[0]).UtcDateTime });
            page.Parameters.AddWithValue("after_id", after?[1] ?? string.Empty);
            page.Parameters.AddWithValue("limit", size + 1);
            await using var reader = await page.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                rows.Add((new DateTimeOffset(DateTime.SpecifyKind(reader.GetDateTime(0), DateTimeKind.Utc)), RedemptionRecord.Parser.ParseFrom((byte[])reader[1])));
            }
        }

        var (items, next) = PageToken.Page(rows, size, filterKey, r => [PageToken.Key(r.At), r.Record.RedemptionId]);
        response.Redemptions.Add(items.Select(r => r.Record));

        await using (var totals = new NpgsqlCommand(
            $"""
            SELECT count(*), coalesce(sum(face_value_cents), 0)::bigint, coalesce(sum(order_amount_cents), 0)::bigint,
                   coalesce(sum(government_share_cents) FILTER (WHERE subsidy_exclusion = 0), 0)::bigint
            FROM redemptions {Where}
            """, connection))
        {
            Bind(totals, request, phoneHash, statuses, from, until);
            await using var reader = await totals.ExecuteReaderAsync(cancellationToken);
            await reader.ReadAsync(cancellationToken);
            response.Totals = new RedemptionTotals
            {
                Count = reader.GetInt64(0),
                FaceValueCents = reader.GetInt64(1),
                OrderAmountCents = reader.GetInt64(2),
                SubsidyCents = reader.GetInt64(3),
                LeverageBasisPoints = Subsidy.LeverageBasisPoints(reader.GetInt64(2), reader.GetInt64(1)),
            };
        }

        response.Page = new PageResponse { NextPageToken = next, TotalSize = response.Totals.Count };
        return response;
    }

    private string PhoneHash(string phone)
    {
        if (string.IsNullOrWhiteSpace(phone))
        {
            return string.Empty;
        }

        var secret = options.Value.IdentitySecretBytes();
        if (secret.Length < 16)
        {
            throw new FailedPreconditionException("本服务未配置身份密钥，无法按手机号查询 (the buyer phone filter needs the identity secret, which is not configured)");
        }

        var person = new VoucherRules.PersonIdentity(string.Empty, string.Empty, Phone: phone);
        return VoucherRules.IdentityHashing.Hash(person, [VoucherRules.IdentityKeyKind.Phone], secret)
            .FirstOrDefault(k => k.Kind == VoucherRules.IdentityKeyKind.Phone).Hash
            ?? throw VoucherRules.InvalidArgumentException.ForField("buyer_phone", "手机号格式不正确 (buyer_phone is not a phone number)");
    }

    private static void Bind(NpgsqlCommand command, ListRedemptionsRequest request, string phoneHash, short[] statuses, DateTimeOffset? from, DateTimeOffset? until)
    {
        command.Parameters.AddWithValue("merchant", request.MerchantId);
        command.Parameters.AddWithValue("campaign", request.CampaignId);
        command.Parameters.AddWithValue("staff", request.StaffId);
        command.Parameters.AddWithValue("phone", phoneHash);
        command.Parameters.AddWithValue("category", request.CategoryId);
        command.Parameters.AddWithValue("tier", request.TierId);
        command.Parameters.AddWithValue("statuses", statuses);
        command.Parameters.Add(new NpgsqlParameter("from", NpgsqlTypes.NpgsqlDbType.TimestampTz) { Value = from is { } f ? f.UtcDateTime : DBNull.Value });
        command.Parameters.Add(new NpgsqlParameter("until", NpgsqlTypes.NpgsqlDbType.TimestampTz) { Value = until is { } u ? u.UtcDateTime : DBNull.Value });
    }
}
