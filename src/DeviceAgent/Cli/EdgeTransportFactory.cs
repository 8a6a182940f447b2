using EdgeSplit.DeviceAgent.Edge;

namespace EdgeSplit.DeviceAgent.Cli;

/// <summary>Creates the transport to an edge URL; the one place the CLI and the benchmark pick the wire.</summary>
internal static class EdgeTransportFactory
{
    public static IEdgeTransport Create(Uri address) =>
        throw new CliException($"cannot reach {address}: the gRPC edge transport is not part of this build yet.");
}
