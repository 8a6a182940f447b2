using System.Diagnostics;
using System.Globalization;
using EdgeSplit.Inference.Decoder;
using Grpc.Core;

namespace EdgeSplit.DeviceAgent.Generation;

/// <summary>
/// Chooses local or a cut k for a session from measured per-token prefill and decode costs: the device's per
/// stage, the edge's for its tail (scaled to [k, N) by the device's stage shares), and the link (a decode step
/// sends one row of hidden × 4 bytes and waits a round trip). Minimises the session's total time.
/// </summary>
internal static class GenerationPlanner
{
    /// <summary>Predicts every cut and picks the fastest.</summary>
    public static GenerationPlan Plan(GenerationCosts costs, int stages, int hidden, int promptTokens, int newTokens, string? edgeFailure = null)
    {
        ArgumentNullException.ThrowIfNull(costs);
        var rows = new List<GenerationPlanRow>();
        var local = Row(stages, Sum(costs.DevicePrefillMsPerToken, 0, stages) * promptTokens, Sum(costs.DeviceDecodeMs, 0, stages), newTokens);
        rows.Add(local);
        if (costs.EdgeTailPrefillMsPerToken is double edgePrefill && costs.EdgeTailDecodeMs is double edgeDecode)
        {
            var devicePrefillTail = Math.Max(1e-9, Sum(costs.DevicePrefillMsPerToken, 1, stages));
            var deviceDecodeTail = Math.Max(1e-9, Sum(costs.DeviceDecodeMs, 1, stages));
            for (var k = 1; k < stages; k++)
            {
                var prefillShare = Sum(costs.DevicePrefillMsPerToken, k, stages) / devicePrefillTail;
                var decodeShare = Sum(costs.DeviceDecodeMs, k, stages) / deviceDecodeTail;
                var first = (Sum(costs.DevicePrefillMsPerToken, 0, k) * promptTokens)
                    + (4.0 * hidden * promptTokens / costs.BytesPerMs) + costs.RoundTripMs
                    + (edgePrefill * prefillShare * promptTokens);
                var perToken = Sum(costs.DeviceDecodeMs, 0, k) + (4.0 * hidden / costs.BytesPerMs) + costs.RoundTripMs + (edgeDecode * decodeShare);
                rows.Add(Row(k, first, perToken, newTokens));
            }
        }

        var best = rows.MinBy(r => r.TotalMs)!;
        var reason = costs.EdgeTailDecodeMs is null
            ? edgeFailure is null ? "no edge measured: everything on the device" : $"no edge measured ({edgeFailure}): everything on the device"
            : best.Cut == stages
                ? string.Create(CultureInfo.InvariantCulture, $"local is fastest: {best.TotalMs:F1} ms predicted vs {rows.Where(r => r.Cut != stages).Min(r => r.TotalMs):F1} ms for the best split")
                : string.Create(CultureInfo.InvariantCulture, $"cut {best.Cut} is fastest: {best.TotalMs:F1} ms predicted vs {local.TotalMs:F1} ms local");
        return new GenerationPlan(best.Cut == stages ? null : best.Cut, rows, reason);
    }

    /// <summary>Measures the device's per-stage prefill and decode costs after one warm-up of each (a throwaway prefill and decode steps).</summary>
    public static (double[] PrefillMsPerToken, double[] DecodeMs) MeasureDevice(DecoderModel model, IReadOnlyList<int> prompt)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(prompt);
        var ids = prompt.Select(i => (long)i).ToArray();
        var cache = model.NewCache(0, model.StageCount);
        var prefill = new double[model.StageCount];
        var decode = new double[model.StageCount];
        // The first run of each session pays ONNX Runtime's allocations: measure the second of each kind.
        model.Forward(0, model.StageCount, [model.NewCache(0, model.StageCount)], ids, null, ids.Length);
        var logits = model.Forward(0, model.StageCount, [cache], ids, null, ids.Length, stageMs: prefill);
        var next = TokenSampler.ArgMax(logits);
        model.Forward(0, model.StageCount, [cache], [next], null, 1);
        model.Forward(0, model.StageCount, [cache], [next], null, 1, stageMs: decode);
        return (prefill.Select(ms => ms / ids.Length).ToArray(), decode);
    }

    /// <summary>
    /// Measures the edge's tail costs and the link with a probe session at cut 1: one prefill of the prompt's
    /// embeddings and three decode steps (the fastest counts). Without costs, <c>Failure</c> says why (the edge could
    /// not be reached or refused the session, or its link does not report the node's time).
    /// </summary>
    public static async Task<((double PrefillMsPerToken, double DecodeMs, double RoundTripMs, double BytesPerMs)? Costs, string? Failure)> MeasureEdgeAsync(
        DecoderModel model, IGenerationLinkFactory edge, IReadOnlyList<int> prompt, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(edge);
        ArgumentNullException.ThrowIfNull(prompt);
        var ids = prompt.Select(i => (long)i).ToArray();
        var head = model.NewCache(0, 1);
        try
        {
            await using var link = await edge.OpenAsync(model.ModelHash, 1, SamplingOptions.Greedy, cancellationToken);
            if (link is not GrpcGenerationLink grpc)
            {
                return (null, $"{link.GetType().Name} does not report the node's own time");
            }

            var clock = Stopwatch.StartNew();
            var token = await link.PrefillAsync(model.Forward(0, 1, [head], ids, null, ids.Length), ids.Length, cancellationToken);
            var prefillWall = clock.Elapsed.TotalMilliseconds;
            var prefillNode = grpc.LastNodeMs;
            double decodeNode = double.MaxValue, roundTrip = double.MaxValue;
            for (var i = 0; i < 3; i++)
            {
                var row = model.Forward(0, 1, [head], [token], null, 1);
                clock.Restart();
                token = await link.StepAsync(row, head.Length - 1, cancellationToken);
                var wall = clock.Elapsed.TotalMilliseconds;
                decodeNode = Math.Min(decodeNode, grpc.LastNodeMs);
                roundTrip = Math.Min(roundTrip, Math.Max(0, wall - grpc.LastNodeMs));
            }

            var transfer = Math.Max(0.01, prefillWall - prefillNode - roundTrip);
            var bytesPerMs = Math.Max(1.0, 4.0 * model.Manifest.HiddenSize * ids.Length / transfer);
            return ((prefillNode / ids.Length, decodeNode, roundTrip, bytesPerMs), null);
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested && ex is not ArgumentException)
        {
            return (null, ex is RpcException rpc ? $"{rpc.StatusCode}: {rpc.Status.Detail}" : $"{ex.GetType().Name}: {ex.Message}");
        }
    }

    private static GenerationPlanRow Row(int cut, double first, double perToken, int newTokens) =>
        new(cut, first, perToken, first + (perToken * Math.Max(0, newTokens - 1)));

    private static double Sum(double[] values, int from, int to)
    {
        var total = 0.0;
        for (var i = from; i < to; i++)
        {
            total += values[i];
        }

        return total;
    }
}
