using System.Globalization;
using Google.Protobuf.WellKnownTypes;
using Vouchers.Common.V1;

namespace BackOffice.Formatting;

/// <summary>Instants shown in the campaign's time zone (default Asia/Shanghai), local dates as written.</summary>
public static class CampaignTime
{
    public const string DefaultTimeZone = "Asia/Shanghai";

    public static TimeZoneInfo Zone(string? timeZone) =>
        TimeZoneInfo.TryFindSystemTimeZoneById(string.IsNullOrEmpty(timeZone) ? DefaultTimeZone : timeZone, out var zone)
            ? zone
            : TimeZoneInfo.FindSystemTimeZoneById(DefaultTimeZone);

    public static DateTimeOffset ToLocal(DateTimeOffset instant, string? timeZone) => TimeZoneInfo.ConvertTime(instant, Zone(timeZone));

    /// <summary>"2022-06-01 09:00" in the campaign's zone; empty for an unset timestamp.</summary>
    public static string Format(Timestamp? instant, string? timeZone) =>
        instant is null ? string.Empty : Format(instant.ToDateTimeOffset(), timeZone);

    public static string Format(DateTimeOffset instant, string? timeZone) =>
        ToLocal(instant, timeZone).ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture);

    /// <summary>A local date-time as the campaign wrote it ("24:00" stays 24:00: the end of that day).</summary>
    public static string Format(LocalDateTime? local) =>
        local?.Date is null
            ? string.Empty
            : string.Create(CultureInfo.InvariantCulture, $"{local.Date.Year:D4}-{local.Date.Month:D2}-{local.Date.Day:D2} {local.Time?.Hour ?? 0:D2}:{local.Time?.Minute ?? 0:D2}");
}
