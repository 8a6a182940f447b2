using EdgeSplit.Bench;
using EdgeSplit.Bench.Soak;

try
{
    return args.FirstOrDefault() == "soak"
        ? await SoakCommand.RunAsync(args[1..], Console.Out)
        : await EdgeBench.RunAsync(args, Console.Out);
}
catch (ArgumentException ex)
{
    // A bad option: one line, not a stack trace.
    await Console.Error.WriteLineAsync($"edge bench: {ex.Message}");
    return 2;
}
