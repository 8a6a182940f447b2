using EdgeSplit.DeviceAgent.Execution;
using EdgeSplit.DeviceAgent.Planning;
using EdgeSplit.Inference.Text;

namespace EdgeSplit.Scenarios.Fleet;

/// <summary>
/// A simulated phone's compute: returns the corpus's real activations and embeddings after waiting as long
/// as this phone class would take (measured per-stage cost of this machine x the class's speed factor).
/// Waiting holds no thread, so one machine hosts hundreds of phones; the wait is the emulated compute.
/// </summary>
internal sealed class ReplayCompute(ReplayCorpus corpus, IReadOnlyList<LinearStageCost> profile, TimeProvider time) : IDeviceCompute
{
    public IReadOnlyList<LinearStageCost>? KnownProfile => profile;

    public async Task<Activation> HeadAsync(TokenBatch tokens, int cut, double[] stageMs, CancellationToken cancellationToken)
    {
        var entry = corpus.Find(tokens);
        await RunAsync(0, cut, tokens.Sequence, stageMs, cancellationToken);
        return entry.Activations[cut];
    }

    public async Task<float[]> TailAsync(Activation activation, double[] stageMs, CancellationToken cancellationToken)
    {
        var entry = corpus.Find(activation);
        await RunAsync(activation.Cut, corpus.StageCount, activation.Sequence, stageMs, cancellationToken);
        return entry.Embedding;
    }

    public async Task<float[]> FullAsync(TokenBatch tokens, double[] stageMs, CancellationToken cancellationToken)
    {
        var entry = corpus.Find(tokens);
        await RunAsync(0, corpus.StageCount, tokens.Sequence, stageMs, cancellationToken);
        return entry.Embedding;
    }

    private async Task RunAsync(int from, int to, int tokens, double[] stageMs, CancellationToken cancellationToken)
    {
        var total = 0.0;
        for (var stage = from; stage < to; stage++)
        {
            stageMs[stage] = profile[stage].At(tokens);
            total += stageMs[stage];
        }

        await Task.Delay(TimeSpan.FromMilliseconds(total), time, cancellationToken);
    }
}
