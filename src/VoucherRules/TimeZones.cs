namespace VoucherRules;

/// <summary>Resolves a campaign's IANA time zone id; campaigns default to China Standard Time.</summary>
public static class TimeZones
{
    public const string DefaultZoneId = "Asia/Shanghai";

    /// <summary>
    /// Finds the zone by its IANA id ("Asia/Shanghai", "Europe/Berlin"). An empty id means the
    /// default. Throws <see cref="TimeZoneNotFoundException"/> for an unknown id, so a campaign
    /// configured with a typo is refused instead of silently running on UTC.
    /// </summary>
    public static TimeZoneInfo Resolve(string? ianaId = null)
    {
        var id = string.IsNullOrWhiteSpace(ianaId) ? DefaultZoneId : ianaId.Trim();
        return TimeZoneInfo.FindSystemTimeZoneById(id);
    }
}
