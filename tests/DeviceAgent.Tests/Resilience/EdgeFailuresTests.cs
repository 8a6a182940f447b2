namespace EdgeSplit.DeviceAgent.Tests.Resilience;

/// <summary>The statuses an edge or router answers hostile or broken calls with, as the device reads them.</summary>
public sealed class EdgeFailuresTests
{
    [Fact]
    public void Classify_NonFiniteOutputInternal_EdgeFailureCountedAgainstTheEdge()
    {
        var error = GrpcEdgeTransport.Map(new RpcException(new Status(StatusCode.Internal, "the model's outputs for this request are not finite (NaN or infinity)")));

        Assert.Equal(EdgeFailureKind.Unavailable, EdgeFailures.Classify(error, CancellationToken.None));
        Assert.True(EdgeFailures.IsEdgeFault(error));
    }

    [Fact]
    public void Classify_RouterUnavailableAfterEdgeDeath_EdgeFailureCountedAgainstTheEdge()
    {
        var error = GrpcEdgeTransport.Map(new RpcException(new Status(StatusCode.Unavailable, "the edge serving this call stopped answering (connection lost)")));

        Assert.Equal(EdgeFailureKind.Unavailable, EdgeFailures.Classify(error, CancellationToken.None));
        Assert.True(EdgeFailures.IsEdgeFault(error));
    }

    [Fact]
    public void Classify_MagnitudeRefused_RejectedNotAnEdgeFault()
    {
        var error = GrpcEdgeTransport.Map(new RpcException(new Status(StatusCode.InvalidArgument, "activation value 1e+30 is beyond this node's limit (EdgeSplit:Edge:MaxActivationMagnitude)")));

        Assert.Equal(EdgeFailureKind.Rejected, EdgeFailures.Classify(error, CancellationToken.None));
        Assert.False(EdgeFailures.IsEdgeFault(error));
    }
}
