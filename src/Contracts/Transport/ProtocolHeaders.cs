namespace EdgeSplit.Contracts.Transport;

/// <summary>
/// The HTTP/2 header and trailer names of the EdgeSplit protocol beside the protobuf messages: the one place
/// the device, the edge node and the router take them from.
/// </summary>
public static class ProtocolHeaders
{
    /// <summary>
    /// Request header naming the device, for per-device limits and logs on the edge.
    /// </summary>
    public const string DeviceId = "x-device-id";

    /// <summary>
    /// Router session-affinity key: the router hands it out in the response headers and the device echoes it
    /// on every call, so a device stays on one healthy edge; when that edge fails the router picks another.
    /// </summary>
    public const string Affinity = "x-edgesplit-affinity";

    /// <summary>
    /// Trailer (and <c>ErrorReply.retry_after_ms</c>) on a refusal: milliseconds until the node expects to take
    /// the request.
    /// </summary>
    public const string RetryAfterMs = "retry-after-ms";

    /// <summary>
    /// Early response header of a unary Infer call, sent the moment the node admits the request to its queue:
    /// the node's estimate, in whole milliseconds, of the time from admission until its reply is ready (the work
    /// queued ahead, the batch window and the request's own compute). Its arrival tells the device that the node
    /// is alive and has the request; the value is the node's promise, which the device holds it to.
    /// </summary>
    public const string EtaMs = "x-edgesplit-eta-ms";
}
