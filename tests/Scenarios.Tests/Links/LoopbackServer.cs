using System.Net;
using System.Net.Sockets;

namespace EdgeSplit.Scenarios.Tests.Links;

/// <summary>
/// A TCP server on 127.0.0.1 (port 0) for the link emulator to sit in front of: it serves every accepted client with
/// the given handler until disposed. A client that leaves or a server that stops ends the handler quietly.
/// </summary>
internal sealed class LoopbackServer : IAsyncDisposable
{
    private static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(15);
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _accepting;

    public LoopbackServer(Func<NetworkStream, CancellationToken, Task> serve)
    {
        _listener.Start();
        _accepting = Task.Run(async () =>
        {
            try
            {
                while (!_stop.IsCancellationRequested)
                {
                    var client = await _listener.AcceptTcpClientAsync(_stop.Token);
                    _ = Task.Run(() => ServeAsync(client, serve));
                }
            }
            catch (Exception ex) when (ex is OperationCanceledException or SocketException)
            {
                // Stopped.
            }
        });
    }

    public IPEndPoint EndPoint => (IPEndPoint)_listener.LocalEndpoint;

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        await _accepting.WaitAsync(StopTimeout);
        _stop.Dispose();
    }

    private async Task ServeAsync(TcpClient client, Func<NetworkStream, CancellationToken, Task> serve)
    {
        using (client)
        {
            try
            {
                await serve(client.GetStream(), _stop.Token);
            }
            catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException or IOException or EndOfStreamException or SocketException)
            {
                // Client gone, or the server stopped.
            }
        }
    }
}
