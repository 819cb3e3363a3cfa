using System.Collections;
using System.Collections.Concurrent;
using Google.Protobuf;
using Google.Protobuf.Reflection;
using Google.Protobuf.WellKnownTypes;
using VoucherRules;

namespace ServiceDefaults;

/// <summary>
/// What no request of any contract may carry, checked once for every call before a service sees it: a NUL character
/// in a string (PostgreSQL text refuses it, so it would surface as a database error), an enum number the contract does
/// not define, a Timestamp or Duration outside the range the protobuf types define (converting one throws). Each
/// service still validates its own fields; this closes the holes a field-by-field validator forgets.
/// </summary>
public static class RequestShape
{
    // Timestamp: 0001-01-01T00:00:00Z .. 9999-12-31T23:59:59Z; Duration: ±10,000 years (google/protobuf/*.proto).
    private const long MinTimestampSeconds = -62_135_596_800;
    private const long MaxTimestampSeconds = 253_402_300_799;
    private const long MaxDurationSeconds = 315_576_000_000;
    private const int MaxNanos = 999_999_999;

    private static readonly ConcurrentDictionary<MessageDescriptor, FieldDescriptor[]> Plans = new();

    /// <summary>Throws <see cref="InvalidArgumentException"/> naming every malformed field of <paramref name="request"/>.</summary>
    public static void ThrowIfMalformed(object? request)
    {
        if (request is not IMessage message)
        {
            return;
        }

        List<FieldViolation>? problems = null;
        Check(message, path: null, ref problems);
        if (problems is not null)
        {
            throw new InvalidArgumentException(problems);
        }
    }

    private static void Check(IMessage message, string? path, ref List<FieldViolation>? problems)
    {
        var descriptor = message.Descriptor;
        if (descriptor.FullName == Timestamp.Descriptor.FullName)
        {
            var timestamp = (Timestamp)message;
            if (timestamp.Seconds is < MinTimestampSeconds or > MaxTimestampSeconds || timestamp.Nanos is < 0 or > MaxNanos)
            {
                Report(ref problems, path, "is not a valid timestamp: it must lie between 0001-01-01 and 9999-12-31 with nanos in 0..999999999");
            }

            return;
        }

        if (descriptor.FullName == Duration.Descriptor.FullName)
        {
            var duration = (Duration)message;
            if (duration.Seconds is < -MaxDurationSeconds or > MaxDurationSeconds
                || duration.Nanos is < -MaxNanos or > MaxNanos
                || (duration.Seconds < 0 && duration.Nanos > 0) || (duration.Seconds > 0 && duration.Nanos < 0))
            {
                Report(ref problems, path, "is not a valid duration: at most 10,000 years, with seconds and nanos of the same sign");
            }

            return;
        }

        foreach (var field in Plans.GetOrAdd(descriptor, PlanFor))
        {
            var value = field.Accessor.GetValue(message);
            if (field.IsMap)
            {
                foreach (DictionaryEntry entry in (IDictionary)value)
                {
                    var at = new Place(path, field.Name, Key: entry.Key);
                    CheckValue(field, entry.Key, at, ref problems);
                    CheckValue(field.MessageType.FindFieldByNumber(2), entry.Value, at, ref problems);
                }
            }
            else if (field.IsRepeated)
            {
                var index = 0;
                foreach (var item in (IList)value)
                {
                    CheckValue(field, item, new Place(path, field.Name, index++), ref problems);
                }
            }
            else
            {
                CheckValue(field, value, new Place(path, field.Name), ref problems);
            }
        }
    }

    private static void CheckValue(FieldDescriptor field, object? value, Place at, ref List<FieldViolation>? problems)
    {
        switch (value)
        {
            case string text when text.Contains('\0', StringComparison.Ordinal):
                Report(ref problems, at.Path, "must not contain the NUL character (U+0000)");
                break;
            case IMessage nested:
                Check(nested, at.Path, ref problems);
                break;
            case System.Enum when field.FieldType == FieldType.Enum:
                var number = Convert.ToInt32(value, System.Globalization.CultureInfo.InvariantCulture);
                if (field.EnumType.FindValueByNumber(number) is null)
                {
                    Report(ref problems, at.Path, $"{number} is not a value of {field.EnumType.Name}");
                }

                break;
        }
    }

    // Only the fields that can carry one of the problems: numbers, bools and bytes are always well-formed.
    private static FieldDescriptor[] PlanFor(MessageDescriptor descriptor) =>
        [.. descriptor.Fields.InFieldNumberOrder().Where(f => f.FieldType is FieldType.String or FieldType.Enum or FieldType.Message)];

    private static void Report(ref List<FieldViolation>? problems, string? path, string description) =>
        (problems ??= []).Add(new FieldViolation(path ?? "request", description));

    /// <summary>
    /// Where a value sits: its path text is only written for a problem or a nested message below a top-level field, so
    /// a well-formed request (every call) allocates no path strings.
    /// </summary>
    private readonly record struct Place(string? Parent, string Name, int Index = -1, object? Key = null)
    {
        public string Path
        {
            get
            {
                var own = Parent is null ? Name : $"{Parent}.{Name}";
                return Key is not null ? $"{own}[{Key}]" : Index >= 0 ? $"{own}[{Index}]" : own;
            }
        }
    }
}
