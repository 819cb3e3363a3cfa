using Grpc.Core;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.OpenApi;
using Scalar.AspNetCore;
using ServiceDefaults;
using Vouchers.Campaign.V1;
using Vouchers.Redemption.V1;
using Vouchers.Settlement.V1;

namespace Gateway.Api;

/// <summary>
/// The HTTP/JSON APIs of the three audiences (<c>/api/public</c>, <c>/api/merchant</c>, <c>/api/bureau</c>), written
/// in the gateway over the services' gRPC contracts, with the caller's own token forwarded: the services see the
/// same actor as on gRPC and enforce their rules again. One OpenAPI document describes them all
/// (<see cref="DocumentPath"/>), a browsable reference (<see cref="ReferencePath"/>) renders it.
/// </summary>
public static class ApiEndpoints
{
    public const string Prefix = "/api";
    public const string DocumentName = "v1";
    public const string DocumentPath = "/openapi/v1.json";
    public const string ReferencePath = "/api/reference";

    /// <summary>Longest a service may take to answer one API request.</summary>
    public static readonly TimeSpan ServiceDeadline = TimeSpan.FromSeconds(10);

    public static WebApplicationBuilder AddGatewayApis(this WebApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var services = builder.Services;
        AddServiceClient<CampaignService.CampaignServiceClient>(services, ResourceNames.Campaign);
        AddServiceClient<MerchantService.MerchantServiceClient>(services, ResourceNames.Campaign);
        AddServiceClient<RedemptionService.RedemptionServiceClient>(services, ResourceNames.Redemption);
        AddServiceClient<SettlementService.SettlementServiceClient>(services, ResourceNames.Settlement);
        AddServiceClient<ReportService.ReportServiceClient>(services, ResourceNames.Settlement);

        // A body that does not bind throws, so that MalformedJsonHandler can name the broken field.
        services.Configure<RouteHandlerOptions>(options => options.ThrowOnBadRequest = true);
        services.AddExceptionHandler<MalformedJsonHandler>();
        services.Configure<JsonOptions>(options => options.SerializerOptions.NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.Strict);
        services.AddAuthorizationBuilder()
            .AddPolicy(Audiences.Public, policy => policy.AddAuthenticationSchemes(JwtBearerDefaults.AuthenticationScheme).RequireAuthenticatedUser())
            .AddPolicy(Audiences.Merchant, policy => policy.AddAuthenticationSchemes(JwtBearerDefaults.AuthenticationScheme).RequireRole(Roles.Merchant))
            .AddPolicy(Audiences.Bureau, policy => policy.AddAuthenticationSchemes(JwtBearerDefaults.AuthenticationScheme).RequireRole(Roles.Operator, Roles.Finance, Roles.Auditor));
        services.AddOpenApi(DocumentName, options =>
        {
            options.ShouldInclude = description => description.RelativePath?.StartsWith("api/", StringComparison.Ordinal) == true;
            options.AddDocumentTransformer((document, _, _) =>
            {
                document.Info = new OpenApiInfo
                {
                    Title = "Consumption vouchers: HTTP/JSON APIs",
                    Version = DocumentName,
                    Description = "Public, merchant and bureau APIs of the voucher platform. Every call needs a bearer token from "
                        + "/connect/token; the token is the caller. Money is int64 cents (fields ending in Cents), times are ISO-8601 UTC. "
                        + "Errors are RFC 9457 problem documents.",
                };
                document.Components ??= new OpenApiComponents();
                document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>(StringComparer.Ordinal);
                document.Components.SecuritySchemes["bearer"] = new OpenApiSecurityScheme
                {
                    Type = SecuritySchemeType.Http,
                    Scheme = "bearer",
                    BearerFormat = "JWT",
                    Description = "An access token from the gateway's token endpoint (client credentials or authorization code).",
                };
                document.Security ??= [];
                document.Security.Add(new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference("bearer", document)] = [] });
                return Task.CompletedTask;
            });
        });
        return builder;
    }

    public static WebApplication MapGatewayApis(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        var api = app.MapGroup(Prefix)
            .AddEndpointFilter(ApiProblems.MapServiceRefusalsAsync)
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status429TooManyRequests);
        api.MapPublicApi();
        api.MapMerchantApi();
        api.MapBureauApi();
        app.MapOpenApi(DocumentPath.Replace(DocumentName, "{documentName}", StringComparison.Ordinal)).AllowAnonymous();
        app.MapScalarApiReference(ReferencePath, options => options
                .WithTitle("Consumption vouchers API")
                .WithOpenApiRoutePattern(DocumentPath.Replace(DocumentName, "{documentName}", StringComparison.Ordinal)))
            .AllowAnonymous();
        return app;
    }

    /// <summary>What a call to a service carries: the caller's own bearer token, a deadline, and the client's cancellation.</summary>
    public static CallOptions AsCaller(this HttpContext http)
    {
        ArgumentNullException.ThrowIfNull(http);
        var headers = new Metadata();
        if (http.Request.Headers.Authorization.ToString() is { Length: > 0 } authorization)
        {
            headers.Add("authorization", authorization);
        }

        return new CallOptions(headers, DateTime.UtcNow.Add(ServiceDeadline), http.RequestAborted);
    }

    private static void AddServiceClient<TClient>(IServiceCollection services, string service)
        where TClient : class =>
        services.AddGrpcClient<TClient>(options => options.Address = ServiceDiscovery.DiscoveryAddress(service))
            // No retries: a JSON client retries itself, and a write retried here could be applied twice.
            .ConfigureChannel(channel => channel.MaxRetryAttempts = 0);
}

/// <summary>The authorization policies of the three API audiences.</summary>
public static class Audiences
{
    /// <summary>Anyone with a valid token: the city app, channels, merchants, the bureau.</summary>
    public const string Public = "api-public";

    /// <summary>A merchant's owner or till, for its own merchant only.</summary>
    public const string Merchant = "api-merchant";

    /// <summary>The bureau: operators, finance, auditors (read-only; the services refuse their writes).</summary>
    public const string Bureau = "api-bureau";
}
