using System.ComponentModel.DataAnnotations;
using EdgeSplit.DeviceAgent.Energy;
using Microsoft.Extensions.Options;

namespace EdgeSplit.DeviceAgent.Planning;

/// <summary>
/// Power figures of the device: what the <see cref="PlanObjective.Energy"/> objective minimises and what every
/// request's <see cref="DeviceSpend"/> is charged with. Defaults are published figures for a typical phone; measure
/// the target device and override.
/// </summary>
public sealed class PowerModel
{
    /// <summary>
    /// Watts the device draws while it runs model stages. Default 2.0: the low end of the 2-3.5 W that one big core of
    /// a recent phone SoC draws under sustained load in published per-core power measurements (for example
    /// AnandTech's SPEC runs on Snapdragon 8xx and Exynos SoCs, 2019-2021).
    /// </summary>
    [Range(0.0, 100.0)]
    public double DeviceComputeWatts { get; set; } = 2.0;

    /// <summary>
    /// The radio the device reaches its edge with (per-megabit, base and tail power). Default <see cref="RadioPower.Wifi"/>;
    /// <see cref="RadioPower.Named"/> gives the other presets ("wifi", "5g", "lte", "3g", "none").
    /// </summary>
    [Required]
    [ValidateObjectMembers]
    public RadioPower Radio { get; set; } = RadioPower.Wifi;

    /// <summary>
    /// Watts the rest of the device draws while it waits for the edge (round trip, queue, edge compute), radio excluded:
    /// an awake phone with idle cores. Default 0.3, the order of an awake, idle smartphone's system power without
    /// the display (Carroll and Heiser, "An Analysis of Power Consumption in a Smartphone", USENIX ATC 2010).
    /// </summary>
    [Range(0.0, 100.0)]
    public double IdleWaitWatts { get; set; } = 0.3;
}
