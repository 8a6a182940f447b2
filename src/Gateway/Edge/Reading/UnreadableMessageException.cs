using Grpc.Core;

namespace EdgeSplit.Gateway.Edge.Reading;

/// <summary>
/// A message this node refused to read, already counted and logged by <see cref="MalformedInput.Refuse"/>. Thrown
/// from inside grpc-dotnet's reader (frame check, decompression, deserialization): being an <see cref="RpcException"/>,
/// grpc-dotnet answers a unary call with its status and logs no stack trace; a stream maps it in the service.
/// </summary>
internal sealed class UnreadableMessageException(string kind, Status status) : RpcException(status)
{
    /// <summary>The <c>kind</c> label it was counted under (flag, truncated, compression, too_large, protobuf).</summary>
    public string Kind { get; } = kind;
}
