using Microsoft.Extensions.Configuration;
using AppHost;
using LocalServers;
using ServiceDefaults;

var builder = DistributedApplication.CreateBuilder(args);

var postgres = builder.AddPostgresServer(ResourceNames.Postgres);
var campaignDb = postgres.AddDatabase(ResourceNames.CampaignDb);
var claimDb = postgres.AddDatabase(ResourceNames.ClaimDb);
var redemptionDb = postgres.AddDatabase(ResourceNames.RedemptionDb);
var settlementDb = postgres.AddDatabase(ResourceNames.SettlementDb);

var redis = builder.AddRedisServer(ResourceNames.Redis);

// Identity keys are HMACs under this secret and their hashes are stored, so every copy of Claim must
// share it across runs; deployments pass their own (Parameters:claim-identity-secret).
var claimIdentitySecret = builder.AddParameter(
    ResourceNames.ClaimIdentitySecret,
    () => builder.Configuration[$"Parameters:{ResourceNames.ClaimIdentitySecret}"] ?? "local-runs-only-claim-identity-key",
    secret: true);

var campaign = builder.AddProject<Projects.Campaign_Service>(ResourceNames.Campaign)
    .WithReference(campaignDb)
    .WaitFor(campaignDb)
    .WithServiceHealthCheck();

var claim = builder.AddProject<Projects.Claim_Service>(ResourceNames.Claim)
    .WithReplicas(builder.Configuration.GetValue("ClaimReplicas", 1))
    .WithReference(claimDb)
    .WithReference(redis)
    .WithReference(campaign)
    .WithEnvironment("Claim__IdentitySecret", claimIdentitySecret)
    .WaitFor(claimDb)
    .WaitFor(redis)
    .WaitFor(campaign)
    .WithServiceHealthCheck();

var redemption = builder.AddProject<Projects.Redemption_Service>(ResourceNames.Redemption)
    .WithReference(redemptionDb)
    .WithReference(claim)
    .WithReference(campaign)
    .WithEnvironment("Redemption__IdentitySecret", claimIdentitySecret)
    .WaitFor(redemptionDb)
    .WaitFor(claim)
    .WaitFor(campaign)
    .WithServiceHealthCheck();

var settlement = builder.AddProject<Projects.Settlement_Service>(ResourceNames.Settlement)
    .WithReference(settlementDb)
    .WithReference(redemption)
    .WithReference(claim)
    .WithReference(campaign)
    .WithEnvironment("Settlement__Reports__IdentitySecret", claimIdentitySecret)
    .WaitFor(settlementDb)
    .WithServiceHealthCheck();

// Redemption asks Settlement whether a redemption was paid out before a till reverses it. A reference without
// WaitFor: Settlement follows Redemption's feed, so waiting both ways would start neither; until Settlement is up a
// reversal answers UNAVAILABLE and the till retries.
redemption.WithReference(settlement);

// The gateway waits for no service: it is also the token server, and Claim and Redemption are healthy only once they
// have read every campaign's snapshot, for which they need their tokens (Redemption also waits for Claim). A wait on
// any of them would start none; until a service is ready, the gateway's route to it answers UNAVAILABLE.
var gateway = builder.AddProject<Projects.Gateway>(ResourceNames.Gateway)
    .WithEndpoint(EndpointNames.Http, endpoint => endpoint.Port = builder.Configuration.GetValue("GatewayPort", 8080))
    .WithExternalHttpEndpoints()
    .WithReference(campaign)
    .WithReference(claim)
    .WithReference(redemption)
    .WithReference(settlement)
    .WithServiceHealthCheck();

// The bureau's dashboard and the merchant portal: people sign in through the gateway's OpenID Connect server
// (authorization code + PKCE) and every page calls the services with the signed-in person's access token.
var backOffice = builder.AddProject<Projects.BackOffice>(ResourceNames.BackOffice)
    .WithExternalHttpEndpoints()
    .WithReference(campaign)
    .WithReference(claim)
    .WithReference(redemption)
    .WithReference(settlement)
    .WaitFor(campaign)
    .WaitFor(claim)
    .WaitFor(gateway)
    .WithServiceHealthCheck();
gateway.AddBackOfficeClient(backOffice);

var accounts = builder.AddLocalAccounts(gateway, [campaign, claim, redemption, settlement, backOffice]);

builder.EnableReflectionForLocalRuns();
builder.AddResourcesFile(accounts);
builder.AddReadyBanner();
FixedPorts.EnsureFree(builder);

await builder.Build().RunAsync();
