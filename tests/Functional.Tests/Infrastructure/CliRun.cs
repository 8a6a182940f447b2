using System.Diagnostics;

namespace EdgeSplit.Functional.Tests.Infrastructure;

/// <summary>Runs a built .NET executable as a real child process and captures its output.</summary>
internal static class CliRun
{
    public static async Task<(int ExitCode, string Stdout, string Stderr)> DeviceAgentAsync(string cacheDirectory, params string[] args) =>
        await RunAsync(RepoPaths.CliDll, cacheDirectory, args);

    public static async Task<(int ExitCode, string Stdout, string Stderr)> RunAsync(string dll, string cacheDirectory, IEnumerable<string> args)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(dll);
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        start.Environment["EDGESPLIT_CACHE"] = cacheDirectory;
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{Path.GetFileName(dll)} {string.Join(' ', args)} did not finish in 3 minutes.");
        }

        return (process.ExitCode, await stdout, await stderr);
    }
}
