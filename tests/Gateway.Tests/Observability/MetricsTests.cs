namespace EdgeSplit.Gateway.Tests.Observability;

public sealed class MetricsTests
{
    [Fact]
    public async Task Metrics_AfterRequests_ExportsHistogramsByStageAndEncodingAndCounters()
    {
        await using var edge = await EdgeNode.StartAsync();
        using var http = new HttpClient { BaseAddress = edge.Address, DefaultRequestVersion = System.Net.HttpVersion.Version20, DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact };
        await edge.Client.InferAsync(Requests.For([Requests.Texts[0]], 3, Encoding.F16)).ResponseAsync.WaitAsync(EdgeNode.Timeout);
        var bad = Requests.For([Requests.Texts[0]], 3);
        bad.ModelHash = new string('0', 64);
        await Assert.ThrowsAsync<RpcException>(() => edge.Client.InferAsync(bad).ResponseAsync);

        var text = await ScrapeUntilAsync(http, "edgesplit_edge_invalid_total");

        Assert.Contains("edgesplit_edge_request_duration_seconds_bucket{otel_scope_name=\"EdgeSplit.Edge\",cut=\"3\",encoding=\"f16\"", text);
        Assert.Contains("edgesplit_edge_queue_duration_seconds_bucket", text);
        Assert.Contains("edgesplit_edge_compute_duration_seconds_bucket", text);
        Assert.Contains("edgesplit_edge_batch_rows_bucket", text);
        Assert.Contains("edgesplit_edge_queue_depth", text);
        Assert.Contains("reason=\"failed_precondition\"", text);
        Assert.Equal(Boundaries(Contracts.Telemetry.HistogramBuckets.Seconds.HistogramBucketBoundaries), BucketBounds(text, "edgesplit_edge_request_duration_seconds_bucket"));
        Assert.Equal(Boundaries(Contracts.Telemetry.HistogramBuckets.Counts.HistogramBucketBoundaries), BucketBounds(text, "edgesplit_edge_batch_rows_bucket"));
    }

    [Fact]
    public async Task Metrics_Http1Port_ServesScrapersThatCannotSpeakH2c()
    {
        var port = FreePort();
        await using var edge = await EdgeNode.StartAsync(null, "--urls", $"http://127.0.0.1:0;http://127.0.0.1:{port}", $"--EdgeSplit:Http1Port={port}");
        using var http1 = new HttpClient { DefaultRequestVersion = System.Net.HttpVersion.Version11, DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact };

        using var ready = await http1.GetAsync($"http://127.0.0.1:{port}/readyz");
        using var metrics = await http1.GetAsync($"http://127.0.0.1:{port}/metrics");

        Assert.True(ready.IsSuccessStatusCode);
        Assert.Equal(new Version(1, 1), ready.Version);
        Assert.Contains("edgesplit_edge_queue_depth", await metrics.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Trace_RequestWithTraceparent_EdgeSpanJoinsThatTrace()
    {
        var spans = new List<Activity>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = s => s.Name == "EdgeSplit.Edge",
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = a => { lock (spans) { spans.Add(a); } },
        };
        ActivitySource.AddActivityListener(listener);
        await using var edge = await EdgeNode.StartAsync();
        var trace = ActivityTraceId.CreateRandom();
        var parent = ActivitySpanId.CreateRandom();
        var request = Requests.For([Requests.Texts[0]], 2, id: "traced");
        request.Traceparent = $"00-{trace}-{parent}-01";

        using var call = edge.Client.InferStream();
        await call.RequestStream.WriteAsync(request);
        await call.RequestStream.CompleteAsync();
        await foreach (var _ in call.ResponseStream.ReadAllAsync())
        {
        }

        Activity span;
        lock (spans)
        {
            span = Assert.Single(spans, s => (string?)s.GetTagItem("edgesplit.request_id") == "traced");
        }

        Assert.Equal(trace, span.TraceId);
        Assert.Equal(parent, span.ParentSpanId);
    }

    private static string[] Boundaries<T>(IReadOnlyList<T>? boundaries)
        where T : struct =>
        [.. boundaries!.Select(b => FormattableString.Invariant($"{b}")), "+Inf"];

    /// <summary>The <c>le</c> bounds of the first series of <paramref name="bucket"/> in a Prometheus scrape, in order.</summary>
    private static string[] BucketBounds(string scrape, string bucket)
    {
        var lines = scrape.Split('\n').Where(l => l.StartsWith(bucket + "{", StringComparison.Ordinal)).ToArray();
        var series = lines[0][..lines[0].IndexOf(",le=", StringComparison.Ordinal)];
        return [.. lines.Where(l => l.StartsWith(series + ",le=", StringComparison.Ordinal)).Select(l => l[(series.Length + 5)..l.IndexOf("\"}", StringComparison.Ordinal)])];
    }

    internal static async Task<string> ScrapeUntilAsync(HttpClient http, string needle)
    {
        using var timeout = new CancellationTokenSource(EdgeNode.Timeout);
        while (true)
        {
            var text = await http.GetStringAsync("/metrics", timeout.Token);
            if (text.Contains(needle, StringComparison.Ordinal))
            {
                return text;
            }

            await Task.Delay(200, timeout.Token);
        }
    }

    private static int FreePort()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }
}
