namespace EdgeSplit.Gateway.Tests.Security;

/// <summary>
/// One greedy device offering 40x its quota beside 12 devices using theirs: the greedy one is held to its quota
/// (burst + rate per window, the rest refused) while every request of the others is served. The same run alternates
/// windows with and without the greedy device and prints the others' p99 in both: on a quiet machine within 20%,
/// with the limits off +25% to +93%. That effect is smaller than p99's noise on a shared 2-core machine (one run
/// here measured 2.6x with the limits on, the next two 1.01x and 1.10x), so it is reported, not asserted.
/// </summary>
[Collection(LoadSensitiveCollection.Name)]
public sealed class FairnessTests(ITestOutputHelper output)
{
    private const int NormalDevices = 12;
    private const int PairsOfWindows = 5;
    private static readonly TimeSpan Window = TimeSpan.FromSeconds(2);
    private static readonly TimeSpan NormalPeriod = TimeSpan.FromMilliseconds(200); // 5 requests/s per device, its full quota
    private static readonly TimeSpan GreedyPeriod = TimeSpan.FromMilliseconds(5); // 200 requests/s offered

    [Fact]
    public async Task Infer_GreedyDeviceOverItsQuota_HeldToQuotaWhileEveryOtherRequestIsServed()
    {
        // Thirteen simulated devices, their gRPC client and the node share one process's thread pool here: without
        // spare threads, pool starvation (hundreds of ms) would be measured instead of the node's fairness.
        ThreadPool.GetMinThreads(out var workers, out var io);
        ThreadPool.SetMinThreads(Math.Max(workers, 64), Math.Max(io, 64));
        var tokens = new TestTokens();
        await using var node = await EdgeNode.StartAsync(settings: tokens.NodeSettings(
            "--EdgeSplit:Limits:Tiers:standard:RequestsPerSecond=5", "--EdgeSplit:Limits:Tiers:standard:Burst=5"));

        // Five alternating pairs of 2 s windows (~600 samples per side). A refused request of a normal device
        // throws (RESOURCE_EXHAUSTED) and fails the test.
        var run = await MeasureAsync(node, tokens, attempt: 0);
        output.WriteLine(run.Detail);
        output.WriteLine($"normal devices p99 {run.P99Without:F2} ms alone ({run.Without} requests), {run.P99With:F2} ms beside the greedy device ({run.With}); " +
            $"greedy sent {run.Sent}, served {run.Served}, limited {run.Limited}");
        Assert.True(run.Without > 200 && run.With > 200, $"too few samples: {run.Without}, {run.With}");
        Assert.True(run.Limited > run.Sent / 2, $"the greedy device was not held to its quota: {run.Served} served of {run.Sent}");

        // Each greedy window may spend a full burst (the bucket refills while the device is quiet) plus its rate.
        Assert.InRange(run.Served, 1, PairsOfWindows * (int)(5 + (5 * Window.TotalSeconds * 1.5)));
        output.WriteLine($"p99 beside the greedy device / alone: {run.P99With / run.P99Without:F2} (reported, not asserted)");
    }

    private static async Task<Measurement> MeasureAsync(EdgeNode node, TestTokens tokens, int attempt)
    {
        var request = Requests.For([Requests.Texts[2]], 4, Encoding.F16);
        var greedyOn = 0;
        var samples = new List<(bool Greedy, double Ms)>();
        var sampleLock = new Lock();
        using var stop = new CancellationTokenSource();

        var normals = Enumerable.Range(0, NormalDevices).Select(d => Task.Run(async () =>
        {
            var headers = TestTokens.Bearer(tokens.Issue($"normal-{d}"));
            var random = new Random((attempt * 100) + d);
            await Task.Delay(random.Next(200), CancellationToken.None);
            while (!stop.IsCancellationRequested)
            {
                var condition = Volatile.Read(ref greedyOn) == 1;
                var clock = Stopwatch.StartNew();
                await node.Client.InferAsync(request, headers, SplitInferenceTests.Deadline());
                var ms = clock.Elapsed.TotalMilliseconds;
                if (condition == (Volatile.Read(ref greedyOn) == 1))
                {
                    lock (sampleLock)
                    {
                        samples.Add((condition, ms));
                    }
                }

                var rest = NormalPeriod - clock.Elapsed + TimeSpan.FromMilliseconds(random.Next(-20, 21));
                if (rest > TimeSpan.Zero)
                {
                    await Task.Delay(rest, CancellationToken.None);
                }
            }
        })).ToList();

        int sent = 0, served = 0, limited = 0;
        var greedy = Task.Run(async () =>
        {
            using var call = node.Client.InferStream(TestTokens.Bearer(tokens.Issue($"greedy-{attempt}")), DateTime.UtcNow.AddMinutes(2));
            var reader = Task.Run(async () =>
            {
                while (await call.ResponseStream.MoveNext())
                {
                    var reply = call.ResponseStream.Current;
                    if (reply.ResultCase == StreamReply.ResultOneofCase.Reply)
                    {
                        served++;
                    }
                    else if (reply.Error.Code == (int)StatusCode.ResourceExhausted)
                    {
                        limited++;
                    }
                }
            });
            while (!stop.IsCancellationRequested)
            {
                if (Volatile.Read(ref greedyOn) == 1)
                {
                    var message = request.Clone();
                    message.RequestId = $"g{sent++}";
                    await call.RequestStream.WriteAsync(message);
                }

                await Task.Delay(GreedyPeriod, CancellationToken.None);
            }

            await call.RequestStream.CompleteAsync();
            await reader;
        });

        await Task.Delay(TimeSpan.FromSeconds(2)); // warm-up, not measured
        lock (sampleLock)
        {
            samples.Clear();
        }

        for (var i = 0; i < PairsOfWindows * 2; i++)
        {
            // Greedy windows first: whatever is still warming up counts against the greedy side, not for it.
            Volatile.Write(ref greedyOn, 1 - (i % 2));
            await Task.Delay(Window);
        }

        await stop.CancelAsync();
        await Task.WhenAll([.. normals, greedy]).WaitAsync(EdgeNode.Timeout);
        var without = samples.Where(s => !s.Greedy).Select(s => s.Ms).ToArray();
        var with = samples.Where(s => s.Greedy).Select(s => s.Ms).ToArray();
        var detail = $"alone p50/p90/max {Q(without, 0.5):F1}/{Q(without, 0.9):F1}/{without.Max():F1}, with greedy {Q(with, 0.5):F1}/{Q(with, 0.9):F1}/{with.Max():F1} ms";
        return new Measurement(P99(without), P99(with), without.Length, with.Length, sent, served, limited, detail);
    }

    private static double P99(double[] values) => Q(values, 0.99);

    private static double Q(double[] values, double q)
    {
        var sorted = values.Order().ToArray();
        return sorted[Math.Clamp((int)Math.Ceiling(sorted.Length * q) - 1, 0, sorted.Length - 1)];
    }

    private sealed record Measurement(double P99Without, double P99With, int Without, int With, int Sent, int Served, int Limited, string Detail);
}
