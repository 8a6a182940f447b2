namespace EdgeSplit.Scenarios.Fleet;

/// <summary>One simulated phone: its number, its class (compute speed and power) and its link to the edge.</summary>
internal sealed record FleetPhone(int Index, DeviceClass Class, LinkProfile Link);
