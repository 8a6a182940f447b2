namespace EdgeSplit.Scenarios;

/// <summary>Finds the gateway executable built beside this one (same configuration), from the repository layout.</summary>
internal static class BuiltProducts
{
    public static string GatewayDll()
    {
        var configuration = AppContext.BaseDirectory.Contains($"{Path.DirectorySeparatorChar}Release{Path.DirectorySeparatorChar}", StringComparison.Ordinal) ? "Release" : "Debug";
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "src", "Gateway", "bin", configuration, "net10.0", "EdgeSplit.Gateway.dll");
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        var beside = Path.Combine(AppContext.BaseDirectory, "EdgeSplit.Gateway.dll");
        return File.Exists(beside)
            ? beside
            : throw new FileNotFoundException("EdgeSplit.Gateway.dll not found; build the solution (dotnet build EdgeSplit.sln) or pass --gateway PATH.");
    }
}
