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

    // Every section registered with ValidateOnStart, checked before the host starts: a bad setting is reported below
    // as one line, not first as the host's start-failure log with its stack trace.
    app.Services.GetService<IStartupValidator>()?.Validate();
    await app.RunAsync();
    return 0;
}
catch (Exception ex) when (ex is OptionsValidationException or InvalidOperationException)
{
    // A configuration the node refuses to run with (e.g. open on a public address): one line, exit 1, no core dump.
    await Console.Error.WriteLineAsync($"error: {ex.Message}");
    return 1;
}
catch (AggregateException ex) when (ex.InnerExceptions.All(e => e is OptionsValidationException))
{
    // Several sections invalid at once: one line each.
    foreach (var inner in ex.InnerExceptions)
    {
        await Console.Error.WriteLineAsync($"error: {inner.Message}");
    }

    return 1;
}

/// <summary>Entry point, visible to tests.</summary>
public partial class Program;
