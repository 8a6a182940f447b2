using EdgeSplit.Inference.Partitioning;
using Microsoft.ML.OnnxRuntime;

namespace EdgeSplit.Cli;

/// <summary>The <c>edgesplit</c> command line (embed, partition): one place that maps failures to one-line errors and exit codes.</summary>
public static class AgentCommandLine
{
    public static async Task<int> RunAsync(string[] args, TextWriter output, TextWriter error)
    {
        var root = new RootCommand("EdgeSplit device agent: split-inference embeddings on the device, the edge, or both.");
        root.Subcommands.Add(EmbedCommand.Create(output));
        root.Subcommands.Add(PartitionCommand.Create(output));
        root.Subcommands.Add(MakeDecoderCommand.CreateModelGroup(output));
        root.Subcommands.Add(GenerateCommand.Create(output));
        return await InvokeAsync(root, args, output, error);
    }

    /// <summary>Runs <paramref name="root"/>: a bad option or input is one line on <paramref name="error"/> and exit code 2, never a stack trace.</summary>
    public static async Task<int> InvokeAsync(RootCommand root, string[] args, TextWriter output, TextWriter error)
    {
        ArgumentNullException.ThrowIfNull(root);
        var parse = root.Parse(args);
        try
        {
            return await parse.InvokeAsync(new InvocationConfiguration { Output = output, Error = error, EnableDefaultExceptionHandler = false });
        }
        catch (Exception ex) when (Describe(ex) is { } message)
        {
            await error.WriteLineAsync($"error: {message}");
            return ex is CliException or ArgumentException ? 2 : 1;
        }
    }

    private static string? Describe(Exception ex) => ex switch
    {
        CliException or ModelLoadException or PartitionException or ArgumentException => ex.Message,
        OnnxRuntimeException => $"ONNX Runtime: {ex.Message}",
        IOException or UnauthorizedAccessException => ex.Message,
        EdgeException edge => edge.RetryAfter is { } wait
            ? $"{edge.Message} (the node asks to retry after {wait.TotalMilliseconds:F0} ms)"
            : edge.Message,
        OperationCanceledException => "cancelled.",
        _ => null,
    };
}
