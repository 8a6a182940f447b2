namespace EdgeSplit.Gateway.Tests.Hostile;

/// <summary>A stream's memory is bounded: replies a client does not take stop the node from reading more of its requests.</summary>
[Collection(LoadSensitiveCollection.Name)]
public sealed class StreamBudgetTests
{
    private const int Budget = 1024 * 1024;

    [Fact]
    public async Task InferStream_ClientNeverReads_NodeStopsReadingHoldsAboutTheBudgetAndFreesItWhenTheStreamEnds()
    {
        await using var node = await EdgeNode.StartAsync(o => o.MaxStreamReplyBytes = Budget);
        var request = HostileClients.LargeReply("x");
        var wireSize = request.CalculateSize();
        using var silent = new CancellationTokenSource();
        var call = node.Client.InferStream(cancellationToken: silent.Token);
        var sent = 0;
        var peak = 0L;
        for (; sent < 100; sent++)
        {
            var message = request.Clone();
            message.RequestId = $"r{sent}";
            var write = call.RequestStream.WriteAsync(message);

            // A write that does not finish within 3 s is the node holding the sender (flow control), not a slow machine.
            if (await Task.WhenAny(write, Task.Delay(TimeSpan.FromSeconds(3))) != write)
            {
                break;
            }

            await write;
            peak = Math.Max(peak, HostileClients.StreamHeld(node));
        }

        await Task.Delay(500);
        peak = Math.Max(peak, HostileClients.StreamHeld(node));

        // Meanwhile a device that reads is served as usual.
        var other = await node.Client.InferAsync(Requests.For(["still served"], 3), deadline: SplitInferenceTests.Deadline());
        await silent.CancelAsync();
        call.Dispose();
        var freed = await HostileClients.EventuallyAsync(() => HostileClients.StreamHeld(node) == 0, TimeSpan.FromSeconds(10));

        // Without the budget all 100 requests (~40 MB of replies) are read and computed; with it the node reads a few,
        // and the sender is held by its HTTP/2 send window (Kestrel's 768 KB per stream).
        Assert.True(sent < 30, $"the node read {sent} requests of {wireSize} bytes from a client that takes no replies");
        Assert.True(peak <= Budget + (2L * 1024 * 1024), $"the stream held {peak} bytes (budget {Budget})");
        Assert.True(peak > 0, "the gauge never saw the stream's bytes");
        Assert.Single(other.Embeddings);
        Assert.True(freed, $"{HostileClients.StreamHeld(node)} bytes still held after the stream ended");
    }

    [Fact]
    public async Task InferStream_ManyLargeRepliesPipelined_EveryReplyArrivesWhenTheClientReads()
    {
        await using var node = await EdgeNode.StartAsync(o => o.MaxStreamReplyBytes = Budget);
        using var call = node.Client.InferStream(deadline: SplitInferenceTests.Deadline());
        var reader = Task.Run(async () =>
        {
            var ids = new List<string>();
            while (await call.ResponseStream.MoveNext())
            {
                Assert.Equal(StreamReply.ResultOneofCase.Reply, call.ResponseStream.Current.ResultCase);
                Assert.Equal(4 * 384, call.ResponseStream.Current.Reply.Embeddings.Sum(e => e.Values.Count));
                ids.Add(call.ResponseStream.Current.RequestId);

                // A slow reader: the node must wait for it, not drop or fail its replies.
                await Task.Delay(20);
            }

            return ids;
        });
        for (var i = 0; i < 12; i++)
        {
            await call.RequestStream.WriteAsync(HostileClients.LargeReply($"r{i}"));
        }

        await call.RequestStream.CompleteAsync();
        var answered = await reader.WaitAsync(EdgeNode.Timeout);

        Assert.Equal(12, answered.Distinct().Count());
        Assert.True(await HostileClients.EventuallyAsync(() => HostileClients.StreamHeld(node) == 0, TimeSpan.FromSeconds(5)));
    }

    [Fact]
    public async Task InferStream_RepliesNotTaken_KeepCountingAgainstTheDevicesQueue()
    {
        var tokens = new TestTokens();
        await using var node = await EdgeNode.StartAsync(
            o => o.MaxStreamReplyBytes = 64 * 1024 * 1024,
            tokens.NodeSettings("--EdgeSplit:Limits:Tiers:standard:MaxQueued=2", "--EdgeSplit:Limits:Tiers:standard:RequestsPerSecond=0"));
        var device = TestTokens.Bearer(tokens.Issue("silent-phone"));
        using var silent = new CancellationTokenSource();
        var call = node.Client.InferStream(device, cancellationToken: silent.Token);
        for (var i = 0; i < 2; i++)
        {
            await call.RequestStream.WriteAsync(HostileClients.LargeReply($"r{i}"));
        }

        // Both replies are computed (the node is idle) but cannot leave: the device reads nothing.
        await Task.Delay(TimeSpan.FromSeconds(3));
        var refused = await Assert.ThrowsAsync<RpcException>(() => node.Client.InferAsync(Requests.For(["one more"], 3), device, SplitInferenceTests.Deadline()).ResponseAsync);
        var other = await node.Client.InferAsync(Requests.For(["another device"], 3), TestTokens.Bearer(tokens.Issue("reading-phone")), SplitInferenceTests.Deadline());
        await silent.CancelAsync();
        call.Dispose();

        // Once the stream is gone its slots are free again.
        var freed = await HostileClients.EventuallyAsync(() => HostileClients.StreamHeld(node) == 0, TimeSpan.FromSeconds(10));
        var after = await node.Client.InferAsync(Requests.For(["after"], 3), device, SplitInferenceTests.Deadline());

        Assert.Equal(StatusCode.ResourceExhausted, refused.StatusCode);
        Assert.Contains("requests queued or computing", refused.Status.Detail);
        Assert.Single(other.Embeddings);
        Assert.True(freed);
        Assert.Single(after.Embeddings);
    }
}
