using System.Security.Cryptography;
using Campaign.Service.Domain;
using Google.Protobuf;
using Microsoft.EntityFrameworkCore;
using Npgsql;
using Vouchers.Campaign.V1;
using Vouchers.Common.V1;
using VoucherRules;

namespace Campaign.Service.Data;

/// <summary>Transactions, audit lines, ids and request fingerprints shared by every write.</summary>
public static class Persistence
{
    /// <summary>
    /// Runs <paramref name="work"/> in one transaction under the context's retrying execution
    /// strategy; each attempt starts from an empty change tracker so it re-reads what it changes.
    /// A concurrent writer that got there first surfaces as a conflict (ABORTED).
    /// </summary>
    public static async Task<T> InTransactionAsync<T>(this CampaignDbContext db, Func<CancellationToken, Task<T>> work, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(work);
        var strategy = db.Database.CreateExecutionStrategy();
        try
        {
            return await strategy.ExecuteAsync(
                (db, work),
                async (_, state, token) =>
                {
                    state.db.ChangeTracker.Clear();
                    await using var transaction = await state.db.Database.BeginTransactionAsync(token);
                    var result = await state.work(token);
                    await transaction.CommitAsync(token);
                    return result;
                },
                verifySucceeded: null,
                cancellationToken);
        }
        catch (DbUpdateConcurrencyException)
        {
            throw new ConflictException("changed concurrently by another request: re-read and retry");
        }
        catch (DbUpdateException ex) when (ex.InnerException is PostgresException { SqlState: PostgresErrorCodes.UniqueViolation } unique)
        {
            throw new AlreadyExistsException($"already exists ({unique.ConstraintName})");
        }
    }

    public static string NewId(string prefix) => prefix + Guid.CreateVersion7().ToString("N");

    /// <summary>A stable fingerprint of a request, to tell a retry from a different request reusing its key.</summary>
    public static string Fingerprint(IMessage request)
    {
        ArgumentNullException.ThrowIfNull(request);
        return Convert.ToHexString(SHA256.HashData(request.ToByteArray()));
    }

    /// <summary>
    /// For a write keyed by a caller's request id: true when the earlier write with that id came from
    /// the same request (a retry, answered with the first result); a different request reusing the id
    /// is ALREADY_EXISTS.
    /// </summary>
    public static bool IsRetry(string? earlierFingerprint, string fingerprint, string requestId, string call) =>
        earlierFingerprint == fingerprint
            ? true
            : throw new AlreadyExistsException($"request_id '{requestId}' was used for a different {call} request");

    public static AuditRecord Audit(
        Actor actor,
        string action,
        AuditSubject subject,
        string subjectId,
        DateTimeOffset now,
        string campaignId = "",
        string merchantId = "",
        long versionBefore = 0,
        long versionAfter = 0,
        string reason = "",
        IMessage? before = null,
        IMessage? after = null)
    {
        ArgumentNullException.ThrowIfNull(actor);
        return new AuditRecord
        {
            OccurredAt = now,
            ActorId = actor.ActorId,
            ActorJson = ProtoJson.Format(actor),
            Action = action,
            Subject = (int)subject,
            SubjectId = subjectId,
            CampaignId = campaignId,
            MerchantId = merchantId,
            VersionBefore = versionBefore,
            VersionAfter = versionAfter,
            Reason = reason,
            BeforeJson = before is null ? string.Empty : ProtoJson.Format(before),
            AfterJson = after is null ? string.Empty : ProtoJson.Format(after),
        };
    }

    public static AuditEntry ToProto(AuditRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        return new AuditEntry
        {
            Sequence = record.Sequence,
            OccurredAt = LocalTimes.ToTimestamp(record.OccurredAt),
            Actor = ProtoJson.Parse<Actor>(record.ActorJson),
            Action = record.Action,
            Subject = (AuditSubject)record.Subject,
            SubjectId = record.SubjectId,
            CampaignId = record.CampaignId,
            MerchantId = record.MerchantId,
            VersionBefore = record.VersionBefore,
            VersionAfter = record.VersionAfter,
            Reason = record.Reason,
            BeforeJson = record.BeforeJson,
            AfterJson = record.AfterJson,
        };
    }

    /// <summary>Every snapshot of the campaigns a merchant is enrolled in moves on (its status, staff or terminals changed).</summary>
    public static Task<int> BumpSnapshotsOfMerchantAsync(this CampaignDbContext db, string merchantId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(db);
        return db.Database.ExecuteSqlInterpolatedAsync(
            $"UPDATE campaigns SET snapshot_version = snapshot_version + 1 WHERE id IN (SELECT campaign_id FROM campaign_merchants WHERE merchant_id = {merchantId} AND enrolled)",
            cancellationToken);
    }

    public static Task<int> BumpSnapshotAsync(this CampaignDbContext db, string campaignId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(db);
        return db.Database.ExecuteSqlInterpolatedAsync($"UPDATE campaigns SET snapshot_version = snapshot_version + 1 WHERE id = {campaignId}", cancellationToken);
    }
}

/// <summary>ILIKE patterns from user text: the text's own wildcards and escapes match literally.</summary>
public static class Like
{
    public static string Containing(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return "%" + text.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("%", "\\%", StringComparison.Ordinal).Replace("_", "\\_", StringComparison.Ordinal) + "%";
    }
}
