namespace EdgeSplit.Cli;

/// <summary>A usage or input problem reported as one line and exit code 2.</summary>
public sealed class CliException(string message) : Exception(message);
