namespace EdgeSplit.Scenarios.Fleet;

/// <summary>A period when some or all edges were down, shaded in the report.</summary>
internal sealed record OutageSpan(double StartSeconds, double EndSeconds, string Label);
