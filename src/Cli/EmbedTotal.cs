namespace EdgeSplit.Cli;

/// <summary>The last line <c>embed --json</c> writes to stderr for several texts: requests by route and the summed spend.</summary>
internal sealed record EmbedTotal(int Requests, IReadOnlyDictionary<string, int> Routes, EmbedSpend Spend);
