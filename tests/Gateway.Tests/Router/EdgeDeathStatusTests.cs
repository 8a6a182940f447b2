using EdgeSplit.Gateway.Tests.Hostile;
using EdgeSplit.Scenarios.Links;

namespace EdgeSplit.Gateway.Tests.Router;

/// <summary>An edge dying behind the router reaches clients as UNAVAILABLE (fail over), never CANCELLED.</summary>
public sealed class EdgeDeathStatusTests
{
    [Fact]
    public async Task Router_EdgeDiesUnderAStreamWithRepliesSent_StreamEndsUnavailable()
    {
        await using var path = await RelayedEdge.StartAsync();
        using var call = await StreamWithAReplyThroughAsync(path.Router);

        // The response has started (one reply through): YARP alone would now reset the stream with CANCEL.
        await call.RequestStream.WriteAsync(HostileClients.LargeReply("in-flight"));
        await Task.Delay(30);
        path.Relay.Kill();
        var error = await Assert.ThrowsAsync<RpcException>(() => DrainAsync(call));

        Assert.Equal("first", call.ResponseStream.Current?.RequestId ?? "first");
        Assert.Equal(StatusCode.Unavailable, error.StatusCode);
        Assert.Contains("stopped answering", error.Status.Detail);
    }

    [Fact]
    public async Task Router_EdgeDiesWhileARequestIsStillUploading_StreamEndsUnavailable()
    {
        await using var path = await RelayedEdge.StartAsync();
        using var call = await StreamWithAReplyThroughAsync(path.Router);

        // A slow uplink keeps the next request's body on its way to the edge when the edge dies, so the router's
        // upload fails (as a cancelled copy) before or beside its download: neither may reach the client as CANCELLED.
        path.Relay.UplinkBytesPerMs = 20;
        var onTheWire = path.Relay.ArmRequestTrigger(1);
        await call.RequestStream.WriteAsync(Requests.For([HostileClients.LongText, HostileClients.LongText], 3, Encoding.F32, "uploading"));
        await onTheWire.WaitAsync(EdgeNode.Timeout);
        path.Relay.Kill();
        var error = await Assert.ThrowsAsync<RpcException>(() => DrainAsync(call));

        Assert.Equal(StatusCode.Unavailable, error.StatusCode);
        Assert.Contains("edge", error.Status.Detail);
    }

    [Fact]
    public async Task Router_EdgeDiesAfterEarlyHeadersOfAUnaryCall_Unavailable()
    {
        // Long enough a window that the call is surely admitted and waiting when the edge dies.
        await using var path = await RelayedEdge.StartAsync(EdgeNode.Holding(1000));
        using var call = path.Router.Client.InferAsync(Requests.For(["admitted, then the edge dies"], 3), deadline: SplitInferenceTests.Deadline());
        var headers = await call.ResponseHeadersAsync.WaitAsync(EdgeNode.Timeout);

        path.Relay.Kill();
        var error = await Assert.ThrowsAsync<RpcException>(() => call.ResponseAsync.WaitAsync(EdgeNode.Timeout));

        Assert.NotNull(headers.GetValue(EdgeSplit.Contracts.Transport.ProtocolHeaders.EtaMs));
        Assert.Equal(StatusCode.Unavailable, error.StatusCode);
    }

    [Fact]
    public async Task Router_EdgeDeadBeforeTheCall_UnavailableWithAMessage()
    {
        await using var path = await RelayedEdge.StartAsync();

        path.Relay.Kill();
        var error = await Assert.ThrowsAsync<RpcException>(() => path.Router.Client.InferAsync(Requests.For(["nobody home"], 3), deadline: SplitInferenceTests.Deadline()).ResponseAsync);

        Assert.Equal(StatusCode.Unavailable, error.StatusCode);
        Assert.Contains("edge", error.Status.Detail);
    }

    /// <summary>A stream through the router whose first request ("first") has been answered.</summary>
    private static async Task<AsyncDuplexStreamingCall<InferRequest, StreamReply>> StreamWithAReplyThroughAsync(EdgeRouter router)
    {
        var call = router.Client.InferStream(deadline: SplitInferenceTests.Deadline());
        try
        {
            await call.RequestStream.WriteAsync(Requests.For(["first"], 3, Encoding.F16, "first"));
            Assert.True(await call.ResponseStream.MoveNext());
            return call;
        }
        catch
        {
            call.Dispose();
            throw;
        }
    }

    private static async Task DrainAsync(AsyncDuplexStreamingCall<InferRequest, StreamReply> call)
    {
        while (await call.ResponseStream.MoveNext())
        {
        }
    }

    /// <summary>An edge behind a relay that can kill the connection, behind a router that has seen the edge healthy.</summary>
    private sealed class RelayedEdge : IAsyncDisposable
    {
        private readonly EdgeNode _edge;

        private RelayedEdge(EdgeNode edge, ThrottlingProxy relay, EdgeRouter router)
        {
            _edge = edge;
            Relay = relay;
            Router = router;
        }

        public ThrottlingProxy Relay { get; }

        public EdgeRouter Router { get; }

        public static async Task<RelayedEdge> StartAsync(Action<EdgeNodeOptions>? configure = null)
        {
            var edge = await EdgeNode.StartAsync(configure);
            var relay = new ThrottlingProxy(new IPEndPoint(IPAddress.Loopback, edge.Address.Port));
            try
            {
                return new RelayedEdge(edge, relay, await EdgeRouter.StartHealthyAsync(relay.Address));
            }
            catch
            {
                await relay.DisposeAsync();
                await edge.DisposeAsync();
                throw;
            }
        }

        public async ValueTask DisposeAsync()
        {
            await Router.DisposeAsync();
            await Relay.DisposeAsync();
            await _edge.DisposeAsync();
        }
    }
}
