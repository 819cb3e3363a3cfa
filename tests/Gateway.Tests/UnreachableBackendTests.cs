using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Grpc.Core;
using TestSupport;
using Vouchers.Redemption.V1;

namespace Gateway.Tests;

/// <summary>A gateway whose Redemption service is down (nothing listens at its address): what gRPC and HTTP callers hear.</summary>
public sealed class UnreachableBackendTests : IAsyncLifetime
{
    private GatewayHost _gateway = null!;
    private string _token = null!;

    public async Task InitializeAsync()
    {
        int deadPort;
        using (var dead = FreePorts.Reserve())
        {
            deadPort = dead.Port;
        }

        using var reservation = FreePorts.Reserve();
        var address = new Uri($"http://127.0.0.1:{reservation.Port}/");
        reservation.Dispose();
        _gateway = await GatewayHost.StartAsync(address, new Dictionary<string, string?>
        {
            ["services:redemption:grpc:0"] = $"http://127.0.0.1:{deadPort}",
        });
        _token = await _gateway.TokenAsync("operator-cli");
    }

    public async Task DisposeAsync() => await _gateway.DisposeAsync();

    [Fact]
    public async Task A_grpc_caller_gets_unavailable_naming_the_service_when_the_service_cannot_be_reached()
    {
        var redemptions = new RedemptionService.RedemptionServiceClient(_gateway.Channel);

        var failure = await Assert.ThrowsAsync<RpcException>(() =>
            redemptions.GetRedemptionAsync(new GetRedemptionRequest(), TestTokens.Bearer(_token), DateTime.UtcNow.AddSeconds(30)).ResponseAsync);

        Assert.Equal(StatusCode.Unavailable, failure.StatusCode);
        Assert.Contains("the gateway cannot forward the call to the redemption service", failure.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_unavailable_status_is_a_trailers_only_response_with_http_200()
    {
        using var http = new HttpClient { BaseAddress = _gateway.Address };
        using var request = new HttpRequestMessage(HttpMethod.Post, "redemption.v1.RedemptionService/GetRedemption")
        {
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
            Content = new ByteArrayContent([0, 0, 0, 0, 0]),
        };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/grpc");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", _token);
        request.Headers.TryAddWithoutValidation("te", "trailers");

        using var response = await http.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("14", Assert.Single(response.Headers.GetValues("grpc-status")));
        Assert.Empty(await response.Content.ReadAsByteArrayAsync());
    }

    [Fact]
    public async Task An_http_caller_gets_a_502_problem_document_when_the_service_cannot_be_reached()
    {
        using var http = new HttpClient { BaseAddress = _gateway.Address };
        using var request = new HttpRequestMessage(HttpMethod.Get, "redemption.v1.RedemptionService/GetRedemption");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", _token);

        using var response = await http.SendAsync(request);

        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(502, problem.GetProperty("status").GetInt32());
    }
}
