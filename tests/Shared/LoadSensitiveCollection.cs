namespace EdgeSplit.Tests.Shared;

/// <summary>
/// Tests that measure latency, race real timers or flood a node: they run alone, after the parallel tests, so
/// neither disturbs the other tests' timing nor is disturbed by them (2 shared cores in CI). Linked into each
/// test project that has such tests (a collection belongs to one assembly).
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class LoadSensitiveCollection
{
    public const string Name = "load-sensitive";
}
