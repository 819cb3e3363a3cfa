using Google.Protobuf;
using Google.Protobuf.Reflection;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using V1 = Grpc.Reflection.V1;
using V1Alpha = Grpc.Reflection.V1Alpha;

namespace GrpcRuntime.Tests.Server;

public class ReflectionServiceTests
{
    private const string V1Path = "/grpc.reflection.v1.ServerReflection/ServerReflectionInfo";
    private const string V1AlphaPath = "/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo";

    private static Task<GrpcTestServer> StartAsync() =>
        GrpcTestServer.StartAsync(
            configureServices: services =>
            {
                services.AddGrpcReflection();
                services.AddGrpcHealthChecks();
            },
            map: app =>
            {
                app.MapGrpcHealthService();
                app.MapGrpcReflectionService();
            });

    private static async Task<List<V1.ServerReflectionResponse>> AskAsync(GrpcTestServer server, params V1.ServerReflectionRequest[] requests)
    {
        var body = requests.SelectMany(r => RawGrpc.Frame(r)).ToArray();
        var response = await RawGrpc.SendAsync(server.Http2Client, RawGrpc.Request(V1Path, body));
        Assert.Equal(StatusCode.OK, response.GrpcStatus);
        return response.Frames().Select(f => V1.ServerReflectionResponse.Parser.ParseFrom(f.Payload)).ToList();
    }

    [Fact]
    public async Task List_services_names_every_mapped_service()
    {
        await using var server = await StartAsync();

        var response = Assert.Single(await AskAsync(server, new V1.ServerReflectionRequest { ListServices = "" }));

        var names = response.ListServicesResponse.Service.Select(s => s.Name).ToList();
        Assert.Contains("grpc.health.v1.Health", names);
        Assert.Contains("grpc.reflection.v1.ServerReflection", names);
        Assert.Contains("grpc.reflection.v1alpha.ServerReflection", names);
        Assert.Contains(EchoService.ServiceName, names);
    }

    [Fact]
    public async Task File_containing_symbol_returns_a_buildable_descriptor()
    {
        await using var server = await StartAsync();

        var response = Assert.Single(await AskAsync(server, new V1.ServerReflectionRequest { FileContainingSymbol = "grpc.health.v1.Health", Host = "h" }));

        Assert.Equal("h", response.ValidHost);
        Assert.Equal("grpc.health.v1.Health", response.OriginalRequest.FileContainingSymbol);
        var protos = response.FileDescriptorResponse.FileDescriptorProto;
        var files = FileDescriptor.BuildFromByteStrings(protos);
        var service = files.SelectMany(f => f.Services).Single(s => s.FullName == "grpc.health.v1.Health");
        Assert.Equal(["Check", "Watch"], service.Methods.Select(m => m.Name));
    }

    [Theory]
    [InlineData("grpc.health.v1.HealthCheckRequest")]
    [InlineData("grpc.health.v1.HealthCheckResponse.ServingStatus")]
    [InlineData("grpc.health.v1.Health.Watch")]
    public async Task Messages_enums_and_methods_are_symbols(string symbol)
    {
        await using var server = await StartAsync();

        var response = Assert.Single(await AskAsync(server, new V1.ServerReflectionRequest { FileContainingSymbol = symbol }));

        Assert.NotEmpty(response.FileDescriptorResponse.FileDescriptorProto);
    }

    [Fact]
    public async Task File_by_filename_returns_that_file_first()
    {
        await using var server = await StartAsync();
        var name = Grpc.Health.V1.Health.Descriptor.File.Name;

        var response = Assert.Single(await AskAsync(server, new V1.ServerReflectionRequest { FileByFilename = name }));

        var first = FileDescriptorProto.Parser.ParseFrom(response.FileDescriptorResponse.FileDescriptorProto[0]);
        Assert.Equal(name, first.Name);
    }

    [Fact]
    public async Task Unknown_symbol_file_and_extension_are_not_found_errors_in_the_stream()
    {
        await using var server = await StartAsync();

        var responses = await AskAsync(
            server,
            new V1.ServerReflectionRequest { FileContainingSymbol = "no.Such" },
            new V1.ServerReflectionRequest { FileByFilename = "missing.proto" },
            new V1.ServerReflectionRequest { FileContainingExtension = new V1.ExtensionRequest { ContainingType = "grpc.health.v1.HealthCheckRequest", ExtensionNumber = 100 } },
            new V1.ServerReflectionRequest { AllExtensionNumbersOfType = "no.Such" });

        Assert.Equal(4, responses.Count);
        Assert.All(responses, r => Assert.Equal((int)StatusCode.NotFound, r.ErrorResponse.ErrorCode));
    }

    [Fact]
    public async Task All_extension_numbers_of_a_known_type_is_answered()
    {
        await using var server = await StartAsync();

        var response = Assert.Single(await AskAsync(server, new V1.ServerReflectionRequest { AllExtensionNumbersOfType = "grpc.health.v1.HealthCheckRequest" }));

        Assert.Equal("grpc.health.v1.HealthCheckRequest", response.AllExtensionNumbersResponse.BaseTypeName);
        Assert.Empty(response.AllExtensionNumbersResponse.ExtensionNumber);
    }

    [Fact]
    public async Task V1alpha_answers_the_same_queries()
    {
        await using var server = await StartAsync();
        byte[] body =
        [
            .. RawGrpc.Frame(new V1Alpha.ServerReflectionRequest { ListServices = "" }),
            .. RawGrpc.Frame(new V1Alpha.ServerReflectionRequest { FileContainingSymbol = "grpc.reflection.v1alpha.ServerReflection" }),
        ];

        var raw = await RawGrpc.SendAsync(server.Http2Client, RawGrpc.Request(V1AlphaPath, body));
        var responses = raw.Frames().Select(f => V1Alpha.ServerReflectionResponse.Parser.ParseFrom(f.Payload)).ToList();

        Assert.Equal(2, responses.Count);
        Assert.Contains(responses[0].ListServicesResponse.Service, s => s.Name == "grpc.health.v1.Health");
        var files = FileDescriptor.BuildFromByteStrings(responses[1].FileDescriptorResponse.FileDescriptorProto);
        Assert.Contains(files.SelectMany(f => f.Services), s => s.FullName == "grpc.reflection.v1alpha.ServerReflection");
    }
}
