using System.Globalization;
using System.Net;
using System.Security.Claims;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.RateLimiting;
using ServiceDefaults;

namespace Gateway.Proxy;

/// <summary>Requests per second a caller may make through the gateway (section <c>Gateway:RateLimits</c>); bursts up to the same number.</summary>
public sealed class RateLimitOptions
{
    public const string SectionName = "Gateway:RateLimits";

    /// <summary>Per client IP address, authenticated or not.</summary>
    public int PerClientIp { get; set; } = 200;

    /// <summary>Per channel (the token's channel_id): a channel's whole traffic, from however many addresses.</summary>
    public int PerChannel { get; set; } = 1000;
}

/// <summary>
/// ASP.NET Core rate limiting, chained: every request counts against its client IP, and a channel's requests also
/// against the channel. A refusal is HTTP 429 with Retry-After and a problem document, or for gRPC the status
/// RESOURCE_EXHAUSTED (with the same Retry-After header) that channels already retry with the same request id.
/// </summary>
public static class RateLimits
{
    public static IServiceCollection AddGatewayRateLimits(this IServiceCollection services, IConfiguration configuration)
    {
        var limits = configuration.GetSection(RateLimitOptions.SectionName).Get<RateLimitOptions>() ?? new RateLimitOptions();
        services.AddRateLimiter(options =>
        {
            // Keyed by the address and the channel id themselves, each limiter its own table: nothing is formatted or
            // concatenated per request to find a caller's bucket.
            options.GlobalLimiter = PartitionedRateLimiter.CreateChained(
                PartitionedRateLimiter.Create<HttpContext, IPAddress>(http => IsProbe(http)
                    ? RateLimitPartition.GetNoLimiter(ProbeKey)
                    : Bucket(http.Connection.RemoteIpAddress ?? IPAddress.None, limits.PerClientIp)),
                PartitionedRateLimiter.Create<HttpContext, string>(http => http.User.FindFirstValue(TokenClaims.ChannelId) is { Length: > 0 } channel
                    ? Bucket(channel, limits.PerChannel)
                    : RateLimitPartition.GetNoLimiter(string.Empty)));
            options.OnRejected = (context, _) => RejectAsync(context);
        });
        return services;
    }

    /// <summary>The probes' unlimited partition: an address no caller connects from.</summary>
    private static readonly IPAddress ProbeKey = IPAddress.IPv6None;

    private static RateLimitPartition<TKey> Bucket<TKey>(TKey key, int perSecond) =>
        RateLimitPartition.GetTokenBucketLimiter(key, _ => new TokenBucketRateLimiterOptions
        {
            TokenLimit = perSecond,
            TokensPerPeriod = perSecond,
            ReplenishmentPeriod = TimeSpan.FromSeconds(1),
            QueueLimit = 0,
            AutoReplenishment = true,
        });

    private static bool IsProbe(HttpContext http) =>
        http.Request.Path.StartsWithSegments(ServiceDefaultsExtensions.HealthPath) || http.Request.Path.StartsWithSegments(ServiceDefaultsExtensions.AlivePath);

    private static async ValueTask RejectAsync(OnRejectedContext context)
    {
        var http = context.HttpContext;
        var retryAfter = context.Lease.TryGetMetadata(MetadataName.RetryAfter, out var wait) ? wait : TimeSpan.FromSeconds(1);
        http.Response.Headers.RetryAfter = Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
        const string message = "rate limit exceeded: retry later with the same request id";
        if (GrpcProtocol.IsGrpc(http.Request))
        {
            GrpcProtocol.WriteStatus(http.Response, Grpc.Core.StatusCode.ResourceExhausted, message);
            return;
        }

        http.Response.StatusCode = StatusCodes.Status429TooManyRequests;
        await http.RequestServices.GetRequiredService<IProblemDetailsService>().WriteAsync(new ProblemDetailsContext
        {
            HttpContext = http,
            ProblemDetails = { Status = StatusCodes.Status429TooManyRequests, Title = "Too many requests", Detail = message },
        });
    }
}

/// <summary>Answers the gateway itself gives to gRPC callers: trailers-only responses (HTTP 200, status in the headers).</summary>
public static class GrpcProtocol
{
    public static bool IsGrpc(HttpRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        return request.ContentType?.StartsWith("application/grpc", StringComparison.OrdinalIgnoreCase) == true;
    }

    public static void WriteStatus(HttpResponse response, Grpc.Core.StatusCode code, string message)
    {
        ArgumentNullException.ThrowIfNull(response);
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = "application/grpc";
        response.Headers["grpc-status"] = ((int)code).ToString(CultureInfo.InvariantCulture);
        response.Headers["grpc-message"] = Uri.EscapeDataString(message);
    }
}
