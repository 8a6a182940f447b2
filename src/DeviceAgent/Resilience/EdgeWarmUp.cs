using EdgeSplit.DeviceAgent.Edge;
using EdgeSplit.Inference.Runtime;

namespace EdgeSplit.DeviceAgent.Resilience;

/// <summary>
/// One tiny unmeasured request at cut 1 once a node has answered its manifest: the first call on a connection pays
/// JIT, stream set-up and the node's first run of that shape, which would otherwise poison the link and queue
/// estimates for seconds.
/// </summary>
internal static class EdgeWarmUp
{
    /// <summary>Sends the warm-up request within <paramref name="timeout"/>; what it meets is left to real requests (deadlines, breaker).</summary>
    public static async Task RunAsync(IEdgeTransport transport, EdgeManifest manifest, TimeSpan timeout, CancellationToken stopping)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(stopping);
        deadline.CancelAfter(timeout);
        var hidden = manifest.HiddenSize;
        var activation = new Activation(1, 1, 4, hidden, new float[4 * hidden], [1, 1, 1, 1]);
        var encoding = manifest.Encodings.Contains(WireEncoding.F16) ? WireEncoding.F16 : WireEncoding.F32;
        try
        {
            await transport.InferAsync(new EdgeRequest("warm-up", 1, null, activation, encoding, timeout), deadline.Token);
        }
        catch (Exception ex) when (ex is EdgeException or OperationCanceledException)
        {
            // The node answered its manifest; whatever the warm-up met, real requests (deadlines, breaker) will handle.
        }
    }
}
