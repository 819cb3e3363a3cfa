using BackOffice;

var builder = WebApplication.CreateBuilder(args);
builder.AddBackOfficeServices();

var app = builder.Build();
app.MapBackOfficeServices();
app.Run();
