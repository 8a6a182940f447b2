using EdgeSplit.Gateway;
using EdgeSplit.Gateway.Security;

if (args.Length > 0 && args[0] == TokenCommandLine.Verb)
{
    var configuration = new ConfigurationBuilder()
        .AddJsonFile(Path.Combine(AppContext.BaseDirectory, "appsettings.json"), optional: true)
        .AddEnvironmentVariables()
        .Build();
    return await TokenCommandLine.RunAsync(args, configuration, Console.Out, Console.Error);
}

var app = GatewayApp.Build(args);
await app.RunAsync();
return 0;

/// <summary>Entry point, visible to tests.</summary>
public partial class Program;
