using EdgeSplit.DeviceAgent.Edge;

namespace EdgeSplit.DeviceAgent.Resilience;

/// <summary>Small facts about a request the client checks answers against.</summary>
internal static class EdgeRequestExtensions
{
    /// <summary>Rows the answer must have: one embedding per row of the batch.</summary>
    public static int BatchRows(this EdgeRequest request) => request.Activation?.Batch ?? request.Tokens?.Batch ?? 1;
}
