using System.Security.Cryptography;
using Campaign.Service.Data;
using Google.Protobuf;
using Microsoft.EntityFrameworkCore;
using Npgsql;
using Vouchers.Campaign.V1;
using Vouchers.Common.V1;

namespace Campaign.Service.Domain;

/// <summary>Transactions, audit lines, ids and request fingerprints shared by every write.</summary>
public static class Persistence
{
    /// <summary>
    /// Runs <paramref name="work"/> in one transaction under the context's retrying execution
    /// strategy; each attempt starts from an empty change tracker so it re-reads what it changes.
    /// A concurrent writer that got there first surfaces as ABORTED.
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
            throw new global::Grpc.Core.RpcException(new global::Grpc.Core.Status(global::Grpc.Core.StatusCode.Aborted, "changed concurrently by another request: re-read and retry"));
        }
        catch (DbUpdateException ex) when (ex.InnerException is PostgresException { SqlState: PostgresErrorCodes.UniqueViolation } unique)
        {
            throw Refusals.AlreadyExists($"already exists ({unique.ConstraintName})");
        }
    }

    public static string NewId(string prefix) => prefix + Guid.CreateVersion7().ToString("N");

    /// <summary>A stable fingerprint of a request, to tell a retry from a different request reusing its key.</summary>
    public static string Fingerprint(IMessage request)
    {
        ArgumentNullException.ThrowIfNull(request);
        return Convert.ToHexString(SHA256.HashData(request.ToByteArray()));
    }

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

/// <summary>Opaque page tokens bound to the request's filters: base64 of "filter-hash:offset".</summary>
public static class Paging
{
    public const int DefaultSize = 50;
    public const int MaxSize = 1000;

    public static (int Offset, int Size) Read(PageRequest? page, string filterKey)
    {
        var size = page?.PageSize ?? 0;
        if (size < 0)
        {
            throw Refusals.Invalid("page.page_size: cannot be negative");
        }

        size = size == 0 ? DefaultSize : Math.Min(size, MaxSize);
        var token = page?.PageToken ?? string.Empty;
        if (token.Length == 0)
        {
            return (0, size);
        }

        try
        {
            var text = System.Text.Encoding.UTF8.GetString(Convert.FromBase64String(token));
            var parts = text.Split(':');
            if (parts.Length == 2 && parts[0] == Hash(filterKey) && int.TryParse(parts[1], System.Globalization.CultureInfo.InvariantCulture, out var offset) && offset >= 0)
            {
                return (offset, size);
            }
        }
        catch (FormatException)
        {
            // Falls through to the refusal below: a token that is not ours.
        }

        throw Refusals.Invalid("page.page_token: not a token from this list with these filters");
    }

    public static PageResponse Next(int offset, int size, int returned, long total, string filterKey) => new()
    {
        NextPageToken = offset + returned < total && returned == size
            ? Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(FormattableString.Invariant($"{Hash(filterKey)}:{offset + returned}")))
            : string.Empty,
        TotalSize = total,
    };

    private static string Hash(string filterKey) => Convert.ToHexString(SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(filterKey)))[..16];
}
