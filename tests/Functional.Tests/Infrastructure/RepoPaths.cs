namespace EdgeSplit.Functional.Tests.Infrastructure;

/// <summary>Locates the built executables of the products under test (same configuration as the tests).</summary>
internal static class RepoPaths
{
    public static string Root { get; } = FindRoot();

    public static string Configuration { get; } =
        AppContext.BaseDirectory.Contains($"{Path.DirectorySeparatorChar}Release{Path.DirectorySeparatorChar}", StringComparison.Ordinal) ? "Release" : "Debug";

    public static string DeviceAgentDll => Built("DeviceAgent", "EdgeSplit.DeviceAgent.dll");

    public static string GatewayDll => Built("Gateway", "EdgeSplit.Gateway.dll");

    public static string ScenariosDll => Built("Scenarios", "EdgeSplit.Scenarios.dll");

    /// <summary>Benchmarks and the hostile-client soak (src/Bench).</summary>
    public static string BenchDll => Built("Bench", "EdgeSplit.Bench.dll");

    /// <summary>The container images' health probe (deploy/healthcheck).</summary>
    public static string HealthCheckDll => Built(Path.Combine("..", "deploy", "healthcheck"), "EdgeSplit.HealthCheck.dll");

    private static string Built(string project, string file)
    {
        var path = Path.GetFullPath(Path.Combine(Root, "src", project, "bin", Configuration, "net10.0", file));
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
