using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using EdgeSplit.DeviceAgent.Edge;
using EdgeSplit.Inference.Runtime;

namespace EdgeSplit.DeviceAgent.Cli;

/// <summary><c>embed</c>: sentence embeddings, split between device and edge.</summary>
internal static class EmbedCommand
{
    public static Command Create(TextWriter output)
    {
        var modelOptions = new ModelOptions();
        var split = new Option<string>("--split") { Description = "local | auto | K (stages [0,K) on the device)", DefaultValueFactory = _ => "local" };
        var edge = new Option<string?>("--edge") { Description = "Edge node URL, e.g. http://127.0.0.1:5000" };
        var encoding = new Option<string>("--encoding") { Description = "Activation encoding on the wire: f32 | f16 | i8", DefaultValueFactory = _ => "f32" };
        var json = new Option<bool>("--json") { Description = "Print one JSON object per text" };
        var texts = new Argument<string[]>("text") { Description = "Texts to embed", Arity = ArgumentArity.OneOrMore };
        var command = new Command("embed", "Embed texts with the split model.") { split, edge, encoding, json, texts };
        modelOptions.AddTo(command);
        command.SetAction(async (result, cancellation) =>
        {
            var choice = SplitChoice.Parse(result.GetValue(split)!);
            var edgeUrl = ParseEdge(result.GetValue(edge));
            var inputs = result.GetValue(texts) ?? [];
            ValidateTexts(inputs);
            if (choice.Mode == SplitMode.Auto || (edgeUrl is not null && choice.Mode == SplitMode.Local))
            {
                throw new CliException(edgeUrl is null
                    ? "--split auto is not available in this build yet; use --split local or --split K."
                    : "--edge needs a fixed cut in this build: --split K (0 sends token ids); automatic splitting comes with the planner.");
            }

            var wire = ParseEncoding(result.GetValue(encoding)!);
            using var model = SplitModel.Load(modelOptions.LoadSource(result), modelOptions.SplitOptions(result));
            var cut = choice.Mode == SplitMode.Local ? model.StageCount : choice.Cut;
            if (cut > model.StageCount)
            {
                throw new CliException($"--split {cut} is out of range: this model has {model.StageCount} stages (0..{model.StageCount}).");
            }

            if (edgeUrl is not null)
            {
                if (cut >= model.StageCount)
                {
                    throw new CliException($"--split {cut} leaves nothing for the edge: use 0..{model.StageCount - 1} with --edge.");
                }

                await using var transport = new GrpcEdgeTransport(edgeUrl);
                var info = await transport.GetManifestAsync(cancellation);
                foreach (var text in inputs)
                {
                    var clock = Stopwatch.StartNew();
                    var tokens = model.Tokenize([text]);
                    var request = cut == 0
                        ? new EdgeRequest(Guid.NewGuid().ToString("N"), 0, tokens, null, wire)
                        : new EdgeRequest(Guid.NewGuid().ToString("N"), cut, null, model.RunHead(tokens, cut), wire);
                    var answer = await transport.InferAsync(request, cancellation);
                    if (answer.ModelHash != info.ModelHash)
                    {
                        throw new CliException($"the edge answered with model {answer.ModelHash}, not {info.ModelHash}.");
                    }

                    var latency = clock.Elapsed.TotalMilliseconds;
                    await WriteResultAsync(output, result.GetValue(json), new EmbedResult(text, answer.Embeddings[0], cut, "edge", latency));
                }

                return 0;
            }

            foreach (var text in inputs)
            {
                cancellation.ThrowIfCancellationRequested();
                var clock = Stopwatch.StartNew();
                var tokens = model.Tokenize([text]);
                var embedding = cut is 0 || cut == model.StageCount
                    ? model.Embed(tokens)[0]
                    : model.Finish(model.RunHead(tokens, cut))[0];
                var latency = clock.Elapsed.TotalMilliseconds;
                await WriteResultAsync(output, result.GetValue(json), new EmbedResult(text, embedding, cut, "local", latency));
            }

            return 0;
        });
        return command;
    }

    internal static Uri? ParseEdge(string? value)
    {
        if (value is null)
        {
            return null;
        }

        return Uri.TryCreate(value, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps)
            ? uri
            : throw new CliException($"--edge must be an http:// or https:// URL, not '{value}'.");
    }

    internal static WireEncoding ParseEncoding(string value) => value.ToLowerInvariant() switch
    {
        "f32" => WireEncoding.F32,
        "f16" => WireEncoding.F16,
        "i8" => WireEncoding.I8,
        _ => throw new CliException($"--encoding must be f32, f16 or i8, not '{value}'."),
    };

    internal static void ValidateTexts(IReadOnlyList<string> texts)
    {
        for (var i = 0; i < texts.Count; i++)
        {
            if (string.IsNullOrWhiteSpace(texts[i]))
            {
                throw new CliException(texts.Count == 1 ? "text is empty." : $"text {i + 1} of {texts.Count} is empty.");
            }
        }
    }

    internal static async Task WriteResultAsync(TextWriter output, bool json, EmbedResult result)
    {
        if (json)
        {
            await output.WriteLineAsync(JsonSerializer.Serialize(result, EmbedResult.JsonOptions));
            return;
        }

        var head = string.Join(", ", result.Embedding.Take(4).Select(v => v.ToString("F4", CultureInfo.InvariantCulture)));
        await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
            $"[{result.Route} split={result.Split} {result.LatencyMs:F1} ms] {result.Text} -> [{head}, ...] ({result.Embedding.Length} dims)"));
    }
}
