namespace EdgeSplit.Functional.Tests.Infrastructure;

/// <summary>
/// What a test needs from its machine (a Docker daemon, root, npm). Where it is missing the test reports
/// Skipped with the reason, never Passed; under CI (<c>EDGESPLIT_CI=1</c>, set by .ci/run) a missing
/// environment fails instead, so CI proves every test ran. Use in <c>[SkippableFact]</c> tests.
/// </summary>
internal static class Requires
{
    /// <summary>The variable .ci/run sets: nothing may skip.</summary>
    public const string CiVariable = "EDGESPLIT_CI";

    public static bool InCi => Environment.GetEnvironmentVariable(CiVariable) == "1";

    /// <summary>Skips (or, under CI, fails) with <paramref name="reason"/> unless <paramref name="met"/>.</summary>
    public static void That(bool met, string reason)
    {
        if (met)
        {
            return;
        }

        if (InCi)
        {
            Assert.Fail($"{CiVariable}=1 and the test's environment is missing: {reason}");
        }

        throw new SkipException(reason);
    }

    /// <summary>Root (writes /etc/hosts, runs debootstrap).</summary>
    public static void Root(string why) => That(Environment.UserName == "root" || IsUid0(), $"needs root to {why}");

    private static bool IsUid0()
    {
        try
        {
            return File.ReadLines("/proc/self/status").Any(l => l.StartsWith("Uid:", StringComparison.Ordinal) && l.Split('\t', StringSplitOptions.RemoveEmptyEntries)[1] == "0");
        }
        catch (IOException)
        {
            return false;
        }
    }
}
