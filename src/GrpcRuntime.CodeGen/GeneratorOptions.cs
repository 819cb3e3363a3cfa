namespace GrpcRuntime.CodeGen;

/// <summary>
/// The plugin parameter (<c>--grpcruntime_opt</c>, or Grpc.Tools' GrpcOutputOptions): the same
/// comma-separated switches grpc_csharp_plugin understands.
/// </summary>
internal sealed record GeneratorOptions(bool GenerateServer, bool GenerateClient, bool InternalAccess)
{
    public string Access => InternalAccess ? "internal" : "public";

    public static GeneratorOptions Parse(string? parameter)
    {
        bool server = true, client = true, internalAccess = false;
        foreach (var option in (parameter ?? string.Empty).Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            switch (option)
            {
                case "no_server":
                    server = false;
                    break;
                case "no_client":
                    client = false;
                    break;
                case "internal_access":
                    internalAccess = true;
                    break;
                default:
                    throw new ArgumentException($"Unknown GrpcRuntime.CodeGen option '{option}'.", nameof(parameter));
            }
        }

        return new GeneratorOptions(server, client, internalAccess);
    }
}
