namespace EdgeSplit.Gateway.Tests.Security;

/// <summary>A temporary directory removed at the end of a test.</summary>
internal sealed class TempDir : IDisposable
{
    public string Path { get; } = Directory.CreateTempSubdirectory("edgesplit-sec-").FullName;

    public void Dispose() => Directory.Delete(Path, recursive: true);
}
