using Campaign.Service;

var builder = WebApplication.CreateBuilder(args);
builder.AddCampaignServices();

var app = builder.Build();
app.MapCampaignServices();
app.Run();
