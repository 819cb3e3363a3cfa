namespace TestSupport;

/// <summary>
/// Kestrel settings for a service hosted inside a test: its <c>grpc</c> endpoint on a free port the test
/// knows, its <c>http</c> endpoint on any port (the services' appsettings name fixed local-run ports,
/// which two test runs, or a test run beside a developer's app host, would fight over), and the test
/// signing key as the only one it trusts (<see cref="TestTokens"/>).
/// </summary>
public static class InProcessEndpoints
{
    public static Dictionary<string, string?> Settings(out Uri grpcAddress)
    {
        grpcAddress = new Uri($"http://127.0.0.1:{FreePorts.Next()}");
        return new Dictionary<string, string?>(TestTokens.Settings)
        {
            ["Kestrel:Endpoints:grpc:Url"] = grpcAddress.ToString(),
            ["Kestrel:Endpoints:grpc:Protocols"] = "Http2",
            ["Kestrel:Endpoints:http:Url"] = "http://127.0.0.1:0",
            ["Kestrel:Endpoints:http:Protocols"] = "Http1",
        };
    }
}
