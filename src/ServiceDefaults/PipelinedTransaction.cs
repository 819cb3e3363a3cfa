using Npgsql;

namespace ServiceDefaults;

/// <summary>
/// A PostgreSQL transaction that costs no round trip of its own: BEGIN travels in front of the first batch and COMMIT
/// behind the last, so a read → decide → write change is two round trips, and the row locks the first batch takes are
/// held while the caller decides and while the server runs the last batch, never across a separate COMMIT. Disposing it
/// uncommitted rolls back. (NpgsqlTransaction sends its COMMIT on its own, one round trip more per change.)
/// </summary>
public sealed class PipelinedTransaction : IAsyncDisposable
{
    private readonly NpgsqlConnection _connection;
    private bool _begun;
    private bool _ended;

    private PipelinedTransaction(NpgsqlConnection connection) => _connection = connection;

    public static async Task<PipelinedTransaction> OpenAsync(NpgsqlDataSource dataSource, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        return new PipelinedTransaction(await dataSource.OpenConnectionAsync(cancellationToken));
    }

    public NpgsqlBatch CreateBatch() => new(_connection);

    /// <summary>Runs <paramref name="batch"/> inside the transaction (the first batch also opens it) and reads its results.</summary>
    public Task<NpgsqlDataReader> ReadAsync(NpgsqlBatch batch, CancellationToken cancellationToken)
    {
        Enter(batch);
        return batch.ExecuteReaderAsync(cancellationToken);
    }

    /// <summary>Runs <paramref name="batch"/> and commits in the same round trip; when a statement fails nothing of the transaction stays.</summary>
    public async Task CommitAsync(NpgsqlBatch batch, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(batch);
        Enter(batch);
        batch.BatchCommands.Add(new NpgsqlBatchCommand("COMMIT"));
        try
        {
            await batch.ExecuteNonQueryAsync(cancellationToken);
            _ended = true;
        }
        catch
        {
            // The server skipped the rest of the batch, COMMIT included, and holds the transaction as failed.
            await RollbackAsync();
            throw;
        }
    }

    public async Task RollbackAsync()
    {
        if (!_begun || _ended)
        {
            return;
        }

        _ended = true;
        try
        {
            await using var rollback = new NpgsqlCommand("ROLLBACK", _connection);
            await rollback.ExecuteNonQueryAsync(CancellationToken.None);
        }
        catch (NpgsqlException)
        {
            // A broken connection is not returned to the pool, and the server ends its transaction with it.
        }
    }

    public async ValueTask DisposeAsync()
    {
        await RollbackAsync();
        await _connection.DisposeAsync();
    }

    private void Enter(NpgsqlBatch batch)
    {
        ArgumentNullException.ThrowIfNull(batch);
        ObjectDisposedException.ThrowIf(_ended, this);
        if (!_begun)
        {
            batch.BatchCommands.Insert(0, new NpgsqlBatchCommand("BEGIN"));
            _begun = true;
        }
    }
}
