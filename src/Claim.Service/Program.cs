using Claim.Service;

var builder = WebApplication.CreateBuilder(args);
builder.AddClaimServices();

var app = builder.Build();
app.MapClaimServices();
app.Run();
