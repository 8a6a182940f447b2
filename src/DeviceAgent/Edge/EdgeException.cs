using Grpc.Core;

namespace EdgeSplit.DeviceAgent.Edge;

/// <summary>An edge call failed; <see cref="Status"/> is the gRPC status and <see cref="RetryAfter"/> the node's hint, if any.</summary>
public sealed class EdgeException : Exception
{
    /// <summary>Creates the exception from the call's gRPC status, a message naming the problem, the node's retry hint and the cause.</summary>
    public EdgeException(StatusCode status, string message, TimeSpan? retryAfter = null, Exception? inner = null)
        : base(message, inner)
    {
        Status = status;
        RetryAfter = retryAfter;
    }

    /// <summary>gRPC status code of the failure.</summary>
    public StatusCode Status { get; }

    /// <summary>When the node asked to be retried (RESOURCE_EXHAUSTED).</summary>
    public TimeSpan? RetryAfter { get; }
}
