namespace EdgeSplit.DeviceAgent.Generation;

/// <summary>Where a token's tail stages ran.</summary>
public enum GenerationRoute
{
    /// <summary>Every stage on the device.</summary>
    Local,

    /// <summary>Stages [k, N) on the edge.</summary>
    Edge,

    /// <summary>On the device after the edge failed: the tail's KV rebuilt from the retained cut activations.</summary>
    Failover,
}
