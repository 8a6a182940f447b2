namespace EdgeSplit.Gateway.Tests.Security;

/// <summary>
/// Tests that measure latency or flood a node: they run alone, after the parallel tests, so neither
/// disturbs the other tests' timing nor is disturbed by them (2 shared cores here).
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class LoadSensitiveCollection
{
    public const string Name = "load-sensitive";
}
