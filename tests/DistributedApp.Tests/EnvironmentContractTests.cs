namespace DistributedApp.Tests;

/// <summary>The environment a project receives: Aspire's variable names and the Kestrel endpoint contract.</summary>
public sealed class EnvironmentContractTests : IDisposable
{
    private readonly string _directory = TestSupport.NewTempDirectory();

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public async Task References_inject_connection_strings_and_service_endpoints_under_the_names_Aspire_uses()
    {
        var builder = DistributedApplication.CreateBuilder(TestSupport.Options(Path.Combine(_directory, "state")));
        var claimdb = builder.AddPostgres("postgres").AddDatabase("claimdb");
        var redis = builder.AddRedis("redis");
        var campaign = builder.AddProject("campaign", WriteProject("Campaign.Service"));
        var claim = builder.AddProject("claim", WriteProject("Claim.Service"))
            .WithReference(claimdb).WithReference(redis).WithReference(campaign)
            .WithEnvironment("Claim__BatchSize", "500");
        await using var app = builder.Build();

        var environment = ProcessEnvironment(app, "claim");

        Assert.Equal(app.GetConnectionString("claimdb"), environment["ConnectionStrings__claimdb"]);
        Assert.Equal(app.GetConnectionString("redis"), environment["ConnectionStrings__redis"]);
        Assert.Equal(app.GetEndpoint("campaign", "grpc").GetLeftPart(UriPartial.Authority), environment["services__campaign__grpc__0"]);
        Assert.Equal(app.GetEndpoint("campaign", "http").GetLeftPart(UriPartial.Authority), environment["services__campaign__http__0"]);
        Assert.Equal("500", environment["Claim__BatchSize"]);
        Assert.Equal("claim", environment["OTEL_SERVICE_NAME"]);
        Assert.False(environment.ContainsKey("ConnectionStrings__postgres"));
    }

    [Fact]
    public async Task A_project_listens_on_an_h2c_grpc_port_and_an_http1_port_given_through_Kestrel_configuration()
    {
        var builder = DistributedApplication.CreateBuilder(TestSupport.Options(Path.Combine(_directory, "state")));
        builder.AddProject("claim", WriteProject("Claim.Service"));
        await using var app = builder.Build();

        var environment = ProcessEnvironment(app, "claim");

        var grpc = app.GetEndpoint("claim", "grpc");
        var http = app.GetEndpoint("claim", "http");
        Assert.NotEqual(grpc.Port, http.Port);
        Assert.Equal($"http://127.0.0.1:{grpc.Port}", environment["Kestrel__Endpoints__grpc__Url"]);
        Assert.Equal("Http2", environment["Kestrel__Endpoints__grpc__Protocols"]);
        Assert.Equal($"http://127.0.0.1:{http.Port}", environment["Kestrel__Endpoints__http__Url"]);
        Assert.Equal("Http1", environment["Kestrel__Endpoints__http__Protocols"]);
        Assert.Null(environment["ASPNETCORE_URLS"]);
    }

    [Fact]
    public async Task A_fixed_port_is_kept_unless_the_options_ask_for_free_ports_everywhere()
    {
        var fixedBuilder = DistributedApplication.CreateBuilder(TestSupport.Options(Path.Combine(_directory, "fixed")));
        fixedBuilder.AddProject("gateway", WriteProject("Gateway")).WithHttpEndpoint(port: 18080);
        await using (var app = fixedBuilder.Build())
        {
            Assert.Equal(18080, app.GetEndpoint("gateway").Port);
        }

        var options = TestSupport.Options(Path.Combine(_directory, "dynamic"));
        options.AllocateFixedPortsDynamically = true;
        var dynamicBuilder = DistributedApplication.CreateBuilder(options);
        dynamicBuilder.AddProject("gateway", WriteProject("Gateway")).WithHttpEndpoint(port: 18080);
        await using var dynamicApp = dynamicBuilder.Build();
        Assert.NotEqual(18080, dynamicApp.GetEndpoint("gateway").Port);
    }

    [Fact]
    public async Task A_secret_parameter_is_generated_once_per_state_directory_unless_configuration_sets_it()
    {
        var state = Path.Combine(_directory, "state");
        string first;
        await using (var app = DeclareWithSecret(state, out var secret).Build())
        {
            first = secret.Value;
            Assert.True(first.Length >= 32);
            Assert.Equal(first, ProcessEnvironment(app, "claim")["Claim__IdentitySecret"]);
        }

        await using (var again = DeclareWithSecret(state, out var secret).Build())
        {
            Assert.Equal(first, secret.Value);
        }

        await using (var configured = DeclareWithSecret(state, out var secret, "--Parameters:claim-identity-secret=from-configuration-0123").Build())
        {
            Assert.Equal("from-configuration-0123", secret.Value);
        }

        await using var reset = DeclareWithSecret(state, out var fresh, "--reset").Build();
        Assert.NotEqual(first, fresh.Value);
    }

    private IDistributedApplicationBuilder DeclareWithSecret(string state, out ParameterResource secret, params string[] args)
    {
        var builder = DistributedApplication.CreateBuilder(TestSupport.Options(state, args));
        secret = builder.AddParameter("claim-identity-secret", secret: true);
        builder.AddProject("claim", WriteProject("Claim.Service")).WithEnvironment("Claim__IdentitySecret", secret);
        return builder;
    }

    [Fact]
    public void Resource_names_must_fit_in_environment_variable_names_and_be_unique()
    {
        var builder = DistributedApplication.CreateBuilder(TestSupport.Options(Path.Combine(_directory, "state")));
        Assert.Throws<ArgumentException>(() => builder.AddRedis("redis cache"));
        builder.AddRedis("redis");
        Assert.Throws<DistributedApplicationException>(() => builder.AddRedis("redis"));
    }

    private static Dictionary<string, string?> ProcessEnvironment(DistributedApplication app, string name)
    {
        var resource = (ProjectResource)app.GetResource(name);
        resource.AssemblyPath = "/nonexistent/" + resource.ProjectName + ".dll";
        using var http = new HttpClient();
        var spec = resource.CreateProcess(app.CreateRunContext(http))!;
        Assert.Equal(resource.ProjectDirectory, spec.WorkingDirectory);
        Assert.Equal(resource.AssemblyPath, spec.Arguments.Single());
        return spec.Environment;
    }

    private string WriteProject(string name)
    {
        var directory = Path.Combine(_directory, name);
        Directory.CreateDirectory(directory);
        var path = Path.Combine(directory, name + ".csproj");
        File.WriteAllText(path, "<Project Sdk=\"Microsoft.NET.Sdk\" />");
        return path;
    }
}
