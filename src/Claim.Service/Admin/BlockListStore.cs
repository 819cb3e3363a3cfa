using Claim.Service.HotPath;
using Google.Protobuf;
using Npgsql;
using StackExchange.Redis;
using Vouchers.Claim.V1;
using Vouchers.Common.V1;
using Rules = VoucherRules;

namespace Claim.Service.Admin;

/// <summary>
/// The scalper list: claimdb holds the entries (who, why, when, masked key), Redis holds what the claim script
/// reads (one sorted set per campaign plus a global one, member "kind:hash", score = lapse time in ms).
/// Postgres is written first, so a Redis failure leaves an entry the next add or remove repairs.
/// </summary>
public sealed class BlockListStore(NpgsqlDataSource dataSource, IDatabase redis)
{
    private const string Columns = "entry_id, kind, key_hash, masked_value, campaign_id, reason, added_by, added_at, expires_at, removed_at";

    public async Task<BlockListEntry> AddAsync(Rules.IdentityKeyKind kind, string keyHash, string maskedValue, string campaignId, string reason, Actor actor, DateTimeOffset? expiresAt, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var protoKind = CampaignPlan.ToProto(kind);
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);

        // A lapsed entry no longer blocks anyone; closing it lets the same key be listed afresh.
        await using (var close = new NpgsqlCommand(
            "UPDATE block_list SET removed_at = expires_at, removal_reason = 'lapsed' WHERE campaign_id = @campaign AND kind = @kind AND key_hash = @hash AND removed_at IS NULL AND expires_at <= @now",
            connection,
            transaction))
        {
            close.Parameters.AddWithValue("campaign", campaignId);
            close.Parameters.AddWithValue("kind", (short)protoKind);
            close.Parameters.AddWithValue("hash", keyHash);
            close.Parameters.AddWithValue("now", now.UtcDateTime);
            await close.ExecuteNonQueryAsync(cancellationToken);
        }

        await using (var insert = new NpgsqlCommand(
            """
            INSERT INTO block_list (entry_id, kind, key_hash, masked_value, campaign_id, reason, added_by, added_at, expires_at)
            VALUES (@id, @kind, @hash, @masked, @campaign, @reason, @by, @now, @expires)
            ON CONFLICT (campaign_id, kind, key_hash) WHERE removed_at IS NULL DO NOTHING
            """,
            connection,
            transaction))
        {
            insert.Parameters.AddWithValue("id", "blk_" + Guid.CreateVersion7(now).ToString("N"));
            insert.Parameters.AddWithValue("kind", (short)protoKind);
            insert.Parameters.AddWithValue("hash", keyHash);
            insert.Parameters.AddWithValue("masked", maskedValue);
            insert.Parameters.AddWithValue("campaign", campaignId);
            insert.Parameters.AddWithValue("reason", reason);
            insert.Parameters.AddWithValue("by", actor.ToByteArray());
            insert.Parameters.AddWithValue("now", now.UtcDateTime);
            insert.Parameters.AddWithValue("expires", expiresAt is { } e ? e.UtcDateTime : DBNull.Value);
            await insert.ExecuteNonQueryAsync(cancellationToken);
        }

        BlockListEntry entry;
        await using (var select = new NpgsqlCommand(
            $"SELECT {Columns} FROM block_list WHERE campaign_id = @campaign AND kind = @kind AND key_hash = @hash AND removed_at IS NULL",
            connection,
            transaction))
        {
            select.Parameters.AddWithValue("campaign", campaignId);
            select.Parameters.AddWithValue("kind", (short)protoKind);
            select.Parameters.AddWithValue("hash", keyHash);
            await using var reader = await select.ExecuteReaderAsync(cancellationToken);
            await reader.ReadAsync(cancellationToken);
            entry = Read(reader);
        }

        await transaction.CommitAsync(cancellationToken);
        var lapse = entry.ExpiresAt is null ? double.PositiveInfinity : entry.ExpiresAt.ToDateTimeOffset().ToUnixTimeMilliseconds();
        await redis.SortedSetAddAsync(RedisSet(entry.CampaignId), HashedPerson.BlockMember(kind, keyHash), lapse);
        return entry;
    }

    /// <summary>Closes an entry; null when there is no such entry. Removing a removed entry returns it unchanged.</summary>
    public async Task<BlockListEntry?> RemoveAsync(string entryId, string reason, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            $"""
            WITH closed AS (
                UPDATE block_list SET removed_at = @now, removal_reason = @reason WHERE entry_id = @id AND removed_at IS NULL RETURNING {Columns}
            )
            SELECT {Columns}, true FROM closed
            UNION ALL
            SELECT {Columns}, false FROM block_list WHERE entry_id = @id AND NOT EXISTS (SELECT 1 FROM closed)
            """);
        command.Parameters.AddWithValue("id", entryId);
        command.Parameters.AddWithValue("reason", reason);
        command.Parameters.AddWithValue("now", now.UtcDateTime);
        BlockListEntry entry;
        bool closedNow;
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            if (!await reader.ReadAsync(cancellationToken))
            {
                return null;
            }

            entry = Read(reader);
            closedNow = reader.GetBoolean(10);
        }

        if (closedNow)
        {
            await redis.SortedSetRemoveAsync(RedisSet(entry.CampaignId), HashedPerson.BlockMember(CampaignPlan.ToRules(entry.Key.Kind), entry.Key.KeyHash));
        }

        return entry;
    }

    /// <summary>Entries newest first (entry ids are time-ordered), after <paramref name="afterEntryId"/>.</summary>
    public async Task<List<BlockListEntry>> ListAsync(string campaignId, IdentityKeyKind kind, bool includeInactive, DateTimeOffset now, int limit, string? afterEntryId, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            $"""
            SELECT {Columns} FROM block_list
            WHERE (@campaign = '' OR campaign_id = @campaign OR campaign_id = '')
              AND (@kind = 0 OR kind = @kind)
              AND (@inactive OR (removed_at IS NULL AND (expires_at IS NULL OR expires_at > @now)))
              AND (@after::text IS NULL OR entry_id < @after)
            ORDER BY entry_id DESC
            LIMIT @limit
            """);
        command.Parameters.AddWithValue("campaign", campaignId);
        command.Parameters.AddWithValue("kind", (short)kind);
        command.Parameters.AddWithValue("inactive", includeInactive);
        command.Parameters.AddWithValue("now", now.UtcDateTime);
        command.Parameters.AddWithValue("after", (object?)afterEntryId ?? DBNull.Value);
        command.Parameters.AddWithValue("limit", limit);
        var entries = new List<BlockListEntry>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            entries.Add(Read(reader));
        }

        return entries;
    }

    private static string RedisSet(string campaignId) => campaignId.Length == 0 ? RedisKeys.GlobalBlockList : RedisKeys.BlockList(campaignId);

    private static BlockListEntry Read(NpgsqlDataReader reader)
    {
        var entry = new BlockListEntry
        {
            EntryId = reader.GetString(0),
            Key = new MaskedIdentityKey { Kind = (IdentityKeyKind)reader.GetInt16(1), KeyHash = reader.GetString(2), MaskedValue = reader.GetString(3) },
            CampaignId = reader.GetString(4),
            Reason = reader.GetString(5),
            AddedBy = Actor.Parser.ParseFrom((byte[])reader[6]),
            AddedAt = Usage.VoucherUsageStore.Stamp(Usage.VoucherUsageStore.Utc(reader.GetDateTime(7))),
        };
        if (!reader.IsDBNull(8))
        {
            entry.ExpiresAt = Usage.VoucherUsageStore.Stamp(Usage.VoucherUsageStore.Utc(reader.GetDateTime(8)));
        }

        if (!reader.IsDBNull(9))
        {
            entry.RemovedAt = Usage.VoucherUsageStore.Stamp(Usage.VoucherUsageStore.Utc(reader.GetDateTime(9)));
        }

        return entry;
    }
}
