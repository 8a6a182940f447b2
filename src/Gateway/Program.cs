using EdgeSplit.Gateway;

var app = GatewayApp.Build(args);
app.Run();

/// <summary>Entry point, visible to tests.</summary>
public partial class Program;
