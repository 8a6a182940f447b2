namespace EdgeSplit.Scenarios.Fleet;

/// <summary>What a fleet run produced: every sample, the outages noted meanwhile, and the summary.</summary>
internal sealed record FleetResult(IReadOnlyList<FleetSample> Samples, IReadOnlyList<OutageSpan> Outages, FleetSummary Summary);
