using System.Buffers;
using Google.Protobuf;

namespace GrpcRuntime;

/// <summary>Turns messages of one type into bytes and back.</summary>
public sealed class Marshaller<T>
{
    private readonly Action<T, IBufferWriter<byte>> serializer;
    private readonly Func<ReadOnlySequence<byte>, T> deserializer;

    public Marshaller(Action<T, IBufferWriter<byte>> serializer, Func<ReadOnlySequence<byte>, T> deserializer)
    {
        this.serializer = serializer ?? throw new ArgumentNullException(nameof(serializer));
        this.deserializer = deserializer ?? throw new ArgumentNullException(nameof(deserializer));
    }

    public void Serialize(T value, IBufferWriter<byte> output) => serializer(value, output);

    public T Deserialize(ReadOnlySequence<byte> payload) => deserializer(payload);
}

/// <summary>Factory for the marshallers that generated code uses.</summary>
public static class Marshallers
{
    /// <summary>A marshaller for a protobuf message type; generated code calls this once per type.</summary>
    public static Marshaller<T> ForMessage<T>(MessageParser<T> parser)
        where T : IMessage<T>
    {
        ArgumentNullException.ThrowIfNull(parser);
        return new Marshaller<T>(
            static (message, output) => message.WriteTo(output),
            payload => parser.ParseFrom(payload));
    }
}
