namespace EdgeSplit.DeviceAgent.Planning;

/// <summary>How the activation's wire encoding is chosen: with the cut (<see cref="Auto"/>) or fixed.</summary>
public enum EncodingPolicy
{
    /// <summary>
    /// Most precise encoding whose extra encode and transfer time over the smallest one the edge accepts (int4
    /// when it does) stays within the precision budget (<see cref="PlannerOptions.PrecisionBudgetMs"/>).
    /// </summary>
    Auto,

    /// <summary>Always float32: exact, 4 bytes per element.</summary>
    F32,

    /// <summary>Always float16: 2 bytes per element.</summary>
    F16,

    /// <summary>Always int8 with per-token scales and exact outliers: 1 byte per element.</summary>
    I8,

    /// <summary>Always int4 with per-token scales and exact outliers: half a byte per element.</summary>
    I4,
}
