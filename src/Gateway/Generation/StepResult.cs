namespace EdgeSplit.Gateway.Generation;

/// <summary>A token the edge produced.</summary>
internal sealed record StepResult(int Token, int Position, double NodeMs, int BatchSessions, double ComputeMs);
