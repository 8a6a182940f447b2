using EdgeSplit.DeviceAgent.Planning;
using EdgeSplit.Inference.Runtime;
using EdgeSplit.Inference.Text;

namespace EdgeSplit.DeviceAgent.Execution;

/// <summary>
/// Runs stages on the device, times each one, and feeds the times to the device cost model, so every
/// real local run (head, hedge, fallback, fully local) refines the planner. Applies the emulated slowdown.
/// </summary>
internal sealed class LocalExecutor(SplitModel model, double slowdown) : IDeviceCompute
{
    public SplitModel Model => model;

    public DeviceCostModel? CostModel { get; set; }

    /// <summary>Stages [0, cut) → the tensor at the cut.</summary>
    public Task<Activation> HeadAsync(TokenBatch tokens, int cut, CancellationToken cancellationToken) =>
        RunAsync(stageMs => model.RunHead(tokens, cut, stageMs), 0, cut, tokens.Sequence, cancellationToken);

    /// <summary>
    /// Stages [activation.NextStage, N) → embedding of row 0. Never touches stages before the cut. Cancelling stops
    /// ONNX Runtime mid-stage (a hedge the edge has won stops costing the device compute).
    /// </summary>
    public Task<float[]> TailAsync(Activation activation, CancellationToken cancellationToken) =>
        RunAsync(stageMs => model.Finish(activation, stageMs, cancellationToken)[0], activation.NextStage, model.StageCount, activation.Sequence, cancellationToken);

    /// <summary>All stages → embedding of row 0.</summary>
    public Task<float[]> FullAsync(TokenBatch tokens, CancellationToken cancellationToken) =>
        RunAsync(stageMs => model.Embed(tokens, stageMs, cancellationToken)[0], 0, model.StageCount, tokens.Sequence, cancellationToken);

    private async Task<T> RunAsync<T>(Func<double[], T> run, int from, int to, int tokens, CancellationToken cancellationToken)
    {
        var stageMs = new double[model.StageCount];
        // Off the caller's thread: ONNX Runtime is synchronous and the caller may be racing an edge call. A thread
        // of its own, not a pool thread: a run blocking the pool of a small device would delay the very
        // continuations that race it (the edge's answer, and the cancellation that answer triggers).
        cancellationToken.ThrowIfCancellationRequested();
        var result = await Task.Factory.StartNew(() => run(stageMs), cancellationToken, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        if (slowdown > 1)
        {
            var real = 0.0;
            for (var s = from; s < to; s++)
            {
                real += stageMs[s];
                stageMs[s] *= slowdown;
            }

            // Emulation of a slower device: wait out the extra time without holding a pool thread, which on a
            // two-core machine would starve the gRPC continuations the agent is racing against.
            await Task.Delay(TimeSpan.FromMilliseconds(real * (slowdown - 1)), cancellationToken);
        }

        CostModel?.Observe(from, to, tokens, stageMs);
        return result;
    }
}
