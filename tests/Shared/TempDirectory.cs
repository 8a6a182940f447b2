namespace EdgeSplit.Tests.Shared;

/// <summary>A fresh directory under the system's temporary folder, deleted on disposal (a test, or a class fixture).</summary>
public sealed class TempDirectory : IDisposable
{
    public TempDirectory()
    {
        // A plain directory, not an owner-only one: the tests' child processes use it for their caches and reports.
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "edgesplit-test", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    public string Combine(string name) => System.IO.Path.Combine(Path, name);

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
            // A child process still holds a file: the system's temporary folder is cleaned in time anyway.
        }
    }
}
