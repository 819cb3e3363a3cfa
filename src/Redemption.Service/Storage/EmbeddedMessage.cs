using Google.Protobuf;

namespace Redemption.Service.Storage;

/// <summary>
/// A message serialised once and carried as it is by the other messages stored with it. Protobuf writes an embedded
/// message as its length and its bytes, so a message can take bytes already written in place of serialising the
/// embedded message again: a recording stores its redemption three times (the record, the key's answer, the feed
/// event), and serialising it once instead of three times is CPU off every redemption.
/// </summary>
internal static class EmbeddedMessage
{
    /// <summary><paramref name="head"/>'s own fields, then <paramref name="embedded"/> (a message's bytes) as field <paramref name="fieldNumber"/>.</summary>
    public static byte[] Write(IMessage head, int fieldNumber, byte[] embedded)
    {
        var bytes = new byte[head.CalculateSize() + CodedOutputStream.ComputeTagSize(fieldNumber) + CodedOutputStream.ComputeLengthSize(embedded.Length) + embedded.Length];
        var output = new CodedOutputStream(bytes);
        head.WriteTo(output);
        output.WriteTag(fieldNumber, WireFormat.WireType.LengthDelimited);
        output.WriteBytes(UnsafeByteOperations.UnsafeWrap(embedded));
        output.CheckNoSpaceLeft();
        return bytes;
    }
}
