using Google.Protobuf.Reflection;

namespace GrpcRuntime.CodeGen.Tests;

public sealed class CSharpNamesTests
{
    [Theory]
    [InlineData("grpc.reflection.v1alpha", "Grpc.Reflection.V1Alpha")]
    [InlineData("claim.v1", "Claim.V1")]
    [InlineData("shop.orders_v1", "Shop.OrdersV1")]
    [InlineData("", "")]
    public void Namespace_from_package_follows_protoc(string package, string expected)
    {
        Assert.Equal(expected, CSharpNames.FileNamespace(new FileDescriptorProto { Name = "x.proto", Package = package }));
    }

    [Fact]
    public void Csharp_namespace_option_wins_over_the_package()
    {
        var file = new FileDescriptorProto { Name = "x.proto", Package = "claim.v1", Options = new Google.Protobuf.Reflection.FileOptions { CsharpNamespace = "Vouchers.Claim.V1" } };

        Assert.Equal("Vouchers.Claim.V1", CSharpNames.FileNamespace(file));
    }

    [Theory]
    [InlineData("grpc/health/v1/health.proto", "HealthReflection", "HealthGrpc.cs")]
    [InlineData("a/claim_service.proto", "ClaimServiceReflection", "ClaimServiceGrpc.cs")]
    [InlineData("a/my_svc-2go.proto", "MySvc2GoReflection", "MySvc-2goGrpc.cs")]
    public void File_derived_names_match_protoc_and_grpc_csharp_plugin(string protoPath, string reflectionClass, string servicesFile)
    {
        Assert.Equal(reflectionClass, CSharpNames.ReflectionClassName(new FileDescriptorProto { Name = protoPath }));
        Assert.Equal(servicesFile, CSharpNames.ServicesFileName(protoPath));
    }

    [Theory]
    [InlineData("Claim", "Claim")]
    [InlineData("get_by_snake_name", "GetBySnakeName")]
    [InlineData("listV2items", "ListV2Items")]
    public void Method_names_are_pascal_cased(string protoName, string csharpName)
    {
        Assert.Equal(csharpName, CSharpNames.MethodName(new MethodDescriptorProto { Name = protoName }));
    }
}
