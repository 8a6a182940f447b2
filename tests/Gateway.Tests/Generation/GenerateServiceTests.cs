namespace EdgeSplit.Gateway.Tests.Generation;

// The batching test needs six sessions' steps to wait together in the node's queue: run alone, so other tests'
// compute cannot spread the writes out (one run under load decoded all 72 steps one session at a time).
[Collection(LoadSensitiveCollection.Name)]
public sealed class GenerateServiceTests(DecoderFiles files) : IClassFixture<DecoderFiles>
{
    private const int Cut = 2;

    private DecoderModel Model => files.Model;

    private int Hidden => Model.Manifest.HiddenSize;

    [Theory]
    [InlineData(DecoderLayout.Gpt2)]
    [InlineData(DecoderLayout.Llama)]
    public async Task Generate_SessionsAtDifferentPositions_DecodeStepsShareRunsAndTokensMatchLocal(DecoderLayout layout)
    {
        var model = layout == DecoderLayout.Gpt2 ? Model : files.Llama;
        await using var edge = await DecoderEdge.StartAsync(layout == DecoderLayout.Gpt2 ? files.ModelFile : Path.Combine(files.LlamaDirectory, DecoderModelInfo.ModelFileName));
        string[] prompts = ["one", "two words", "a prompt of several more words than the others", "four", "middle sized prompt here", "x"];
        const int steps = 12;
        var expected = new List<List<int>>();
        foreach (var prompt in prompts)
        {
            expected.Add(LocalGreedy(model, prompt, steps + 1));
        }

        var sessions = new List<(Grpc.Core.AsyncDuplexStreamingCall<GenerateRequest, GenerateReply> Call, KvCache Head, List<int> Tokens)>();
        var batchSizes = new List<int>();
        foreach (var prompt in prompts)
        {
            var ids = model.Tokenizer.Encode(prompt).Select(i => (long)i).ToArray();
            var head = model.NewCache(0, Cut);
            var call = await edge.OpenAsync(model.ModelHash, Cut);
            var reply = await DecoderEdge.ExchangeAsync(call, DecoderEdge.Prefill(model.Forward(0, Cut, [head], ids, null, ids.Length), ids.Length, model.Manifest.HiddenSize));
            Assert.Equal(ids.Length, reply.Position);
            sessions.Add((call, head, [reply.Token]));
        }

        var load = (await new SplitInference.SplitInferenceClient(edge.Channel).GetManifestAsync(new ManifestRequest())).Load;
        Assert.Equal(prompts.Length, load.GenerationSessions);
        Assert.Equal(edge.Scheduler.KvBytesInUse, load.KvBytesInUse);
        Assert.True(load.KvBytesInUse > 0);
        for (var step = 0; step < steps; step++)
        {
            // Every session's row is computed first and then all are sent back to back, before any token is read:
            // the node's loop finds them waiting together.
            var requests = sessions.Select(s => DecoderEdge.Step(model.Forward(0, Cut, [s.Head], [s.Tokens[^1]], null, 1), s.Head.Length - 1, model.Manifest.HiddenSize)).ToList();
            for (var i = 0; i < sessions.Count; i++)
            {
                await sessions[i].Call.RequestStream.WriteAsync(requests[i]);
            }

            foreach (var (call, _, tokens) in sessions)
            {
                Assert.True(await call.ResponseStream.MoveNext(CancellationToken.None).WaitAsync(DecoderEdge.Timeout));
                tokens.Add(call.ResponseStream.Current.Token);
                batchSizes.Add(call.ResponseStream.Current.BatchSessions);
            }
        }

        for (var i = 0; i < prompts.Length; i++)
        {
            Assert.Equal(expected[i], sessions[i].Tokens);
            await sessions[i].Call.RequestStream.CompleteAsync();
            sessions[i].Call.Dispose();
        }

        Assert.True(batchSizes.Max() > 1, $"no decode run shared: batch sizes {string.Join(",", batchSizes)}");
    }

    [Fact]
    public async Task Generate_StepBeforeOpen_InvalidArgumentNamingOpen()
    {
        await using var edge = await DecoderEdge.StartAsync(files.ModelFile);
        using var call = edge.Client.Generate(deadline: DateTime.UtcNow + DecoderEdge.Timeout);

        var error = await Assert.ThrowsAsync<RpcException>(() => DecoderEdge.ExchangeAsync(call, DecoderEdge.Step(new float[Hidden], 0, Hidden)));

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.Contains("no session is open on this stream: the first message must be open", error.Status.Detail);
    }

    [Fact]
    public async Task Generate_BadInputs_ClearStatusEachAndAnotherSessionUnaffected()
    {
        await using var edge = await DecoderEdge.StartAsync(files.ModelFile);
        var ids = Model.Tokenizer.Encode("the healthy session").Select(i => (long)i).ToArray();
        var head = Model.NewCache(0, Cut);
        using var healthy = await edge.OpenAsync(Model.ModelHash, Cut);
        var first = await DecoderEdge.ExchangeAsync(healthy, DecoderEdge.Prefill(Model.Forward(0, Cut, [head], ids, null, ids.Length), ids.Length, Hidden));
        var prompt = Model.Forward(0, Cut, [Model.NewCache(0, Cut)], ids, null, ids.Length);

        using var outOfOrder = await edge.OpenAsync(Model.ModelHash, Cut);
        await DecoderEdge.ExchangeAsync(outOfOrder, DecoderEdge.Prefill(prompt, ids.Length, Hidden));
        var order = await Assert.ThrowsAsync<RpcException>(() => DecoderEdge.ExchangeAsync(outOfOrder, DecoderEdge.Step(new float[Hidden], ids.Length + 3, Hidden)));

        using var wrongSize = await edge.OpenAsync(Model.ModelHash, Cut);
        await DecoderEdge.ExchangeAsync(wrongSize, DecoderEdge.Prefill(prompt, ids.Length, Hidden));
        var size = await Assert.ThrowsAsync<RpcException>(() => DecoderEdge.ExchangeAsync(wrongSize, DecoderEdge.Step(new float[Hidden + 1], ids.Length, Hidden + 1)));

        using var wrongModel = await edge.OpenAsync("0123abcd", Cut);
        var hash = await Assert.ThrowsAsync<RpcException>(() => DecoderEdge.ExchangeAsync(wrongModel, DecoderEdge.Prefill(prompt, ids.Length, Hidden)));

        using var badCut = await edge.OpenAsync(Model.ModelHash, Model.StageCount);
        var cut = await Assert.ThrowsAsync<RpcException>(() => DecoderEdge.ExchangeAsync(badCut, DecoderEdge.Prefill(prompt, ids.Length, Hidden)));

        Assert.Equal(StatusCode.InvalidArgument, order.StatusCode);
        Assert.Contains($"step for position {ids.Length + 3} out of order", order.Status.Detail);
        Assert.Contains($"expects position {ids.Length}", order.Status.Detail);
        Assert.Equal(StatusCode.InvalidArgument, size.StatusCode);
        Assert.Contains($"hidden size is {Hidden + 1}; this model's hidden size is {Hidden}", size.Status.Detail);
        Assert.Equal(StatusCode.FailedPrecondition, hash.StatusCode);
        Assert.Contains("model hash mismatch", hash.Status.Detail);
        Assert.Contains(Model.ModelHash, hash.Status.Detail);
        Assert.Equal(StatusCode.InvalidArgument, cut.StatusCode);
        Assert.Contains($"cut {Model.StageCount} is out of range", cut.Status.Detail);

        // The healthy session goes on with the tokens a local run gives.
        var tokens = new List<int> { first.Token };
        for (var i = 0; i < 5; i++)
        {
            var position = head.Length;
            tokens.Add((await DecoderEdge.ExchangeAsync(healthy, DecoderEdge.Step(Model.Forward(0, Cut, [head], [tokens[^1]], null, 1), position, Hidden))).Token);
        }

        Assert.Equal(LocalGreedy(Model, "the healthy session", 6), tokens);
        Assert.Equal(1, edge.Scheduler.SessionCount);
    }

    [Fact]
    public async Task Generate_StepAfterIdleTimeout_NotFoundExpiredAndKvFreed()
    {
        await using var edge = await DecoderEdge.StartAsync(files.ModelFile, "--EdgeSplit:Generation:IdleTimeout=00:00:00.200");
        var ids = Model.Tokenizer.Encode("wait too long").Select(i => (long)i).ToArray();
        var head = Model.NewCache(0, Cut);
        using var call = await edge.OpenAsync(Model.ModelHash, Cut);
        var first = await DecoderEdge.ExchangeAsync(call, DecoderEdge.Prefill(Model.Forward(0, Cut, [head], ids, null, ids.Length), ids.Length, Hidden));
        using (var wait = new CancellationTokenSource(DecoderEdge.Timeout))
        {
            while (edge.Scheduler.SessionCount > 0)
            {
                await Task.Delay(50, wait.Token);
            }
        }

        var error = await Assert.ThrowsAsync<RpcException>(() => DecoderEdge.ExchangeAsync(call, DecoderEdge.Step(Model.Forward(0, Cut, [head], [first.Token], null, 1), ids.Length, Hidden)));

        Assert.Equal(StatusCode.NotFound, error.StatusCode);
        Assert.Contains($"session {first.SessionId} expired", error.Status.Detail);
        Assert.Equal(0, edge.Scheduler.KvBytesInUse);
    }

    [Fact]
    public async Task Generate_KvBudgetFull_SecondSessionRefusedWithRetryAfterUntilFirstCloses()
    {
        var perPosition = Model.NewCache(Cut, Model.StageCount).BytesPerPosition;
        await using var edge = await DecoderEdge.StartAsync(files.ModelFile, $"--EdgeSplit:Generation:KvBudgetBytes={perPosition * 150}", "--EdgeSplit:Generation:RetryAfterMs=250");
        var ids = Model.Tokenizer.Encode("budget").Select(i => (long)i).ToArray();
        var rows = Model.Forward(0, Cut, [Model.NewCache(0, Cut)], ids, null, ids.Length);
        var first = await edge.OpenAsync(Model.ModelHash, Cut, maxPositions: 100);
        await DecoderEdge.ExchangeAsync(first, DecoderEdge.Prefill(rows, ids.Length, Hidden));

        using var second = await edge.OpenAsync(Model.ModelHash, Cut, maxPositions: 100);
        var error = await Assert.ThrowsAsync<RpcException>(() => DecoderEdge.ExchangeAsync(second, DecoderEdge.Prefill(rows, ids.Length, Hidden)));
        await first.RequestStream.CompleteAsync();
        Assert.False(await first.ResponseStream.MoveNext(CancellationToken.None).WaitAsync(DecoderEdge.Timeout));
        first.Dispose();
        using var third = await edge.OpenAsync(Model.ModelHash, Cut, maxPositions: 100);
        var admitted = await DecoderEdge.ExchangeAsync(third, DecoderEdge.Prefill(rows, ids.Length, Hidden));

        Assert.Equal(StatusCode.ResourceExhausted, error.StatusCode);
        Assert.Contains("KV-cache budget full", error.Status.Detail);
        Assert.Equal("250", error.Trailers.GetValue("retry-after-ms"));
        Assert.Equal(ids.Length, admitted.Position);
    }

    private static List<int> LocalGreedy(DecoderModel model, string prompt, int count)
    {
        var ids = model.Tokenizer.Encode(prompt).Select(i => (long)i).ToArray();
        var cache = model.NewCache(0, model.StageCount);
        var tokens = new List<int> { TokenSampler.ArgMax(model.Forward(0, model.StageCount, [cache], ids, null, ids.Length)) };
        while (tokens.Count < count)
        {
            tokens.Add(TokenSampler.ArgMax(model.Forward(0, model.StageCount, [cache], [tokens[^1]], null, 1)));
        }

        return tokens;
    }
}
