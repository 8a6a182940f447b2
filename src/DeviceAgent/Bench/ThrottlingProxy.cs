using System.Net;
using System.Net.Sockets;
using System.Threading.Channels;

namespace EdgeSplit.DeviceAgent.Bench;

/// <summary>
/// A loopback TCP proxy that adds one-way latency and a bandwidth cap, both changeable while it runs:
/// the network between device and edge for benchmarks and functional tests (netem is not available here).
/// Each direction paces bytes through a token-bucket-like clock and delivers every chunk at its
/// arrival + pacing + latency, so latency and bandwidth compose like a real link (pipelined, not stop-and-wait).
/// </summary>
internal sealed class ThrottlingProxy : IAsyncDisposable
{
    private const int ChunkBytes = 16 * 1024;

    private readonly TcpListener _listener;
    private readonly IPEndPoint _upstream;
    private readonly TimeProvider _time;
    private readonly CancellationTokenSource _stopping = new();
    private readonly List<TcpClient> _connections = [];
    private readonly Lock _lock = new();
    private readonly Task _acceptLoop;
    private double _latencyMs;
    private double _bytesPerMs;
    private TaskCompletionSource? _trigger;
    private int _triggerBytes;

    public ThrottlingProxy(IPEndPoint upstream, TimeProvider? time = null)
    {
        _upstream = upstream;
        _time = time ?? TimeProvider.System;
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

    /// <summary>Bandwidth cap per direction in bytes per millisecond (0 = unlimited). 125 = 1 Mbit/s.</summary>
    public double BytesPerMs
    {
        get => Volatile.Read(ref _bytesPerMs);
        set => Volatile.Write(ref _bytesPerMs, Math.Max(0, value));
    }

    /// <summary>Sets both knobs at once.</summary>
    public void Shape(double latencyMs, double bytesPerMs)
    {
        LatencyMs = latencyMs;
        BytesPerMs = bytesPerMs;
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

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync();
        _listener.Stop();
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
        try
        {
            await upstream.ConnectAsync(_upstream, _stopping.Token);
        }
        catch (Exception ex) when (ex is SocketException or OperationCanceledException)
        {
            // Upstream down: refuse the way a dead host would, by resetting.
            client.Client?.LingerState = new LingerOption(true, 0);
            client.Dispose();
            upstream.Dispose();
            return;
        }

        lock (_lock)
        {
            _connections.Add(client);
            _connections.Add(upstream);
        }

        using var done = CancellationTokenSource.CreateLinkedTokenSource(_stopping.Token);
        var up = PumpAsync(client.GetStream(), upstream.GetStream(), towardEdge: true, done.Token);
        var down = PumpAsync(upstream.GetStream(), client.GetStream(), towardEdge: false, done.Token);
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

    private async Task PumpAsync(NetworkStream from, NetworkStream to, bool towardEdge, CancellationToken cancellationToken)
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

                    await to.WriteAsync(data.AsMemory(0, length), cancellationToken);
                }
            }
            catch (Exception ex) when (ex is IOException or OperationCanceledException or ObjectDisposedException or SocketException)
            {
                // The other side went away.
            }
        }, CancellationToken.None);

        var nextFree = _time.GetTimestamp();
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
                var bandwidth = BytesPerMs;
                var serialise = bandwidth > 0 ? read / bandwidth : 0;
                nextFree = Math.Max(nextFree, now) + Ticks(serialise);
                queue.Writer.TryWrite((buffer[..read], read, nextFree + Ticks(LatencyMs)));
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

        await writer;
        try
        {
            to.Socket.Shutdown(SocketShutdown.Send);
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
            // Already gone.
        }
    }

    private long Ticks(double ms) => (long)(ms * _time.TimestampFrequency / 1000.0);
}
