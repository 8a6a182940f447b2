using EdgeSplit.DeviceAgent.Planning;
using EdgeSplit.Inference.Runtime;
using EdgeSplit.Inference.Text;

namespace EdgeSplit.DeviceAgent.Execution;

/// <summary>
/// Where the device's stages run. The agent uses <see cref="LocalExecutor"/> (the model on this device) unless
/// another is given: a decorator that emulates a slower phone, or a simulator's modelled phone. Each call fills
/// <c>stageMs[s]</c> with the milliseconds stage <c>s</c> took (for the stages it ran); the agent feeds those
/// times to its cost model, so every local run refines the planner.
/// </summary>
public interface IDeviceCompute
{
    /// <summary>
    /// The per-stage cost of this device when known ahead (a modelled phone); null to have the agent profile
    /// the device at start through <see cref="FullAsync"/>.
    /// </summary>
    IReadOnlyList<LinearStageCost>? KnownProfile { get; }

    /// <summary>Stages [0, cut) → the tensor at the cut.</summary>
    Task<Activation> HeadAsync(TokenBatch tokens, int cut, double[] stageMs, CancellationToken cancellationToken);

    /// <summary>Stages [cut, N) from the tensor at the cut → embedding of row 0. Never reruns stages before the cut.</summary>
    Task<float[]> TailAsync(Activation activation, double[] stageMs, CancellationToken cancellationToken);

    /// <summary>All stages → embedding of row 0.</summary>
    Task<float[]> FullAsync(TokenBatch tokens, double[] stageMs, CancellationToken cancellationToken);
}
