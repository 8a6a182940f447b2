using System.Diagnostics;
using System.Text.Json;
using EdgeSplit.DeviceAgent.Observability;
using EdgeSplit.DeviceAgent.Resilience;

namespace EdgeSplit.Cli;

/// <summary><c>embed</c>: sentence embeddings, split between device and edge.</summary>
internal static class EmbedCommand
{
    public static Command Create(TextWriter output)
    {
        var modelOptions = new ModelOptions();
        var split = new Option<string>("--split") { Description = "local | auto | K (stages [0,K) on the device)", DefaultValueFactory = _ => "local" };
        var edge = new Option<string?>("--edge") { Description = "Edge node URL, e.g. http://127.0.0.1:5000" };
        var encoding = new Option<string>("--encoding") { Description = "Activation encoding on the wire: auto | f32 | f16 | i8 | i4 (auto: chosen with the cut from the link speed)", DefaultValueFactory = _ => "auto" };
        var json = new Option<bool>("--json") { Description = "Print one JSON object per text" };
        var explain = new Option<bool>("--explain") { Description = "Print the predicted cost of every cut, the choice and the actual latency (to stderr with --json)" };
        var objective = new Option<string>("--objective") { Description = "What --split auto minimises: latency | energy", DefaultValueFactory = _ => "latency" };
        var radio = new Option<string>("--radio") { Description = "The phone's radio, for the energy model and objective: wifi | 5g | lte | 3g | none", DefaultValueFactory = _ => "wifi" };
        var budget = new Option<int>("--budget-ms") { Description = "Latency budget per request; the edge call's deadline", DefaultValueFactory = _ => 2000 };
        var file = new Option<FileInfo?>("--file") { Description = "Embed the non-empty lines of this file, one request each" };
        var interval = new Option<int>("--interval-ms") { Description = "Pause between requests with --file", DefaultValueFactory = _ => 0 };
        var slowdown = new Option<double>("--device-slowdown") { Description = "Emulate a device this many times slower (benchmarks)", DefaultValueFactory = _ => 1 };
        var verbose = new Option<bool>("--verbose") { Description = "Also log the agent's decisions, fallbacks and circuit changes to stderr (warnings always are)" };
        var texts = new Argument<string[]>("text") { Description = "Texts to embed", Arity = ArgumentArity.ZeroOrMore };
        var command = new Command("embed", "Embed texts with the split model.")
        {
            split, edge, encoding, json, explain, objective, radio, budget, file, interval, slowdown, verbose, texts,
        };
        modelOptions.AddTo(command);
        command.SetAction(async (result, cancellation) =>
        {
            var choice = SplitChoice.Parse(result.GetValue(split)!);
            var edgeUrl = ParseEdge(result.GetValue(edge));
            var policy = ParseEncoding(result.GetValue(encoding)!);
            var inputs = await ReadInputsAsync(result.GetValue(texts) ?? [], result.GetValue(file), cancellation);
            var asJson = result.GetValue(json);
            var intervalMs = result.GetValue(interval);
            var power = new PowerModel { Radio = ParseRadio(result.GetValue(radio)!) };
            if (intervalMs < 0)
            {
                throw new CliException("--interval-ms must be 0 or more.");
            }

            using var model = SplitModel.Load(modelOptions.LoadSource(result), modelOptions.SplitOptions(result));
            // All-local is cut = stage count; auto leaves the cut to the planner (the value is then unused).
            var cut = choice.Cut ?? model.StageCount;
            if (choice.Mode == SplitMode.Fixed && cut > model.StageCount)
            {
                throw new CliException($"--split {cut} is out of range: this model has {model.StageCount} stages (0..{model.StageCount}).");
            }

            if (edgeUrl is null && choice.Mode != SplitMode.Auto && !result.GetValue(explain))
            {
                await RunLocalAsync(output, result.InvocationConfiguration.Error, model, cut, inputs, asJson, intervalMs, power, cancellation);
                return 0;
            }

            var options = AgentOptions(choice, policy, result.GetValue(objective)!, result.GetValue(budget), result.GetValue(slowdown));
            options.Planner.Power = power;
            await using var transport = edgeUrl is null ? null : EdgeTransportFactory.Create(edgeUrl);
            // Warnings (edge unreachable or refusing the token at start, circuit opened, model mismatch) always reach stderr.
            var loggers = new StderrLogger(result.InvocationConfiguration.Error, "agent", result.GetValue(verbose) ? Microsoft.Extensions.Logging.LogLevel.Debug : Microsoft.Extensions.Logging.LogLevel.Warning);
            using var telemetry = new DeviceTelemetry();
            using var export = DeviceTelemetryExport.Start("edgesplit-device");
            var slower = result.GetValue(slowdown);
            var compute = slower > 1 ? new SlowerDevice(new LocalExecutor(model), slower) : null;
            await using var agent = new SplitAgent(model, transport, Microsoft.Extensions.Options.Options.Create(options), loggers: loggers, telemetry: telemetry, compute: compute);
            await agent.StartAsync(cancellation);
            var counts = new Dictionary<AgentRoute, int>();
            var spends = new List<DeviceSpend>(inputs.Count);
            var explainTo = asJson ? result.InvocationConfiguration.Error : output;
            for (var i = 0; i < inputs.Count; i++)
            {
                if (i > 0 && intervalMs > 0)
                {
                    await Task.Delay(intervalMs, cancellation);
                }

                var answer = await agent.EmbedAsync(inputs[i], choice.Mode == SplitMode.Auto ? null : cut, cancellation);
                counts[answer.Route] = counts.GetValueOrDefault(answer.Route) + 1;
                spends.Add(answer.Spend);
                if (result.GetValue(explain))
                {
                    await explainTo.WriteAsync(answer.Explain());
                }

                await WriteResultAsync(output, asJson, new EmbedResult(answer.Text, answer.Embedding, answer.Cut, answer.RouteName, answer.ActualMs)
                {
                    Encoding = answer.Route == AgentRoute.Local ? null : answer.Encoding.ToString().ToLowerInvariant(),
                    PredictedMs = Math.Round(answer.PredictedMs, 3),
                    Hedged = answer.Hedged ? true : null,
                    Failure = answer.Failure == EdgeFailureKind.None ? null : answer.Failure.ToString(),
                    Reason = answer.Decision.Reason,
                    Spend = EmbedSpend.From(answer.Spend),
                });
            }

            if (inputs.Count > 1 && edgeUrl is not null)
            {
                await result.InvocationConfiguration.Error.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                    $"{inputs.Count} requests: edge {counts.GetValueOrDefault(AgentRoute.Edge)}, local {counts.GetValueOrDefault(AgentRoute.Local)}, fallback {counts.GetValueOrDefault(AgentRoute.Fallback)}, errors 0"));
            }

            if (inputs.Count > 1)
            {
                await WriteTotalAsync(result.InvocationConfiguration.Error, asJson, counts, EmbedSpend.Total(spends));
            }

            return 0;
        });
        return command;
    }

    internal static DeviceAgentOptions AgentOptions(SplitChoice choice, EncodingPolicy encoding, string objective, int budgetMs, double slowdown)
    {
        if (budgetMs < 10)
        {
            throw new CliException("--budget-ms must be at least 10.");
        }

        if (slowdown < 1)
        {
            throw new CliException("--device-slowdown must be 1 or more.");
        }

        var options = new DeviceAgentOptions();
        options.Planner.Encoding = encoding;
        options.Planner.Objective = objective.ToLowerInvariant() switch
        {
            "latency" => PlanObjective.Latency,
            "energy" => PlanObjective.Energy,
            _ => throw new CliException($"--objective must be latency or energy, not '{objective}'."),
        };
        if (choice is { Mode: SplitMode.Fixed, Cut: 0 })
        {
            // Asking for cut 0 explicitly is the user's consent to send token ids.
            options.Planner.MinDeviceStages = 0;
            options.Planner.AllowTokenIds = true;
        }

        options.Resilience.LatencyBudget = TimeSpan.FromMilliseconds(budgetMs);
        return options;
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

    internal static RadioPower ParseRadio(string value)
    {
        try
        {
            return RadioPower.Named(value);
        }
        catch (ArgumentException)
        {
            throw new CliException($"--radio must be {string.Join(", ", RadioPower.Presets.Select(p => p.Name))}, not '{value}'.");
        }
    }

    internal static EncodingPolicy ParseEncoding(string value) => value.ToLowerInvariant() switch
    {
        "auto" => EncodingPolicy.Auto,
        "f32" => EncodingPolicy.F32,
        "f16" => EncodingPolicy.F16,
        "i8" => EncodingPolicy.I8,
        "i4" => EncodingPolicy.I4,
        _ => throw new CliException($"--encoding must be auto, f32, f16, i8 or i4, not '{value}'."),
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
            await output.FlushAsync();
            return;
        }

        var head = string.Join(", ", result.Embedding.Take(4).Select(v => v.ToString("F4", CultureInfo.InvariantCulture)));
        await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
            $"[{result.Route} split={result.Split} {result.LatencyMs:F1} ms] {result.Text} -> [{head}, ...] ({result.Embedding.Length} dims)"));
    }

    /// <summary>The run's spend: a JSON line with <c>--json</c> (stderr keeps stdout one object per text), else a sentence.</summary>
    private static async Task WriteTotalAsync(TextWriter error, bool json, Dictionary<AgentRoute, int> counts, EmbedSpend total)
    {
        if (json)
        {
            var routes = new Dictionary<string, int>
            {
                ["edge"] = counts.GetValueOrDefault(AgentRoute.Edge),
                ["local"] = counts.GetValueOrDefault(AgentRoute.Local),
                ["fallback"] = counts.GetValueOrDefault(AgentRoute.Fallback),
            };
            await error.WriteLineAsync(JsonSerializer.Serialize(new EmbedTotal(counts.Values.Sum(), routes, total), EmbedResult.JsonOptions));
            return;
        }

        await error.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
            $"device spend: compute {total.HeadMs + total.TailMs:F1} ms, {total.BytesUp} B up, {total.BytesDown} B down, energy {total.EnergyMj:F1} mJ (all-local {total.LocalMj:F1} mJ, saved {total.SavedMj:F1} mJ)"));
    }

    private static async Task<IReadOnlyList<string>> ReadInputsAsync(string[] texts, FileInfo? file, CancellationToken cancellation)
    {
        if (file is null)
        {
            if (texts.Length == 0)
            {
                throw new CliException("give at least one text, or --file PATH.");
            }

            ValidateTexts(texts);
            return texts;
        }

        if (texts.Length > 0)
        {
            throw new CliException("give texts or --file, not both.");
        }

        if (!file.Exists)
        {
            throw new CliException($"--file '{file.FullName}' does not exist.");
        }

        var lines = (await File.ReadAllLinesAsync(file.FullName, cancellation)).Where(l => !string.IsNullOrWhiteSpace(l)).ToArray();
        return lines.Length > 0 ? lines : throw new CliException($"--file '{file.FullName}' has no non-empty lines.");
    }

    /// <summary>No edge and a fixed cut: run both halves here (the split is still exercised, route local).</summary>
    private static async Task RunLocalAsync(TextWriter output, TextWriter error, SplitModel model, int cut, IReadOnlyList<string> inputs, bool json, int intervalMs, PowerModel power, CancellationToken cancellation)
    {
        var meter = new EnergyMeter(power, TimeProvider.System);
        var spends = new List<DeviceSpend>(inputs.Count);
        for (var i = 0; i < inputs.Count; i++)
        {
            cancellation.ThrowIfCancellationRequested();
            if (i > 0 && intervalMs > 0)
            {
                await Task.Delay(intervalMs, cancellation);
            }

            var clock = Stopwatch.StartNew();
            var tokens = model.Tokenize([inputs[i]]);
            float[] embedding;
            double headMs, tailMs = 0;
            if (cut is 0 || cut == model.StageCount)
            {
                embedding = model.Embed(tokens)[0];
                headMs = clock.Elapsed.TotalMilliseconds;
            }
            else
            {
                var activation = model.RunHead(tokens, cut);
                headMs = clock.Elapsed.TotalMilliseconds;
                embedding = model.Finish(activation)[0];
                tailMs = clock.Elapsed.TotalMilliseconds - headMs;
            }

            var latency = clock.Elapsed.TotalMilliseconds;
            // Both halves ran here: the request cost what it would have cost all-local.
            var spend = meter.Charge(new RequestUsage(headMs, tailMs, 0, 0, 1, 0, 0, 0, headMs + tailMs));
            spends.Add(spend);
            await WriteResultAsync(output, json, new EmbedResult(inputs[i], embedding, cut, "local", latency) { Spend = EmbedSpend.From(spend) });
        }

        if (inputs.Count > 1)
        {
            await WriteTotalAsync(error, json, new Dictionary<AgentRoute, int> { [AgentRoute.Local] = inputs.Count }, EmbedSpend.Total(spends));
        }
    }
}
