namespace EdgeSplit.Functional.Tests.Observability;

/// <summary>
/// The exporter pipelines as an operator turns them on: a real edge process and the device CLI with the standard
/// OTEL_EXPORTER_OTLP_ENDPOINT pointing at an in-test OTLP collector, and the fleet's Prometheus listener scraped.
/// </summary>
[Collection(AgentProcesses.Name)]
public sealed class TelemetryExportTests(TempDirectory temp) : IClassFixture<TempDirectory>
{
    private static readonly TimeSpan Arrival = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task OtlpEndpoint_EdgeOverGrpcDeviceOverHttp_SpansAndMetricsArriveInOneTrace()
    {
        await using var collector = await OtlpReceiver.StartAsync();
        // The edge uses the exporters' default protocol (gRPC); short intervals so nothing waits for the 60 s default.
        await using var edge = await GatewayProcess.StartAsync(RepoPaths.GatewayDll, ["--EdgeSplit:Edge:IntraOpThreads=1"], AgentHarness.Timeout, name: "edge", environment: new Dictionary<string, string>
        {
            ["OTEL_EXPORTER_OTLP_ENDPOINT"] = collector.GrpcEndpoint.ToString().TrimEnd('/'),
            ["OTEL_BSP_SCHEDULE_DELAY"] = "200",
            ["OTEL_METRIC_EXPORT_INTERVAL"] = "500",
        });

        // The device CLI over http/protobuf: it flushes when it exits. A few lines a little apart, since the agent
        // answers locally until its connection to the edge is up.
        var lines = temp.Combine("otlp-lines.txt");
        await File.WriteAllLinesAsync(lines, Enumerable.Range(0, 8).Select(i => $"{AgentHarness.Texts[i % AgentHarness.Texts.Length]} ({i})"));
        var (code, stdout, stderr) = await CliRun.RunAsync(RepoPaths.CliDll, temp.Combine("cache"),
            ["embed", "--edge", edge.Address.ToString(), "--split", "3", "--json", "--file", lines, "--interval-ms", "150"],
            new Dictionary<string, string>
            {
                ["OTEL_EXPORTER_OTLP_ENDPOINT"] = collector.HttpEndpoint.ToString().TrimEnd('/'),
                ["OTEL_EXPORTER_OTLP_PROTOCOL"] = "http/protobuf",
            });
        Assert.True(code == 0, stderr);
        var offloaded = Regex.Count(stdout, "\"route\":\"edge\"");
        Assert.True(offloaded > 0, stdout);

        static bool Has(IEnumerable<OtlpItem> items, string signal, string protocol, string service, string name) =>
            items.Any(i => i.Signal == signal && i.Protocol == protocol && i.Service == service && i.Name == name);
        var arrived = await collector.WaitAsync(items =>
            Has(items, "span", "grpc", "edgesplit-edge", "edgesplit.edge.infer") &&
            Has(items, "metric", "grpc", "edgesplit-edge", "edgesplit.edge.request.duration") &&
            Has(items, "span", "http/protobuf", "edgesplit-device", "edgesplit.device.embed") &&
            Has(items, "metric", "http/protobuf", "edgesplit-device", "edgesplit.device.requests") &&
            items.Where(i => i.Name == "edgesplit.edge.infer").Select(i => i.TraceId)
                .Intersect(items.Where(i => i.Name == "edgesplit.device.embed").Select(i => i.TraceId)).Count() >= offloaded, Arrival);
        Assert.True(arrived, $"received:\n{collector.Describe()}");

        // W3C trace context over gRPC metadata: each device request and the edge work it caused share one trace.
        var deviceTraces = collector.Items.Where(i => i.Name == "edgesplit.device.embed").Select(i => i.TraceId).ToHashSet();
        var edgeTraces = collector.Items.Where(i => i.Name == "edgesplit.edge.infer").Select(i => i.TraceId).ToHashSet();
        // (The agent's own link probes reach the edge in traces of their own, so the edge has more traces than that.)
        Assert.Equal(8, deviceTraces.Count);
        var joined = deviceTraces.Intersect(edgeTraces).Count();
        Assert.True(joined >= offloaded, $"{joined} device traces continue on the edge; {offloaded} requests were offloaded");
    }

    [Fact]
    public async Task FleetMetricsPort_ScrapedWhileRunning_ServesDeviceCounters()
    {
        await using var edge = await AgentHarness.StartGatewayAsync();
        var port = GatewayProcess.FreePort();
        var report = temp.Combine("fleet-metrics");
        var fleet = CliRun.RunAsync(RepoPaths.ScenariosDll, temp.Combine("cache"), [
            "fleet", "--edge", edge.Address.ToString(), "--devices", "3", "--duration", "8", "--rps", "2", "--ramp", "0", "--links", "wifi", "--metrics-port", port.ToString(CultureInfo.InvariantCulture), "--report", report]);

        // Scrape as Prometheus does (plain HTTP/1.1 GET /metrics) until the phones' answered requests and their
        // latency histogram show up (a request is counted a moment before its latency is recorded).
        const string LatencyType = "# TYPE edgesplit_device_latency_seconds histogram";
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        var scraped = 0L;
        var body = "";
        while (!fleet.IsCompleted && (scraped == 0 || !body.Contains(LatencyType, StringComparison.Ordinal)))
        {
            try
            {
                body = await http.GetStringAsync(new Uri($"http://localhost:{port}/metrics"));
                scraped = Regex.Matches(body, @"^edgesplit_device_requests_total\{[^}]*\} (\d+)", RegexOptions.Multiline)
                    .Sum(m => long.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture));
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
            {
                body = ex.Message; // not listening yet
            }

            await Task.Delay(250);
        }

        var (code, stdout, stderr) = await fleet;
        Assert.True(code == 0, $"{stdout}\n{stderr}");
        Assert.True(scraped > 0, $"no answered request in the scrape; last body:\n{body}");
        Assert.Contains(LatencyType, body, StringComparison.Ordinal);
        using var summary = System.Text.Json.JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(report, "summary.json")));
        Assert.True(scraped <= summary.RootElement.GetProperty("requests").GetInt64(), $"scraped {scraped} > the fleet's total");
    }
}
