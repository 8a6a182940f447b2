using System.Diagnostics;

namespace EdgeSplit.Scenarios.Processes;

/// <summary>
/// Pins processes to CPUs with util-linux <c>taskset</c>, so that a benchmark running device and edge on one
/// machine can keep them on separate cores, as they are on separate machines in a deployment.
/// </summary>
internal static class CpuAffinity
{
    private const string Taskset = "/usr/bin/taskset";

    /// <summary>Whether pinning is possible here: Linux, <c>taskset</c> installed, at least two CPUs.</summary>
    public static bool IsAvailable => OperatingSystem.IsLinux() && File.Exists(Taskset) && Environment.ProcessorCount >= 2;

    /// <summary>The CPU list of everything but CPU 0 (<c>"1"</c> on two cores, <c>"1-7"</c> on eight).</summary>
    public static string AllButFirst => Environment.ProcessorCount == 2 ? "1" : $"1-{Environment.ProcessorCount - 1}";

    /// <summary>Pins every thread of the process (threads it creates later inherit the mask).</summary>
    public static void Pin(int pid, string cpus)
    {
        var start = new ProcessStartInfo(Taskset) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in new[] { "--all-tasks", "--cpu-list", "--pid", cpus, pid.ToString(System.Globalization.CultureInfo.InvariantCulture) })
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException("could not start taskset.");
        var error = process.StandardError.ReadToEnd();
        process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"taskset could not pin process {pid} to CPUs {cpus}: {error.Trim()}");
        }
    }

    /// <summary>The same start command run through taskset: the program is pinned to <paramref name="cpus"/> from its first thread.</summary>
    public static ProcessStartInfo Pinned(ProcessStartInfo start, string cpus) => Through(start, Taskset, "--cpu-list", cpus);

    /// <summary>
    /// The same start command (arguments, redirection, working directory, environment) run through a launcher
    /// such as <c>taskset</c> or <c>nice</c>, which then executes it as the same process.
    /// </summary>
    public static ProcessStartInfo Through(ProcessStartInfo start, string launcher, params string[] launcherArguments)
    {
        var through = new ProcessStartInfo(launcher)
        {
            RedirectStandardOutput = start.RedirectStandardOutput,
            RedirectStandardError = start.RedirectStandardError,
            UseShellExecute = false,
            WorkingDirectory = start.WorkingDirectory,
        };
        foreach (var argument in launcherArguments.Append(start.FileName).Concat(start.ArgumentList))
        {
            through.ArgumentList.Add(argument);
        }

        foreach (var (key, value) in start.Environment)
        {
            through.Environment[key] = value;
        }

        return through;
    }
}
