using System.Globalization;
using System.Net;
using EdgeSplit.DeviceAgent.Generation;
using EdgeSplit.Inference.Decoder;
using EdgeSplit.Scenarios;
using EdgeSplit.Scenarios.Links;

namespace EdgeSplit.Bench.Generation;

/// <summary>
/// Time to first token and time per output token of one session: on the device alone, and split or fully offloaded
/// to a real edge process behind each emulated phone link (<see cref="ThrottlingProxy"/> shaped by a <see cref="LinkProfile"/>).
/// </summary>
internal static class GenerationLatency
{
    public static async Task RunAsync(
        TextWriter output, DecoderModel model, IPEndPoint edge, IReadOnlyList<LinkProfile> links, int splitCut, IReadOnlyList<int> prompt, int newTokens, int runs, CancellationToken cancellationToken)
    {
        await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
            $"one session, {prompt.Count}-token prompt, {newTokens} new tokens; median of {runs} runs after one unmeasured; TPOT = mean of tokens 2..{newTokens} of a run"));
        await output.WriteLineAsync("| link | session | cut | TTFT ms | TPOT ms | routes |");
        await output.WriteLineAsync("|---|---|---|---|---|---|");
        await WriteRowAsync(output, "-", "local", model.StageCount, await MeasureAsync(new SplitGenerator(model), null, prompt, newTokens, runs, cancellationToken));
        foreach (var link in links)
        {
            await using var proxy = new ThrottlingProxy(edge);
            proxy.Shape(link);
            await using var factory = new GenerationLinkFactory(proxy.Address, model.Manifest.HiddenSize);
            foreach (var (session, cut) in new[] { ("split", splitCut), ("offloaded", 1) })
            {
                var result = await MeasureAsync(new SplitGenerator(model, factory), cut, prompt, newTokens, runs, cancellationToken);
                await WriteRowAsync(output, link.Name, session, cut, result);
            }
        }
    }

    private static async Task<(double FirstMs, double PerTokenMs, string Routes)> MeasureAsync(
        SplitGenerator generator, int? cut, IReadOnlyList<int> prompt, int newTokens, int runs, CancellationToken cancellationToken)
    {
        var firsts = new List<double>();
        var perToken = new List<double>();
        var routes = new SortedSet<string>(StringComparer.Ordinal);
        for (var run = 0; run <= runs; run++)
        {
            var times = new List<double>();
            await foreach (var token in generator.GenerateAsync(new GenerationRequest { Prompt = prompt, MaxNewTokens = newTokens, Cut = cut }, cancellationToken))
            {
                times.Add(token.Ms);
                routes.Add(token.Route.ToString().ToLowerInvariant());
            }

            // The first run opens the connection and warms both ends; it is not counted.
            if (run > 0)
            {
                firsts.Add(times[0]);
                perToken.Add(times.Skip(1).Average());
            }
        }

        return (Statistics.Median(firsts), Statistics.Median(perToken), string.Join(",", routes));
    }

    private static Task WriteRowAsync(TextWriter output, string link, string session, int cut, (double FirstMs, double PerTokenMs, string Routes) result) =>
        output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
            $"| {link} | {session} | {cut} | {result.FirstMs:F1} | {result.PerTokenMs:F1} | {result.Routes} |"));
}
