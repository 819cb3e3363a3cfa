using System.Globalization;
using System.Security.Cryptography;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Vouchers.Common.V1;
using VoucherRules;
using TimeWindow = Vouchers.Common.V1.TimeWindow;

namespace Settlement.Service.Application;

/// <summary>Checks and conversions every call shares: ids, idempotency keys, windows, page tokens, timestamps.</summary>
public static class Requests
{
    public static string RequestId(string? value, string field = "request_id")
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            throw new InvalidArgumentException(field, "required (a UUID)");
        }

        return Guid.TryParse(value, out var id) ? id.ToString("D") : throw new InvalidArgumentException(field, "must be a UUID");
    }

    public static string Required(string? value, string field)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            throw new InvalidArgumentException(field, "required");
        }

        return value.Trim();
    }

    /// <summary>A resource id we issued (a UUID); anything else cannot name one, so it is NOT_FOUND.</summary>
    public static Guid ResourceId(string? value, string field, string what)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            throw new InvalidArgumentException(field, "required");
        }

        return Guid.TryParse(value, out var id) ? id : throw new NotFoundException($"{what} '{value}' not found");
    }

    /// <summary>An optional id filter: empty = none, else as <see cref="ResourceId"/>.</summary>
    public static Guid? OptionalResourceId(string? value, string field, string what) =>
        string.IsNullOrEmpty(value) ? null : ResourceId(value, field, what);

    /// <summary>A window whose both ends are set and start before end.</summary>
    public static (DateTimeOffset Start, DateTimeOffset End) Window(TimeWindow? window, string field)
    {
        if (window?.StartTime is null || window.EndTime is null)
        {
            throw new InvalidArgumentException(field, "start_time and end_time are required");
        }

        var start = window.StartTime.ToDateTimeOffset();
        var end = window.EndTime.ToDateTimeOffset();
        return start < end ? (start, end) : throw new InvalidArgumentException(field, "start_time must be before end_time");
    }

    /// <summary>An optional filter window: unset = all time; either end may be open.</summary>
    public static (DateTimeOffset Start, DateTimeOffset End) OptionalWindow(TimeWindow? window, string field)
    {
        var start = window?.StartTime?.ToDateTimeOffset() ?? DateTimeOffset.MinValue;
        var end = window?.EndTime?.ToDateTimeOffset() ?? DateTimeOffset.MaxValue;
        return start < end ? (start, end) : throw new InvalidArgumentException(field, "start_time must be before end_time");
    }

    public static TimeWindow ToWindow(DateTimeOffset start, DateTimeOffset end) => new() { StartTime = Timestamp.FromDateTimeOffset(start), EndTime = Timestamp.FromDateTimeOffset(end) };

    public static Timestamp ToTimestamp(DateTimeOffset instant) => Timestamp.FromDateTimeOffset(instant);

    public static Timestamp? ToTimestamp(DateTimeOffset? instant) => instant is { } value ? Timestamp.FromDateTimeOffset(value) : null;

    /// <summary>A digest of a request's content, so a reused idempotency key with other content is told apart.</summary>
    public static string Fingerprint(IMessage request) => Convert.ToHexString(SHA256.HashData(request.ToByteArray()));

    public static byte[] ActorBytes(Actor actor) => actor.ToByteArray();

    public static Actor? ReadActor(byte[]? bytes) => bytes is null ? null : Actor.Parser.ParseFrom(bytes);

    public static string Key(Guid id) => id.ToString("N", CultureInfo.InvariantCulture);
}

/// <summary>Keyset paging of the list calls (VoucherRules' PageSize and PageToken).</summary>
public static class Pages
{
    public static (int Size, IReadOnlyList<string>? After) Read(PageRequest? page, string filterKey, int keyParts) =>
        (PageSize.Resolve(page?.PageSize ?? 0), PageToken.Read(page?.PageToken, filterKey, keyParts));

    public static PageResponse Response(string nextToken, long total) => new() { NextPageToken = nextToken, TotalSize = total };

    /// <summary>A list filter may not name the UNSPECIFIED value of its enum.</summary>
    public static void RequireSpecified<T>(IEnumerable<T> values, T unspecified, string field)
        where T : struct, System.Enum
    {
        if (values.Contains(unspecified))
        {
            throw new InvalidArgumentException(field, "the UNSPECIFIED value is not a filter value");
        }
    }
}
