using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace RedisClient;

/// <summary>Registration in the style of Aspire's <c>builder.AddRedisClient("redis")</c>.</summary>
public static class RedisHostingExtensions
{
    /// <summary>
    /// Reads <c>ConnectionStrings:{connectionName}</c> (environment: <c>ConnectionStrings__{connectionName}</c>),
    /// registers one shared <see cref="RedisConnection"/>, a <see cref="RedisDatabase"/> and a health check
    /// named <c>redis-{connectionName}</c> tagged "ready". The connection is opened when first resolved and,
    /// if Redis is not up yet, keeps retrying in the background instead of failing start-up.
    /// </summary>
    public static IHostApplicationBuilder AddRedisClient(this IHostApplicationBuilder builder, string connectionName, Action<RedisOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrEmpty(connectionName);
        var connectionString = builder.Configuration.GetConnectionString(connectionName);
        if (string.IsNullOrWhiteSpace(connectionString))
        {
            throw new InvalidOperationException(
                $"Redis connection string 'ConnectionStrings:{connectionName}' is missing (set ConnectionStrings__{connectionName}).");
        }

        var options = RedisOptions.Parse(connectionString);
        options.AbortOnConnectFail = false;
        configure?.Invoke(options);

        builder.Services.AddSingleton(services =>
        {
            options.LoggerFactory ??= services.GetService<ILoggerFactory>();
            options.TimeProvider = services.GetService<TimeProvider>() ?? options.TimeProvider;

            // DI factories are synchronous; with AbortOnConnectFail off this returns after one attempt.
            return RedisConnection.ConnectAsync(options).GetAwaiter().GetResult();
        });
        builder.Services.AddSingleton(services => services.GetRequiredService<RedisConnection>().GetDatabase());
        builder.Services.AddHealthChecks().AddCheck<RedisHealthCheck>($"redis-{connectionName}", tags: ["ready"]);
        return builder;
    }
}
