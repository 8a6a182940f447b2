using System.Net.Sockets;
using EdgeSplit.DeviceAgent.Edge;
using Grpc.Core;
using Polly.CircuitBreaker;
using Polly.Timeout;

namespace EdgeSplit.DeviceAgent.Resilience;

/// <summary>Maps what an edge call threw to a failure kind, and decides which failures mean "the edge is down".</summary>
internal static class EdgeFailures
{
    public static EdgeFailureKind Classify(Exception exception, CancellationToken callerToken) => exception switch
    {
        OperationCanceledException when callerToken.IsCancellationRequested => EdgeFailureKind.Cancelled,
        BrokenCircuitException => EdgeFailureKind.CircuitOpen,
        TimeoutRejectedException => EdgeFailureKind.Timeout,
        EdgeException edge => FromStatus(edge.Status),
        RpcException rpc => FromStatus(rpc.StatusCode),
        HttpRequestException or IOException or SocketException => EdgeFailureKind.Unavailable,
        // A cancellation nobody asked for is the transport's stream dying under us.
        OperationCanceledException => EdgeFailureKind.Unavailable,
        _ => EdgeFailureKind.Other,
    };

    /// <summary>
    /// Failures that say the node is gone or unusable and should count toward opening the circuit.
    /// RESOURCE_EXHAUSTED (alive, busy) and INVALID_ARGUMENT (one bad request) do not.
    /// </summary>
    public static bool IsEdgeFault(Exception exception) => exception switch
    {
        BrokenCircuitException => false,
        EdgeException edge => IsFaultStatus(edge.Status),
        RpcException rpc => IsFaultStatus(rpc.StatusCode),
        TimeoutRejectedException or HttpRequestException or IOException or SocketException => true,
        OperationCanceledException => false,
        _ => true,
    };

    private static bool IsFaultStatus(StatusCode status) => status is not (StatusCode.OK or StatusCode.ResourceExhausted or StatusCode.InvalidArgument or StatusCode.Cancelled);

    private static EdgeFailureKind FromStatus(StatusCode status) => status switch
    {
        StatusCode.ResourceExhausted => EdgeFailureKind.Busy,
        StatusCode.DeadlineExceeded => EdgeFailureKind.Timeout,
        StatusCode.InvalidArgument or StatusCode.FailedPrecondition or StatusCode.OutOfRange or StatusCode.PermissionDenied
            or StatusCode.Unauthenticated or StatusCode.NotFound or StatusCode.Unimplemented => EdgeFailureKind.Rejected,
        _ => EdgeFailureKind.Unavailable,
    };
}
