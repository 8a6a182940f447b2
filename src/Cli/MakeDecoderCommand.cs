using System.Diagnostics;
using EdgeSplit.Inference.Decoder;

namespace EdgeSplit.Cli;

/// <summary><c>model make-decoder</c>: writes a seeded decoder in an exporter's layout (test and benchmark models).</summary>
internal static class MakeDecoderCommand
{
    public static Command CreateModelGroup(TextWriter output)
    {
        var group = new Command("model", "Model tools.");
        group.Subcommands.Add(Create(output));
        return group;
    }

    public static Command Create(TextWriter output)
    {
        var layout = new Option<string>("--layout") { Description = "gpt2 | llama", DefaultValueFactory = _ => "gpt2" };
        var size = new Option<string>("--size") { Description = "tiny | small | smollm2 (llama) | layers=L,hidden=H,heads=A[,kv-heads=K][,ffn=F][,vocab=V][,positions=P]", DefaultValueFactory = _ => "tiny" };
        var seed = new Option<int>("--seed") { Description = "Seed of the weights", DefaultValueFactory = _ => 1 };
        var outDir = new Option<DirectoryInfo>("--out") { Description = "Directory to write model.onnx and decoder.json to", Required = true };
        var command = new Command("make-decoder", "Write a decoder-only transformer with seeded weights in the GPT-2 or Llama export layout.")
        {
            layout, size, seed, outDir,
        };
        command.SetAction((result, _) =>
        {
            var clock = Stopwatch.StartNew();
            var kind = result.GetValue(layout) switch
            {
                "gpt2" => DecoderLayout.Gpt2,
                "llama" => DecoderLayout.Llama,
                var other => throw new CliException($"--layout must be gpt2 or llama, not '{other}'."),
            };
            var dims = DecoderDimensions.Parse(result.GetValue(size)!, kind);
            var path = DecoderModelWriter.Write(result.GetValue(outDir)!.FullName, kind, dims, result.GetValue(seed));
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{kind.ToString().ToLowerInvariant()}: {dims.Layers} layers, hidden {dims.Hidden}, {dims.Heads} heads ({dims.KvHeads} kv), ffn {dims.Intermediate}, vocab {dims.Vocab}; {new FileInfo(path).Length / 1e6:F1} MB in {clock.Elapsed.TotalSeconds:F1} s"));
            output.WriteLine($"wrote {path}");
            return Task.FromResult(0);
        });
        return command;
    }
}
