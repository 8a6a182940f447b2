namespace EdgeSplit.DeviceAgent.Generation;

/// <summary>One generated token.</summary>
/// <param name="Token">Token id.</param>
/// <param name="Text">Text it completes (empty inside a multi-byte character).</param>
/// <param name="Route">Where the tail ran.</param>
/// <param name="Ms">Milliseconds from asking for this token to having it.</param>
public sealed record GeneratedToken(int Token, string Text, GenerationRoute Route, double Ms);
