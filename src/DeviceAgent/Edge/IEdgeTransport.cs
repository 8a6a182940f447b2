namespace EdgeSplit.DeviceAgent.Edge;

/// <summary>
/// One edge node as seen from the device. Implementations throw <see cref="EdgeException"/> (with the
/// gRPC status) on any failure; the resilience layer decides what to do about it.
/// </summary>
public interface IEdgeTransport : IAsyncDisposable
{
    /// <summary>Model identity, stages, limits and current load of the node.</summary>
    Task<EdgeInfo> GetManifestAsync(CancellationToken cancellationToken);

    /// <summary>Runs stages [request.StartStage, N) on the node.</summary>
    Task<EdgeAnswer> InferAsync(EdgeRequest request, CancellationToken cancellationToken);
}
