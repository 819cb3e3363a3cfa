using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using ServiceDefaults;
using TestSupport;
using static Gateway.Tests.JsonApiScenarioTests;

namespace Gateway.Tests;

/// <summary>What the JSON APIs refuse, and how: every refusal an RFC 9457 problem document with the right status.</summary>
[Collection(ApiCollection.Name)]
public sealed class JsonApiRefusalTests(ApiWorld world)
{
    /// <summary>Every /api operation, with a body that passes validation where it has one (ids need not exist).</summary>
    public static readonly (string Method, string Path, object? Body)[] Operations =
    [
        ("GET", "/api/public/campaigns", null),
        ("GET", "/api/public/campaigns/{campaignId}", null),
        ("GET", "/api/public/campaigns/{campaignId}/disclosure", null),
        ("GET", "/api/merchant/{merchantId}", null),
        ("POST", "/api/merchant/{merchantId}/quotes", new { orderAmountCents = 1000, voucherId = "v-1" }),
        ("POST", "/api/merchant/{merchantId}/redemptions", new { idempotencyKey = "k-1", order = new { orderAmountCents = 1000, voucherId = "v-1" } }),
        ("GET", "/api/merchant/{merchantId}/redemptions", null),
        ("GET", "/api/merchant/{merchantId}/statements", null),
        ("GET", "/api/merchant/{merchantId}/cashiers", null),
        ("POST", "/api/merchant/{merchantId}/cashiers", new { requestId = "r-1", bindingCode = "c-1", accountId = "a-1" }),
        ("GET", "/api/bureau/campaigns", null),
        ("GET", "/api/bureau/campaigns/{campaignId}", null),
        ("GET", "/api/bureau/campaigns/{campaignId}/report", null),
        ("GET", "/api/bureau/merchants/pending", null),
        ("POST", "/api/bureau/merchants/{merchantId}/approve", new { expectedVersion = 1 }),
        ("POST", "/api/bureau/merchants/{merchantId}/suspend", new { expectedVersion = 1, reason = "r" }),
        ("GET", "/api/bureau/settlement-runs", null),
        ("POST", "/api/bureau/settlement-runs", new { requestId = "r-1", campaignId = "c-1", kind = "periodic", periodStartUtc = "2023-04-22T00:00:00Z", periodEndUtc = "2023-04-23T00:00:00Z" }),
        ("GET", "/api/bureau/payout-batches", null),
        ("POST", "/api/bureau/payout-batches/{batchId}/approve", new { expectedVersion = 1 }),
        ("POST", "/api/bureau/payout-batches/{batchId}/pay", new { expectedVersion = 1, paymentReference = "p-1" }),
    ];

    private static string Concrete(string path) => path.Replace("{campaignId}", "c-1", StringComparison.Ordinal)
        .Replace("{merchantId}", "mch-b", StringComparison.Ordinal).Replace("{batchId}", "b-1", StringComparison.Ordinal);

    [Fact]
    public async Task Every_api_path_without_a_token_is_401_problem_details()
    {
        foreach (var (method, path, body) in Operations)
        {
            var problem = await AssertProblemAsync(HttpStatusCode.Unauthorized, await world.SendAsync(null, new HttpMethod(method), Concrete(path), body));
            Assert.Equal(401, problem.GetProperty("status").GetInt32());
        }
    }

    [Fact]
    public async Task A_token_the_gateway_did_not_sign_is_401_problem_details()
    {
        var foreign = TestTokens.For(new Vouchers.Common.V1.Actor { ActorId = "operator-cli", Role = Vouchers.Common.V1.ActorRole.Operator });
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/bureau/campaigns");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", foreign);

        await AssertProblemAsync(HttpStatusCode.Unauthorized, await world.Gateway.Http.SendAsync(request));
    }

    [Fact]
    public async Task Merchant_paths_are_403_for_every_other_role_and_bureau_paths_for_merchants_channels_and_consumers()
    {
        foreach (var (method, path, body) in Operations.Where(o => o.Path.StartsWith("/api/merchant/", StringComparison.Ordinal)))
        {
            foreach (var client in new[] { "operator-cli", "finance-cli", "auditor-cli", "channel-unionpay", "consumer-demo" })
            {
                await AssertProblemAsync(HttpStatusCode.Forbidden, await world.SendAsync(client, new HttpMethod(method), Concrete(path), body));
            }
        }

        foreach (var (method, path, body) in Operations.Where(o => o.Path.StartsWith("/api/bureau/", StringComparison.Ordinal)))
        {
            foreach (var client in new[] { "merchant-b", "channel-unionpay", "consumer-demo" })
            {
                await AssertProblemAsync(HttpStatusCode.Forbidden, await world.SendAsync(client, new HttpMethod(method), Concrete(path), body));
            }
        }
    }

    [Fact]
    public async Task A_merchant_reaching_for_another_merchants_data_is_403()
    {
        foreach (var (method, path, body) in Operations.Where(o => o.Path.StartsWith("/api/merchant/", StringComparison.Ordinal)))
        {
            var problem = await AssertProblemAsync(HttpStatusCode.Forbidden, await world.SendAsync("merchant-b", new HttpMethod(method), path.Replace("{merchantId}", "mch-a", StringComparison.Ordinal), body));
            Assert.Contains("its own merchant", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Malformed_json_is_400_naming_where_it_broke()
    {
        using var broken = new StringContent("{\"orderAmountCents\": 1000, \"voucherId\": ", Encoding.UTF8, "application/json");
        using var mistyped = new StringContent("{\"orderAmountCents\": \"a thousand\", \"voucherId\": \"v-1\"}", Encoding.UTF8, "application/json");

        var truncated = await AssertProblemAsync(HttpStatusCode.BadRequest, await world.SendAsync("merchant-b", HttpMethod.Post, "/api/merchant/mch-b/quotes", broken));
        var wrongType = await AssertProblemAsync(HttpStatusCode.BadRequest, await world.SendAsync("merchant-b", HttpMethod.Post, "/api/merchant/mch-b/quotes", mistyped));

        Assert.True(truncated.GetProperty("errors").EnumerateObject().Any(), truncated.GetRawText());
        Assert.True(wrongType.GetProperty("errors").TryGetProperty("$.orderAmountCents", out _), wrongType.GetRawText());
    }

    [Fact]
    public async Task An_invalid_order_is_400_naming_each_field_before_any_service_is_asked()
    {
        var problem = await AssertProblemAsync(HttpStatusCode.BadRequest,
            await world.SendAsync("merchant-b", HttpMethod.Post, "/api/merchant/mch-b/quotes", new { orderAmountCents = 0, qualifyingItemAmountCents = 5, voucherId = "v-1", presentationToken = "t-1" }));

        var errors = problem.GetProperty("errors");
        Assert.Equal(["orderAmountCents", "presentationToken", "qualifyingItemAmountCents"], errors.EnumerateObject().Select(e => e.Name).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task A_field_the_service_refuses_is_400_with_the_services_field_violations()
    {
        var problem = await AssertProblemAsync(HttpStatusCode.BadRequest, await world.SendAsync("operator-cli", HttpMethod.Get, "/api/bureau/campaigns?pageToken=not-a-token"));

        Assert.Equal("InvalidArgument", problem.GetProperty("grpcStatus").GetString());
        Assert.True(problem.GetProperty("errors").EnumerateObject().Any(e => e.Name.Contains("page", StringComparison.Ordinal)), problem.GetRawText());
    }

    [Fact]
    public async Task An_unknown_campaign_is_404_problem_details()
    {
        var problem = await AssertProblemAsync(HttpStatusCode.NotFound, await world.SendAsync("consumer-demo", HttpMethod.Get, "/api/public/campaigns/no-such-campaign"));

        Assert.Equal("NotFound", problem.GetProperty("grpcStatus").GetString());
    }

    [Fact]
    public async Task An_oversized_json_body_is_413_problem_details()
    {
        using var body = new ByteArrayContent(new byte[GatewayServiceExtensions.MaxRequestBodyBytes + 1024]);
        body.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/merchant/mch-b/quotes") { Content = body };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", await world.TokenAsync("merchant-b"));
        request.Headers.ExpectContinue = true;

        await AssertProblemAsync(HttpStatusCode.RequestEntityTooLarge, await world.Gateway.Http.SendAsync(request));
    }

    [Fact]
    public async Task The_openapi_document_lists_every_api_operation_and_the_reference_page_serves_it()
    {
        var document = await world.JsonAsync(null, HttpMethod.Get, "/openapi/v1.json");
        using var page = await world.SendAsync(null, HttpMethod.Get, "/api/reference");
        var html = await page.Content.ReadAsStringAsync();

        var documented = document.GetProperty("paths").EnumerateObject()
            .SelectMany(p => p.Value.EnumerateObject().Select(o => (o.Name.ToUpperInvariant(), p.Name)))
            .Where(o => o.Item1 is "GET" or "POST")
            .ToHashSet();
        Assert.Equal(Operations.Select(o => (o.Method, o.Path)).ToHashSet(), documented);
        Assert.True(document.GetProperty("components").GetProperty("securitySchemes").TryGetProperty("bearer", out _));
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        // Scalar's script resolves the page's relative document link against the site's base path: /openapi/v1.json.
        Assert.Contains("\"url\":\"openapi/v1.json\"", html, StringComparison.Ordinal);
        using var script = await world.SendAsync(null, HttpMethod.Get, "/api/reference/scalar.aspnetcore.js");
        Assert.Equal(HttpStatusCode.OK, script.StatusCode);
    }
}

/// <summary>The API's rate limit, on a gateway of its own with a tiny limit (refusals happen before any service).</summary>
public sealed class JsonApiRateLimitTests
{
    [Fact]
    public async Task Past_the_limit_an_api_call_is_429_problem_details_with_retry_after()
    {
        var address = new Uri($"http://127.0.0.1:{FreePorts.Next()}/");
        await using var gateway = await GatewayHost.StartAsync(address, new Dictionary<string, string?> { ["Gateway:RateLimits:PerClientIp"] = "2" });

        var responses = await Task.WhenAll(Enumerable.Range(0, 12).Select(_ => gateway.Http.GetAsync("/api/public/campaigns")));

        var refused = responses.FirstOrDefault(r => r.StatusCode == HttpStatusCode.TooManyRequests);
        Assert.NotNull(refused);
        Assert.True(refused.Headers.RetryAfter?.Delta >= TimeSpan.FromSeconds(1), "Retry-After");
        Assert.Equal("application/problem+json", refused.Content.Headers.ContentType?.MediaType);
        Assert.Equal(429, JsonDocument.Parse(await refused.Content.ReadAsStringAsync()).RootElement.GetProperty("status").GetInt32());
        foreach (var response in responses)
        {
            response.Dispose();
        }
    }
}
