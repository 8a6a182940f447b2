using EdgeSplit.Bench;

try
{
    return await EdgeBench.RunAsync(args, Console.Out);
}
catch (ArgumentException ex)
{
    // A bad option: one line, not a stack trace.
    await Console.Error.WriteLineAsync($"edge bench: {ex.Message}");
    return 2;
}
