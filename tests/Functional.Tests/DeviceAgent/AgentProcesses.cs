namespace EdgeSplit.Functional.Tests.DeviceAgent;

/// <summary>
/// Agent tests that start gateway processes run one class at a time, and not alongside any other test
/// collection: they compare latencies, and two gateways plus two agents (or another collection starting
/// its own processes) on a 2-core machine would measure each other instead of the agent.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class AgentProcesses
{
    public const string Name = "agent processes";
}
