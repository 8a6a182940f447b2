namespace EdgeSplit.Gateway.Tests.Edge;

public sealed class BatchingTests
{
    private static readonly string[] Texts =
    [
        "a",
        "two words",
        "a somewhat longer sentence that pads the others",
        "edge nodes batch requests that start at the same stage",
        "mid",
        "the quick brown fox jumps over the lazy dog again and again",
    ];

    [Fact]
    public async Task Infer_ConcurrentRequests_BatchedResultIdenticalToSolo()
    {
        await using var node = await EdgeNode.StartAsync(EdgeNode.Holding(150));
        var solo = new List<InferReply>();
        foreach (var text in Texts)
        {
            solo.Add(await node.Client.InferAsync(Requests.For([text], 2), deadline: SplitInferenceTests.Deadline()));
        }

        var batched = await Task.WhenAll(Texts.Select(t => node.Client.InferAsync(Requests.For([t], 2), deadline: SplitInferenceTests.Deadline()).ResponseAsync));

        Assert.All(solo, r => Assert.Equal(1, r.Timings.BatchRows));
        Assert.All(batched, r => Assert.True(r.Timings.BatchRows > 1, $"batch_rows {r.Timings.BatchRows}"));
        for (var i = 0; i < Texts.Length; i++)
        {
            var a = solo[i].Embeddings[0].Values;
            var b = batched[i].Embeddings[0].Values;
            for (var j = 0; j < a.Count; j++)
            {
                // Padding is masked out exactly; only the kernel's blocking for a larger batch may move the last bit.
                Assert.True(Math.Abs(a[j] - b[j]) <= 1e-6f, $"text {i} element {j}: {a[j]} vs {b[j]}");
            }
        }
    }

    [Fact]
    public async Task Infer_DifferentCuts_NeverShareABatch()
    {
        await using var node = await EdgeNode.StartAsync(EdgeNode.Holding(150));

        var replies = await Task.WhenAll(
            node.Client.InferAsync(Requests.For(["x"], 2), deadline: SplitInferenceTests.Deadline()).ResponseAsync,
            node.Client.InferAsync(Requests.For(["y"], 2), deadline: SplitInferenceTests.Deadline()).ResponseAsync,
            node.Client.InferAsync(Requests.For(["z"], 5), deadline: SplitInferenceTests.Deadline()).ResponseAsync);

        Assert.Equal(2, replies[0].Timings.BatchRows);
        Assert.Equal(2, replies[1].Timings.BatchRows);
        Assert.Equal(1, replies[2].Timings.BatchRows);
    }

    [Fact]
    public async Task Infer_IdleNode_DispatchesWithoutWaitingForTheWindow()
    {
        // A long window makes waiting for it unmistakable (200 ms a request) while leaving ample room for a busy
        // machine's scheduling delays: an idle node must hand a lone request to a worker at once.
        const int windowMs = 200;
        await using var node = await EdgeNode.StartAsync(o => o.BatchWindowMs = windowMs);
        await node.Client.InferAsync(Requests.For(["warm"], 2), deadline: SplitInferenceTests.Deadline());

        var queueMs = new List<double>();
        for (var i = 0; i < 10; i++)
        {
            queueMs.Add((await node.Client.InferAsync(Requests.For(["idle"], 2), deadline: SplitInferenceTests.Deadline())).Timings.QueueMs);
        }

        queueMs.Sort();
        Assert.True(queueMs[5] < windowMs / 4.0, $"median queue {queueMs[5]} ms on an idle node with a {windowMs} ms window");
    }
}
