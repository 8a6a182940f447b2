using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace EdgeSplit.Scenarios.Tests.Links;

/// <summary>
/// The link emulator on loopback sockets: latency and bandwidth must be what the tests and benchmark think, and the
/// phone-link knobs (asymmetric bandwidth, jitter, loss, a blackholed host) must do what they say.
/// Upstream is an exchange server: each request is an 8-byte header (bytes coming up, bytes to send back), then the
/// bytes coming up; it answers with the bytes asked for. Messages of the one-way stream are 8 bytes: a sequence number
/// and the sender's timestamp.
/// </summary>
public sealed class ThrottlingProxyTests : IAsyncLifetime
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(15);
    private readonly ConcurrentQueue<(int Sequence, long SentAt, long ArrivedAt)> _arrivals = new();
    private readonly LoopbackServer _server;

    public ThrottlingProxyTests() => _server = new LoopbackServer(ServeAsync);

    private IPEndPoint Upstream => _server.EndPoint;

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task UplinkAndDownlink_DifferentRates_TransfersTakeTheirOwnDirectionsTime()
    {
        await using var proxy = new ThrottlingProxy(Upstream);
        proxy.UplinkBytesPerMs = 100; // 60 KB up: at least 600 ms
        proxy.DownlinkBytesPerMs = 400; // 60 KB down: at least 150 ms
        using var client = await ConnectAsync(proxy);

        var up = await ExchangeMsAsync(client, 60_000, 1);
        var down = await ExchangeMsAsync(client, 0, 60_000);

        Assert.True(up >= 595, $"uplink {up:F0} ms for 60 KB at 100 B/ms");
        Assert.True(down >= 145, $"downlink {down:F0} ms for 60 KB at 400 B/ms");
        Assert.True(up / down >= 2.5, $"up {up:F0} ms vs down {down:F0} ms: the 4x slower uplink must show");
    }

    [Fact]
    public async Task Jitter_OneWayDelaysStayWithinLatencyPlusJitter_BytesInOrder()
    {
        await using var proxy = new ThrottlingProxy(Upstream, seed: 7);
        proxy.LatencyMs = 10;
        proxy.JitterMs = 30;
        using var client = await ConnectAsync(proxy);
        var stream = client.GetStream();
        await stream.WriteAsync(Header(-1, 0));

        const int messages = 80;
        var message = new byte[8];
        for (var i = 0; i < messages; i++)
        {
            BinaryPrimitives.WriteInt32LittleEndian(message, i);
            BinaryPrimitives.WriteInt32LittleEndian(message.AsSpan(4), (int)Stopwatch.GetTimestamp());
            await stream.WriteAsync(message);
            await Task.Delay(3);
        }

        var deadline = Stopwatch.StartNew();
        while (_arrivals.Count < messages && deadline.Elapsed < Timeout)
        {
            await Task.Delay(20);
        }

        var arrivals = _arrivals.ToList();
        Assert.Equal(Enumerable.Range(0, messages), arrivals.Select(a => a.Sequence));
        var delays = arrivals.Select(a => (a.ArrivedAt - a.SentAt) * 1000.0 / Stopwatch.Frequency).ToList();
        Assert.True(delays.Min() >= 9.5, $"a message arrived {delays.Min():F1} ms after it was sent, before the 10 ms latency");

        // Each delay is at most latency + jitter when due (the jitter of a chunk never overtakes the one before);
        // delivery may run late on a busy machine, so most, not all, must be within 5 ms of that.
        var withinBound = delays.Count(d => d <= 10 + 30 + 5);
        Assert.True(withinBound >= messages * 0.8, $"{withinBound} of {messages} within 45 ms; delays {string.Join(' ', delays.Select(d => d.ToString("F0", System.Globalization.CultureInfo.InvariantCulture)))}");

        // Jitter is really there: delays spread over a good part of the 30 ms.
        var sorted = delays.Order().ToList();
        var spread = sorted[(int)(messages * 0.8)] - sorted[(int)(messages * 0.1)];
        Assert.True(spread >= 8, $"delays spread only {spread:F1} ms (10th to 80th percentile) with 30 ms of jitter");
    }

    [Fact]
    public async Task Loss_HoldsALostSegmentForAboutOneRoundTrip_TransfersTakeLonger()
    {
        async Task<double> MedianAsync(double lossPercent)
        {
            await using var proxy = new ThrottlingProxy(Upstream, seed: 3);
            proxy.LatencyMs = 20;
            proxy.LossPercent = lossPercent;
            using var client = await ConnectAsync(proxy);
            var times = new List<double>();
            for (var i = 0; i < 5; i++)
            {
                // 30 KB is ~21 segments: at 25% loss, at least one is lost almost always (0.75^21 < 0.3%).
                times.Add(await ExchangeMsAsync(client, 30_000, 1));
            }

            return times.Order().ElementAt(2);
        }

        var clean = await MedianAsync(0);
        var lossy = await MedianAsync(25);

        // One extra round trip is 40 ms; allow a quarter of it for timer granularity.
        Assert.True(lossy >= clean + 30, $"lossy median {lossy:F0} ms vs clean {clean:F0} ms");
    }

    [Fact]
    public async Task Blackholed_HoldsBytesWithoutClosing_ThenDeliversWhenHealed()
    {
        await using var proxy = new ThrottlingProxy(Upstream);
        using var client = await ConnectAsync(proxy);
        await ExchangeMsAsync(client, 100, 100);

        proxy.Blackholed = true;
        Assert.True(proxy.Blackholed);
        var stream = client.GetStream();
        await stream.WriteAsync(Header(0, 10));
        var buffer = new byte[10];
        var read = stream.ReadAsync(buffer).AsTask();
        var finished = await Task.WhenAny(read, Task.Delay(500));

        Assert.NotSame(read, finished); // neither an answer nor a close (a close would complete the read with 0)
        Assert.True(client.Connected);

        // A new connection while blackholed is accepted but carries nothing either.
        using var late = await ConnectAsync(proxy);
        var lateExchange = ExchangeMsAsync(late, 0, 5);
        await Task.Delay(200);
        Assert.False(lateExchange.IsCompleted);

        proxy.Blackholed = false;
        Assert.True(await read.WaitAsync(Timeout) > 0);
        await lateExchange.WaitAsync(Timeout);
    }

    [Fact]
    public async Task ShapeLinkProfile_SetsHalfTheRttEachWayAndBothRates()
    {
        await using var proxy = new ThrottlingProxy(Upstream);

        proxy.Shape(LinkProfile.Lte);

        Assert.Equal(LinkProfile.Lte.RttMs / 2, proxy.LatencyMs);
        Assert.Equal(LinkProfile.Lte.UplinkMbps * 125, proxy.UplinkBytesPerMs);
        Assert.Equal(LinkProfile.Lte.DownlinkMbps * 125, proxy.DownlinkBytesPerMs);
        Assert.Equal(LinkProfile.Lte.JitterMs, proxy.JitterMs);
        Assert.Equal(LinkProfile.Lte.LossPercent, proxy.LossPercent);

        proxy.Shape(LinkProfile.Loopback);
        Assert.Equal(0, proxy.LatencyMs + proxy.UplinkBytesPerMs + proxy.DownlinkBytesPerMs + proxy.JitterMs + proxy.LossPercent);
    }

    [Fact]
    public async Task Latency_AddedEachWay_RoundTripAtLeastTwice()
    {
        await using var proxy = new ThrottlingProxy(Upstream);
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
        await using var proxy = new ThrottlingProxy(Upstream);
        var direct = await RoundTripMsAsync(proxy, 20_000);
        proxy.BytesPerMs = 200; // 20 KB up, 20 KB back: at least 100 ms each way

        var ms = await RoundTripMsAsync(proxy, 20_000);

        Assert.True(ms >= 100 && ms - direct <= 10 * 200, $"{ms:F1} ms shaped, {direct:F1} ms unshaped");
    }

    [Fact]
    public async Task Shape_ChangedAtRunTime_AppliesToTheNextBytes()
    {
        await using var proxy = new ThrottlingProxy(Upstream);
        proxy.Shape(latencyMs: 60, bytesPerMs: 0);
        var slow = await RoundTripMsAsync(proxy, 10);

        proxy.Shape(latencyMs: 0, bytesPerMs: 0);
        var fast = await RoundTripMsAsync(proxy, 10);

        Assert.True(slow >= 116, $"slow {slow:F1} ms");
        Assert.True(fast < slow / 2, $"fast {fast:F1} ms vs slow {slow:F1} ms");
    }

    /// <summary>Sends <paramref name="bytes"/> bytes through the proxy on a new connection and waits for as many back.</summary>
    private static async Task<double> RoundTripMsAsync(ThrottlingProxy proxy, int bytes)
    {
        using var client = await ConnectAsync(proxy);
        return await ExchangeMsAsync(client, bytes, bytes);
    }

    private static async Task<TcpClient> ConnectAsync(ThrottlingProxy proxy)
    {
        var client = new TcpClient { NoDelay = true };
        await client.ConnectAsync(IPAddress.Loopback, proxy.Port).WaitAsync(Timeout);
        return client;
    }

    private static byte[] Header(int up, int down)
    {
        var header = new byte[8];
        BinaryPrimitives.WriteInt32LittleEndian(header, up);
        BinaryPrimitives.WriteInt32LittleEndian(header.AsSpan(4), down);
        return header;
    }

    /// <summary>Sends <paramref name="up"/> bytes, waits for <paramref name="down"/> bytes back; the time it took.</summary>
    private static async Task<double> ExchangeMsAsync(TcpClient client, int up, int down)
    {
        var stream = client.GetStream();
        var request = new byte[8 + up];
        Header(up, down).CopyTo(request, 0);
        var clock = Stopwatch.StartNew();
        await stream.WriteAsync(request).AsTask().WaitAsync(Timeout);
        var buffer = new byte[64 * 1024];
        for (var received = 0; received < down;)
        {
            var read = await stream.ReadAsync(buffer).AsTask().WaitAsync(Timeout);
            Assert.NotEqual(0, read);
            received += read;
        }

        return clock.Elapsed.TotalMilliseconds;
    }

    /// <summary>
    /// Exchange server: each request is an 8-byte header (bytes coming up, bytes to send back), then those bytes; a
    /// negative count up turns the connection into a one-way stream.
    /// </summary>
    private async Task ServeAsync(NetworkStream stream, CancellationToken cancellationToken)
    {
        var header = new byte[8];
        while (true)
        {
            await stream.ReadExactlyAsync(header, cancellationToken);
            var up = BinaryPrimitives.ReadInt32LittleEndian(header);
            var down = BinaryPrimitives.ReadInt32LittleEndian(header.AsSpan(4));
            if (up < 0)
            {
                await RecordStreamAsync(stream, cancellationToken);
                return;
            }

            await stream.ReadExactlyAsync(new byte[up], cancellationToken);
            await stream.WriteAsync(new byte[down], cancellationToken);
        }
    }

    /// <summary>One-way stream: records every 8-byte message's sequence number, send time and arrival time.</summary>
    private async Task RecordStreamAsync(NetworkStream stream, CancellationToken cancellationToken)
    {
        var message = new byte[8];
        while (true)
        {
            await stream.ReadExactlyAsync(message, cancellationToken);
            var arrived = Stopwatch.GetTimestamp();
            var sent = BinaryPrimitives.ReadInt32LittleEndian(message.AsSpan(4));

            // The sender wrote the timestamp's low 32 bits; put back the high bits of the arrival time.
            var sentAt = (arrived & ~0xFFFFFFFFL) | (uint)sent;
            if (sentAt > arrived)
            {
                sentAt -= 1L << 32;
            }

            _arrivals.Enqueue((BinaryPrimitives.ReadInt32LittleEndian(message), sentAt, arrived));
        }
    }
}
