using EdgeSplit.Gateway.Tests.Hostile;
using EdgeSplit.Scenarios.Links;

namespace EdgeSplit.Gateway.Tests.Router;

/// <summary>An edge dying behind the router reaches clients as UNAVAILABLE (fail over), never CANCELLED.</summary>
public sealed class EdgeDeathStatusTests
{
    [Fact]
    public async Task Router_EdgeDiesUnderAStreamWithRepliesSent_StreamEndsUnavailable()
    {
        await using var edge = await EdgeNode.StartAsync();
        await using var relay = new ThrottlingProxy(new IPEndPoint(IPAddress.Loopback, edge.Address.Port));
        await using var router = await EdgeRouter.StartAsync([relay.Address]);
        await router.WaitForHealthyAsync(1);
        using var call = router.Client.InferStream(deadline: SplitInferenceTests.Deadline());
        await call.RequestStream.WriteAsync(Requests.For(["first"], 3, Encoding.F16, "first"));
        Assert.True(await call.ResponseStream.MoveNext());

        // The response has started (one reply through): YARP alone would now reset the stream with CANCEL.
        await call.RequestStream.WriteAsync(HostileClients.LargeReply("in-flight"));
        await Task.Delay(30);
        relay.Kill();
        var error = await Assert.ThrowsAsync<RpcException>(async () =>
        {
            while (await call.ResponseStream.MoveNext())
            {
            }
        });

        Assert.Equal("first", call.ResponseStream.Current?.RequestId ?? "first");
        Assert.Equal(StatusCode.Unavailable, error.StatusCode);
        Assert.Contains("stopped answering", error.Status.Detail);
    }

    [Fact]
    public async Task Router_EdgeDiesWhileARequestIsStillUploading_StreamEndsUnavailable()
    {
        await using var edge = await EdgeNode.StartAsync();
        await using var relay = new ThrottlingProxy(new IPEndPoint(IPAddress.Loopback, edge.Address.Port));
        await using var router = await EdgeRouter.StartAsync([relay.Address]);
        await router.WaitForHealthyAsync(1);
        using var call = router.Client.InferStream(deadline: SplitInferenceTests.Deadline());
        await call.RequestStream.WriteAsync(Requests.For(["first"], 3, Encoding.F16, "first"));
        Assert.True(await call.ResponseStream.MoveNext());

        // A slow uplink keeps the next request's body on its way to the edge when the edge dies, so the router's
        // upload fails (as a cancelled copy) before or beside its download: neither may reach the client as CANCELLED.
        relay.UplinkBytesPerMs = 20;
        var onTheWire = relay.ArmRequestTrigger(1);
        await call.RequestStream.WriteAsync(Requests.For([HostileClients.LongText, HostileClients.LongText], 3, Encoding.F32, "uploading"));
        await onTheWire.WaitAsync(EdgeNode.Timeout);
        relay.Kill();
        var error = await Assert.ThrowsAsync<RpcException>(async () =>
        {
            while (await call.ResponseStream.MoveNext())
            {
            }
        });

        Assert.Equal(StatusCode.Unavailable, error.StatusCode);
        Assert.Contains("edge", error.Status.Detail);
    }

    [Fact]
    public async Task Router_EdgeDiesAfterEarlyHeadersOfAUnaryCall_Unavailable()
    {
        await using var edge = await EdgeNode.StartAsync(o =>
        {
            // Long enough a window that the call is surely admitted and waiting when the edge dies.
            o.BatchWindowMs = 1000;
            o.DispatchWhenIdle = false;
        });
        await using var relay = new ThrottlingProxy(new IPEndPoint(IPAddress.Loopback, edge.Address.Port));
        await using var router = await EdgeRouter.StartAsync([relay.Address]);
        await router.WaitForHealthyAsync(1);
        using var call = router.Client.InferAsync(Requests.For(["admitted, then the edge dies"], 3), deadline: SplitInferenceTests.Deadline());
        var headers = await call.ResponseHeadersAsync.WaitAsync(EdgeNode.Timeout);

        relay.Kill();
        var error = await Assert.ThrowsAsync<RpcException>(() => call.ResponseAsync.WaitAsync(EdgeNode.Timeout));

        Assert.NotNull(headers.GetValue(EdgeSplit.Contracts.Transport.ProtocolHeaders.EtaMs));
        Assert.Equal(StatusCode.Unavailable, error.StatusCode);
    }

    [Fact]
    public async Task Router_EdgeDeadBeforeTheCall_UnavailableWithAMessage()
    {
        await using var edge = await EdgeNode.StartAsync();
        await using var relay = new ThrottlingProxy(new IPEndPoint(IPAddress.Loopback, edge.Address.Port));
        await using var router = await EdgeRouter.StartAsync([relay.Address]);
        await router.WaitForHealthyAsync(1);

        relay.Kill();
        var error = await Assert.ThrowsAsync<RpcException>(() => router.Client.InferAsync(Requests.For(["nobody home"], 3), deadline: SplitInferenceTests.Deadline()).ResponseAsync);

        Assert.Equal(StatusCode.Unavailable, error.StatusCode);
        Assert.Contains("edge", error.Status.Detail);
    }
}
