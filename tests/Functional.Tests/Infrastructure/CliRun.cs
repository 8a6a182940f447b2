namespace EdgeSplit.Functional.Tests.Infrastructure;

/// <summary>Runs a built .NET program as a real child process and captures its output.</summary>
internal static class CliRun
{
    public static async Task<(int ExitCode, string Stdout, string Stderr)> DeviceAgentAsync(string cacheDirectory, params string[] args) =>
        await RunAsync(RepoPaths.CliDll, cacheDirectory, args);

    public static async Task<(int ExitCode, string Stdout, string Stderr)> RunAsync(string program, string cacheDirectory, IEnumerable<string> args) =>
        await RunAsync(program, cacheDirectory, args, new Dictionary<string, string>());

    /// <summary>Runs <paramref name="program"/> (a .dll on the shared runtime, or a self-contained executable) with extra environment variables (e.g. OTEL_EXPORTER_OTLP_ENDPOINT).</summary>
    public static async Task<(int ExitCode, string Stdout, string Stderr)> RunAsync(string program, string cacheDirectory, IEnumerable<string> args, IReadOnlyDictionary<string, string> environment)
    {
        // A .dll runs on the shared runtime (dotnet app.dll); anything else is a self-contained executable.
        var managed = program.EndsWith(".dll", StringComparison.OrdinalIgnoreCase);
        var start = new ProcessStartInfo(managed ? "dotnet" : program)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        if (managed)
        {
            start.ArgumentList.Add(program);
        }

        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        start.Environment["EDGESPLIT_CACHE"] = cacheDirectory;
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        foreach (var (key, value) in environment)
        {
            start.Environment[key] = value;
        }

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
            throw new TimeoutException($"{Path.GetFileName(program)} {string.Join(' ', args)} did not finish in 3 minutes.");
        }

        return (process.ExitCode, await stdout, await stderr);
    }

    /// <summary>Runs the device agent CLI and hands each stdout line to <paramref name="onLine"/> as it is printed.</summary>
    public static async Task<(int ExitCode, string Stdout, string Stderr)> DeviceAgentStreamingAsync(
        string cacheDirectory, IReadOnlyDictionary<string, string>? environment, Action<string> onLine, params string[] args)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(RepoPaths.CliDll);
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        start.Environment["EDGESPLIT_CACHE"] = cacheDirectory;
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[key] = value;
        }

        var stdout = new System.Text.StringBuilder();
        var stdoutDone = new TaskCompletionSource();
        using var process = new Process { StartInfo = start };
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null)
            {
                stdoutDone.TrySetResult();
                return;
            }

            stdout.AppendLine(e.Data);
            onLine(e.Data);
        };
        process.Start();
        process.BeginOutputReadLine();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
            await stdoutDone.Task.WaitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"device agent {string.Join(' ', args)} did not finish in 3 minutes.");
        }

        return (process.ExitCode, stdout.ToString(), await stderr);
    }
}
