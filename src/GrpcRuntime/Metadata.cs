using System.Collections;
using System.Text;

namespace GrpcRuntime;

/// <summary>
/// Ordered request headers, response headers or trailers. Keys are lower-case ASCII; keys ending in
/// <c>-bin</c> carry binary values (base64 on the wire), all others carry printable ASCII.
/// </summary>
public sealed class Metadata : IList<Metadata.Entry>
{
    public const string BinaryHeaderSuffix = "-bin";

    public static readonly Metadata Empty = new() { isReadOnly = true };

    private readonly List<Entry> entries = [];
    private bool isReadOnly;

    public int Count => entries.Count;

    public bool IsReadOnly => isReadOnly;

    public Entry this[int index]
    {
        get => entries[index];
        set
        {
            ThrowIfReadOnly();
            entries[index] = value ?? throw new ArgumentNullException(nameof(value));
        }
    }

    public Metadata Add(string key, string value)
    {
        Add(new Entry(key, value));
        return this;
    }

    public Metadata Add(string key, byte[] valueBytes)
    {
        Add(new Entry(key, valueBytes));
        return this;
    }

    public void Add(Entry item)
    {
        ArgumentNullException.ThrowIfNull(item);
        ThrowIfReadOnly();
        entries.Add(item);
    }

    /// <summary>The last entry with this key, or null.</summary>
    public Entry? Get(string key)
    {
        var normalized = Entry.NormalizeKey(key);
        for (var i = entries.Count - 1; i >= 0; i--)
        {
            if (entries[i].Key == normalized)
            {
                return entries[i];
            }
        }

        return null;
    }

    public string? GetValue(string key) => Get(key)?.Value;

    public byte[]? GetValueBytes(string key) => Get(key)?.ValueBytes;

    public IEnumerable<Entry> GetAll(string key)
    {
        var normalized = Entry.NormalizeKey(key);
        return entries.Where(e => e.Key == normalized);
    }

    public void Clear()
    {
        ThrowIfReadOnly();
        entries.Clear();
    }

    public bool Contains(Entry item) => entries.Contains(item);

    public void CopyTo(Entry[] array, int arrayIndex) => entries.CopyTo(array, arrayIndex);

    public IEnumerator<Entry> GetEnumerator() => entries.GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => entries.GetEnumerator();

    public int IndexOf(Entry item) => entries.IndexOf(item);

    public void Insert(int index, Entry item)
    {
        ArgumentNullException.ThrowIfNull(item);
        ThrowIfReadOnly();
        entries.Insert(index, item);
    }

    public bool Remove(Entry item)
    {
        ThrowIfReadOnly();
        return entries.Remove(item);
    }

    public void RemoveAt(int index)
    {
        ThrowIfReadOnly();
        entries.RemoveAt(index);
    }

    private void ThrowIfReadOnly()
    {
        if (isReadOnly)
        {
            throw new InvalidOperationException("This metadata instance is read-only.");
        }
    }

    /// <summary>One key/value pair.</summary>
    public sealed class Entry
    {
        private readonly string? stringValue;
        private readonly byte[]? bytesValue;

        public Entry(string key, string value)
        {
            ArgumentNullException.ThrowIfNull(value);
            Key = NormalizeKey(key);
            if (IsBinaryKey(Key))
            {
                throw new ArgumentException($"Key '{Key}' ends with '{BinaryHeaderSuffix}' and needs a byte[] value.", nameof(key));
            }

            foreach (var c in value)
            {
                if (c < 0x20 || c > 0x7E)
                {
                    throw new ArgumentException($"Value of metadata key '{Key}' must be printable ASCII; use a '-bin' key for other data.", nameof(value));
                }
            }

            stringValue = value;
        }

        public Entry(string key, byte[] valueBytes)
        {
            ArgumentNullException.ThrowIfNull(valueBytes);
            Key = NormalizeKey(key);
            if (!IsBinaryKey(Key))
            {
                throw new ArgumentException($"Key '{Key}' carries a binary value, so it must end with '{BinaryHeaderSuffix}'.", nameof(key));
            }

            bytesValue = valueBytes;
        }

        public string Key { get; }

        public bool IsBinary => bytesValue is not null;

        /// <summary>The ASCII value; for binary entries, throws (use <see cref="ValueBytes"/>).</summary>
        public string Value => stringValue ?? throw new InvalidOperationException($"Metadata key '{Key}' is binary; read ValueBytes.");

        /// <summary>The binary value; for ASCII entries, the ASCII bytes of the value.</summary>
        public byte[] ValueBytes => bytesValue ?? Encoding.ASCII.GetBytes(stringValue!);

        public override string ToString() => IsBinary ? $"[Entry: key={Key}, valueBytes={bytesValue!.Length} bytes]" : $"[Entry: key={Key}, value={stringValue}]";

        internal static bool IsBinaryKey(string key) => key.EndsWith(BinaryHeaderSuffix, StringComparison.Ordinal);

        internal static string NormalizeKey(string key)
        {
            ArgumentException.ThrowIfNullOrEmpty(key);
            var normalized = key.ToLowerInvariant();
            foreach (var c in normalized)
            {
                var valid = c is (>= 'a' and <= 'z') or (>= '0' and <= '9') or '-' or '_' or '.';
                if (!valid)
                {
                    throw new ArgumentException($"Metadata key '{key}' may contain only a-z, 0-9, '-', '_' and '.'.", nameof(key));
                }
            }

            return normalized;
        }
    }
}
