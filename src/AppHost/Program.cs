using DistributedApp;
using Microsoft.Extensions.Configuration;
using ServiceDefaults;

var builder = DistributedApplication.CreateBuilder(args);

var postgres = builder.AddPostgres(ResourceNames.Postgres);
var campaignDb = postgres.AddDatabase(ResourceNames.CampaignDb);
var claimDb = postgres.AddDatabase(ResourceNames.ClaimDb);
var redemptionDb = postgres.AddDatabase(ResourceNames.RedemptionDb);
var settlementDb = postgres.AddDatabase(ResourceNames.SettlementDb);

var redis = builder.AddRedis(ResourceNames.Redis);

// Identity keys are HMACs under this secret; every copy of Claim must share it, across runs too.
var claimIdentitySecret = builder.AddParameter("claim-identity-secret", secret: true);

var campaign = builder.AddProject(ResourceNames.Campaign, "../Campaign.Service/Campaign.Service.csproj")
    .WithReference(campaignDb)
    .WaitFor(campaignDb)
    .WithRestart();

var claim = builder.AddProject(ResourceNames.Claim, "../Claim.Service/Claim.Service.csproj")
    .WithReference(claimDb)
    .WithReference(redis)
    .WithReference(campaign)
    // Identity hashes are stored, so the key must stay the same across runs; deployments pass their own.
    .WithEnvironment("Claim__IdentitySecret", builder.Configuration["ClaimIdentitySecret"] ?? "local-runs-only-claim-identity-key")
    .WaitFor(claimDb)
    .WaitFor(redis)
    .WithRestart();

var redemption = builder.AddProject(ResourceNames.Redemption, "../Redemption.Service/Redemption.Service.csproj")
    .WithReference(redemptionDb)
    .WithReference(claim)
    .WithReference(campaign)
    .WaitFor(redemptionDb)
    .WithRestart();

var settlement = builder.AddProject(ResourceNames.Settlement, "../Settlement.Service/Settlement.Service.csproj")
    .WithReference(settlementDb)
    .WithReference(redemption)
    .WithReference(claim)
    .WithReference(campaign)
    .WaitFor(settlementDb)
    .WithRestart();

builder.AddProject(ResourceNames.Gateway, "../Gateway/Gateway.csproj")
    .WithHttpEndpoint(port: builder.Configuration.GetValue("GatewayPort", 8080))
    .WithExternalHttpEndpoints()
    .WithReference(campaign)
    .WithReference(claim)
    .WithReference(redemption)
    .WithReference(settlement)
    .WaitFor(campaign)
    .WaitFor(claim)
    .WaitFor(redemption)
    .WaitFor(settlement)
    .WithRestart();

await builder.Build().RunAsync();

/// <summary>Visible to the test harness, which runs this entry point to obtain the application model.</summary>
public partial class Program;
