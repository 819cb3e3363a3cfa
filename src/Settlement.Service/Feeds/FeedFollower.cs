using Grpc.Core;
using Microsoft.EntityFrameworkCore;
using Settlement.Service.Data;

namespace Settlement.Service.Feeds;

/// <summary>How the followers read: batch size, pause between reads once caught up, first retry delay.</summary>
public sealed class FeedOptions
{
    public const string SectionName = "Settlement:Feeds";

    /// <summary>Events per transaction.</summary>
    public int BatchSize { get; set; } = 500;

    /// <summary>Pause after the feed was read to its end, before reading again.</summary>
    public TimeSpan IdleDelay { get; set; } = TimeSpan.FromSeconds(1);
}

/// <summary>
/// Follows one feed from the cursor stored in settlementdb: reads to the end of the feed (follow = false), applying
/// events a batch per transaction, then records that the feed is projected up to the moment the read began and
/// reads again after a pause. Any failure (peer down, crash between batches) restarts from the stored cursor, so
/// each event is projected exactly once. RunSettlement reads the caught-up instant to refuse periods not reached.
/// </summary>
public abstract partial class FeedFollower<TEvent>(
    IDbContextFactory<SettlementDbContext> contexts,
    FeedOptions options,
    TimeProvider time,
    ILogger logger) : BackgroundService
{
    protected abstract string Feed { get; }

    /// <summary>The client call, or null when no peer is configured.</summary>
    protected abstract AsyncServerStreamingCall<TEvent>? Open(string afterCursor, CancellationToken cancellationToken);

    protected abstract Task ApplyAsync(IReadOnlyList<TEvent> events, CancellationToken cancellationToken);

    /// <summary>Reads the feed from the stored cursor to its end once; the caught-up mark is set when it got there.</summary>
    public async Task<bool> CatchUpOnceAsync(CancellationToken cancellationToken)
    {
        string cursor;
        await using (var db = await contexts.CreateDbContextAsync(cancellationToken))
        {
            cursor = await db.FeedCursors.Where(c => c.Feed == Feed).Select(c => c.Cursor).SingleOrDefaultAsync(cancellationToken) ?? string.Empty;
        }

        var startedAt = time.GetUtcNow();
        using var call = Open(cursor, cancellationToken);
        if (call is null)
        {
            return false;
        }

        var batch = new List<TEvent>(options.BatchSize);
        while (await call.ResponseStream.MoveNext(cancellationToken))
        {
            batch.Add(call.ResponseStream.Current);
            if (batch.Count >= options.BatchSize)
            {
                await ApplyAsync(batch, cancellationToken);
                batch.Clear();
            }
        }

        await ApplyAsync(batch, cancellationToken);
        await using (var db = await contexts.CreateDbContextAsync(cancellationToken))
        {
            await FeedCursors.MarkCaughtUpAsync(db, Feed, startedAt, cancellationToken);
        }

        return true;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var delay = TimeSpan.FromMilliseconds(200);
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                if (!await CatchUpOnceAsync(stoppingToken))
                {
                    LogNoPeer(logger, Feed);
                    return;
                }

                delay = TimeSpan.FromMilliseconds(200);
                await Task.Delay(options.IdleDelay, time, stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex) when (ex is RpcException or DbUpdateException or Npgsql.NpgsqlException or InvalidOperationException or TimeoutException)
            {
                LogRetry(logger, ex, Feed, delay.TotalMilliseconds);
                await Task.Delay(delay, time, stoppingToken);
                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, TimeSpan.FromSeconds(5).Ticks));
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "No peer is configured for the {Feed} feed; it will not be followed")]
    private static partial void LogNoPeer(ILogger logger, string feed);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Following the {Feed} feed failed; resuming from the stored cursor in {DelayMs} ms")]
    private static partial void LogRetry(ILogger logger, Exception exception, string feed, double delayMs);
}
