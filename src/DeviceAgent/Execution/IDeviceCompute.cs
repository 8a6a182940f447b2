using EdgeSplit.DeviceAgent.Planning;
using EdgeSplit.Inference.Runtime;
using EdgeSplit.Inference.Text;

namespace EdgeSplit.DeviceAgent.Execution;

/// <summary>
/// Where the device's stages run: the real model on this machine (<see cref="LocalExecutor"/>), or a replay of
/// precomputed activations with a modelled phone's timing (the fleet simulator). Every run feeds the cost model.
/// </summary>
internal interface IDeviceCompute
{
    /// <summary>The cost model the runs refine (set once the device is profiled).</summary>
    DeviceCostModel? CostModel { get; set; }

    /// <summary>Stages [0, cut) → the tensor at the cut.</summary>
    Task<Activation> HeadAsync(TokenBatch tokens, int cut, CancellationToken cancellationToken);

    /// <summary>Stages [activation.NextStage, N) → embedding of row 0.</summary>
    Task<float[]> TailAsync(Activation activation, CancellationToken cancellationToken);

    /// <summary>All stages → embedding of row 0.</summary>
    Task<float[]> FullAsync(TokenBatch tokens, CancellationToken cancellationToken);
}
