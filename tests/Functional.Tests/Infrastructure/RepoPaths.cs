namespace EdgeSplit.Functional.Tests.Infrastructure;

/// <summary>Locates the built executables of the products under test (same configuration as the tests).</summary>
internal static class RepoPaths
{
    public static string Root { get; } = FindRoot();

    public static string Configuration { get; } =
        AppContext.BaseDirectory.Contains($"{Path.DirectorySeparatorChar}Release{Path.DirectorySeparatorChar}", StringComparison.Ordinal) ? "Release" : "Debug";

    /// <summary>The <c>edgesplit</c> command (src/Cli).</summary>
    public static string CliDll => Built(Path.Combine("src", "Cli"), "edgesplit.dll");

    public static string GatewayDll => Built(Path.Combine("src", "Gateway"), "EdgeSplit.Gateway.dll");

    public static string ScenariosDll => Built(Path.Combine("src", "Scenarios"), "EdgeSplit.Scenarios.dll");

    /// <summary>Benchmarks and the hostile-client soak (perf/Bench).</summary>
    public static string BenchDll => Built(Path.Combine("perf", "Bench"), "EdgeSplit.Bench.dll");

    /// <summary>The container images' health probe (deploy/healthcheck).</summary>
    public static string HealthCheckDll => Built(Path.Combine("deploy", "healthcheck"), "EdgeSplit.HealthCheck.dll");

    private static string Built(string project, string file)
    {
        var path = Path.GetFullPath(Path.Combine(Root, project, "bin", Configuration, "net10.0", file));
        return File.Exists(path) ? path : throw new FileNotFoundException($"build {project} first: {path} is missing.");
    }

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "EdgeSplit.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("EdgeSplit.sln not found above the test directory.");
    }
}
