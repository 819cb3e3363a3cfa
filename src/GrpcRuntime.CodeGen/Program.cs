using Google.Protobuf;
using Google.Protobuf.Compiler;

namespace GrpcRuntime.CodeGen;

/// <summary>protoc plugin entry point: a CodeGeneratorRequest on stdin, a CodeGeneratorResponse on stdout.</summary>
internal static class Program
{
    public static int Main()
    {
        CodeGeneratorRequest request;
        using (var input = Console.OpenStandardInput())
        {
            request = CodeGeneratorRequest.Parser.ParseFrom(input);
        }

        var response = ServiceCodeGenerator.Generate(request);
        using var output = Console.OpenStandardOutput();
        response.WriteTo(output);
        output.Flush();

        // protoc reports response.Error itself; a non-zero exit would only hide that message.
        return 0;
    }
}
