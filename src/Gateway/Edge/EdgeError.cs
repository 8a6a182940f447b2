using Grpc.Core;

namespace EdgeSplit.Gateway.Edge;

/// <summary>Why a request was not answered: a gRPC status, a message naming the problem, and a retry hint.</summary>
internal sealed record EdgeError(StatusCode Code, string Message, int RetryAfterMs = 0)
{
    public static EdgeError Invalid(string message) => new(StatusCode.InvalidArgument, message);
}
