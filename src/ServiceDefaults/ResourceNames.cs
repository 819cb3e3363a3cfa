namespace ServiceDefaults;

/// <summary>
/// Names of the resources in the application model. The app host declares them, services look their
/// connection strings and peers up by them, tests ask the harness for them: one spelling for all.
/// </summary>
public static class ResourceNames
{
    public const string Postgres = "postgres";
    public const string Redis = "redis";

    public const string CampaignDb = "campaigndb";
    public const string ClaimDb = "claimdb";
    public const string RedemptionDb = "redemptiondb";
    public const string SettlementDb = "settlementdb";

    public const string Campaign = "campaign";
    public const string Claim = "claim";
    public const string Redemption = "redemption";
    public const string Settlement = "settlement";
    public const string Gateway = "gateway";

    /// <summary>The bureau's dashboard and the merchant portal (web pages, behind the gateway).</summary>
    public const string BackOffice = "backoffice";

    /// <summary>The secret parameter holding the key that claim identity hashes are computed under.</summary>
    public const string ClaimIdentitySecret = "claim-identity-secret";

    /// <summary>The secret parameter holding the PostgreSQL superuser's password.</summary>
    public const string PostgresPassword = Postgres + "-password";

    /// <summary>The four domain services, in dependency order.</summary>
    public static IReadOnlyList<string> Services { get; } = [Campaign, Claim, Redemption, Settlement];

    /// <summary>Every resource of the application model.</summary>
    public static IReadOnlyList<string> All { get; } =
        [Postgres, CampaignDb, ClaimDb, RedemptionDb, SettlementDb, Redis, Campaign, Claim, Redemption, Settlement, Gateway, BackOffice];
}

/// <summary>Endpoint names every service has: h2c for gRPC, HTTP/1.1 for health and JSON.</summary>
public static class EndpointNames
{
    public const string Grpc = "grpc";
    public const string Http = "http";
}
