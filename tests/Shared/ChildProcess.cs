namespace EdgeSplit.Tests.Shared;

/// <summary>Runs another program to its end for a test (linked into each test project that needs it, see tests/Shared).</summary>
internal static class ChildProcess
{
    /// <summary>
    /// Runs <paramref name="file"/> with <paramref name="args"/> and hands back its exit code, standard output and
    /// standard error; one that outlives <paramref name="timeout"/> is killed and fails the test.
    /// </summary>
    public static async Task<(int Code, string Output, string Error)> RunAsync(string file, IEnumerable<string> args, TimeSpan timeout)
    {
        // Qualified rather than imported: some of the projects that link this file import System.Diagnostics globally.
        var start = new System.Diagnostics.ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        using var process = System.Diagnostics.Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        try
        {
            await process.WaitForExitAsync().WaitAsync(timeout);
        }
        catch (TimeoutException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{file} {string.Join(' ', args)} did not exit within {timeout}.");
        }

        return (process.ExitCode, await output, await error);
    }

    /// <summary>
    /// Runs python's onnx checker over each model file; the checker must pass every file and say so once per file.
    /// </summary>
    public static async Task AssertOnnxCheckerPassesAsync(IReadOnlyCollection<string> files, bool fullCheck = false)
    {
        var check = fullCheck ? "onnx.load(p), full_check=True" : "onnx.load(p)";
        var script = $"import sys, onnx\nfor p in sys.argv[1:]:\n    onnx.checker.check_model({check})\n    print('ok', p)\n";

        var (code, output, error) = await RunAsync("/usr/bin/python3", files.Prepend(script).Prepend("-c"), TimeSpan.FromMinutes(3));

        Assert.True(code == 0, output + error);
        Assert.Equal(files.Count, output.Split('\n').Count(l => l.StartsWith("ok ", StringComparison.Ordinal)));
    }
}
