namespace EdgeSplit.Gateway.Tests.Edge;

public sealed class AdmissionTests
{
    [Fact]
    public async Task Infer_QueueFull_ResourceExhaustedAtOnceWithRetryAfter()
    {
        await using var node = await EdgeNode.StartAsync(EdgeNode.Holding(900, o => o.MaxQueue = 2));
        var waiting = new[]
        {
            node.Client.InferAsync(Requests.For(["one"], 2), deadline: SplitInferenceTests.Deadline()).ResponseAsync,
            node.Client.InferAsync(Requests.For(["two"], 2), deadline: SplitInferenceTests.Deadline()).ResponseAsync,
        };
        await WaitUntil(() => node.App.Services.GetRequiredService<Gateway.Edge.MicroBatcher>().QueueDepth == 2);

        var third = Requests.For(["three"], 2); // built first: its device-side compute is not the node's answer time
        var ex = await Assert.ThrowsAsync<RpcException>(() => node.Client.InferAsync(third, deadline: SplitInferenceTests.Deadline()).ResponseAsync);
        var answeredBeforeRefusal = waiting.Count(w => w.IsCompleted);
        var replies = await Task.WhenAll(waiting);

        // "At once": refused while the two queued requests still wait out their 900 ms batch window, not after it.
        Assert.Equal(StatusCode.ResourceExhausted, ex.StatusCode);
        Assert.Equal(0, answeredBeforeRefusal);
        Assert.True(int.Parse(ex.Trailers.GetValue("retry-after-ms")!, System.Globalization.CultureInfo.InvariantCulture) >= 5);
        Assert.All(replies, r => Assert.Equal(2, r.Timings.BatchRows));
        Assert.Equal(1, node.Load.Rejected);
    }

    [Fact]
    public async Task Infer_DeadlinePassesInQueue_DeadlineExceededAndNotComputed()
    {
        await using var node = await EdgeNode.StartAsync(EdgeNode.Holding(300));
        var request = Requests.For(["late"], 3);
        request.DeadlineMs = 50;

        var ex = await Assert.ThrowsAsync<RpcException>(() => node.Client.InferAsync(request, deadline: SplitInferenceTests.Deadline()).ResponseAsync);

        Assert.Equal(StatusCode.DeadlineExceeded, ex.StatusCode);
        Assert.Contains("not computed", ex.Status.Detail);
        Assert.Equal(0, node.Load.Computed);
        Assert.Equal(1, node.Load.Expired);
    }

    [Fact]
    public async Task Infer_CallDeadlinePassesInQueue_NotComputed()
    {
        await using var node = await EdgeNode.StartAsync(EdgeNode.Holding(400));

        var ex = await Assert.ThrowsAsync<RpcException>(() => node.Client.InferAsync(Requests.For(["late"], 3), deadline: DateTime.UtcNow.AddMilliseconds(80)).ResponseAsync);
        await Task.Delay(600); // past the 400 ms batch window: proving that nothing happens needs a wait

        Assert.Equal(StatusCode.DeadlineExceeded, ex.StatusCode);
        Assert.Equal(0, node.Load.Computed);
    }

    [Fact]
    public async Task Infer_TokenIdsDisallowed_FailedPrecondition()
    {
        await using var node = await EdgeNode.StartAsync(o => o.AllowTokenIds = false);

        var ex = await Assert.ThrowsAsync<RpcException>(() => node.Client.InferAsync(Requests.For(["ids"], 0), deadline: SplitInferenceTests.Deadline()).ResponseAsync);
        var manifest = await node.Client.GetManifestAsync(new ManifestRequest());

        Assert.Equal(StatusCode.FailedPrecondition, ex.StatusCode);
        Assert.Contains("AllowTokenIds", ex.Status.Detail);
        Assert.False(manifest.AcceptsTokenIds);
    }

    [Fact]
    public async Task Stop_RequestInFlight_FinishesThenRefusesNewWork()
    {
        var node = await EdgeNode.StartAsync(EdgeNode.Holding(300));
        var pending = node.Client.InferAsync(Requests.For(["drain me"], 2), deadline: SplitInferenceTests.Deadline()).ResponseAsync;
        var batcher = node.App.Services.GetRequiredService<Gateway.Edge.MicroBatcher>();
        await WaitUntil(() => batcher.QueueDepth == 1);

        var stopping = node.App.StopAsync();
        var reply = await pending.WaitAsync(EdgeNode.Timeout);
        await stopping.WaitAsync(EdgeNode.Timeout);

        Assert.Single(reply.Embeddings);
        Assert.False(batcher.Accepting);
        Assert.Equal(1, node.Load.Computed);
        node.Channel.Dispose();
        await node.App.DisposeAsync();
    }

    [Fact]
    public async Task Start_InvalidOptions_FailsNamingTheKey()
    {
        var ex = await Assert.ThrowsAsync<Microsoft.Extensions.Options.OptionsValidationException>(
            () => EdgeNode.StartAsync(null, "--EdgeSplit:Edge:MaxBatchRows=0"));

        Assert.Contains("EdgeSplit:Edge:MaxBatchRows", ex.Message);
    }

    internal static async Task WaitUntil(Func<bool> condition)
    {
        var clock = Stopwatch.StartNew();
        while (!condition())
        {
            Assert.True(clock.Elapsed < EdgeNode.Timeout, "condition not reached in time");
            await Task.Delay(5);
        }
    }
}
