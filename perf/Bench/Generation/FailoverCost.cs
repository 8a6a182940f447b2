using System.Diagnostics;
using System.Globalization;
using EdgeSplit.DeviceAgent.Generation;
using EdgeSplit.Inference.Decoder;
using EdgeSplit.Scenarios;
using EdgeSplit.Scenarios.Links;
using EdgeSplit.Scenarios.Processes;

namespace EdgeSplit.Bench.Generation;

/// <summary>
/// What a dead edge costs the token it dies under: the edge process is SIGKILLed while the step of token
/// <c>killAfter + 1</c> is on the wire, and that token's extra latency (over the median of the edge's tokens before it)
/// is set against what failover has to do — detect the death, then one prefill of the tail over every position so far.
/// </summary>
internal static class FailoverCost
{
    public static async Task RunAsync(
        TextWriter output, DecoderModel model, GatewayProcess edge, LinkProfile link, int cut, IReadOnlyList<int> prompt, int killAfter, int trials, CancellationToken cancellationToken)
    {
        var hidden = model.Manifest.HiddenSize;
        var extra = new List<double>();
        var detection = new List<double>();
        var prefill = new List<double>();
        await using var proxy = new ThrottlingProxy(edge.EndPoint);
        proxy.Shape(link);
        for (var trial = 0; trial < trials; trial++)
        {
            if (!edge.IsRunning)
            {
                await edge.RestartAsync(TimeSpan.FromSeconds(120));
            }

            await using var factory = new GenerationLinkFactory(proxy.Address, hidden);
            long killed = 0, detected = 0;
            var generator = new SplitGenerator(model, factory) { OnFailover = _ => detected = Stopwatch.GetTimestamp() };
            var tokens = new List<GeneratedToken>();
            Task? kill = null;
            await foreach (var token in generator.GenerateAsync(new GenerationRequest { Prompt = prompt, MaxNewTokens = killAfter + 2, Cut = cut }, cancellationToken))
            {
                tokens.Add(token);
                if (tokens.Count == killAfter)
                {
                    // Dies while the next step is on its way to it: the device learns of it only from the broken stream.
                    kill = proxy.ArmRequestTrigger(hidden * 2).ContinueWith(_ =>
                    {
                        killed = Stopwatch.GetTimestamp();
                        edge.Kill();
                    }, cancellationToken, TaskContinuationOptions.None, TaskScheduler.Default);
                }
            }

            if (kill is not null)
            {
                // The kill reaps the process after the signal; the generator may finish before that.
                await Task.WhenAny(kill, Task.Delay(TimeSpan.FromSeconds(15), cancellationToken));
            }

            var failed = tokens[killAfter];
            if (kill is not { IsCompletedSuccessfully: true } || failed.Route != GenerationRoute.Failover || detected < killed)
            {
                await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"  trial {trial + 1}: the edge was not killed under token {killAfter + 1} (route {failed.Route}); not counted"));
                continue;
            }

            var normal = Statistics.Median(tokens.Skip(1).Take(killAfter - 1).Select(t => t.Ms).ToList());
            extra.Add(failed.Ms - normal);
            detection.Add(Stopwatch.GetElapsedTime(killed, detected).TotalMilliseconds);
            prefill.Add(TailPrefillMs(model, cut, prompt.Count + killAfter));
            await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                $"  trial {trial + 1}: token {killAfter + 1} took {failed.Ms:F1} ms against {normal:F1} ms before; detection {detection[^1]:F1} ms, tail prefill {prefill[^1]:F1} ms"));
        }

        await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
            $"failover over {link.Name}, cut {cut}, edge SIGKILLed under token {killAfter + 1} ({prompt.Count + killAfter} positions so far); median of {extra.Count} trials:"));
        var budget = Statistics.Median(prefill) + Statistics.Median(detection);
        await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
            $"  extra latency of that token {Statistics.Median(extra):F1} ms; tail prefill [{cut},{model.StageCount}) {Statistics.Median(prefill):F1} ms + detection {Statistics.Median(detection):F1} ms = {budget:F1} ms; {(Statistics.Median(extra) <= budget ? "within" : "over")}"));
    }

    /// <summary>One prefill of stages [cut, N) over <paramref name="positions"/> cut rows on the device: what failover runs. Median of 3.</summary>
    private static double TailPrefillMs(DecoderModel model, int cut, int positions)
    {
        var rows = DecodeBatching.Rows(new Random(5), positions, model.Manifest.HiddenSize);
        var times = new List<double>();
        for (var i = 0; i < 3; i++)
        {
            var clock = Stopwatch.StartNew();
            model.Forward(cut, model.StageCount, [model.NewCache(cut, model.StageCount)], null, rows, positions);
            times.Add(clock.Elapsed.TotalMilliseconds);
        }

        return Statistics.Median(times);
    }
}
