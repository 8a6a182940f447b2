using System.Diagnostics;
using System.Globalization;
using EdgeSplit.Contracts.V1;
using EdgeSplit.Scenarios.Processes;
using Google.Protobuf;

namespace EdgeSplit.Bench;

/// <summary>
/// The benchmark's device clients as a child process (this program with <c>--clients-only</c>), either pinned to
/// <paramref name="cpus"/> or (null) on every CPU at the lowest scheduling priority (<c>nice -n 19</c>), so the
/// node under test does not share its cores on equal terms with its own load generator.
/// </summary>
internal sealed class ClientProcess(InferRequest request, string? cpus) : IDisposable
{
    private readonly string _requestFile = WriteRequest(request);

    public async Task<(double PerSecond, double MeanBatch, double MedianLatencyMs)> RunAsync(Uri address, int streams, double warmUp, double seconds)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in new[]
        {
            typeof(ClientProcess).Assembly.Location, "--clients-only", "--address", address.ToString(), "--request", _requestFile,
            "--streams", streams.ToString(CultureInfo.InvariantCulture), "--warmup", warmUp.ToString(CultureInfo.InvariantCulture),
            "--seconds", seconds.ToString(CultureInfo.InvariantCulture),
        })
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(cpus is null ? CpuAffinity.Through(start, "nice", "-n", "19") : CpuAffinity.Pinned(start, cpus)) ?? throw new InvalidOperationException("could not start the client process.");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(warmUp + seconds + 120));
        await process.WaitForExitAsync(limit.Token);
        var line = (await stdout).Split('\n').LastOrDefault(l => l.StartsWith("result ", StringComparison.Ordinal));
        if (process.ExitCode != 0 || line is null)
        {
            throw new InvalidOperationException($"client process failed (exit {process.ExitCode}): {(await stderr).Trim()}");
        }

        var fields = line.Split(' ');
        var count = double.Parse(fields[1], CultureInfo.InvariantCulture);
        var elapsed = double.Parse(fields[2], CultureInfo.InvariantCulture);
        var rowSum = double.Parse(fields[3], CultureInfo.InvariantCulture);
        return (count / elapsed, rowSum / count, double.Parse(fields[4], CultureInfo.InvariantCulture));
    }

    public void Dispose() => File.Delete(_requestFile);

    private static string WriteRequest(InferRequest request)
    {
        var path = Path.Combine(Path.GetTempPath(), $"edgesplit-bench-request-{Environment.ProcessId}.bin");
        File.WriteAllBytes(path, request.ToByteArray());
        return path;
    }
}
