namespace EdgeSplit.Scenarios.Fleet;

/// <summary>The fleet's text corpus: phone-assistant style requests written for this project.</summary>
internal static class FleetCorpus
{
    public static IReadOnlyList<string> Load()
    {
        using var stream = typeof(FleetCorpus).Assembly.GetManifestResourceStream("EdgeSplit.Scenarios.Fleet.corpus.txt")
            ?? throw new InvalidOperationException("the fleet corpus resource is missing from the build.");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd().Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
    }
}
