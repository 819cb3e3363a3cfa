using Npgsql;
using Vouchers.Common.V1;

namespace Claim.Service.Persistence;

/// <summary>
/// vouchers.status holds the claim.v1 <see cref="VoucherStatus"/> number. This is the one place that turns the
/// enum into that number; SQL names statuses through parameters made here, never as bare numbers.
/// </summary>
public static class VoucherStatusColumn
{
    public static short Of(VoucherStatus status) => (short)status;

    public static VoucherStatus From(short value) => (VoucherStatus)value;

    /// <summary>Adds <c>@unused</c>, <c>@locked</c>, … for the statuses a statement names.</summary>
    public static void AddParameters(NpgsqlCommand command, params ReadOnlySpan<VoucherStatus> statuses)
    {
        ArgumentNullException.ThrowIfNull(command);
        foreach (var status in statuses)
        {
            command.Parameters.AddWithValue(status.ToString().ToLowerInvariant(), Of(status));
        }
    }
}
