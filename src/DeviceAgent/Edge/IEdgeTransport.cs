namespace EdgeSplit.DeviceAgent.Edge;

/// <summary>
/// One edge node as seen from the device. Implementations throw <see cref="EdgeException"/> (with the
/// gRPC status) on any failure; the resilience layer decides what to do about it.
/// </summary>
public interface IEdgeTransport : IAsyncDisposable
{
    /// <summary>Model identity, stages, limits and current load of the node.</summary>
    Task<EdgeManifest> GetManifestAsync(CancellationToken cancellationToken);

    /// <summary>Runs stages [request.Cut, N) on the node.</summary>
    Task<EdgeAnswer> InferAsync(EdgeRequest request, CancellationToken cancellationToken);

    /// <summary>
    /// Whether <see cref="InferAsync(EdgeRequest, Action{EdgeAcceptance}, CancellationToken)"/> reports the node's
    /// admission of a request before its answer. Without it the device holds the node to the plan's prediction
    /// for the whole call.
    /// </summary>
    bool ReportsAcceptance => false;

    /// <summary>
    /// Runs stages [request.Cut, N) on the node, calling <paramref name="accepted"/> once when the node has
    /// admitted the request (see <see cref="ReportsAcceptance"/>).
    /// </summary>
    Task<EdgeAnswer> InferAsync(EdgeRequest request, Action<EdgeAcceptance> accepted, CancellationToken cancellationToken) => InferAsync(request, cancellationToken);
}
