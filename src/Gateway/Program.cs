using EdgeSplit.Gateway;
using EdgeSplit.Gateway.Security;
using Microsoft.Extensions.Options;

if (args.Length > 0 && args[0] == TokenCommandLine.Verb)
{
    var configuration = new ConfigurationBuilder()
        .AddJsonFile(Path.Combine(AppContext.BaseDirectory, "appsettings.json"), optional: true)
        .AddEnvironmentVariables()
        .Build();
    return await TokenCommandLine.RunAsync(args, configuration, Console.Out, Console.Error);
}

try
{
    var app = GatewayApp.Build(args);
    await app.RunAsync();
    return 0;
}
catch (Exception ex) when (ex is OptionsValidationException or InvalidOperationException)
{
    // A configuration the node refuses to run with (e.g. open on a public address): one line, exit 1, no core dump.
    await Console.Error.WriteLineAsync($"error: {ex.Message}");
    return 1;
}

/// <summary>Entry point, visible to tests.</summary>
public partial class Program;
