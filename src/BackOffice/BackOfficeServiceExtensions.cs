using System.Globalization;
using BackOffice.Campaigns;
using BackOffice.Components;
using BackOffice.Settlement;
using BackOffice.SignIn;
using Grpc.Net.ClientFactory;
using Microsoft.AspNetCore.Localization;
using MudBlazor.Services;
using ServiceDefaults;
using Vouchers.Campaign.V1;
using Vouchers.Claim.V1;
using Vouchers.Redemption.V1;
using Vouchers.Settlement.V1;

namespace BackOffice;

/// <summary>Everything the back office registers and maps; Program.cs only calls these two.</summary>
public static class BackOfficeServiceExtensions
{
    /// <summary>Chinese by default, English on request (the culture cookie set by <see cref="CulturePath"/>).</summary>
    public static readonly CultureInfo[] Cultures = [new("zh-CN"), new("en")];

    public const string CulturePath = "/culture";

    public static WebApplicationBuilder AddBackOfficeServices(this WebApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.AddServiceDefaults();
        // Run from the build output (the app host, the tests) the framework's and MudBlazor's assets are found through
        // the static web assets manifest, which ASP.NET Core only reads by itself in Development; published, it is absent.
        builder.WebHost.UseStaticWebAssets();
        // The service defaults close every endpoint to callers without a service token; a web app's pages say
        // themselves who may open them ([Authorize] with the signed-in person's roles), and its assets are public.
        builder.Services.AddAuthorizationBuilder().SetFallbackPolicy(null);
        builder.Services.AddRazorComponents().AddInteractiveServerComponents();
        builder.Services.AddMudServices();
        builder.Services.AddLocalization(options => options.ResourcesPath = "Resources");
        builder.AddBackOfficeSignIn();

        // Every page calls the services on the server with the signed-in person's access token (BearerTokenInterceptor).
        builder.Services.AddPersonGrpcClient<CampaignService.CampaignServiceClient>(ResourceNames.Campaign);
        builder.Services.AddPersonGrpcClient<MerchantService.MerchantServiceClient>(ResourceNames.Campaign);
        builder.Services.AddPersonGrpcClient<AuditService.AuditServiceClient>(ResourceNames.Campaign);
        builder.Services.AddPersonGrpcClient<ClaimAdminService.ClaimAdminServiceClient>(ResourceNames.Claim);
        builder.Services.AddPersonGrpcClient<RedemptionService.RedemptionServiceClient>(ResourceNames.Redemption);
        builder.Services.AddPersonGrpcClient<RedemptionAdminService.RedemptionAdminServiceClient>(ResourceNames.Redemption);
        builder.Services.AddPersonGrpcClient<SettlementService.SettlementServiceClient>(ResourceNames.Settlement);
        builder.Services.AddPersonGrpcClient<ReportService.ReportServiceClient>(ResourceNames.Settlement);
        builder.Services.AddAuditExportDownload();
        // The claims and redemptions charts follow the feeds once for everybody, outside any person's session:
        // with the back office's own account (role system), the only calls that do.
        builder.Services.AddServiceGrpcClient<IssuanceFeedService.IssuanceFeedServiceClient>(ResourceNames.Claim);
        builder.Services.AddServiceGrpcClient<RedemptionFeedService.RedemptionFeedServiceClient>(ResourceNames.Redemption);
        builder.Services.AddSingleton<ClaimActivity>();
        builder.Services.AddHostedService(services => services.GetRequiredService<ClaimActivity>());
        builder.Services.AddSingleton<RedemptionActivity>();
        builder.Services.AddHostedService(services => services.GetRequiredService<RedemptionActivity>());
        return builder;
    }

    public static WebApplication MapBackOfficeServices(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.UseRequestLocalization(new RequestLocalizationOptions
        {
            DefaultRequestCulture = new RequestCulture(Cultures[0]),
            SupportedCultures = Cultures,
            SupportedUICultures = Cultures,
            RequestCultureProviders = [new CookieRequestCultureProvider()],
        });
        app.UseAuthentication();
        app.UseAuthorization();
        app.UseAntiforgery();
        app.MapDefaultEndpoints();
        app.MapStaticAssets();
        app.MapBackOfficeSignIn();
        app.MapAuditExportDownload();
        app.MapGet(CulturePath, (HttpContext context, string culture, string? returnUrl) =>
        {
            if (Cultures.Any(c => c.Name == culture))
            {
                context.Response.Cookies.Append(
                    CookieRequestCultureProvider.DefaultCookieName,
                    CookieRequestCultureProvider.MakeCookieValue(new RequestCulture(culture)),
                    new CookieOptions { HttpOnly = true, SameSite = SameSiteMode.Lax, MaxAge = TimeSpan.FromDays(365) });
            }

            return Results.LocalRedirect(SignInSetup.LocalOnly(returnUrl));
        });
        app.MapRazorComponents<App>().AddInteractiveServerRenderMode();
        return app;
    }

    /// <summary>
    /// A gRPC client whose calls carry the signed-in person's token: addressed through service discovery like the
    /// services' own clients, but without the back office's system token (two bearer tokens would be refused, and
    /// the person's role is what the service must check).
    /// </summary>
    private static IHttpClientBuilder AddPersonGrpcClient<TClient>(this IServiceCollection services, string service)
        where TClient : class
    {
        services.AddOptions<GrpcClientPolicy>();
        return services.AddGrpcClient<TClient>(options => options.Address = ServiceDiscovery.DiscoveryAddress(service))
            .AddInterceptor<BearerTokenInterceptor>(InterceptorScope.Client);
    }
}
