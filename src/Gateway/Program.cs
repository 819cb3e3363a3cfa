using Gateway;

var builder = WebApplication.CreateBuilder(args);
builder.AddGatewayServices();

var app = builder.Build();
app.MapGatewayServices();
app.Run();
