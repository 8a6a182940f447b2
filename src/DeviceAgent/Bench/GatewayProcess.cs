using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace EdgeSplit.DeviceAgent.Bench;

/// <summary>
/// The edge node as a real child process (<c>dotnet EdgeSplit.Gateway.dll --urls http://127.0.0.1:PORT</c>),
/// for benchmarks and functional tests that kill and restart it. Ready when <c>/readyz</c> answers 200.
/// </summary>
internal sealed class GatewayProcess : IAsyncDisposable
{
    private readonly string _dll;
    private readonly IReadOnlyList<string> _settings;
    private Process? _process;

    private GatewayProcess(string dll, int port, IReadOnlyList<string> settings)
    {
        _dll = dll;
        Port = port;
        _settings = settings;
    }

    public int Port { get; }

    public Uri Address => new($"http://127.0.0.1:{Port}");

    public IPEndPoint EndPoint => new(IPAddress.Loopback, Port);

    public bool IsRunning => _process is { HasExited: false };

    /// <summary>Starts the gateway on a free loopback port and waits until it is ready.</summary>
    public static async Task<GatewayProcess> StartAsync(string dll, IReadOnlyList<string>? settings = null, TimeSpan? timeout = null)
    {
        if (!File.Exists(dll))
        {
            throw new FileNotFoundException($"gateway not found at '{dll}': build src/Gateway first.", dll);
        }

        var gateway = new GatewayProcess(Path.GetFullPath(dll), FreePort(), settings ?? []);
        await gateway.RestartAsync(timeout ?? TimeSpan.FromSeconds(60));
        return gateway;
    }

    /// <summary>A port nobody listens on right now (bind to 0, read it, release it).</summary>
    public static int FreePort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }

    /// <summary>Finds EdgeSplit.Gateway.dll next to this assembly or in the repository's build output.</summary>
    public static string? Locate(string? start = null)
    {
        var beside = Path.Combine(AppContext.BaseDirectory, "EdgeSplit.Gateway.dll");
        if (File.Exists(beside) && File.Exists(Path.ChangeExtension(beside, ".runtimeconfig.json")))
        {
            return beside;
        }

        for (var dir = new DirectoryInfo(start ?? Directory.GetCurrentDirectory()); dir is not null; dir = dir.Parent)
        {
            foreach (var configuration in new[] { "Release", "Debug" })
            {
                var candidate = Path.Combine(dir.FullName, "src", "Gateway", "bin", configuration, "net10.0", "EdgeSplit.Gateway.dll");
                if (File.Exists(candidate))
                {
                    return candidate;
                }
            }
        }

        return null;
    }

    /// <summary>Kills the process at once (no graceful shutdown): the edge dying.</summary>
    public void Kill()
    {
        if (_process is { HasExited: false } process)
        {
            // SIGKILL to the one process (the gateway starts no children): walking the whole process tree
            // first would add milliseconds between "the edge dies" and the moment it really does.
            process.Kill();
            process.WaitForExit(10_000);
        }
    }

    /// <summary>Starts (again) on the same port and waits for readiness.</summary>
    public async Task RestartAsync(TimeSpan timeout)
    {
        Kill();
        _process?.Dispose();
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = Path.GetDirectoryName(_dll)!,
        };
        start.ArgumentList.Add(_dll);
        start.ArgumentList.Add("--urls");
        start.ArgumentList.Add($"http://127.0.0.1:{Port}");
        start.ArgumentList.Add("--Logging:LogLevel:Default=Warning");
        foreach (var setting in _settings)
        {
            start.ArgumentList.Add(setting);
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException("could not start the gateway process.");
        // Drain output so a chatty child never blocks on a full pipe.
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _process = process;
        await WaitReadyAsync(timeout);
    }

    public ValueTask DisposeAsync()
    {
        Kill();
        _process?.Dispose();
        return ValueTask.CompletedTask;
    }

    private async Task WaitReadyAsync(TimeSpan timeout)
    {
        using var http = new HttpClient
        {
            DefaultRequestVersion = HttpVersion.Version20,
            DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact,
            Timeout = TimeSpan.FromSeconds(2),
        };
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < timeout)
        {
            if (_process is { HasExited: true } exited)
            {
                throw new InvalidOperationException($"the gateway exited with code {exited.ExitCode} before it was ready.");
            }

            try
            {
                using var response = await http.GetAsync(new Uri(Address, "/readyz"));
                if (response.IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
            {
                // Not listening yet.
            }

            await Task.Delay(100);
        }

        throw new TimeoutException($"the gateway was not ready within {timeout.TotalSeconds:F0} s.");
    }
}
