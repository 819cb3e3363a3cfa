using Microsoft.EntityFrameworkCore;

namespace Gateway.TokenServer;

/// <summary>OpenIddict's application store, in memory: the applications are configuration, seeded at every start (<see cref="AccountSeeder"/>).</summary>
public sealed class TokenStoreContext(DbContextOptions<TokenStoreContext> options) : DbContext(options);
