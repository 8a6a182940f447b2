using EdgeSplit.Bench;
using EdgeSplit.Bench.Device;
using EdgeSplit.Bench.Generation;
using EdgeSplit.Bench.Soak;
using EdgeSplit.Cli;

var root = EdgeBench.CreateRoot(Console.Out);
root.Subcommands.Add(SoakCommand.Create(Console.Out));
root.Subcommands.Add(BenchSplitCommand.Create(Console.Out));
root.Subcommands.Add(BenchPolicyCommand.Create(Console.Out));
root.Subcommands.Add(BenchGenerateCommand.Create(Console.Out));

// A bad option or input: one line on stderr and exit code 2, not a stack trace or a page of help.
var parse = root.Parse(args);
if (parse.Errors.Count > 0)
{
    await Console.Error.WriteLineAsync($"bench: {parse.Errors[0].Message}");
    return 2;
}

try
{
    return await parse.InvokeAsync(new System.CommandLine.InvocationConfiguration { EnableDefaultExceptionHandler = false });
}
catch (Exception ex) when (ex is ArgumentException or CliException)
{
    await Console.Error.WriteLineAsync($"bench: {ex.Message}");
    return 2;
}
