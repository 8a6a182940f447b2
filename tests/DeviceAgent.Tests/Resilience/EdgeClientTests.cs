using EdgeSplit.DeviceAgent.Tests.Planning;
using Microsoft.Extensions.Logging.Abstractions;
using Polly.CircuitBreaker;

namespace EdgeSplit.DeviceAgent.Tests.Resilience;

public sealed class EdgeClientTests
{
    private const string Hash = "abc123";
    private static readonly double[] DeviceMs = Scenario.Device(1);

    private readonly FakeTimeProvider _clock = new();

    private EdgeClient Client(ScriptedEdgeTransport transport, ResilienceOptions? options = null, LinkEstimator? link = null) =>
        new(transport, options ?? new ResilienceOptions(), link ?? new LinkEstimator(new EstimatorOptions(), _clock),
            new EdgeCostEstimator(new EstimatorOptions(), _clock), _clock, NullLogger.Instance, Hash, 8);

    private static EdgeRequest Request() => new("r1", 1, null, new EdgeSplit.Inference.Runtime.Activation(1, 1, 4, 384, new float[4 * 384], [1, 1, 1, 1]), WireEncoding.F32);

    /// <summary>
    /// Moves fake time forward in small steps until the condition holds. The bound is real time (30 s), not a step
    /// count: on a loaded machine the client's background work may take many steps to be scheduled, and only the
    /// client's state is asserted afterwards, never how much fake time went by.
    /// </summary>
    private async Task AdvanceUntilAsync(Func<bool> condition, TimeSpan step)
    {
        var real = System.Diagnostics.Stopwatch.StartNew();
        while (!condition() && real.Elapsed < TimeSpan.FromSeconds(30))
        {
            _clock.Advance(step);
            await Task.Delay(5);
        }

        Assert.True(condition(), $"condition not reached within 30 s of real time ({_clock.GetUtcNow():O} fake)");
    }

    /// <summary>Waits in real time (at most 30 s) without moving the fake clock.</summary>
    internal static async Task WaitUntilAsync(Func<bool> condition)
    {
        var real = System.Diagnostics.Stopwatch.StartNew();
        while (!condition() && real.Elapsed < TimeSpan.FromSeconds(30))
        {
            await Task.Delay(5);
        }

        Assert.True(condition(), "condition not reached within 30 s of real time");
    }

    [Fact]
    public async Task ConnectAsync_EdgeAnswers_AvailableWithManifest()
    {
        await using var client = Client(new ScriptedEdgeTransport(Hash, 8));

        await client.ConnectAsync(CancellationToken.None);

        Assert.True(client.IsAvailable);
        Assert.Equal(CircuitState.Closed, client.State);
    }

    [Fact]
    public async Task ConnectAsync_OneSlowPing_RttFromTheFastest()
    {
        // Call 1 opens the connection (untimed); of the timed pings, one is stalled 40 ms, the others take 2 and 3.
        double[] pingMs = [500, 40, 2, 3];
        var transport = new ScriptedEdgeTransport(Hash, 8) { OnManifest = call => _clock.Advance(TimeSpan.FromMilliseconds(pingMs[Math.Min(call, pingMs.Length) - 1])) };
        var link = new LinkEstimator(new EstimatorOptions(), _clock);
        await using var client = Client(transport, link: link);

        await client.ConnectAsync(CancellationToken.None);

        Assert.Equal(1 + EdgeClient.RttPings, transport.ManifestCalls);
        Assert.Equal(2, link.Snapshot().RttMs, precision: 6);
    }

    [Fact]
    public async Task ConnectAsync_EdgeDown_IsolatedUntilProbeSucceeds()
    {
        var transport = new ScriptedEdgeTransport(Hash, 8) { ManifestFails = true };
        await using var client = Client(transport);

        await client.ConnectAsync(CancellationToken.None);
        Assert.False(client.IsAvailable);
        Assert.Equal(CircuitState.Isolated, client.State);

        await AdvanceUntilAsync(() => transport.ManifestCalls >= 3, TimeSpan.FromMilliseconds(200));
        Assert.False(client.IsAvailable);

        transport.ManifestFails = false;
        await AdvanceUntilAsync(() => client.IsAvailable, TimeSpan.FromMilliseconds(500));
        Assert.Equal(CircuitState.Closed, client.State);
    }

    [Fact]
    public async Task ConnectAsync_DifferentModelHash_NotAvailable()
    {
        await using var client = Client(new ScriptedEdgeTransport("other-model", 8));

        await client.ConnectAsync(CancellationToken.None);

        Assert.False(client.IsAvailable);
        Assert.Null(client.Manifest);
    }

    [Fact]
    public async Task InferAsync_ConsecutiveUnavailable_OpensCircuitAndProbeClosesIt()
    {
        var transport = new ScriptedEdgeTransport(Hash, 8);
        await using var client = Client(transport, new ResilienceOptions { ConsecutiveFailures = 3 });
        await client.ConnectAsync(CancellationToken.None);
        transport.OnInfer = (_, _) => throw ScriptedEdgeTransport.Unavailable();
        transport.ManifestFails = true;

        for (var i = 0; i < 3; i++)
        {
            var outcome = await client.InferAsync(Request(), TimeSpan.FromSeconds(1), 4, DeviceMs, static _ => { }, CancellationToken.None);
            Assert.Equal(EdgeFailureKind.Unavailable, outcome.Failure);
        }

        await AdvanceUntilAsync(() => !client.IsAvailable, TimeSpan.FromMilliseconds(1));
        transport.ManifestFails = false;
        transport.OnInfer = null;
        await AdvanceUntilAsync(() => client.IsAvailable, TimeSpan.FromMilliseconds(500));

        var after = await client.InferAsync(Request(), TimeSpan.FromSeconds(1), 4, DeviceMs, static _ => { }, CancellationToken.None);
        Assert.True(after.Succeeded);
    }

    [Fact]
    public async Task InferAsync_ResourceExhausted_BusyButCircuitStaysClosed()
    {
        var transport = new ScriptedEdgeTransport(Hash, 8)
        {
            OnInfer = (_, _) => throw new EdgeException(StatusCode.ResourceExhausted, "queue full", TimeSpan.FromMilliseconds(300)),
        };
        await using var client = Client(transport, new ResilienceOptions { ConsecutiveFailures = 2 });
        await client.ConnectAsync(CancellationToken.None);

        for (var i = 0; i < 5; i++)
        {
            var outcome = await client.InferAsync(Request(), TimeSpan.FromSeconds(1), 4, DeviceMs, static _ => { }, CancellationToken.None);
            Assert.Equal(EdgeFailureKind.Busy, outcome.Failure);
        }

        Assert.True(client.IsAvailable);
    }

    [Fact]
    public async Task InferAsync_SilentEdge_TimesOutAtDeadline()
    {
        var transport = new ScriptedEdgeTransport(Hash, 8) { OnInfer = (_, ct) => Task.Delay(Timeout.Infinite, ct) };
        await using var client = Client(transport);
        await client.ConnectAsync(CancellationToken.None);

        var before = transport.InferCalls; // the connection's warm-up call counts too
        var call = client.InferAsync(Request(), TimeSpan.FromMilliseconds(300), 4, DeviceMs, static _ => { }, CancellationToken.None);

        // Once the request is with the (silent) transport its deadline is armed; the clock then moves exactly to it
        // and no further, so the elapsed time the client reports is the deadline itself, on any machine.
        await WaitUntilAsync(() => transport.InferCalls == before + 1);
        _clock.Advance(TimeSpan.FromMilliseconds(299));
        await Task.Delay(50);
        Assert.False(call.IsCompleted, "the call ended before its deadline");
        _clock.Advance(TimeSpan.FromMilliseconds(1));
        await WaitUntilAsync(() => call.IsCompleted);

        var outcome = await call;
        Assert.Equal(EdgeFailureKind.Timeout, outcome.Failure);
        Assert.Equal(300, outcome.ElapsedMs, precision: 3);
    }
}
