using System.ComponentModel.DataAnnotations;

namespace EdgeSplit.DeviceAgent.Planning;

/// <summary>
/// Power figures of the device for the <see cref="PlanObjective.Energy"/> objective. Defaults are
/// typical of a phone SoC (big cores busy ~2 W, Wi-Fi transmit ~1.3 W, screen-on idle wait ~0.3 W;
/// the same order as Neurosurgeon's measured Jetson/phone figures). Measure your device and override.
/// </summary>
public sealed class PowerModel
{
    /// <summary>Watts drawn while the device runs model stages. Default 2.0.</summary>
    [Range(0.0, 100.0)]
    public double DeviceComputeWatts { get; set; } = 2.0;

    /// <summary>Watts drawn by the radio while the activation is on the air. Default 1.3 (Wi-Fi; LTE is nearer 2.5).</summary>
    [Range(0.0, 100.0)]
    public double RadioTransmitWatts { get; set; } = 1.3;

    /// <summary>Watts drawn while the device waits for the edge (round trip, queue, edge compute). Default 0.3.</summary>
    [Range(0.0, 100.0)]
    public double IdleWaitWatts { get; set; } = 0.3;
}
