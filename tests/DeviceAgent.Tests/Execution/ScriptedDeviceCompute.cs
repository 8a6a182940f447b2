namespace EdgeSplit.DeviceAgent.Tests.Execution;

/// <summary>
/// A device with scripted speed for planner tests: the real model computes every stage (real activations and
/// embeddings), but each run takes, on the test's <paramref name="clock"/>, exactly what
/// <paramref name="profile"/> says, and that is what the cost model is told. How fast the device looks to the
/// planner is fixed by the test, not by this machine's speed or load.
/// </summary>
internal sealed class ScriptedDeviceCompute(SplitModel model, IReadOnlyList<LinearStageCost> profile, FakeTimeProvider clock) : IDeviceCompute
{
    private readonly LocalExecutor _real = new(model);

    public IReadOnlyList<LinearStageCost>? KnownProfile => profile;

    public async Task<Activation> HeadAsync(TokenBatch tokens, int cut, double[] stageMs, CancellationToken cancellationToken)
    {
        // The real executor's wall-clock stage times never reach the planner: only the scripted ones do.
        var activation = await _real.HeadAsync(tokens, cut, new double[model.StageCount], cancellationToken);
        Took(0, cut, tokens.Sequence, stageMs);
        return activation;
    }

    public async Task<float[]> TailAsync(Activation activation, double[] stageMs, CancellationToken cancellationToken)
    {
        var embedding = await _real.TailAsync(activation, new double[model.StageCount], cancellationToken);
        Took(activation.Cut, model.StageCount, activation.Sequence, stageMs);
        return embedding;
    }

    public async Task<float[]> FullAsync(TokenBatch tokens, double[] stageMs, CancellationToken cancellationToken)
    {
        var embedding = await _real.FullAsync(tokens, new double[model.StageCount], cancellationToken);
        Took(0, model.StageCount, tokens.Sequence, stageMs);
        return embedding;
    }

    private void Took(int from, int to, int tokens, double[] stageMs)
    {
        var total = 0.0;
        for (var stage = from; stage < to; stage++)
        {
            stageMs[stage] = profile[stage].At(tokens);
            total += stageMs[stage];
        }

        clock.Advance(TimeSpan.FromMilliseconds(total));
    }
}
