using Gateway.Api;
using Grpc.Core;
using Microsoft.AspNetCore.Http;
using Vouchers.Campaign.V1;
using Vouchers.Settlement.V1;

namespace Gateway.Tests;

/// <summary>The JSON APIs' pure conversions: status mapping, enum names, the till order's checks.</summary>
public sealed class ApiConversionTests
{
    [Fact]
    public void Every_grpc_status_maps_to_an_http_error_and_only_server_side_failures_to_5xx()
    {
        var clientMistakes = new[]
        {
            StatusCode.InvalidArgument, StatusCode.OutOfRange, StatusCode.Unauthenticated, StatusCode.PermissionDenied, StatusCode.NotFound,
            StatusCode.AlreadyExists, StatusCode.Aborted, StatusCode.FailedPrecondition, StatusCode.ResourceExhausted,
        };

        foreach (var code in Enum.GetValues<StatusCode>().Where(c => c != StatusCode.OK))
        {
            var status = ApiProblems.HttpStatusOf(code);
            Assert.True(clientMistakes.Contains(code) ? status is >= 400 and < 500 : status >= 500, $"{code} → {status}");
        }

        Assert.Equal(
            [StatusCodes.Status400BadRequest, StatusCodes.Status401Unauthorized, StatusCodes.Status403Forbidden, StatusCodes.Status404NotFound, StatusCodes.Status409Conflict, StatusCodes.Status409Conflict, StatusCodes.Status422UnprocessableEntity, StatusCodes.Status429TooManyRequests],
            new[] { StatusCode.InvalidArgument, StatusCode.Unauthenticated, StatusCode.PermissionDenied, StatusCode.NotFound, StatusCode.AlreadyExists, StatusCode.Aborted, StatusCode.FailedPrecondition, StatusCode.ResourceExhausted }.Select(ApiProblems.HttpStatusOf));
    }

    [Fact]
    public void Enum_names_are_short_snake_case_and_parse_back_to_the_same_value()
    {
        Assert.Equal("first_come_first_served", Json.Name(ClaimMode.FirstComeFirstServed));
        Assert.Equal("pending_review", Json.Name(MerchantStatus.PendingReview));
        AssertRoundTrips<CampaignState>();
        AssertRoundTrips<MerchantStatus>();
        AssertRoundTrips<PayoutBatchStatus>();
        AssertRoundTrips<SettlementRunKind>();
    }

    [Theory]
    [InlineData("unspecified")]
    [InlineData("2")]
    [InlineData("")]
    [InlineData(null)]
    [InlineData("runnin")]
    public void Unspecified_numeric_and_unknown_enum_names_are_refused(string? name) =>
        Assert.False(Json.TryParse<CampaignState>(name, out _));

    [Fact]
    public void A_till_order_names_each_field_it_gets_wrong()
    {
        var order = new TillOrder(0, 10, null, "token", "v-1", null, null, null, null);

        Assert.Equal(["order.orderAmountCents", "order.qualifyingItemAmountCents", "order.presentationToken"], order.Problems("order.").Select(p => p.Field));
        Assert.Empty(new TillOrder(1000, 1000, "catering", null, "v-1", null, null, null, null).Problems());
    }

    private static void AssertRoundTrips<TEnum>()
        where TEnum : struct, Enum
    {
        foreach (var value in Enum.GetValues<TEnum>().Where(v => Convert.ToInt32(v, System.Globalization.CultureInfo.InvariantCulture) != 0))
        {
            Assert.True(Json.TryParse<TEnum>(Json.Name(value), out var parsed), Json.Name(value));
            Assert.Equal(value, parsed);
        }
    }
}
