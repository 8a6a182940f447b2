namespace EdgeSplit.Inference.Tests.Runtime;

[Collection(ModelCollection.Name)]
public sealed class SplitModelCancellationTests(ModelFixture fixture)
{
    private readonly SplitModel _model = fixture.Model;

    [Fact]
    public void Finish_AlreadyCancelled_ThrowsBeforeAnyWork()
    {
        var head = _model.RunHead(_model.Tokenize([Corpus.MixedLengths[1]]), 2);
        var stageMs = new double[_model.StageCount];

        Assert.ThrowsAny<OperationCanceledException>(() => _model.Finish(head, stageMs, new CancellationToken(canceled: true)));
        Assert.All(stageMs, t => Assert.Equal(0, t));
    }

    [Fact]
    public async Task Finish_CancelledMidRun_StopsEarlyAndModelStillAnswersTheSame()
    {
        // A batch big enough that the tail takes far longer than the moment we cancel at.
        var tokens = Long();
        var head = _model.RunHead(tokens, 1);
        var expected = _model.Finish(head);
        var fullRuns = new List<double>();
        for (var i = 0; i < 3; i++)
        {
            var full = Stopwatch.StartNew();
            _model.Finish(head);
            fullRuns.Add(full.Elapsed.TotalMilliseconds);
        }

        // Cancel at a tenth of the fastest whole run (so the run is surely still going), compare with the slowest
        // (so a busy machine during the cancelled run does not fail the test).
        var fullMs = fullRuns.Max();
        using var stop = new CancellationTokenSource();
        var clock = Stopwatch.StartNew();
        // The run on its own thread (as the agent's LocalExecutor does), and the cancel from a thread of its own too:
        // a run blocking a pool thread of this 2-core machine left a timer's cancelling callback waiting for the pool
        // to grow (~800 ms), and with the other test classes running beside it the whole run once ended first.
        var cancelAfter = TimeSpan.FromMilliseconds(fullRuns.Min() / 10);
        var run = Task.Factory.StartNew(() => _model.Finish(head, null, stop.Token), CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        var canceller = new Thread(() =>
        {
            Thread.Sleep(cancelAfter);
            stop.Cancel();
        })
        { IsBackground = true };
        canceller.Start();
        var ended = await Record.ExceptionAsync(() => run);
        var cancelledMs = clock.Elapsed.TotalMilliseconds;
        canceller.Join();
        var error = Assert.IsAssignableFrom<OperationCanceledException>(ended);

        Assert.Equal(stop.Token, error.CancellationToken);
        // Ratio within one run: the run stops early (ORT terminate flag, stage checks), not after the remaining stages.
        Assert.True(cancelledMs < fullMs * 0.6, $"cancelled run took {cancelledMs:F0} ms, a whole tail {fullMs:F0} ms");
        var again = _model.Finish(head, null, CancellationToken.None);
        Assert.Equal(expected.Length, again.Length);
        for (var row = 0; row < expected.Length; row++)
        {
            Assert.Equal(expected[row], again[row]);
        }
    }

    [Fact]
    public void Embed_CancellableTokenNeverCancelled_SameResultAsWithout()
    {
        var tokens = _model.Tokenize([Corpus.MixedLengths[0]]);
        using var stop = new CancellationTokenSource();

        var plain = _model.Embed(tokens)[0];
        var cancellable = _model.Embed(tokens, null, stop.Token)[0];

        Assert.Equal(plain, cancellable);
    }

    private TokenBatch Long()
    {
        var text = string.Join(' ', Enumerable.Repeat(string.Join(' ', Corpus.MixedLengths), 8));
        return _model.Tokenize(Enumerable.Repeat(text, 16).ToArray());
    }
}
