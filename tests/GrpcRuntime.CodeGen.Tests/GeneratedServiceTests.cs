using System.Reflection;
using Codegen.Shared.V1;
using CodeGenTests.Generated;
using Google.Protobuf.WellKnownTypes;

namespace GrpcRuntime.CodeGen.Tests;

/// <summary>The test project's own protos, compiled by the build through the codegen targets.</summary>
public sealed class GeneratedServiceTests
{
    [Fact]
    public void Binding_an_instance_registers_every_rpc_with_its_kind_and_wire_path()
    {
        var binder = new RecordingBinder();

        AllKinds.BindService(binder, new EchoService());

        var bound = binder.Bound.Select(b => (b.Method.Name, b.Method.FullName, b.Method.Type)).ToList();
        Assert.Equal(
            [
                ("Echo", "/codegen.test.v1.AllKinds/Echo", MethodType.Unary),
                ("Upload", "/codegen.test.v1.AllKinds/Upload", MethodType.ClientStreaming),
                ("Download", "/codegen.test.v1.AllKinds/Download", MethodType.ServerStreaming),
                ("Chat", "/codegen.test.v1.AllKinds/Chat", MethodType.DuplexStreaming),
                ("get_by_snake_name", "/codegen.test.v1.AllKinds/get_by_snake_name", MethodType.Unary),
            ],
            bound);
    }

    [Fact]
    public void Method_types_use_nested_and_imported_message_classes()
    {
        var binder = new RecordingBinder();
        AllKinds.BindService(binder, new EchoService());

        Assert.IsType<Method<Blob.Types.Chunk, Blob>>(binder.Method("Upload"));
        Assert.IsType<Method<Empty, Envelope.Types.Inner.Types.Deepest>>(binder.Method("Download"));
        Assert.IsType<Method<Envelope.Types.Inner, Empty>>(binder.Method("get_by_snake_name"));
    }

    [Fact]
    public async Task Bound_instance_handler_calls_the_override()
    {
        var binder = new RecordingBinder();
        AllKinds.BindService(binder, new EchoService());

        var reply = await binder.Handler<UnaryServerMethod<Envelope, Envelope>>("Echo")(new Envelope { Text = "hi" }, new FakeServerCallContext("/x"));

        Assert.Equal("echo:hi", reply.Text);
    }

    [Fact]
    public async Task Activator_binding_resolves_the_service_for_each_call_with_that_calls_context()
    {
        var binder = new RecordingBinder();
        var seenContexts = new List<ServerCallContext>();
        AllKinds.BindService<EchoService>(binder, context =>
        {
            seenContexts.Add(context);
            return new EchoService();
        });
        var handler = binder.Handler<UnaryServerMethod<Envelope, Envelope>>("Echo");
        var first = new FakeServerCallContext("first");
        var second = new FakeServerCallContext("second");

        await handler(new Envelope { Text = "a" }, first);
        await handler(new Envelope { Text = "b" }, second);

        Assert.Equal([first, second], seenContexts);
        Assert.Equal(5, binder.Bound.Count);
    }

    [Fact]
    public async Task Methods_not_overridden_fail_with_unimplemented()
    {
        var binder = new RecordingBinder();
        AllKinds.BindService(binder, new EchoService());

        var exception = await Assert.ThrowsAsync<RpcException>(() =>
            binder.Handler<DuplexStreamingServerMethod<Envelope, Envelope>>("Chat")(null!, null!, new FakeServerCallContext("/x")));

        Assert.Equal(StatusCode.Unimplemented, exception.StatusCode);
    }

    [Fact]
    public void Base_class_names_its_binder_for_MapGrpcService()
    {
        var attribute = typeof(EchoService).GetCustomAttribute<BindServiceMethodAttribute>(inherit: true);

        Assert.NotNull(attribute);
        Assert.Equal(typeof(AllKinds), attribute.BindType);
        var bindMethod = attribute.BindType.GetMethods(BindingFlags.Public | BindingFlags.Static)
            .Single(m => m.Name == attribute.BindMethodName && m.IsGenericMethodDefinition);
        Assert.Equal([typeof(ServiceBinderBase), typeof(Func<,>).MakeGenericType(typeof(ServerCallContext), bindMethod.GetGenericArguments()[0])], bindMethod.GetParameters().Select(p => p.ParameterType));
    }

    [Fact]
    public void Descriptor_is_the_services_own_entry_in_the_file_descriptor()
    {
        Assert.Equal("codegen.test.v1.AllKinds", AllKinds.Descriptor.FullName);
        Assert.Equal("codegen.test.v1.Second", Second.Descriptor.FullName);
        Assert.Same(AllKindsReflection.Descriptor, Second.Descriptor.File);
    }

    [Fact]
    public async Task Unary_client_call_passes_method_request_and_call_options_to_the_invoker()
    {
        var invoker = new RecordingCallInvoker { UnaryResponse = new Envelope { Text = "back" } };
        var client = new AllKinds.AllKindsClient(invoker);
        var headers = new Metadata { { "x-trace", "1" } };
        var deadline = new DateTime(2030, 1, 2, 3, 4, 5, DateTimeKind.Utc);
        using var cancellation = new CancellationTokenSource();

        var reply = await client.EchoAsync(new Envelope { Text = "out" }, headers, deadline, cancellation.Token);

        Assert.Equal("back", reply.Text);
        Assert.Equal("/codegen.test.v1.AllKinds/Echo", invoker.LastMethod!.FullName);
        Assert.Equal("out", Assert.IsType<Envelope>(invoker.LastRequest).Text);
        Assert.Same(headers, invoker.LastOptions.Headers);
        Assert.Equal(deadline, invoker.LastOptions.Deadline);
        Assert.Equal(cancellation.Token, invoker.LastOptions.CancellationToken);
    }

    [Fact]
    public void Streaming_client_calls_use_the_matching_invoker_entry_points()
    {
        var invoker = new RecordingCallInvoker();
        var client = new AllKinds.AllKindsClient(invoker);

        client.Upload(new CallOptions(deadline: DateTime.UnixEpoch));
        Assert.Equal(("/codegen.test.v1.AllKinds/Upload", MethodType.ClientStreaming), (invoker.LastMethod!.FullName, invoker.LastMethod.Type));
        Assert.Equal(DateTime.UnixEpoch, invoker.LastOptions.Deadline);

        client.Download(new Empty());
        Assert.Equal(("/codegen.test.v1.AllKinds/Download", MethodType.ServerStreaming), (invoker.LastMethod!.FullName, invoker.LastMethod.Type));

        client.Chat();
        Assert.Equal(("/codegen.test.v1.AllKinds/Chat", MethodType.DuplexStreaming), (invoker.LastMethod!.FullName, invoker.LastMethod.Type));

        client.GetBySnakeNameAsync(new Envelope.Types.Inner());
        Assert.Equal("/codegen.test.v1.AllKinds/get_by_snake_name", invoker.LastMethod!.FullName);
    }

    [Fact]
    public void Marshallers_round_trip_messages_through_protobuf()
    {
        var binder = new RecordingBinder();
        AllKinds.BindService(binder, new EchoService());
        var method = (Method<Envelope, Envelope>)binder.Method("Echo");
        var buffer = new System.Buffers.ArrayBufferWriter<byte>();

        method.RequestMarshaller.Serialize(new Envelope { Text = "wire", AmountCents = 1234 }, buffer);
        var parsed = method.ResponseMarshaller.Deserialize(new System.Buffers.ReadOnlySequence<byte>(buffer.WrittenMemory));

        Assert.Equal(new Envelope { Text = "wire", AmountCents = 1234 }, parsed);
    }

    private sealed class EchoService : AllKinds.AllKindsBase
    {
        public override Task<Envelope> Echo(Envelope request, ServerCallContext context) =>
            Task.FromResult(new Envelope { Text = "echo:" + request.Text });
    }
}
