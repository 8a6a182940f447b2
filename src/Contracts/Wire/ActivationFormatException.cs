namespace EdgeSplit.Contracts.Wire;

/// <summary>An activation tensor on the wire is malformed; the message names the problem.</summary>
public sealed class ActivationFormatException(string message) : Exception(message);
