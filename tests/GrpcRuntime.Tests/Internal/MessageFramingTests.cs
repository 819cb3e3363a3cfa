using System.Buffers;
using System.Buffers.Binary;
using System.IO.Compression;
using System.IO.Pipelines;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using GrpcRuntime.Compression;
using GrpcRuntime.Internal;

namespace GrpcRuntime.Tests.Internal;

public class MessageFramingTests
{
    private static readonly Marshaller<StringValue> Marshaller = Marshallers.ForMessage(StringValue.Parser);

    private static byte[] Frame(byte flag, byte[] payload)
    {
        var frame = new byte[5 + payload.Length];
        frame[0] = flag;
        BinaryPrimitives.WriteUInt32BigEndian(frame.AsSpan(1), (uint)payload.Length);
        payload.CopyTo(frame, 5);
        return frame;
    }

    private static byte[] Payload(string text) => new StringValue { Value = text }.ToByteArray();

    private static async Task<List<string>> ReadAllAsync(Pipe pipe, int? maxReceiveSize = null, ICompressionProvider? decompressor = null)
    {
        var messages = new List<string>();
        while (true)
        {
            var (hasMessage, message) = await MessageFraming.ReadMessageAsync(pipe.Reader, Marshaller, maxReceiveSize, decompressor, CancellationToken.None);
            if (!hasMessage)
            {
                return messages;
            }

            messages.Add(message.Value);
        }
    }

    private static async Task<Pipe> PipeWithChunksAsync(params byte[][] chunks)
    {
        // No back-pressure: the whole input is written before anything reads it.
        var pipe = new Pipe(new PipeOptions(pauseWriterThreshold: 0));
        foreach (var chunk in chunks)
        {
            await pipe.Writer.WriteAsync(chunk);
        }

        await pipe.Writer.CompleteAsync();
        return pipe;
    }

    [Fact]
    public async Task Several_messages_sharing_one_buffer_are_read_one_by_one()
    {
        var bytes = Frame(0, Payload("one")).Concat(Frame(0, Payload("two"))).Concat(Frame(0, Payload("three"))).ToArray();
        var pipe = await PipeWithChunksAsync(bytes);

        Assert.Equal(["one", "two", "three"], await ReadAllAsync(pipe));
    }

    [Fact]
    public async Task A_message_split_byte_by_byte_across_writes_is_reassembled()
    {
        var bytes = Frame(0, Payload("spanning")).Concat(Frame(0, Payload("next"))).ToArray();
        var pipe = new Pipe();
        var reading = ReadAllAsync(pipe);
        foreach (var b in bytes)
        {
            await pipe.Writer.WriteAsync(new[] { b });
        }

        await pipe.Writer.CompleteAsync();

        Assert.Equal(["spanning", "next"], await reading);
    }

    [Fact]
    public async Task A_large_message_spanning_many_segments_is_read_whole()
    {
        var text = new string('x', 300_000);
        var frame = Frame(0, Payload(text));
        var chunks = frame.Chunk(16_384).ToArray();
        var pipe = await PipeWithChunksAsync(chunks);

        var messages = await ReadAllAsync(pipe);

        Assert.Equal(text, Assert.Single(messages));
    }

    [Fact]
    public async Task Zero_length_messages_are_valid()
    {
        var pipe = await PipeWithChunksAsync(Frame(0, []), Frame(0, []));

        Assert.Equal(["", ""], await ReadAllAsync(pipe));
    }

    [Fact]
    public async Task An_empty_stream_has_no_messages()
    {
        var pipe = await PipeWithChunksAsync();

        Assert.Empty(await ReadAllAsync(pipe));
    }

    [Fact]
    public async Task A_flag_other_than_zero_or_one_is_internal()
    {
        var pipe = await PipeWithChunksAsync(Frame(2, Payload("x")));

        var ex = await Assert.ThrowsAsync<RpcException>(() => ReadAllAsync(pipe));
        Assert.Equal(StatusCode.Internal, ex.StatusCode);
    }

    [Fact]
    public async Task A_compressed_message_without_negotiated_encoding_is_internal()
    {
        var pipe = await PipeWithChunksAsync(Frame(1, Payload("x")));

        var ex = await Assert.ThrowsAsync<RpcException>(() => ReadAllAsync(pipe));
        Assert.Equal(StatusCode.Internal, ex.StatusCode);
    }

    [Fact]
    public async Task A_declared_length_over_the_limit_fails_from_the_header_alone()
    {
        var header = new byte[5];
        BinaryPrimitives.WriteUInt32BigEndian(header.AsSpan(1), 10_000_000);
        var pipe = new Pipe();
        await pipe.Writer.WriteAsync(header);

        // The writer stays open and the body never arrives: only the header can trigger the error.
        var ex = await Assert.ThrowsAsync<RpcException>(() => ReadAllAsync(pipe, maxReceiveSize: 4 * 1024 * 1024));
        Assert.Equal(StatusCode.ResourceExhausted, ex.StatusCode);
    }

    [Fact]
    public async Task A_message_exactly_at_the_limit_is_accepted()
    {
        var payload = Payload("exact");
        var pipe = await PipeWithChunksAsync(Frame(0, payload));

        Assert.Equal(["exact"], await ReadAllAsync(pipe, maxReceiveSize: payload.Length));
    }

    [Fact]
    public async Task A_stream_ending_inside_the_payload_is_internal()
    {
        var frame = Frame(0, Payload("truncated message"));
        var pipe = await PipeWithChunksAsync(frame[..^3]);

        var ex = await Assert.ThrowsAsync<RpcException>(() => ReadAllAsync(pipe));
        Assert.Equal(StatusCode.Internal, ex.StatusCode);
    }

    [Fact]
    public async Task A_stream_ending_inside_the_header_is_internal()
    {
        var pipe = await PipeWithChunksAsync(Frame(0, Payload("ok")), [0, 0, 0]);

        var ex = await Assert.ThrowsAsync<RpcException>(() => ReadAllAsync(pipe));
        Assert.Equal(StatusCode.Internal, ex.StatusCode);
    }

    [Fact]
    public async Task An_unparseable_payload_is_internal()
    {
        var pipe = await PipeWithChunksAsync(Frame(0, [0xFF, 0xFF, 0xFF]));

        var ex = await Assert.ThrowsAsync<RpcException>(() => ReadAllAsync(pipe));
        Assert.Equal(StatusCode.Internal, ex.StatusCode);
    }

    [Fact]
    public async Task Written_messages_read_back_identically_with_and_without_gzip()
    {
        var gzip = new GzipCompressionProvider();
        var pipe = new Pipe();
        await MessageFraming.WriteMessageAsync(pipe.Writer, new StringValue { Value = "plain" }, Marshaller, null, null, flush: true, CancellationToken.None);
        await MessageFraming.WriteMessageAsync(pipe.Writer, new StringValue { Value = new string('z', 10_000) }, Marshaller, null, gzip, flush: true, CancellationToken.None);
        await MessageFraming.WriteMessageAsync(pipe.Writer, new StringValue(), Marshaller, null, null, flush: false, CancellationToken.None);
        await pipe.Writer.CompleteAsync();

        var messages = await ReadAllAsync(pipe, decompressor: gzip);

        Assert.Equal(["plain", new string('z', 10_000), ""], messages);
    }

    [Fact]
    public async Task Compressed_messages_carry_flag_one_and_are_smaller()
    {
        var pipe = new Pipe();
        await MessageFraming.WriteMessageAsync(pipe.Writer, new StringValue { Value = new string('z', 10_000) }, Marshaller, null, new DeflateCompressionProvider(), CompressionLevel.Optimal, flush: true, CancellationToken.None);
        await pipe.Writer.CompleteAsync();

        var result = await pipe.Reader.ReadAsync();
        var bytes = result.Buffer.ToArray();
        Assert.Equal(1, bytes[0]);
        Assert.Equal(bytes.Length - 5, (int)BinaryPrimitives.ReadUInt32BigEndian(bytes.AsSpan(1)));
        Assert.True(bytes.Length < 1000);
    }

    [Fact]
    public async Task A_compressed_message_that_inflates_beyond_the_limit_is_resource_exhausted()
    {
        var gzip = new GzipCompressionProvider();
        var pipe = new Pipe();
        await MessageFraming.WriteMessageAsync(pipe.Writer, new StringValue { Value = new string('z', 100_000) }, Marshaller, null, gzip, flush: true, CancellationToken.None);
        await pipe.Writer.CompleteAsync();

        var ex = await Assert.ThrowsAsync<RpcException>(() => ReadAllAsync(pipe, maxReceiveSize: 10_000, decompressor: gzip));
        Assert.Equal(StatusCode.ResourceExhausted, ex.StatusCode);
    }

    [Fact]
    public async Task Corrupt_compressed_data_is_internal()
    {
        var pipe = await PipeWithChunksAsync(Frame(1, [1, 2, 3, 4, 5, 6]));

        var ex = await Assert.ThrowsAsync<RpcException>(() => ReadAllAsync(pipe, decompressor: new GzipCompressionProvider()));
        Assert.Equal(StatusCode.Internal, ex.StatusCode);
    }

    [Fact]
    public async Task Sending_a_message_over_the_send_limit_is_resource_exhausted_and_writes_nothing()
    {
        var pipe = new Pipe();

        var ex = await Assert.ThrowsAsync<RpcException>(async () =>
            await MessageFraming.WriteMessageAsync(pipe.Writer, new StringValue { Value = new string('a', 100) }, Marshaller, 50, null, flush: true, CancellationToken.None));

        Assert.Equal(StatusCode.ResourceExhausted, ex.StatusCode);
        await pipe.Writer.CompleteAsync();
        var result = await pipe.Reader.ReadAsync();
        Assert.True(result.Buffer.IsEmpty);
    }

    [Fact]
    public async Task Cancelling_a_pending_read_throws_operation_canceled()
    {
        var pipe = new Pipe();
        using var cts = new CancellationTokenSource();
        var reading = MessageFraming.ReadMessageAsync(pipe.Reader, Marshaller, null, null, cts.Token).AsTask();
        cts.Cancel();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => reading);
    }
}
