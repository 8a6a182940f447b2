using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace EdgeSplit.Scenarios;

/// <summary>
/// One gateway (edge or router) as a real child process on 127.0.0.1: started, probed until ready,
/// killed hard (like a crashed node) and restarted on the same port.
/// </summary>
internal sealed class GatewayProcess : IAsyncDisposable
{
    private static readonly HttpClient Probe = new() { DefaultRequestVersion = HttpVersion.Version20, DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact, Timeout = TimeSpan.FromSeconds(2) };
    private readonly string _dll;
    private readonly IReadOnlyList<string> _args;
    private readonly string _logPath;
    private Process? _process;

    private readonly string _cache;

    public GatewayProcess(string name, string dll, int port, IEnumerable<string> args, string logDirectory, string cacheDirectory)
    {
        _cache = cacheDirectory;
        Name = name;
        _dll = dll;
        Port = port;
        _args = ["--urls", Url, .. args];
        _logPath = Path.Combine(logDirectory, $"{name}.log");
    }

    public string Name { get; }

    public int Port { get; }

    public string Url => $"http://127.0.0.1:{Port}";

    public bool Running => _process is { HasExited: false };

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public async Task StartAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo("dotnet") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(_dll);
        foreach (var arg in _args)
        {
            start.ArgumentList.Add(arg);
        }

        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment["Logging__LogLevel__Default"] = "Warning";
        start.Environment["EDGESPLIT_CACHE"] = _cache;
        _process = Process.Start(start) ?? throw new InvalidOperationException($"cannot start {Name}.");
        var log = new StreamWriter(_logPath, append: true) { AutoFlush = true };
        _process.OutputDataReceived += (_, e) => Write(log, e.Data);
        _process.ErrorDataReceived += (_, e) => Write(log, e.Data);
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        await WaitReadyAsync(timeout, cancellationToken);
    }

    public void Kill()
    {
        if (_process is { HasExited: false })
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit(5000);
        }
    }

    public async ValueTask DisposeAsync()
    {
        Kill();
        _process?.Dispose();
        await Task.CompletedTask;
    }

    /// <summary>Polls /readyz until its body starts with <paramref name="prefix"/> (the router reports "healthy/total edges").</summary>
    public async Task WaitForReadyBodyAsync(string prefix, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < timeout)
        {
            try
            {
                var body = await Probe.GetStringAsync($"{Url}/readyz", cancellationToken);
                if (body.StartsWith(prefix, StringComparison.Ordinal))
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
            }

            await Task.Delay(200, cancellationToken);
        }

        throw new TimeoutException($"{Name} did not report '{prefix}' within {timeout.TotalSeconds:F0} s.");
    }

    private async Task WaitReadyAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < timeout)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (_process!.HasExited)
            {
                throw new InvalidOperationException($"{Name} exited with code {_process.ExitCode} while starting; see {_logPath}.");
            }

            try
            {
                using var response = await Probe.GetAsync($"{Url}/readyz", cancellationToken);
                if (response.IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
            }
            catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
            }

            await Task.Delay(200, cancellationToken);
        }

        throw new TimeoutException($"{Name} was not ready within {timeout.TotalSeconds:F0} s; see {_logPath}.");
    }

    private static void Write(StreamWriter log, string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (log)
        {
            log.WriteLine(line);
        }
    }
}
