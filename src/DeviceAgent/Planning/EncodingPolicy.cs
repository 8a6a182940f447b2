namespace EdgeSplit.DeviceAgent.Planning;

/// <summary>How the activation's wire encoding is chosen: with the cut (<see cref="Auto"/>) or fixed.</summary>
public enum EncodingPolicy
{
    /// <summary>Most precise encoding whose extra transfer time over int8 stays within <see cref="PlannerOptions.PrecisionBudgetMs"/>.</summary>
    Auto,
    F32,
    F16,
    I8,
}
