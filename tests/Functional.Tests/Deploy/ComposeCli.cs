namespace EdgeSplit.Functional.Tests.Deploy;

/// <summary>Runs docker and docker compose (v2 plugin, else the v1 docker-compose) for one compose project.</summary>
internal sealed class ComposeCli
{
    private readonly string[] _compose;
    private readonly IReadOnlyDictionary<string, string> _environment;

    private ComposeCli(string[] compose, string workingDirectory, string project, IReadOnlyDictionary<string, string> environment)
    {
        _compose = compose;
        WorkingDirectory = workingDirectory;
        Project = project;
        _environment = environment;
    }

    public string WorkingDirectory { get; }

    public string Project { get; }

    /// <summary>The compose command this machine has, or null (with the reason) when there is none.</summary>
    public static async Task<(ComposeCli? Cli, string Reason)> FindAsync(string workingDirectory, string project, IReadOnlyDictionary<string, string> environment)
    {
        if ((await TryRunAsync("docker", ["info", "--format", "{{.ServerVersion}}"], workingDirectory)).ExitCode != 0)
        {
            return (null, "no Docker daemon answers 'docker info' (start one: dockerd > /var/log/dockerd.log 2>&1 &)");
        }

        foreach (var candidate in new[] { new[] { "docker", "compose" }, new[] { "docker-compose" } })
        {
            if ((await TryRunAsync(candidate[0], [.. candidate[1..], "version"], workingDirectory)).ExitCode == 0)
            {
                return (new ComposeCli(candidate, workingDirectory, project, environment), "");
            }
        }

        return (null, "neither 'docker compose' nor 'docker-compose' is installed");
    }

    /// <summary>Runs <c>compose -p PROJECT ARGS</c>; throws with the output when it fails.</summary>
    public Task<string> ComposeAsync(TimeSpan timeout, params string[] args) =>
        RunCheckedAsync(_compose[0], [.. _compose[1..], "-p", Project, .. args], timeout);

    /// <summary>Runs <c>docker ARGS</c>; throws with the output when it fails.</summary>
    public Task<string> DockerAsync(TimeSpan timeout, params string[] args) => RunCheckedAsync("docker", args, timeout);

    /// <summary>Container ids of one service of this project.</summary>
    public async Task<string[]> ContainersAsync(string service) =>
        (await ComposeAsync(TimeSpan.FromSeconds(60), "ps", "-q", service))
            .Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    /// <summary>A Go-template field of a container (docker inspect -f).</summary>
    public async Task<string> InspectAsync(string container, string format) =>
        (await DockerAsync(TimeSpan.FromSeconds(30), "inspect", "-f", format, container)).Trim();

    /// <summary>A TCP port free on loopback now (for the router's published port).</summary>
    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private async Task<string> RunCheckedAsync(string file, IEnumerable<string> args, TimeSpan timeout)
    {
        var list = args.ToList();
        var (code, output) = await RunAsync(file, list, WorkingDirectory, _environment, timeout);
        return code == 0
            ? output
            : throw new InvalidOperationException($"'{file} {string.Join(' ', list)}' exited {code}:\n{Tail(output)}");
    }

    private static Task<(int ExitCode, string Output)> TryRunAsync(string file, IEnumerable<string> args, string workingDirectory) =>
        RunAsync(file, args.ToList(), workingDirectory, new Dictionary<string, string>(), TimeSpan.FromSeconds(30))
            .ContinueWith(t => t.IsCompletedSuccessfully ? t.Result : (-1, t.Exception?.GetBaseException().Message ?? "cancelled"), TaskScheduler.Default);

    private static async Task<(int ExitCode, string Output)> RunAsync(
        string file, List<string> args, string workingDirectory, IReadOnlyDictionary<string, string> environment, TimeSpan timeout)
    {
        var start = new ProcessStartInfo(file)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory,
        };
        args.ForEach(start.ArgumentList.Add);
        foreach (var (key, value) in environment)
        {
            start.Environment[key] = value;
        }

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"'{file} {string.Join(' ', args)}' did not finish in {timeout.TotalSeconds:0} s.");
        }

        return (process.ExitCode, await stdout + await stderr);
    }

    private static string Tail(string text) => text.Length <= 4000 ? text : "..." + text[^4000..];
}
