var builder = WebApplication.CreateBuilder(args);
// The function host's local port, as `func start` uses; the control plane's functions arrive with their issue.
builder.WebHost.UseUrls(builder.Configuration["urls"] ?? "http://127.0.0.1:7071");
var app = builder.Build();
app.MapGet("/api/health", () => Results.Ok(new { status = "ok" }));
app.Run();

/// <summary>The host's entry point, visible to in-process tests.</summary>
public partial class Program;
