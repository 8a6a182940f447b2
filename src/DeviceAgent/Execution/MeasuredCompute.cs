using EdgeSplit.DeviceAgent.Planning;
using EdgeSplit.Inference.Runtime;
using EdgeSplit.Inference.Text;

namespace EdgeSplit.DeviceAgent.Execution;

/// <summary>
/// The agent's view of an <see cref="IDeviceCompute"/>: every run's per-stage times go to the device cost model,
/// so every real local run (head, hedge, fallback, all-local) refines the planner.
/// </summary>
internal sealed class MeasuredCompute(IDeviceCompute compute, int stageCount)
{
    public DeviceCostModel? CostModel { get; set; }

    public IDeviceCompute Inner => compute;

    public async Task<Activation> HeadAsync(TokenBatch tokens, int cut, CancellationToken cancellationToken)
    {
        var stageMs = new double[stageCount];
        var result = await compute.HeadAsync(tokens, cut, stageMs, cancellationToken);
        CostModel?.Observe(0, cut, tokens.Sequence, stageMs);
        return result;
    }

    public async Task<float[]> TailAsync(Activation activation, CancellationToken cancellationToken)
    {
        var stageMs = new double[stageCount];
        var result = await compute.TailAsync(activation, stageMs, cancellationToken);
        CostModel?.Observe(activation.Cut, stageCount, activation.Sequence, stageMs);
        return result;
    }

    public async Task<float[]> FullAsync(TokenBatch tokens, CancellationToken cancellationToken)
    {
        var stageMs = new double[stageCount];
        var result = await compute.FullAsync(tokens, stageMs, cancellationToken);
        CostModel?.Observe(0, stageCount, tokens.Sequence, stageMs);
        return result;
    }
}
