using System.Net;
using System.Net.Sockets;
using System.Threading.Channels;

namespace EdgeSplit.Scenarios.Links;

/// <summary>
/// A loopback TCP proxy that emulates the link between a phone and its edge on real bytes: one-way latency,
/// a bandwidth cap per direction (uplink = toward the edge, downlink = back), jitter and the delay that packet
/// loss causes TCP — all changeable while it runs (netem is not available in every kernel; this needs none).
/// </summary>
/// <remarks>
/// Each direction paces bytes through a serialisation clock and delivers every chunk at its arrival + pacing +
/// latency + jitter, so latency and bandwidth compose like a real link (pipelined, not stop-and-wait).
/// <para>Jitter: each chunk gets a random extra one-way delay up to <see cref="JitterMs"/>, but never overtakes
/// the chunk before it — delivery times stay monotone, as on a TCP stream, whose receiver never sees bytes out
/// of order.</para>
/// <para>Loss: a TCP byte stream cannot lose bytes; what loss does to it is delay. Each ~1460-byte segment is
/// lost with probability <see cref="LossPercent"/>; the lost segment and everything behind it is held for one
/// extra round trip (2 x <see cref="LatencyMs"/>), the time fast retransmit takes to resend it while the
/// receiver buffers what follows (head-of-line blocking). Losses in the same chunk recover together, as with
/// selective acknowledgements; the sender's congestion-window cut is not modelled.</para>
/// <para>Random draws come from a seeded generator per connection and direction, so a run repeats.</para>
/// </remarks>
internal sealed class ThrottlingProxy : IAsyncDisposable
{
    private const int ChunkBytes = 16 * 1024;

    /// <summary>Bytes per TCP segment for the loss model (a 1500-byte Ethernet MTU less IP and TCP headers).</summary>
    private const int SegmentBytes = 1460;

    private readonly TcpListener _listener;
    private readonly IPEndPoint _upstream;
    private readonly TimeProvider _time;
    private readonly CancellationTokenSource _stopping = new();
    private readonly List<TcpClient> _connections = [];
    private readonly Lock _lock = new();
    private readonly Task _acceptLoop;
    private readonly int _seed;
    private double _latencyMs;
    private double _uplinkBytesPerMs;
    private double _downlinkBytesPerMs;
    private double _jitterMs;
    private double _lossPercent;
    private int _connectionCount;
    private TaskCompletionSource? _trigger;
    private int _triggerBytes;
    private TaskCompletionSource _open = Opened();

    /// <summary>Starts listening on 127.0.0.1 (a free port) in front of <paramref name="upstream"/>; <paramref name="seed"/> seeds jitter and loss.</summary>
    public ThrottlingProxy(IPEndPoint upstream, TimeProvider? time = null, int seed = 1)
    {
        _upstream = upstream;
        _time = time ?? TimeProvider.System;
        _seed = seed;
        _listener = new TcpListener(IPAddress.Loopback, 0);
        _listener.Start();
        _acceptLoop = Task.Run(AcceptLoopAsync);
    }

    /// <summary>Port the device should connect to.</summary>
    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    /// <summary>http:// address of the proxy.</summary>
    public Uri Address => new($"http://127.0.0.1:{Port}");

    /// <summary>Added one-way delay in milliseconds (0 = none).</summary>
    public double LatencyMs
    {
        get => Volatile.Read(ref _latencyMs);
        set => Volatile.Write(ref _latencyMs, Math.Max(0, value));
    }

    /// <summary>
    /// Bandwidth cap of both directions in bytes per millisecond (0 = unlimited; 125 = 1 Mbit/s). Setting it sets
    /// <see cref="UplinkBytesPerMs"/> and <see cref="DownlinkBytesPerMs"/>; reading it gives the uplink's.
    /// </summary>
    public double BytesPerMs
    {
        get => UplinkBytesPerMs;
        set
        {
            UplinkBytesPerMs = value;
            DownlinkBytesPerMs = value;
        }
    }

    /// <summary>Bandwidth cap toward the edge in bytes per millisecond (0 = unlimited).</summary>
    public double UplinkBytesPerMs
    {
        get => Volatile.Read(ref _uplinkBytesPerMs);
        set => Volatile.Write(ref _uplinkBytesPerMs, Math.Max(0, value));
    }

    /// <summary>Bandwidth cap from the edge back to the device in bytes per millisecond (0 = unlimited).</summary>
    public double DownlinkBytesPerMs
    {
        get => Volatile.Read(ref _downlinkBytesPerMs);
        set => Volatile.Write(ref _downlinkBytesPerMs, Math.Max(0, value));
    }

    /// <summary>Largest random extra one-way delay per chunk in milliseconds (0 = none); never reorders bytes.</summary>
    public double JitterMs
    {
        get => Volatile.Read(ref _jitterMs);
        set => Volatile.Write(ref _jitterMs, Math.Max(0, value));
    }

    /// <summary>Chance in percent that a ~1460-byte segment is lost, which holds it and the bytes behind it for one extra round trip.</summary>
    public double LossPercent
    {
        get => Volatile.Read(ref _lossPercent);
        set => Volatile.Write(ref _lossPercent, Math.Clamp(value, 0, 100));
    }

    /// <summary>
    /// A blackholed host: while true nothing is forwarded in either direction — bytes are held, not dropped, and
    /// no socket is closed or reset, so neither end learns anything until a timeout or keepalive of its own fires.
    /// New connections are accepted by the proxy's socket but carry nothing. Set back to false and the held bytes
    /// flow (a healed partition, after which TCP would retransmit them).
    /// </summary>
    public bool Blackholed
    {
        get => !Volatile.Read(ref _open).Task.IsCompleted;
        set
        {
            lock (_lock)
            {
                if (value && !Blackholed)
                {
                    Volatile.Write(ref _open, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
                }
                else if (!value)
                {
                    _open.TrySetResult();
                }
            }
        }
    }

    /// <summary>Sets latency and a symmetric bandwidth cap at once; jitter and loss are left as they are.</summary>
    public void Shape(double latencyMs, double bytesPerMs)
    {
        LatencyMs = latencyMs;
        BytesPerMs = bytesPerMs;
    }

    /// <summary>
    /// Emulates <paramref name="link"/>: half its RTT each way, its uplink and downlink rates (1 Mbit/s = 125 bytes/ms),
    /// jitter and loss. <see cref="LinkProfile.Loopback"/> turns every knob off.
    /// </summary>
    public void Shape(LinkProfile link)
    {
        ArgumentNullException.ThrowIfNull(link);
        LatencyMs = link.RttMs / 2;
        UplinkBytesPerMs = link.UplinkMbps * 125;
        DownlinkBytesPerMs = link.DownlinkMbps * 125;
        JitterMs = link.JitterMs;
        LossPercent = link.LossPercent;
    }

    /// <summary>Completes when one read of at least <paramref name="minBytes"/> heads toward the edge: a request is on the wire.</summary>
    public Task ArmRequestTrigger(int minBytes)
    {
        var trigger = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Volatile.Write(ref _triggerBytes, minBytes);
        Volatile.Write(ref _trigger, trigger);
        return trigger.Task;
    }

    /// <summary>Resets every open connection (a dying link); new connections are still accepted.</summary>
    public void DropConnections()
    {
        lock (_lock)
        {
            foreach (var connection in _connections)
            {
                try
                {
                    // Linger 0: close with RST, as a crashed host or a cut cable looks to the peer.
                    // A disposed TcpClient has no socket left (Client is null).
                    connection.Client?.LingerState = new LingerOption(true, 0);
                }
                catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
                {
                    // Already closing.
                }

                connection.Dispose();
            }

            _connections.Clear();
        }
    }

    /// <summary>Resets every open connection and refuses new ones: what a peer sees when the upstream host dies.</summary>
    public void Kill()
    {
        _stopping.Cancel();
        _listener.Stop();
        DropConnections();
    }

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync();
        _listener.Stop();
        Blackholed = false;
        DropConnections();
        try
        {
            await _acceptLoop.WaitAsync(TimeSpan.FromSeconds(5));
        }
        catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException or TimeoutException)
        {
            // Stopping.
        }

        _stopping.Dispose();
    }

    private async Task AcceptLoopAsync()
    {
        while (!_stopping.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await _listener.AcceptTcpClientAsync(_stopping.Token);
            }
            catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }

            _ = Task.Run(() => ServeAsync(client));
        }
    }

    private async Task ServeAsync(TcpClient client)
    {
        var upstream = new TcpClient { NoDelay = true };
        client.NoDelay = true;
        var connection = Interlocked.Increment(ref _connectionCount);
        lock (_lock)
        {
            // Tracked from the start, so DropConnections also resets a connection held by a blackhole.
            _connections.Add(client);
        }

        try
        {
            // A blackholed host does not answer: the device's connection stays open and silent until it heals.
            await Volatile.Read(ref _open).Task.WaitAsync(_stopping.Token);
            await upstream.ConnectAsync(_upstream, _stopping.Token);
        }
        catch (Exception ex) when (ex is SocketException or OperationCanceledException)
        {
            // Upstream down: refuse the way a dead host would, by resetting.
            lock (_lock)
            {
                _connections.Remove(client);
            }

            try
            {
                client.Client?.LingerState = new LingerOption(true, 0);
            }
            catch (Exception closing) when (closing is SocketException or ObjectDisposedException)
            {
                // Already reset by DropConnections.
            }

            client.Dispose();
            upstream.Dispose();
            return;
        }

        lock (_lock)
        {
            _connections.Add(upstream);
        }

        using var done = CancellationTokenSource.CreateLinkedTokenSource(_stopping.Token);
        var up = PumpAsync(client.GetStream(), upstream.GetStream(), towardEdge: true, new Random(Seed(_seed, connection, 1)), done.Token);
        var down = PumpAsync(upstream.GetStream(), client.GetStream(), towardEdge: false, new Random(Seed(_seed, connection, 2)), done.Token);
        await Task.WhenAny(up, down);
        await done.CancelAsync();
        client.Dispose();
        upstream.Dispose();
        lock (_lock)
        {
            _connections.Remove(client);
            _connections.Remove(upstream);
        }
    }

    private async Task PumpAsync(NetworkStream from, NetworkStream to, bool towardEdge, Random random, CancellationToken cancellationToken)
    {
        var queue = Channel.CreateUnbounded<(byte[] Data, int Length, long Due)>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
        var writer = Task.Run(async () =>
        {
            try
            {
                await foreach (var (data, length, due) in queue.Reader.ReadAllAsync(cancellationToken))
                {
                    // Never early: timers round to whole milliseconds and may fire a little before they are due, which
                    // over a round trip shaved several milliseconds off the latency this proxy promises.
                    for (var left = due - _time.GetTimestamp(); left > 0; left = due - _time.GetTimestamp())
                    {
                        var wait = TimeSpan.FromTicks(left) * ((double)TimeSpan.TicksPerSecond / _time.TimestampFrequency);
                        await Task.Delay(wait < TimeSpan.FromMilliseconds(1) ? TimeSpan.FromMilliseconds(1) : wait, _time, cancellationToken);
                    }

                    // Blackholed: hold the bytes (no close, no reset) until the link heals.
                    await Volatile.Read(ref _open).Task.WaitAsync(cancellationToken);
                    await to.WriteAsync(data.AsMemory(0, length), cancellationToken);
                }
            }
            catch (Exception ex) when (ex is IOException or OperationCanceledException or ObjectDisposedException or SocketException)
            {
                // The other side went away.
            }
        }, CancellationToken.None);

        var nextFree = _time.GetTimestamp();
        var lastDue = 0L;
        var buffer = new byte[ChunkBytes];
        try
        {
            while (true)
            {
                var read = await from.ReadAsync(buffer, cancellationToken);
                if (read == 0)
                {
                    break;
                }

                if (towardEdge && read >= Volatile.Read(ref _triggerBytes) && Interlocked.Exchange(ref _trigger, null) is { } trigger)
                {
                    trigger.TrySetResult();
                }

                var now = _time.GetTimestamp();
                var bandwidth = towardEdge ? UplinkBytesPerMs : DownlinkBytesPerMs;
                var serialise = bandwidth > 0 ? read / bandwidth : 0;
                nextFree = Math.Max(nextFree, now) + Ticks(serialise);
                var latency = LatencyMs;
                var jitter = JitterMs;
                var due = nextFree + Ticks(latency + (jitter > 0 ? random.NextDouble() * jitter : 0));

                // Monotone: a chunk never arrives before the one ahead of it (TCP delivers in order).
                due = Math.Max(due, lastDue);
                var lost = LostSegment(read, LossPercent, random);
                if (lost < 0)
                {
                    queue.Writer.TryWrite((buffer[..read], read, due));
                }
                else
                {
                    // The bytes before the lost segment arrive on time; it and everything behind it one round trip later.
                    var head = lost * SegmentBytes;
                    if (head > 0)
                    {
                        queue.Writer.TryWrite((buffer[..head], head, due));
                    }

                    due += Ticks(2 * latency);
                    queue.Writer.TryWrite((buffer[head..read], read - head, due));
                }

                lastDue = due;
            }
        }
        catch (Exception ex) when (ex is IOException or OperationCanceledException or ObjectDisposedException or SocketException)
        {
            // Closed or reset.
        }
        finally
        {
            queue.Writer.TryComplete();
        }

        // The end of the stream (a FIN, or a reset from a killed process's kernel) travels like the bytes: it arrives
        // one latency after it left, behind the data ahead of it. Passing it on at once would let the far side learn
        // of a dead peer faster than the link allows.
        var endDue = Math.Max(lastDue, _time.GetTimestamp() + Ticks(LatencyMs));
        await writer;
        try
        {
            for (var left = endDue - _time.GetTimestamp(); left > 0; left = endDue - _time.GetTimestamp())
            {
                var wait = TimeSpan.FromTicks(left) * ((double)TimeSpan.TicksPerSecond / _time.TimestampFrequency);
                await Task.Delay(wait < TimeSpan.FromMilliseconds(1) ? TimeSpan.FromMilliseconds(1) : wait, _time, cancellationToken);
            }
        }
        catch (OperationCanceledException)
        {
            // The other direction ended first: the connection is being torn down anyway.
        }

        try
        {
            to.Socket.Shutdown(SocketShutdown.Send);
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
            // Already gone.
        }
    }

    /// <summary>Index of the first lost segment of a chunk of <paramref name="bytes"/>, or -1 when none is lost.</summary>
    private static int LostSegment(int bytes, double lossPercent, Random random)
    {
        if (lossPercent <= 0)
        {
            return -1;
        }

        var segments = (bytes + SegmentBytes - 1) / SegmentBytes;
        for (var segment = 0; segment < segments; segment++)
        {
            if (random.NextDouble() * 100 < lossPercent)
            {
                return segment;
            }
        }

        return -1;
    }

    /// <summary>A seed from parts, the same in every process (HashCode.Combine is randomised per process).</summary>
    internal static int Seed(int a, int b, int c = 0) => unchecked((((a * 1_000_003) + b) * 1_000_003) + c);

    private static TaskCompletionSource Opened()
    {
        var open = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        open.SetResult();
        return open;
    }

    private long Ticks(double ms) => (long)(ms * _time.TimestampFrequency / 1000.0);
}
