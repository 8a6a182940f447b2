namespace EdgeSplit.Functional.Tests.DeviceAgent;

/// <summary>
/// Agent tests that start gateway processes run one class at a time: they compare latencies, and two
/// gateways plus two agents on a 2-core machine would measure each other instead of the agent.
/// </summary>
[CollectionDefinition(Name)]
public sealed class AgentProcesses
{
    public const string Name = "agent processes";
}
