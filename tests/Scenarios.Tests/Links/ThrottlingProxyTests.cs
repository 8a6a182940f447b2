using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace EdgeSplit.Scenarios.Tests.Links;

/// <summary>The link emulator itself, on loopback sockets: latency and bandwidth must be what the tests and benchmark think.</summary>
public sealed class ThrottlingProxyTests : IAsyncLifetime
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);
    private readonly LoopbackServer _echo = new((stream, ct) => stream.CopyToAsync(stream, ct));

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _echo.DisposeAsync();

    private async Task<double> RoundTripMsAsync(ThrottlingProxy proxy, int bytes)
    {
        using var client = new TcpClient { NoDelay = true };
        await client.ConnectAsync(IPAddress.Loopback, proxy.Port).WaitAsync(Timeout);
        var stream = client.GetStream();
        var payload = new byte[bytes];
        var clock = Stopwatch.StartNew();
        await stream.WriteAsync(payload).AsTask().WaitAsync(Timeout);
        var received = 0;
        var buffer = new byte[64 * 1024];
        while (received < bytes)
        {
            var read = await stream.ReadAsync(buffer).AsTask().WaitAsync(Timeout);
            Assert.NotEqual(0, read);
            received += read;
        }

        return clock.Elapsed.TotalMilliseconds;
    }

    [Fact]
    public async Task Latency_AddedEachWay_RoundTripAtLeastTwice()
    {
        await using var proxy = new ThrottlingProxy(_echo.EndPoint);
        var direct = await RoundTripMsAsync(proxy, 10);
        proxy.LatencyMs = 40;

        var ms = await RoundTripMsAsync(proxy, 10);

        // At least 2 x 40 ms, less timer granularity (Task.Delay drops fractions of a millisecond on each leg); at
        // most a generous multiple of what was asked on top of the same run's unshaped round trip.
        Assert.True(ms >= 76 && ms - direct <= 10 * 80, $"{ms:F1} ms shaped, {direct:F1} ms unshaped");
    }

    [Fact]
    public async Task BytesPerMs_CapsThroughputEachWay()
    {
        await using var proxy = new ThrottlingProxy(_echo.EndPoint);
        var direct = await RoundTripMsAsync(proxy, 20_000);
        proxy.BytesPerMs = 200; // 20 KB up, 20 KB back: at least 100 ms each way

        var ms = await RoundTripMsAsync(proxy, 20_000);

        Assert.True(ms >= 100 && ms - direct <= 10 * 200, $"{ms:F1} ms shaped, {direct:F1} ms unshaped");
    }

    [Fact]
    public async Task Shape_ChangedAtRunTime_AppliesToTheNextBytes()
    {
        await using var proxy = new ThrottlingProxy(_echo.EndPoint);
        proxy.Shape(latencyMs: 60, bytesPerMs: 0);
        var slow = await RoundTripMsAsync(proxy, 10);

        proxy.Shape(latencyMs: 0, bytesPerMs: 0);
        var fast = await RoundTripMsAsync(proxy, 10);

        Assert.True(slow >= 116, $"slow {slow:F1} ms");
        Assert.True(fast < slow / 2, $"fast {fast:F1} ms vs slow {slow:F1} ms");
    }
}
