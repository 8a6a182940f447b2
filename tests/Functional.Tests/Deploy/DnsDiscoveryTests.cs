namespace EdgeSplit.Functional.Tests.Deploy;

/// <summary>
/// The router's DNS discovery (on by default) as compose <c>--scale</c> and the Kubernetes headless Service use it:
/// the router is given one name, the name resolves to several addresses, and every address is an edge. Here the
/// name is a hosts entry over loopback addresses 127.0.0.2 and 127.0.0.3 (needs root to write /etc/hosts; the entry
/// is removed afterwards), and the edges are real gateway processes on the same port at those addresses.
/// </summary>
[Collection(AgentProcesses.Name)]
public sealed class DnsDiscoveryTests(TempDirectory temp) : IClassFixture<TempDirectory>
{
    private const string Hosts = "/etc/hosts";

    [SkippableFact]
    public async Task Router_NameResolvingToSeveralAddresses_FindsEachEdgeAndFollowsTheRecords()
    {
        Requires.Root("add a hosts entry (/etc/hosts) that resolves to several loopback addresses");
        var name = $"edges-{Guid.NewGuid():N}"[..14] + ".edgesplit.test";
        var port = GatewayProcess.FreePort();
        await using var first = await LoopbackEdge.StartAsync("127.0.0.2", port, temp.Combine("cache"));
        await using var second = await LoopbackEdge.StartAsync("127.0.0.3", port, temp.Combine("cache"));
        await using var hosts = new HostsEntries(name);

        hosts.Add("127.0.0.2");
        Assert.Equal([IPAddress.Parse("127.0.0.2")], await Dns.GetHostAddressesAsync(name));
        await using var router = await GatewayProcess.StartAsync(RepoPaths.GatewayDll,
            ["--EdgeSplit:Role=Router", $"--EdgeSplit:Router:Edges:0=http://{name}:{port}", "--EdgeSplit:Router:DnsRefreshSeconds=1"],
            AgentHarness.Timeout, name: "router");
        using var ready = new CancellationTokenSource(AgentHarness.Timeout);
        await router.WaitForReadyBodyAsync("1/1 edges healthy", AgentHarness.Timeout, ready.Token);

        // A second record for the same name: the router picks it up on its next refresh, no restart, no config change.
        hosts.Add("127.0.0.3");
        await router.WaitForReadyBodyAsync("2/2 edges healthy", AgentHarness.Timeout, ready.Token);

        // The first address dies: the router's health check marks it down and every request goes to the other one.
        await first.DisposeAsync();
        await router.WaitForReadyBodyAsync("1/2 edges healthy", AgentHarness.Timeout, ready.Token);
        var before = await second.AnsweredAsync();
        // A few lines a little apart: the agent answers locally until its connection is up.
        var lines = temp.Combine("dns-lines.txt");
        await File.WriteAllLinesAsync(lines, Enumerable.Range(0, 8).Select(i => $"{AgentHarness.Texts[i % AgentHarness.Texts.Length]} ({i})"));
        var (code, stdout, stderr) = await CliRun.DeviceAgentAsync(temp.Combine("cache"),
            "embed", "--edge", router.Address.ToString(), "--split", "3", "--json", "--verbose", "--file", lines, "--interval-ms", "150");
        Assert.True(code == 0, stderr);
        var routes = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l =>
        {
            using var json = JsonDocument.Parse(l);
            return json.RootElement.GetProperty("route").GetString();
        }).ToList();
        // Requests reach the router once the agent is connected: the live edge answers them (a request answered late by
        // the edge on a busy machine may still end as a local tail, "fallback"; the edge has counted it all the same).
        var answered = await second.AnsweredAsync() - before;
        var offloaded = routes.Count(r => r == "edge");
        Assert.True(routes.Count == 8 && offloaded >= 3 && answered >= offloaded,
            $"routes {string.Join(',', routes)}; the edge at 127.0.0.3 answered {answered}\n{stdout}\n{stderr}");
    }

    /// <summary>Lines for one test name in /etc/hosts, removed on dispose (other lines are left as they are).</summary>
    private sealed class HostsEntries(string name) : IAsyncDisposable
    {
        public void Add(string address) => File.AppendAllText(Hosts, $"{address} {name}\n");

        public async ValueTask DisposeAsync()
        {
            var kept = (await File.ReadAllLinesAsync(Hosts)).Where(l => !l.EndsWith($" {name}", StringComparison.Ordinal));
            await File.WriteAllLinesAsync(Hosts, kept);
        }
    }

    /// <summary>An edge gateway process bound to one loopback address (not only 127.0.0.1, unlike GatewayProcess).</summary>
    private sealed class LoopbackEdge : IAsyncDisposable
    {
        private readonly Process _process;
        private bool _disposed;
        private readonly HttpClient _http = new() { DefaultRequestVersion = HttpVersion.Version20, DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact, Timeout = TimeSpan.FromSeconds(5) };

        private LoopbackEdge(Process process, Uri address)
        {
            _process = process;
            Address = address;
        }

        public Uri Address { get; }

        public static async Task<LoopbackEdge> StartAsync(string address, int port, string cache)
        {
            var start = new ProcessStartInfo("dotnet") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
            foreach (var arg in new[] { RepoPaths.GatewayDll, "--urls", $"http://{address}:{port}", "--Logging:LogLevel:Default=Warning", "--EdgeSplit:Edge:IntraOpThreads=1" })
            {
                start.ArgumentList.Add(arg);
            }

            start.Environment["EDGESPLIT_CACHE"] = cache;
            var process = Process.Start(start)!;
            process.OutputDataReceived += (_, _) => { };
            process.ErrorDataReceived += (_, _) => { };
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            var edge = new LoopbackEdge(process, new Uri($"http://{address}:{port}"));
            var clock = Stopwatch.StartNew();
            while (true)
            {
                try
                {
                    using var ready = await edge._http.GetAsync(new Uri(edge.Address, "/readyz"));
                    if (ready.IsSuccessStatusCode)
                    {
                        return edge;
                    }
                }
                catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
                {
                }

                if (process.HasExited || clock.Elapsed > AgentHarness.Timeout)
                {
                    await edge.DisposeAsync();
                    throw new TimeoutException($"edge on {address}:{port} not ready (exited: {process.HasExited}).");
                }

                await Task.Delay(200);
            }
        }

        /// <summary>Requests this edge answered, from its Prometheus /metrics (the request-duration histogram's count).</summary>
        public async Task<long> AnsweredAsync()
        {
            var metrics = await _http.GetStringAsync(new Uri(Address, "/metrics"));
            return Regex.Matches(metrics, @"^edgesplit_edge_request_duration_seconds_count(\{[^}]*\})? (\d+)", RegexOptions.Multiline)
                .Sum(m => long.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture));
        }

        public ValueTask DisposeAsync()
        {
            if (_disposed)
            {
                return ValueTask.CompletedTask;
            }

            _disposed = true;
            if (!_process.HasExited)
            {
                _process.Kill();
                _process.WaitForExit(10_000);
            }

            _process.Dispose();
            _http.Dispose();
            return ValueTask.CompletedTask;
        }
    }
}
