using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using FieldViolation = VoucherRules.FieldViolation;
using InvalidArgumentException = VoucherRules.InvalidArgumentException;
using NotFoundException = VoucherRules.NotFoundException;
using Vouchers.Campaign.V1;
using Vouchers.Claim.V1;
using Vouchers.Common.V1;

namespace ServiceDefaults.Tests;

/// <summary>What no request of any contract may carry, named by field path, and how long an answer may grow.</summary>
public sealed class RequestShapeTests
{
    private static IReadOnlyList<FieldViolation> Problems(object request) =>
        Assert.Throws<InvalidArgumentException>(() => RequestShape.ThrowIfMalformed(request)).Violations;

    [Fact]
    public void A_well_formed_request_passes()
    {
        var request = new ListUsableVouchersRequest
        {
            Person = new PersonIdentity { ChannelId = "unionpay", ChannelAccountId = "u-1", Phone = "13812345678" },
            CampaignId = "cmp-1",
            At = Timestamp.FromDateTimeOffset(new DateTimeOffset(2023, 3, 1, 10, 0, 0, TimeSpan.Zero)),
        };
        RequestShape.ThrowIfMalformed(request);
        RequestShape.ThrowIfMalformed(new ListUsableVouchersRequest());
    }

    [Fact]
    public void A_nul_character_is_refused_with_the_path_of_its_field_however_deep()
    {
        var request = new ListUsableVouchersRequest { CampaignId = "cmp\0", Person = new PersonIdentity { Phone = "138\u0000" } };
        Assert.Equal(
            [new FieldViolation("person.phone", "must not contain the NUL character (U+0000)"), new FieldViolation("campaign_id", "must not contain the NUL character (U+0000)")],
            Problems(request).OrderByDescending(p => p.Field.Length));
    }

    [Fact]
    public void An_enum_number_the_contract_does_not_define_is_refused_in_single_and_repeated_fields()
    {
        var request = new ListCampaignsRequest { States = { CampaignState.Draft, (CampaignState)97 } };
        var problem = Assert.Single(Problems(request));
        Assert.Equal("states[1]", problem.Field);
        Assert.Equal("97 is not a value of CampaignState", problem.Description);
        Assert.Equal("actor.role", Assert.Single(Problems(new GetMerchantRequest { Actor = new Actor { Role = (ActorRole)12 } })).Field);
    }

    [Theory]
    [InlineData(long.MinValue, 0)]
    [InlineData(253_402_300_800, 0)]
    [InlineData(0, -1)]
    [InlineData(0, 1_000_000_000)]
    public void A_timestamp_outside_what_protobuf_defines_is_refused(long seconds, int nanos)
    {
        var problem = Assert.Single(Problems(new ListUsableVouchersRequest { At = new Timestamp { Seconds = seconds, Nanos = nanos } }));
        Assert.Equal("at", problem.Field);
        Assert.StartsWith("is not a valid timestamp", problem.Description, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(-62_135_596_800, 0)]
    [InlineData(253_402_300_799, 999_999_999)]
    public void The_first_and_last_instants_protobuf_defines_pass(long seconds, int nanos) =>
        RequestShape.ThrowIfMalformed(new ListUsableVouchersRequest { At = new Timestamp { Seconds = seconds, Nanos = nanos } });

    [Theory]
    [InlineData(1, -1)]
    [InlineData(-1, 1)]
    [InlineData(315_576_000_001, 0)]
    [InlineData(0, 1_000_000_000)]
    public void A_duration_with_mixed_signs_or_out_of_range_is_refused(long seconds, int nanos)
    {
        var request = new LockVoucherRequest { Ttl = new Duration { Seconds = seconds, Nanos = nanos } };
        Assert.Equal("ttl", Assert.Single(Problems(request)).Field);
    }

    [Fact]
    public void A_malformed_field_of_a_batch_item_is_named_by_the_item_it_sits_in()
    {
        var request = new LockVouchersRequest
        {
            Items =
            {
                new LockVoucherRequest { VoucherId = "v-1", Ttl = new Duration { Seconds = 30 } },
                new LockVoucherRequest { VoucherId = "v-\0", Ttl = new Duration { Seconds = 1, Nanos = -1 } },
            },
        };

        Assert.Equal(["items[1].voucher_id", "items[1].ttl"], Problems(request).Select(p => p.Field));
    }

    [Fact]
    public void A_batch_item_refusal_carries_the_code_and_the_shortened_detail_its_single_call_would_fail_with()
    {
        var refusal = new NotFoundException($"voucher '{new string('长', 5_000)}' not found");

        var item = DomainExceptionInterceptor.ToStatus(refusal);
        var single = DomainExceptionInterceptor.ToRpcException(refusal).Status;

        Assert.Equal(StatusCode.NotFound, item.StatusCode);
        Assert.Equal(single.Detail, item.Detail);
        Assert.Equal(DomainExceptionInterceptor.MaxMessageLength, item.Detail.Length);
    }

    [Fact]
    public void A_refusal_that_quotes_a_huge_input_is_cut_short_so_the_answer_fits_in_the_trailers()
    {
        var huge = new string('长', 20_000);
        var status = ServiceDefaults.DomainExceptionInterceptor.ToRpcException(new NotFoundException($"no campaign '{huge}'")).Status;
        Assert.Equal(StatusCode.NotFound, status.StatusCode);
        Assert.Equal(DomainExceptionInterceptor.MaxMessageLength, status.Detail.Length);
        Assert.EndsWith("…", status.Detail, StringComparison.Ordinal);
    }
}
