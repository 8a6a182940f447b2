using System.Diagnostics;
using System.Text.Json;
using EdgeSplit.DeviceAgent.Generation;
using EdgeSplit.Inference.Decoder;

namespace EdgeSplit.Cli;

/// <summary><c>generate</c>: text generation with a decoder, split between device and edge.</summary>
internal static class GenerateCommand
{
    private static readonly JsonSerializerOptions Json = new() { PropertyNamingPolicy = JsonNamingPolicy.CamelCase };

    public static Command Create(TextWriter output)
    {
        var model = new Option<DirectoryInfo>("--model") { Description = "Decoder directory (model.onnx [+ decoder.json])", Required = true };
        var edge = new Option<string?>("--edge") { Description = "Edge node URL, e.g. http://127.0.0.1:5000" };
        var split = new Option<string>("--split") { Description = "local | auto | K (stages [0,K) on the device)", DefaultValueFactory = _ => "auto" };
        var maxNew = new Option<int>("--max-new-tokens") { Description = "Tokens to generate", DefaultValueFactory = _ => 32 };
        var temperature = new Option<double>("--temperature") { Description = "0 is greedy", DefaultValueFactory = _ => 0 };
        var topP = new Option<double>("--top-p") { Description = "Nucleus mass in (0, 1]", DefaultValueFactory = _ => 1 };
        var seed = new Option<ulong>("--seed") { Description = "Seed of the sampling draws", DefaultValueFactory = _ => 0 };
        var json = new Option<bool>("--json") { Description = "One JSON object per token, then a summary" };
        var explain = new Option<bool>("--explain") { Description = "Print the planner's prediction for local and every cut, and its choice (stderr)" };
        var prompt = new Argument<string>("prompt") { Description = "Prompt text" };
        var command = new Command("generate", "Generate text with a decoder LLM, streaming tokens as they are produced.")
        {
            model, edge, split, maxNew, temperature, topP, seed, json, explain, prompt,
        };
        command.SetAction(async (result, cancellation) =>
        {
            var choice = SplitChoice.Parse(result.GetValue(split)!);
            var tokens = result.GetValue(maxNew);
            if (tokens is < 1 or > 4096)
            {
                throw new CliException("--max-new-tokens must be in 1..4096.");
            }

            var sampling = new SamplingOptions { Temperature = result.GetValue(temperature), TopP = result.GetValue(topP), Seed = result.GetValue(seed) };
            sampling.Validate();
            using var decoder = DecoderModel.Load(result.GetValue(model)!.FullName);
            var edgeUrl = result.GetValue(edge);
            await using var link = edgeUrl is null ? null : GenerationLinkFactory.Create(edgeUrl, decoder.Manifest.HiddenSize);
            var text = result.GetValue(prompt)!;
            var promptIds = decoder.Tokenizer.Encode(text);
            int? cut = choice.Mode switch
            {
                SplitMode.Local => null,
                SplitMode.Fixed when choice.Cut < 1 || choice.Cut > decoder.StageCount =>
                    throw new CliException($"--split {choice.Cut} is out of range: this decoder has {decoder.StageCount} stages (1..{decoder.StageCount})."),
                SplitMode.Fixed => choice.Cut == decoder.StageCount ? null : choice.Cut,
                _ => null,
            };
            var generator = new SplitGenerator(decoder, link)
            {
                OnFailover = ex => result.InvocationConfiguration.Error.WriteLine($"edge failed ({ex.GetType().Name}: {ex.Message}); continuing on the device"),
            };
            var request = new GenerationRequest { Prompt = promptIds, MaxNewTokens = tokens, Sampling = sampling };
            if (choice.Mode == SplitMode.Auto || result.GetValue(explain))
            {
                var plan = await generator.PlanAsync(request, cancellation);
                if (link is not null && !plan.EdgeMeasured)
                {
                    await result.InvocationConfiguration.Error.WriteLineAsync($"warn: {plan.Reason}");
                }

                if (choice.Mode == SplitMode.Auto)
                {
                    cut = plan.Cut;
                }

                if (result.GetValue(explain))
                {
                    await result.InvocationConfiguration.Error.WriteLineAsync(plan.Explain());
                }
            }

            request = request with { Cut = cut };
            var asJson = result.GetValue(json);
            var clock = Stopwatch.StartNew();
            double? firstMs = null;
            var count = 0;
            var routes = new Dictionary<string, int>(StringComparer.Ordinal);
            if (!asJson)
            {
                await output.WriteAsync(text);
            }

            await foreach (var token in generator.GenerateAsync(request, cancellation))
            {
                firstMs ??= clock.Elapsed.TotalMilliseconds;
                count++;
                var route = token.Route.ToString().ToLowerInvariant();
                routes[route] = routes.GetValueOrDefault(route) + 1;
                if (asJson)
                {
                    await output.WriteLineAsync(JsonSerializer.Serialize(new { token = token.Token, text = token.Text, route, ms = Math.Round(token.Ms, 3) }, Json));
                }
                else
                {
                    await output.WriteAsync(token.Text);
                }

                await output.FlushAsync(cancellation);
            }

            var seconds = clock.Elapsed.TotalSeconds;
            var decodeSeconds = seconds - ((firstMs ?? 0) / 1000);
            var summary = new
            {
                tokens = count,
                timeToFirstTokenMs = Math.Round(firstMs ?? 0, 3),
                tokensPerSecond = Math.Round(count > 1 && decodeSeconds > 0 ? (count - 1) / decodeSeconds : 0, 2),
                cut = cut ?? decoder.StageCount,
                routes,
            };
            if (asJson)
            {
                await output.WriteLineAsync(JsonSerializer.Serialize(new { summary }, Json));
            }
            else
            {
                await output.WriteLineAsync();
                await result.InvocationConfiguration.Error.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                    $"{count} tokens, first after {summary.timeToFirstTokenMs:F0} ms, {summary.tokensPerSecond:F1} tokens/s; routes {string.Join(", ", routes.Select(r => $"{r.Key} {r.Value}"))}"));
            }

            return 0;
        });
        return command;
    }
}
