using Redemption.Service;

var builder = WebApplication.CreateBuilder(args);
builder.AddRedemptionServices();

var app = builder.Build();
app.MapRedemptionServices();
app.Run();
