namespace EdgeSplit.DeviceAgent.Tests.Execution;

/// <summary>A hedged request the edge wins stops the device's local tail instead of letting it run to the end.</summary>
public sealed class HedgeCancellationTests(AgentModelFixture fixture) : IClassFixture<AgentModelFixture>
{
    private const string Text = "the edge answers late but still first";

    [Fact]
    public async Task EmbedAsync_EdgeAnswersAfterHedgeStarted_EdgeWinsAndLocalTailIsCancelled()
    {
        // A very slow phone: its tail would take 30 s more than the real compute; the edge answers after 1 s, long
        // after its promise (the plan's prediction x 2, no margin, about 170 ms) broke and started the tail, even when
        // a loaded machine stalls the first timer and the agent excuses it once (StallToleranceMs) and waits again.
        // A known phone profile (20 ms a stage) instead of profiling this machine.
        var profile = Enumerable.Repeat(new LinearStageCost(20, 0), fixture.Model.StageCount).ToArray();
        var compute = new RecordingCompute(new LocalExecutor(fixture.Model), TimeSpan.FromSeconds(30), profile);
        var edge = new ScriptedEdgeTransport(fixture.Model.ModelHash, fixture.Model.StageCount, fixture.Model);
        var options = new DeviceAgentOptions { ProfileLengths = [8, 24], ProfileRepeats = 1 };
        options.Resilience.HedgeMarginMs = 0;
        await using var agent = new SplitAgent(fixture.Model, edge, Microsoft.Extensions.Options.Options.Create(options), compute: compute);
        await agent.StartAsync();
        edge.OnInfer = (_, ct) => Task.Delay(TimeSpan.FromSeconds(1), ct);

        var result = await agent.EmbedAsync(Text, cut: 2);

        Assert.Equal(AgentRoute.Edge, result.Route);
        Assert.True(result.Hedged, result.Explain());
        Assert.True(result.ActualMs < 10_000, $"answer took {result.ActualMs:F0} ms: the losing tail was waited for");
        var tail = Assert.Single(compute.Tails);
        var ended = await Record.ExceptionAsync(() => tail.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.IsAssignableFrom<OperationCanceledException>(ended);
        var expected = fixture.Model.Embed(fixture.Model.Tokenize([Text]))[0];
        for (var i = 0; i < expected.Length; i++)
        {
            Assert.Equal(expected[i], result.Embedding[i], 4);
        }
    }

    /// <summary>The real local executor, with extra time after each tail (a slow phone) and a record of the tails run.</summary>
    private sealed class RecordingCompute(LocalExecutor inner, TimeSpan extraTail, IReadOnlyList<LinearStageCost> profile) : IDeviceCompute
    {
        private readonly List<Task<float[]>> _tails = [];

        public IReadOnlyList<Task<float[]>> Tails
        {
            get
            {
                lock (_tails)
                {
                    return [.. _tails];
                }
            }
        }

        public IReadOnlyList<LinearStageCost>? KnownProfile => profile;

        public Task<Activation> HeadAsync(TokenBatch tokens, int cut, double[] stageMs, CancellationToken cancellationToken) =>
            inner.HeadAsync(tokens, cut, stageMs, cancellationToken);

        public Task<float[]> TailAsync(Activation activation, double[] stageMs, CancellationToken cancellationToken)
        {
            var tail = SlowTailAsync(activation, stageMs, cancellationToken);
            lock (_tails)
            {
                _tails.Add(tail);
            }

            return tail;
        }

        public Task<float[]> FullAsync(TokenBatch tokens, double[] stageMs, CancellationToken cancellationToken) =>
            inner.FullAsync(tokens, stageMs, cancellationToken);

        private async Task<float[]> SlowTailAsync(Activation activation, double[] stageMs, CancellationToken cancellationToken)
        {
            var embedding = await inner.TailAsync(activation, stageMs, cancellationToken);
            await Task.Delay(extraTail, cancellationToken);
            return embedding;
        }
    }
}
