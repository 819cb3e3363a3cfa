using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Aspire.Hosting.Testing;
using Grpc.Core;
using Grpc.Net.Client;
using Microsoft.Extensions.DependencyInjection;
using ServiceDefaults;

namespace TestSupport;

/// <summary>
/// Access tokens from the gateway's token endpoint of a running app host model, the way a channel or a script of a
/// local run gets one: client credentials of a seeded client, whose secret is the model's parameter
/// <c>token-client-{client id}</c>.
/// </summary>
public static class LocalTokenClient
{
    public const string OperatorClient = "operator-cli";
    public const string ChannelClient = "channel-unionpay";
    public const string SystemClient = "system-cli";

    /// <summary>The channel the seeded <see cref="ChannelClient"/> belongs to.</summary>
    public const string ChannelOfChannelClient = "unionpay";

    public static async Task<string> RequestAsync(DistributedApplication app, string clientId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(app);
        var model = app.Services.GetRequiredService<DistributedApplicationModel>();
        var parameter = model.Resources.OfType<ParameterResource>().Single(p => p.Name == "token-client-" + clientId);
        var secret = await parameter.GetValueAsync(cancellationToken).ConfigureAwait(false);
        using var http = new HttpClient { BaseAddress = app.GetEndpoint(ResourceNames.Gateway, EndpointNames.Http) };
        using var form = new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["grant_type"] = "client_credentials",
            ["client_id"] = clientId,
            ["client_secret"] = secret ?? string.Empty,
        });
        using var response = await http.PostAsync(new Uri(ServiceTokens.TokenPath, UriKind.Relative), form, cancellationToken).ConfigureAwait(false);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>(cancellationToken).ConfigureAwait(false);
        return response.IsSuccessStatusCode && body.TryGetProperty("access_token", out var token) && token.GetString() is { Length: > 0 } value
            ? value
            : throw new InvalidOperationException($"the token endpoint refused client '{clientId}': {(int)response.StatusCode} {body}");
    }

    /// <summary>Call headers carrying a token of <paramref name="clientId"/> as the bearer.</summary>
    public static async Task<Metadata> BearerAsync(DistributedApplication app, string clientId, CancellationToken cancellationToken = default) =>
        TestTokens.Bearer(await RequestAsync(app, clientId, cancellationToken).ConfigureAwait(false));

    /// <summary>
    /// A channel to <paramref name="address"/> whose every call carries <paramref name="token"/>, set by the HTTP
    /// handler (one header value built once) rather than by per-call credentials, which run an asynchronous callback
    /// and copy metadata on every call: the benchmarks' load generator shares the cores with what it measures.
    /// Local runs speak cleartext h2c inside the machine, so a bearer token over it is allowed here on purpose.
    /// </summary>
    public static GrpcChannel Channel(Uri address, string token) => GrpcChannel.ForAddress(address, new GrpcChannelOptions
    {
        HttpHandler = new BearerHandler(token) { InnerHandler = new SocketsHttpHandler { EnableMultipleHttp2Connections = true } },
    });

    private sealed class BearerHandler(string token) : DelegatingHandler
    {
        private readonly AuthenticationHeaderValue _authorization = new("Bearer", token);

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            request.Headers.Authorization = _authorization;
            return base.SendAsync(request, cancellationToken);
        }
    }
}
