using System.CommandLine;
using EdgeSplit.Bench;
using EdgeSplit.Bench.Device;
using EdgeSplit.Bench.Generation;
using EdgeSplit.Bench.Soak;

try
{
    return args.FirstOrDefault() switch
    {
        "soak" => await SoakCommand.RunAsync(args[1..], Console.Out),
        "bench-split" or "bench-policy" or "bench-generate" => await new RootCommand("EdgeSplit device benchmarks")
        {
            BenchSplitCommand.Create(Console.Out),
            BenchPolicyCommand.Create(Console.Out),
            BenchGenerateCommand.Create(Console.Out),
        }.Parse(args).InvokeAsync(),
        _ => await EdgeBench.RunAsync(args, Console.Out),
    };
}
catch (ArgumentException ex)
{
    // A bad option: one line, not a stack trace.
    await Console.Error.WriteLineAsync($"edge bench: {ex.Message}");
    return 2;
}
