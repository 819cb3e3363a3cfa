using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Claim.Service.HotPath;
using Grpc.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.IdentityModel.Tokens;
using ServiceDefaults;
using TestSupport;
using Vouchers.Campaign.V1;
using Vouchers.Claim.V1;
using Vouchers.Common.V1;
using static Claim.Service.Tests.Infrastructure.TestCampaigns;
using TestCampaigns = Claim.Service.Tests.Infrastructure.TestCampaigns;

namespace Gateway.Tests;

/// <summary>Who a caller is, through the gateway, with tokens from its token endpoint.</summary>
public sealed class GatewaySecurityTests(GatewayWorld world) : IClassFixture<GatewayWorld>
{
    private ClaimService.ClaimServiceClient Claims => new(world.Gateway.Channel);

    private MerchantService.MerchantServiceClient Merchants => new(world.Gateway.Channel);

    private static async Task<StatusCode> StatusOfAsync<T>(AsyncUnaryCall<T> call)
    {
        try
        {
            await call.ResponseAsync;
            return StatusCode.OK;
        }
        catch (RpcException ex)
        {
            return ex.StatusCode;
        }
    }

    [Fact]
    public async Task A_channel_claims_a_voucher_for_its_own_user_through_the_gateway()
    {
        var campaign = TestCampaigns.Campaign([Tier("t50", 5000, 15000)], [Cell("t50", 5)]);
        world.ClaimApp.Services.GetRequiredService<CampaignCatalog>().Apply(campaign);
        var bearer = await world.BearerAsync("channel-unionpay");

        ClaimOutcome? outcome = null;
        for (var attempt = 0; outcome is null; attempt++)
        {
            try
            {
                outcome = await Claims.ClaimVoucherAsync(ClaimFor(campaign, Person(1), "t50"), bearer, DateTime.UtcNow.AddSeconds(15));
            }
            catch (RpcException ex) when (ex.StatusCode == StatusCode.Unavailable && attempt < 100)
            {
                await Task.Delay(100); // the stock is being armed
            }
        }

        Assert.Equal(5000, outcome.Voucher.FaceValueCents);
        Assert.Equal("unionpay", outcome.Voucher.ChannelId);
    }

    [Fact]
    public async Task A_channel_claiming_for_another_channels_user_is_permission_denied()
    {
        var campaign = TestCampaigns.Campaign([Tier("t50", 5000, 15000)], [Cell("t50", 5)]);
        var person = Person(2);
        person.ChannelId = "bestpay";

        var bearer = await world.BearerAsync("channel-unionpay");
        var denied = await Assert.ThrowsAsync<RpcException>(() => Claims.ClaimVoucherAsync(ClaimFor(campaign, person, "t50"), bearer).ResponseAsync);

        Assert.Equal(StatusCode.PermissionDenied, denied.StatusCode);
        Assert.Contains("channel 'unionpay' may only act for its own users", denied.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Merchant_a_reading_merchant_b_is_permission_denied()
    {
        var bearer = await world.BearerAsync("merchant-a");
        var denied = await Assert.ThrowsAsync<RpcException>(() => Merchants.GetMerchantAsync(new GetMerchantRequest { MerchantId = "mch-b" }, bearer).ResponseAsync);

        Assert.Equal(StatusCode.PermissionDenied, denied.StatusCode);
    }

    [Fact]
    public async Task A_forged_body_actor_is_refused()
    {
        var forged = new Actor { ActorId = "operator-cli", Role = ActorRole.Operator };

        var bearer = await world.BearerAsync("merchant-a");
        var denied = await Assert.ThrowsAsync<RpcException>(() => Merchants.ListMerchantsAsync(new ListMerchantsRequest { Actor = forged }, bearer).ResponseAsync);

        Assert.Equal(StatusCode.PermissionDenied, denied.StatusCode);
        Assert.Contains("is not the caller the access token names", denied.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_call_without_a_token_is_unauthenticated_at_the_gateway()
    {
        Assert.Equal(StatusCode.Unauthenticated, await StatusOfAsync(Merchants.ListMerchantsAsync(new ListMerchantsRequest())));
    }

    [Fact]
    public async Task A_token_signed_by_another_key_is_unauthenticated()
    {
        var foreign = TestTokens.For(new Actor { ActorId = "operator-cli", Role = ActorRole.Operator }, key: new SymmetricSecurityKey(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32)));

        Assert.Equal(StatusCode.Unauthenticated, await StatusOfAsync(Merchants.ListMerchantsAsync(new ListMerchantsRequest(), TestTokens.Bearer(foreign))));
    }

    [Fact]
    public async Task An_expired_foreign_token_is_unauthenticated_and_401_problem_details_on_http()
    {
        // Signed with the test key, which the gateway does not trust either: expired and foreign at once. The services'
        // own expiry check (the same JwtBearer settings) is covered by Campaign's CallerTokenTests.
        var expired = TestTokens.For(new Actor { ActorId = "operator-cli", Role = ActorRole.Operator }, issuedAt: DateTimeOffset.UtcNow.AddHours(-3));
        using var http = new HttpRequestMessage(HttpMethod.Get, "/no-such-api");
        http.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", expired);

        var grpc = await StatusOfAsync(Merchants.ListMerchantsAsync(new ListMerchantsRequest(), TestTokens.Bearer(expired)));
        using var response = await world.Gateway.Http.SendAsync(http);

        Assert.Equal(StatusCode.Unauthenticated, grpc);
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task A_wrong_client_secret_gets_no_token()
    {
        using var form = new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["grant_type"] = "client_credentials",
            ["client_id"] = "operator-cli",
            ["client_secret"] = "wrong",
        });

        using var response = await world.Gateway.Http.PostAsync("connect/token", form);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();

        Assert.False(response.IsSuccessStatusCode);
        Assert.Equal("invalid_client", body.GetProperty("error").GetString());
    }

    [Fact]
    public async Task An_oversized_body_is_413_problem_details()
    {
        using var body = new ByteArrayContent(new byte[ServiceDefaultsExtensions.MaxReceiveMessageSize + 1024]);
        body.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/x-www-form-urlencoded");

        using var request = new HttpRequestMessage(HttpMethod.Post, "connect/token") { Content = body };
        // The client waits for the server's verdict before sending the body, as a well-behaved uploader does; without it
        // the gateway's early 413 and close race the upload.
        request.Headers.ExpectContinue = true;
        using var response = await world.Gateway.Http.SendAsync(request);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }
}

/// <summary>Gateways with tiny limits or short-lived tokens (no services behind them: refusals happen before the proxy).</summary>
public sealed class StandaloneGatewayTests
{
    [Fact]
    public async Task A_token_from_the_token_endpoint_is_unauthenticated_once_it_has_expired()
    {
        var address = new Uri($"http://127.0.0.1:{FreePorts.Next()}/");
        await using var gateway = await GatewayHost.StartAsync(address, new Dictionary<string, string?>
        {
            ["TokenServer:AccessTokenLifetime"] = "00:00:02",
            ["Authentication:ClockSkew"] = "00:00:00",
        });
        var token = await gateway.TokenAsync("operator-cli");
        var merchants = new MerchantService.MerchantServiceClient(gateway.Channel);

        // While valid the gateway lets it through to a backend that is not there (UNAVAILABLE or INTERNAL from the proxy).
        var fresh = await Assert.ThrowsAsync<RpcException>(() => merchants.ListMerchantsAsync(new ListMerchantsRequest(), TestTokens.Bearer(token)).ResponseAsync);
        await Task.Delay(TimeSpan.FromSeconds(3));
        var expired = await Assert.ThrowsAsync<RpcException>(() => merchants.ListMerchantsAsync(new ListMerchantsRequest(), TestTokens.Bearer(token)).ResponseAsync);

        Assert.NotEqual(StatusCode.Unauthenticated, fresh.StatusCode);
        Assert.Equal(StatusCode.Unauthenticated, expired.StatusCode);
    }

    [Fact]
    public async Task Past_the_limit_http_gets_429_with_retry_after_and_grpc_gets_resource_exhausted()
    {
        var address = new Uri($"http://127.0.0.1:{FreePorts.Next()}/");
        await using var gateway = await GatewayHost.StartAsync(address, new Dictionary<string, string?>
        {
            ["Gateway:RateLimits:PerClientIp"] = "3",
            ["Gateway:RateLimits:PerChannel"] = "3",
        });
        var claims = new ClaimService.ClaimServiceClient(gateway.Channel);

        // Bursts, so that a slow machine cannot spread them over the limit's one-second refill.
        var responses = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => gateway.Http.GetAsync("/")));
        var grpc = await Task.WhenAll(Enumerable.Range(0, 20).Select(async _ =>
        {
            try
            {
                await claims.ListVouchersAsync(new ListVouchersRequest());
                return StatusCode.OK;
            }
            catch (RpcException ex)
            {
                return ex.StatusCode;
            }
        }));

        var refused = responses.FirstOrDefault(r => r.StatusCode == HttpStatusCode.TooManyRequests);
        Assert.Contains(responses, r => r.StatusCode == HttpStatusCode.OK);
        Assert.NotNull(refused);
        Assert.True(refused.Headers.RetryAfter?.Delta >= TimeSpan.FromSeconds(1), "Retry-After");
        Assert.Equal("application/problem+json", refused.Content.Headers.ContentType?.MediaType);
        Assert.Contains(StatusCode.ResourceExhausted, grpc);
    }
}
