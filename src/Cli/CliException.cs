namespace EdgeSplit.DeviceAgent.Cli;

/// <summary>A usage or input problem reported as one line and exit code 2.</summary>
internal sealed class CliException(string message) : Exception(message);
