using System.Collections;
using System.Reflection;
using Google.Protobuf;
using Google.Protobuf.Reflection;
using Grpc.Core;
using TestSupport;
using Vouchers.Campaign.V1;
using Vouchers.Common.V1;

namespace AppHost.Tests;

/// <summary>The requests a careless or hostile client sends, built for any method from its descriptor alone.</summary>
public enum ProbeVariant
{
    /// <summary>Every field left at its default, sent without a token.</summary>
    Empty,

    /// <summary>Every field left at its default, the actor too, which the operator's token then fills.</summary>
    EmptyAsOperator,

    /// <summary>Every field filled with nonsense, the actor too: control characters, negative numbers, unknown enum values, timestamps out of range.</summary>
    Garbage,

    /// <summary>Nonsense everywhere but the actor, left for the operator's token to fill.</summary>
    GarbageAsOperator,

    /// <summary>Every string 20,000 characters long but the actor, left for the operator's token to fill.</summary>
    HugeAsOperator,
}

/// <summary>
/// Calls every method of a gRPC service with the requests of <see cref="ProbeVariant"/> and reports each answer a
/// client's mistake must never get: UNKNOWN, INTERNAL, DATA_LOSS, UNIMPLEMENTED, a hang, or an error without a message.
/// </summary>
public static class BadInputProbe
{
    private const string Nonsense = "\u0000<probe>'; --\u202e\uD83D\uDE00";

    private static readonly StatusCode[] Forbidden = [StatusCode.Unknown, StatusCode.Internal, StatusCode.DataLoss, StatusCode.Unimplemented, StatusCode.Unavailable];

    /// <summary>Every service the protos declare, by full name, from the compiled contracts.</summary>
    public static IReadOnlyDictionary<string, ServiceDescriptor> DeclaredServices { get; } = typeof(CampaignService).Assembly.GetTypes()
        .Where(t => t.Namespace?.StartsWith("Vouchers.", StringComparison.Ordinal) == true && t.Name.EndsWith("Reflection", StringComparison.Ordinal))
        .Select(t => t.GetProperty("Descriptor", BindingFlags.Public | BindingFlags.Static)?.GetValue(null))
        .OfType<FileDescriptor>()
        .SelectMany(file => file.Services)
        .ToDictionary(s => s.FullName, StringComparer.Ordinal);

    /// <param name="headers">Sent with every call: the bearer token of the account the probe acts as.</param>
    /// <param name="tally">Counts each answer's status code, by whether the call carried the token.</param>
    public static async Task<IReadOnlyList<string>> ProbeAsync(CallInvoker invoker, ServiceDescriptor service, Metadata headers, IDictionary<(bool WithToken, StatusCode Code), int> tally, CancellationToken cancellationToken)
    {
        var problems = new List<string>();
        foreach (var method in service.Methods)
        {
            foreach (var variant in Enum.GetValues<ProbeVariant>())
            {
                var request = Build(method.InputType, variant);
                var withToken = variant != ProbeVariant.Empty;
                var (code, answer) = await CallAsync(invoker, method, request, withToken ? headers : [], cancellationToken);
                tally[(withToken, code)] = tally.TryGetValue((withToken, code), out var count) ? count + 1 : 1;
                if (answer is { } problem)
                {
                    problems.Add($"{service.FullName}/{method.Name} [{variant}]: {problem}");
                }
            }
        }

        return problems;
    }

    /// <summary>A request of the given shape; public so a failing probe can be replayed by hand.</summary>
    public static IMessage Build(MessageDescriptor descriptor, ProbeVariant variant)
    {
        ArgumentNullException.ThrowIfNull(descriptor);
        var message = descriptor.Parser.ParseFrom(ByteString.Empty);
        if (variant is ProbeVariant.Garbage or ProbeVariant.GarbageAsOperator)
        {
            Fill(message, depth: 0, text: Nonsense);
        }
        else if (variant is ProbeVariant.HugeAsOperator)
        {
            Fill(message, depth: 0, text: new string('长', 20_000));
        }

        // The services take the actor from the token when the request leaves it unset.
        if (variant is ProbeVariant.GarbageAsOperator or ProbeVariant.HugeAsOperator
            && descriptor.FindFieldByName("actor") is { FieldType: FieldType.Message } actor
            && actor.MessageType.FullName == Actor.Descriptor.FullName)
        {
            actor.Accessor.Clear(message);
        }

        return message;
    }

    private static void Fill(IMessage message, int depth, string text)
    {
        foreach (var field in message.Descriptor.Fields.InFieldNumberOrder())
        {
            if (field.IsMap)
            {
                continue;
            }

            var value = ValueFor(field, depth, text);
            if (value is null)
            {
                continue;
            }

            if (field.IsRepeated)
            {
                ((IList)field.Accessor.GetValue(message)).Add(value);
            }
            else
            {
                field.Accessor.SetValue(message, value);
            }
        }
    }

    private static object? ValueFor(FieldDescriptor field, int depth, string text) => field.FieldType switch
    {
        FieldType.String => text,
        FieldType.Bytes => ByteString.CopyFrom(0xFF, 0x00, 0xFE),
        FieldType.Bool => true,
        FieldType.Int32 or FieldType.SInt32 or FieldType.SFixed32 => -1,
        FieldType.Int64 or FieldType.SInt64 or FieldType.SFixed64 => long.MinValue,
        FieldType.UInt32 or FieldType.Fixed32 => uint.MaxValue,
        FieldType.UInt64 or FieldType.Fixed64 => ulong.MaxValue,
        FieldType.Double => double.NaN,
        FieldType.Float => float.NaN,
        FieldType.Enum => Enum.ToObject(field.EnumType.ClrType, 97),
        FieldType.Message when depth < 3 => Nested(field.MessageType, depth, text),
        _ => null,
    };

    private static IMessage Nested(MessageDescriptor descriptor, int depth, string text)
    {
        var nested = descriptor.Parser.ParseFrom(ByteString.Empty);
        Fill(nested, depth + 1, text);
        return nested;
    }

    private static async Task<(StatusCode Code, string? Problem)> CallAsync(CallInvoker invoker, MethodDescriptor method, IMessage request, Metadata headers, CancellationToken cancellationToken)
    {
        var call = new Method<IMessage, IMessage>(
            Kind(method),
            method.Service.FullName,
            method.Name,
            Marshallers.Create(m => m.ToByteArray(), bytes => method.InputType.Parser.ParseFrom(bytes)),
            Marshallers.Create(m => m.ToByteArray(), bytes => method.OutputType.Parser.ParseFrom(bytes)));
        var streamsBack = method.IsServerStreaming;

        // A stream that follows the feed stays open by design: reaching the deadline then is the right answer.
        var options = new CallOptions(headers, DateTime.UtcNow.AddSeconds(streamsBack ? 3 : 15), cancellationToken);
        try
        {
            switch (call.Type)
            {
                case MethodType.Unary:
                    await invoker.AsyncUnaryCall(call, null, options, request);
                    break;
                case MethodType.ServerStreaming:
                    using (var stream = invoker.AsyncServerStreamingCall(call, null, options, request))
                    {
                        for (var read = 0; read < 50 && await stream.ResponseStream.MoveNext(cancellationToken); read++)
                        {
                        }
                    }

                    break;
                case MethodType.ClientStreaming:
                    using (var upload = invoker.AsyncClientStreamingCall(call, null, options))
                    {
                        await Uploads.WriteAllAsync(upload.RequestStream, [request], cancellationToken);
                        await upload.ResponseAsync;
                    }

                    break;
                default:
                    using (var duplex = invoker.AsyncDuplexStreamingCall(call, null, options))
                    {
                        await Uploads.WriteAllAsync(duplex.RequestStream, [request], cancellationToken);
                        while (await duplex.ResponseStream.MoveNext(cancellationToken))
                        {
                        }
                    }

                    break;
            }

            return (StatusCode.OK, null);
        }
        catch (RpcException ex) when (ex.StatusCode == StatusCode.DeadlineExceeded && streamsBack)
        {
            return (ex.StatusCode, null);
        }
        catch (RpcException ex)
        {
            if (Forbidden.Contains(ex.StatusCode) || ex.StatusCode == StatusCode.DeadlineExceeded)
            {
                return (ex.StatusCode, $"{ex.StatusCode} \"{ex.Status.Detail}\"");
            }

            return (ex.StatusCode, string.IsNullOrWhiteSpace(ex.Status.Detail) ? $"{ex.StatusCode} without a message" : null);
        }
    }

    private static MethodType Kind(MethodDescriptor method) => (method.IsClientStreaming, method.IsServerStreaming) switch
    {
        (false, false) => MethodType.Unary,
        (false, true) => MethodType.ServerStreaming,
        (true, false) => MethodType.ClientStreaming,
        _ => MethodType.DuplexStreaming,
    };
}
