using System.Globalization;
using Google.Protobuf.WellKnownTypes;
using Vouchers.Common.V1;
using VoucherRules;

namespace Campaign.Service.Domain;

/// <summary>Reads the contract's local civil-time types into VoucherRules' types, with field-named problems.</summary>
public static class LocalTimes
{
    public static bool TryReadDate(LocalDate? date, string field, FieldProblems problems, out DateOnly value)
    {
        value = default;
        if (date is null)
        {
            problems.Add(field, "required");
            return false;
        }

        if (date.Year is < 1900 or > 9999 || date.Month is < 1 or > 12 || date.Day < 1 || date.Day > DateTime.DaysInMonth(date.Year, date.Month))
        {
            problems.Add(field, string.Create(CultureInfo.InvariantCulture, $"{date.Year:0000}-{date.Month:00}-{date.Day:00} is not a calendar date"));
            return false;
        }

        value = new DateOnly(date.Year, date.Month, date.Day);
        return true;
    }

    public static bool TryReadTime(LocalTimeOfDay? time, string field, FieldProblems problems, out WallClock value)
    {
        value = WallClock.Midnight;
        if (time is null)
        {
            problems.Add(field, "required");
            return false;
        }

        if (time.Hour is < 0 or > 24 || time.Minute is < 0 or > 59 || (time.Hour == 24 && time.Minute != 0))
        {
            problems.Add(field, string.Create(CultureInfo.InvariantCulture, $"{time.Hour:00}:{time.Minute:00} is not a time between 00:00 and 24:00"));
            return false;
        }

        value = new WallClock(time.Hour, time.Minute);
        return true;
    }

    public static bool TryRead(LocalDateTime? value, string field, FieldProblems problems, out DateOnly date, out WallClock time)
    {
        date = default;
        time = WallClock.Midnight;
        if (value is null)
        {
            problems.Add(field, "required");
            return false;
        }

        var dateOk = TryReadDate(value.Date, field + ".date", problems, out date);
        var timeOk = TryReadTime(value.Time, field + ".time", problems, out time);
        return dateOk && timeOk;
    }

    /// <summary>For values validated before: the instant in the zone.</summary>
    public static DateTimeOffset ToInstant(LocalDateTime value, TimeZoneInfo zone)
    {
        ArgumentNullException.ThrowIfNull(value);
        var date = new DateOnly(value.Date.Year, value.Date.Month, value.Date.Day);
        return CampaignClock.ToInstant(date, new WallClock(value.Time.Hour, value.Time.Minute), zone);
    }

    public static DateOnly ToDate(LocalDateTime value)
    {
        ArgumentNullException.ThrowIfNull(value);
        return new DateOnly(value.Date.Year, value.Date.Month, value.Date.Day);
    }

    public static WallClock ToWallClock(LocalTimeOfDay value)
    {
        ArgumentNullException.ThrowIfNull(value);
        return new WallClock(value.Hour, value.Minute);
    }

    public static Timestamp ToTimestamp(DateTimeOffset instant) => Timestamp.FromDateTimeOffset(instant);

    public static bool TryResolveZone(string zoneId, string field, FieldProblems problems, out TimeZoneInfo zone)
    {
        zone = TimeZoneInfo.Utc;
        if (string.IsNullOrWhiteSpace(zoneId))
        {
            problems.Add(field, "required (an IANA zone such as Asia/Shanghai)");
            return false;
        }

        try
        {
            zone = TimeZones.Resolve(zoneId);
            return true;
        }
        catch (Exception ex) when (ex is TimeZoneNotFoundException or InvalidTimeZoneException)
        {
            problems.Add(field, $"'{zoneId}' is not a known IANA time zone");
            return false;
        }
    }

    /// <summary>Zone of a stored campaign (validated when saved).</summary>
    public static TimeZoneInfo Zone(string zoneId) => TimeZones.Resolve(zoneId);
}
