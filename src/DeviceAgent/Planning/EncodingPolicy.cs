namespace EdgeSplit.DeviceAgent.Planning;

/// <summary>How the activation's wire encoding is chosen: with the cut (<see cref="Auto"/>) or fixed.</summary>
public enum EncodingPolicy
{
    /// <summary>
    /// Most precise encoding whose extra encode and transfer time over the smallest one the edge accepts (int4
    /// when it does) stays within the precision budget (<see cref="PlannerOptions.PrecisionBudgetMs"/>).
    /// </summary>
    Auto,
    F32,
    F16,
    I8,
    I4,
}
