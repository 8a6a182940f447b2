using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace EdgeSplit.Scenarios.Processes;

/// <summary>
/// A gateway (edge or router) as a real child process (<c>dotnet EdgeSplit.Gateway.dll --urls http://127.0.0.1:PORT</c>),
/// for benchmarks, scenarios and functional tests that kill and restart it. Ready when <c>/readyz</c> answers 200.
/// </summary>
internal sealed class GatewayProcess : IAsyncDisposable
{
    private readonly string _dll;
    private readonly IReadOnlyList<string> _settings;
    private readonly string? _logFile;
    private readonly IReadOnlyDictionary<string, string> _environment;
    private Process? _process;
    private TextWriter? _log;

    private GatewayProcess(string dll, int port, IReadOnlyList<string> settings, string name, string? logFile, IReadOnlyDictionary<string, string>? environment)
    {
        _dll = dll;
        Port = port;
        _settings = settings;
        Name = name;
        _logFile = logFile;
        _environment = environment ?? new Dictionary<string, string>();
    }

    /// <summary>Name used in messages (e.g. "edge-2", "router").</summary>
    public string Name { get; }

    public int Port { get; }

    public Uri Address => new($"http://127.0.0.1:{Port}");

    public IPEndPoint EndPoint => new(IPAddress.Loopback, Port);

    public bool IsRunning => _process is { HasExited: false };

    /// <summary>The running process's id (for /proc readings such as its resident memory); null when not running.</summary>
    public int? ProcessId => _process is { HasExited: false } process ? process.Id : null;

    /// <summary>CPUs (taskset list, e.g. "1" or "1-7") the process runs on, at every (re)start; null (default) = any.</summary>
    public string? Cpus { get; private init; }

    /// <summary>
    /// Starts the gateway on a free loopback port and waits until it is ready. Its output goes to
    /// <paramref name="logFile"/> when given (else it is drained and dropped); <paramref name="cpus"/> pins it.
    /// </summary>
    public static async Task<GatewayProcess> StartAsync(
        string dll,
        IReadOnlyList<string>? settings = null,
        TimeSpan? timeout = null,
        string name = "gateway",
        string? logFile = null,
        IReadOnlyDictionary<string, string>? environment = null,
        string? cpus = null)
    {
        if (!File.Exists(dll))
        {
            throw new FileNotFoundException($"gateway not found at '{dll}': build src/Gateway first.", dll);
        }

        var gateway = new GatewayProcess(Path.GetFullPath(dll), FreePort(), settings ?? [], name, logFile, environment) { Cpus = cpus };
        try
        {
            await gateway.RestartAsync(timeout ?? TimeSpan.FromSeconds(60));
            return gateway;
        }
        catch
        {
            // Never ready: the caller gets no handle, so the process must not outlive this call.
            await gateway.DisposeAsync();
            throw;
        }
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

    /// <summary>
    /// Finds EdgeSplit.Gateway.dll next to this assembly or in the repository's build output, preferring the
    /// configuration (Debug/Release) this program was built in.
    /// </summary>
    public static string? Locate(string? start = null)
    {
        var own = AppContext.BaseDirectory.Contains($"{Path.DirectorySeparatorChar}Release{Path.DirectorySeparatorChar}", StringComparison.Ordinal) ? "Release" : "Debug";
        var beside = Path.Combine(AppContext.BaseDirectory, "EdgeSplit.Gateway.dll");
        if (File.Exists(beside) && File.Exists(Path.ChangeExtension(beside, ".runtimeconfig.json")))
        {
            return beside;
        }

        for (var dir = new DirectoryInfo(start ?? Directory.GetCurrentDirectory()); dir is not null; dir = dir.Parent)
        {
            foreach (var configuration in new[] { own, own == "Release" ? "Debug" : "Release" })
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

        foreach (var (key, value) in _environment)
        {
            start.Environment[key] = value;
        }

        if (Cpus is { } cpus)
        {
            start = CpuAffinity.Pinned(start, cpus);
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {Name}.");

        // Drain output so a chatty child never blocks on a full pipe; keep it when a log file is wanted.
        _log?.Dispose();
        var log = _log = _logFile is null ? null : TextWriter.Synchronized(new StreamWriter(_logFile, append: true) { AutoFlush = true });
        process.OutputDataReceived += (_, e) => Write(log, e.Data);
        process.ErrorDataReceived += (_, e) => Write(log, e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _process = process;
        await WaitReadyAsync(timeout);
    }

    /// <summary>Kills the process and closes its log; a second call does nothing.</summary>
    public ValueTask DisposeAsync()
    {
        Kill();
        _process?.Dispose();
        _process = null;
        _log?.Dispose();
        _log = null;
        return ValueTask.CompletedTask;
    }

    private static void Write(TextWriter? log, string? line)
    {
        try
        {
            log?.WriteLine(line);
        }
        catch (ObjectDisposedException)
        {
            // A line the killed process flushed after its log was closed: nothing to keep.
        }
    }

    private Task WaitReadyAsync(TimeSpan timeout) =>
        PollReadyzAsync(_ => true, TimeSpan.FromMilliseconds(100), timeout, "was not ready", CancellationToken.None);

    /// <summary>Polls <c>/readyz</c> until its body starts with <paramref name="prefix"/> (a router reports "healthy/total edges").</summary>
    public Task WaitForReadyBodyAsync(string prefix, TimeSpan timeout, CancellationToken cancellationToken) =>
        PollReadyzAsync(body => body.StartsWith(prefix, StringComparison.Ordinal), TimeSpan.FromMilliseconds(200), timeout, $"did not report '{prefix}'", cancellationToken);

    /// <summary>Polls <c>/readyz</c> until it answers 2xx with a body <paramref name="ready"/> accepts; fails at once if the process exits.</summary>
    private async Task PollReadyzAsync(Func<string, bool> ready, TimeSpan interval, TimeSpan timeout, string failure, CancellationToken cancellationToken)
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
                throw new InvalidOperationException($"{Name} exited with code {exited.ExitCode} before it was ready{(_logFile is null ? "" : $"; see {_logFile}")}.");
            }

            try
            {
                if (ready(await http.GetStringAsync(new Uri(Address, "/readyz"), cancellationToken)))
                {
                    return;
                }
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
            {
                // Not listening yet, or not ready (503).
            }

            await Task.Delay(interval, cancellationToken);
        }

        throw new TimeoutException($"{Name} {failure} within {timeout.TotalSeconds:F0} s.");
    }
}
