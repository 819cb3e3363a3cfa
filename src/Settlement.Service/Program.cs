using Settlement.Service;

var builder = WebApplication.CreateBuilder(args);
builder.AddSettlementServices();

var app = builder.Build();
app.MapSettlementServices();
app.Run();
