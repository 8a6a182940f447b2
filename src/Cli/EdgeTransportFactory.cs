namespace EdgeSplit.Cli;

/// <summary>Creates the transport to an edge URL; the one place the CLI, the benchmark and the tests pick the wire.</summary>
internal static class EdgeTransportFactory
{
    public static IEdgeTransport Create(Uri address) => new GrpcEdgeTransport(address);
}
