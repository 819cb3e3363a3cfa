using System.Net.Http.Json;
using System.Text.Json.Serialization;
using Grpc.Core;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Authorization;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using Vouchers.Common.V1;

namespace ServiceDefaults;

/// <summary>
/// Where a service gets the keys that sign the suite's access tokens, and its own account for calling
/// other services (section <c>Authentication</c>). Local runs and deployments name the token server
/// (<see cref="Authority"/>: its discovery document and key set); tests and isolated hosts share one
/// symmetric <see cref="SigningKey"/> instead, with which a service also signs its own system tokens.
/// </summary>
public sealed class ServiceAuthenticationOptions
{
    public const string SectionName = "Authentication";

    /// <summary>Base address of the token server (the gateway): <c>/.well-known/openid-configuration</c> and <c>/connect/token</c> live under it.</summary>
    public Uri? Authority { get; set; }

    /// <summary>The <c>iss</c> every token must carry; null takes the one the authority's discovery document states.</summary>
    public string? Issuer { get; set; }

    /// <summary>Base64 symmetric key (at least 32 bytes) trusted instead of an authority: tests and isolated hosts only.</summary>
    public string? SigningKey { get; set; }

    /// <summary>This service's client-credentials account (role system) for calls to other services.</summary>
    public string? ClientId { get; set; }

    public string? ClientSecret { get; set; }

    /// <summary>How long a token may be past its expiry and still pass: clocks of two hosts differ a little.</summary>
    public TimeSpan ClockSkew { get; set; } = TimeSpan.FromSeconds(30);

    public SymmetricSecurityKey? SharedKey() =>
        string.IsNullOrEmpty(SigningKey) ? null : new SymmetricSecurityKey(Convert.FromBase64String(SigningKey));
}

public static class ServiceAuthentication
{
    /// <summary>
    /// JWT bearer validation of every request, an authenticated caller required on every endpoint that does not
    /// say otherwise (the fallback policy: a new gRPC service is closed without any work of its own; health and
    /// reflection opt out in MapDefaultEndpoints), and the tokens this service presents to its peers.
    /// </summary>
    public static IServiceCollection AddServiceAuthentication(this IServiceCollection services, Microsoft.Extensions.Configuration.IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddServiceTokens();
        services.AddAuthentication(JwtBearerDefaults.AuthenticationScheme).AddJwtBearer();
        services.AddOptions<JwtBearerOptions>(JwtBearerDefaults.AuthenticationScheme)
            .Configure<IOptions<ServiceAuthenticationOptions>>((jwt, settings) => ConfigureBearer(jwt, settings.Value));
        services.AddAuthorizationBuilder()
            .SetFallbackPolicy(new AuthorizationPolicyBuilder(JwtBearerDefaults.AuthenticationScheme).RequireAuthenticatedUser().Build());
        return services;
    }

    /// <summary>The tokens this service presents to its peers (<see cref="ServiceTokens"/>), from the <c>Authentication</c> section.</summary>
    public static IServiceCollection AddServiceTokens(this IServiceCollection services)
    {
        services.AddOptions<ServiceAuthenticationOptions>().BindConfiguration(ServiceAuthenticationOptions.SectionName);
        services.TryAddSingleton<ServiceTokens>();
        services.AddHttpClient(ServiceTokens.HttpClientName);
        return services;
    }

    /// <summary>Authenticates the request from memory when its bearer token was accepted before (and is still remembered).</summary>
    internal static void AnswerRemembered(MessageReceivedContext context, CachingJsonWebTokenHandler tokens)
    {
        const string Bearer = "Bearer ";
        var authorization = context.Request.Headers.Authorization;
        if (authorization.Count != 1 || authorization[0] is not { } header
            || !header.StartsWith(Bearer, StringComparison.OrdinalIgnoreCase)
            || tokens.Remembered(header.AsSpan(Bearer.Length).Trim()) is not { } identity)
        {
            return;
        }

        context.Principal = new System.Security.Claims.ClaimsPrincipal(identity);
        context.Success();
    }

    private static void ConfigureBearer(JwtBearerOptions jwt, ServiceAuthenticationOptions settings)
    {
        // Claim names stay as the token writes them (sub, role, merchant_id), not the WS-Federation URIs.
        jwt.MapInboundClaims = false;
        jwt.TokenValidationParameters = new TokenValidationParameters
        {
            ValidAudience = TokenClaims.Audience,
            ValidIssuer = settings.Issuer,
            ValidateIssuer = settings.Issuer is not null || settings.Authority is not null,
            NameClaimType = TokenClaims.Subject,
            RoleClaimType = TokenClaims.Role,
            ClockSkew = settings.ClockSkew,
        };
        // The same token comes with every call of a caller: one full validation per token, not per call, and a token
        // accepted before is answered as soon as the request arrives, before the handler sets up a validation.
        var tokens = new CachingJsonWebTokenHandler();
        jwt.TokenHandlers.Clear();
        jwt.TokenHandlers.Add(tokens);
        jwt.Events = new JwtBearerEvents
        {
            OnMessageReceived = context =>
            {
                AnswerRemembered(context, tokens);
                return Task.CompletedTask;
            },
        };
        if (settings.SharedKey() is { } key)
        {
            jwt.TokenValidationParameters.IssuerSigningKey = key;
        }
        else if (settings.Authority is { } authority)
        {
            jwt.Authority = authority.ToString();
            // Inside the cluster (and in local runs) the token server is reached over plain HTTP, as every
            // service-to-service call is; TLS ends at the ingress.
            jwt.RequireHttpsMetadata = authority.Scheme == Uri.UriSchemeHttps;
        }
    }
}

/// <summary>
/// The access token a service presents to its peers: role system, from the token server's client-credentials
/// grant (cached until shortly before it expires), or signed with the shared key where one is configured; none
/// when neither is configured (the peers then answer only what is open to anyone: health, reflection).
/// </summary>
public sealed class ServiceTokens(
    IOptions<ServiceAuthenticationOptions> options,
    IHttpClientFactory httpClients,
    IHostEnvironment? environment = null) : IDisposable
{
    // Token lifetimes are checked against the wall clock by every peer, whatever business clock the service runs on
    // (the injected TimeProvider is that one: tests move it by years).
    private static readonly TimeProvider WallClock = TimeProvider.System;

    public const string HttpClientName = "token-server";
    public const string TokenPath = "connect/token";

    private static readonly TimeSpan RenewBefore = TimeSpan.FromMinutes(1);
    private static readonly TimeSpan SharedKeyTokenLifetime = TimeSpan.FromHours(1);

    private readonly SemaphoreSlim _renewal = new(1, 1);
    private (string Token, DateTimeOffset RenewAt)? _current;

    public async ValueTask<string?> GetAsync(CancellationToken cancellationToken)
    {
        if (options.Value.SigningKey is not { Length: > 0 } && options.Value.Authority is null)
        {
            return null;
        }

        if (_current is { } current && WallClock.GetUtcNow() < current.RenewAt)
        {
            return current.Token;
        }

        await _renewal.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_current is { } renewed && WallClock.GetUtcNow() < renewed.RenewAt)
            {
                return renewed.Token;
            }

            var (token, lifetime) = await RequestAsync(cancellationToken).ConfigureAwait(false);
            _current = (token, WallClock.GetUtcNow() + lifetime - RenewBefore);
            return token;
        }
        finally
        {
            _renewal.Release();
        }
    }

    public void Dispose() => _renewal.Dispose();

    private async Task<(string Token, TimeSpan Lifetime)> RequestAsync(CancellationToken cancellationToken)
    {
        var settings = options.Value;
        var clientId = settings.ClientId ?? environment?.ApplicationName ?? "service";
        if (settings.SharedKey() is { } key)
        {
            var actor = new Actor { ActorId = clientId, Role = ActorRole.System, DisplayName = clientId };
            return (SharedKeyTokens.Mint(actor, key, settings.Issuer, WallClock.GetUtcNow(), SharedKeyTokenLifetime), SharedKeyTokenLifetime);
        }

        var authority = settings.Authority
            ?? throw new RpcException(new Status(StatusCode.Unauthenticated, "Authentication:Authority is not configured: no token server to ask for this service's token"));
        using var form = new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["grant_type"] = "client_credentials",
            ["client_id"] = clientId,
            ["client_secret"] = settings.ClientSecret ?? string.Empty,
        });
        HttpResponseMessage response;
        try
        {
            response = await httpClients.CreateClient(HttpClientName)
                .PostAsync(new Uri(authority, TokenPath), form, cancellationToken).ConfigureAwait(false);
        }
        catch (HttpRequestException ex)
        {
            // The caller's call fails as if the peer were down: callers already retry UNAVAILABLE.
            throw new RpcException(new Status(StatusCode.Unavailable, $"the token server at {authority} cannot be reached", ex));
        }

        using var answered = response;
        if (!response.IsSuccessStatusCode)
        {
            throw new RpcException(new Status(
                StatusCode.Unauthenticated,
                $"the token server refused the client-credentials grant for '{clientId}' ({(int)response.StatusCode}): check Authentication:ClientId and ClientSecret"));
        }

        var body = await response.Content.ReadFromJsonAsync<TokenResponse>(cancellationToken).ConfigureAwait(false)
            ?? throw new RpcException(new Status(StatusCode.Unavailable, "the token server answered without a body"));
        return (body.AccessToken, TimeSpan.FromSeconds(body.ExpiresIn));
    }

    private sealed record TokenResponse(
        [property: JsonPropertyName("access_token")] string AccessToken,
        [property: JsonPropertyName("expires_in")] int ExpiresIn);
}

/// <summary>Access tokens signed with a shared symmetric key: what tests and isolated hosts trust instead of a token server.</summary>
public static class SharedKeyTokens
{
    private static readonly JsonWebTokenHandler Handler = new();

    public static string Mint(Actor actor, SecurityKey key, string? issuer, DateTimeOffset now, TimeSpan lifetime)
    {
        ArgumentNullException.ThrowIfNull(actor);
        return Handler.CreateToken(new SecurityTokenDescriptor
        {
            Issuer = issuer,
            Audience = TokenClaims.Audience,
            IssuedAt = now.UtcDateTime,
            NotBefore = now.UtcDateTime,
            Expires = (now + lifetime).UtcDateTime,
            Subject = new System.Security.Claims.ClaimsIdentity(TokenClaims.ForActor(actor)),
            SigningCredentials = new SigningCredentials(key, SecurityAlgorithms.HmacSha256),
        });
    }
}
