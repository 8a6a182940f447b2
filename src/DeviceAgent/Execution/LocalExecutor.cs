using EdgeSplit.DeviceAgent.Planning;
using EdgeSplit.Inference.Runtime;
using EdgeSplit.Inference.Text;

namespace EdgeSplit.DeviceAgent.Execution;

/// <summary>
/// Runs stages on the device, times each one, and feeds the times to the device cost model, so every
/// real local run (head, hedge, fallback, fully local) refines the planner. Applies the emulated slowdown.
/// </summary>
internal sealed class LocalExecutor(SplitModel model, double slowdown)
{
    public SplitModel Model => model;

    public DeviceCostModel? CostModel { get; set; }

    /// <summary>Stages [0, cut) → the tensor at the cut.</summary>
    public Activation Head(TokenBatch tokens, int cut)
    {
        var stageMs = new double[model.StageCount];
        var activation = model.RunHead(tokens, cut, stageMs);
        Account(0, cut, tokens.Sequence, stageMs);
        return activation;
    }

    /// <summary>Stages [activation.NextStage, N) → embedding of row 0. Never touches stages before the cut.</summary>
    public float[] Tail(Activation activation)
    {
        var stageMs = new double[model.StageCount];
        var embedding = model.Finish(activation, stageMs)[0];
        Account(activation.NextStage, model.StageCount, activation.Sequence, stageMs);
        return embedding;
    }

    /// <summary>All stages → embedding of row 0.</summary>
    public float[] Full(TokenBatch tokens)
    {
        var stageMs = new double[model.StageCount];
        var embedding = model.Embed(tokens, stageMs)[0];
        Account(0, model.StageCount, tokens.Sequence, stageMs);
        return embedding;
    }

    private void Account(int from, int to, int tokens, double[] stageMs)
    {
        if (slowdown > 1)
        {
            var real = 0.0;
            for (var s = from; s < to; s++)
            {
                real += stageMs[s];
                stageMs[s] *= slowdown;
            }

            // Emulation only: a slower phone, not logic timing; the thread is held as real compute would hold it.
            Thread.Sleep(TimeSpan.FromMilliseconds(real * (slowdown - 1)));
        }

        CostModel?.Observe(from, to, tokens, stageMs);
    }
}
