using EdgeSplit.DeviceAgent.Edge;
using EdgeSplit.DeviceAgent.Energy;

namespace EdgeSplit.DeviceAgent.Planning;

/// <summary>
/// Neurosurgeon-style split choice: for every allowed cut k, predicted cost = device [0,k) + encode +
/// transfer + RTT + edge queue + edge [k,N), and device energy = compute + radio (active, waiting, marginal tail) +
/// idle wait; picks the minimum for the objective. Pure: everything it
/// needs is in the <see cref="PlanContext"/>.
/// </summary>
internal sealed class SplitPlanner(PlannerOptions options)
{
    // Encoding cost per element on a phone-class core (f16 conversion, int8 quantisation with a per-token
    // max pass); measured order of magnitude, tiny next to a transformer layer but not zero.
    private const double F16EncodeMsPerElement = 1e-6;
    private const double I8EncodeMsPerElement = 2.5e-6;

    // Int4 adds a robust-RMS pass and tries 11 scales per token: about five times int8's work.
    private const double I4EncodeMsPerElement = 1.2e-5;

    // Precision whose extra cost is below this is always taken, however short the request.
    private const double FreePrecisionMs = 0.5;

    // An offload plan predicted within this factor of local (in the objective's terms) is re-tried when exploring.
    private const double CloseCallRatio = 1.5;

    // Stale estimates are re-measured only when the offload plan, at those (decaying) estimates, is within this factor of local:
    // a phone on a 200 ms link whose local run takes 5 ms has nothing to learn from the edge, however old its figures.
    private const double StaleExploreRatio = 4;

    private static readonly WireEncoding[] PrecisionOrder = [WireEncoding.F32, WireEncoding.F16, WireEncoding.I8, WireEncoding.I4];

    public PlannerOptions Options => options;

    /// <summary>Smallest cut the privacy rule allows with this edge.</summary>
    public int MinimumCut(PlanContext context)
    {
        var min = options.MinDeviceStages;
        if (min == 0 && !(options.AllowTokenIds && context.EdgeAcceptsTokenIds))
        {
            min = 1;
        }

        return Math.Min(min, context.StageCount);
    }

    /// <summary>Plans one request; <paramref name="forcedCut"/> pins the cut (still explained and costed).</summary>
    public PlanDecision Plan(PlanContext context, int? forcedCut = null)
    {
        var n = context.StageCount;
        var candidates = new List<PlanCandidate>(n + 1);
        var minCut = MinimumCut(context);
        if (context.EdgeAvailable)
        {
            for (var k = minCut; k < n; k++)
            {
                candidates.Add(Remote(context, k));
            }
        }

        candidates.Add(Local(context));

        if (forcedCut is { } forced)
        {
            var pinned = candidates.FirstOrDefault(c => c.Cut == forced);
            if (pinned is null && context.EdgeAvailable && forced < n && (forced >= 1 || (options.AllowTokenIds && context.EdgeAcceptsTokenIds)))
            {
                pinned = Remote(context, forced);
                candidates.Insert(0, pinned);
                candidates.Sort((a, b) => a.Cut.CompareTo(b.Cut));
            }

            return pinned is not null
                ? new PlanDecision(options.Objective, context.Tokens, candidates, pinned, $"fixed cut {forced}")
                : new PlanDecision(options.Objective, context.Tokens, candidates, candidates[^1], $"fixed cut {forced} not possible now (edge unavailable): local");
        }

        var best = candidates.MinBy(Score)!;
        if (!context.EdgeAvailable)
        {
            return new PlanDecision(options.Objective, context.Tokens, candidates, best, "edge unavailable: local");
        }

        if (best.IsLocal && context.ExploreDue && candidates.Count > 1)
        {
            // Re-measure with one real request at the best offload cut when the figures are stale, or when
            // offloading is a close call: a local plan makes no edge samples, so without this one noisy sample
            // could keep a healthy edge unused. The hedge bounds what a wrong guess costs.
            var probe = candidates.Where(c => !c.IsLocal).MinBy(Score)!;
            var ratio = Score(probe).Primary / Math.Max(Score(best).Primary, 1e-9);
            if (context.EstimatesStale && ratio <= StaleExploreRatio)
            {
                return new PlanDecision(options.Objective, context.Tokens, candidates, probe, "explore: estimates are stale, re-measuring the edge path") { Explores = true };
            }

            if (ratio <= CloseCallRatio)
            {
                return new PlanDecision(options.Objective, context.Tokens, candidates, probe, "explore: offloading is a close call, re-measuring the edge path") { Explores = true };
            }
        }

        var reason = options.Objective == PlanObjective.Latency ? "lowest predicted latency" : "lowest predicted device energy";
        return new PlanDecision(options.Objective, context.Tokens, candidates, best, reason);
    }

    private (double Primary, double Secondary) Score(PlanCandidate c) =>
        options.Objective == PlanObjective.Energy ? (c.EnergyMj, c.LatencyMs) : (c.LatencyMs, c.EnergyMj);

    private PlanCandidate Local(PlanContext context)
    {
        var device = Sum(context.DeviceStageMs, 0, context.StageCount);
        return new PlanCandidate(context.StageCount, WireEncoding.F32, device, 0, 0, 0, 0, 0, 0, device, device * options.Power.DeviceComputeWatts);
    }

    private PlanCandidate Remote(PlanContext context, int cut)
    {
        var device = Sum(context.DeviceStageMs, 0, cut);
        var edge = Sum(context.Edge.StageMs, cut, context.StageCount);
        var bandwidth = Math.Max(context.Link.BytesPerMs, 1e-6);
        var reply = WireSize.Reply(context.Hidden);
        WireEncoding encoding;
        long bytes;
        double encode;
        if (cut == 0)
        {
            // Token ids: nothing to encode.
            (encoding, bytes, encode) = (WireEncoding.F32, WireSize.TokenIds(context.Tokens), 0);
        }
        else
        {
            encoding = ChooseEncoding(context, bandwidth, device + (reply / bandwidth) + context.Link.RttMs + context.Edge.QueueMs + edge);
            bytes = WireSize.Activation(context.Tokens, context.Hidden, encoding);
            encode = EncodeMs(encoding, (long)context.Tokens * context.Hidden);
        }

        var (up, down) = (bytes / bandwidth, reply / bandwidth);
        var transfer = up + down;
        var rtt = context.Link.RttMs;
        var queue = context.Edge.QueueMs;
        var latency = device + encode + transfer + rtt + queue + edge;
        var power = options.Power;
        var wait = rtt + queue + edge;
        // The radio starts once the cut tensor is encoded; only the tail beyond what is still running is this request's.
        var radio = RadioExchange.Charge(power.Radio, bytes, reply, up, down, wait, device + encode, context.RadioTailLeftMs);
        var energy = (power.DeviceComputeWatts * (device + encode)) + radio.Millijoules + (power.IdleWaitWatts * wait);
        return new PlanCandidate(cut, encoding, device, encode, bytes, transfer, rtt, queue, edge, latency, energy);
    }

    /// <summary>
    /// The encoding rule: the most precise encoding whose extra cost (encoding + transfer) over the smallest one
    /// the edge accepts is within the precision budget: at most <see cref="PlannerOptions.PrecisionBudgetMs"/>, and at
    /// most <see cref="PlannerOptions.PrecisionBudgetFraction"/> of the request's predicted latency with the smallest
    /// encoding unless that is under 0.5 ms (<paramref name="otherMs"/> is that latency without the activation's
    /// encoding and transfer).
    /// A fixed policy wins when the edge accepts it.
    /// </summary>
    private WireEncoding ChooseEncoding(PlanContext context, double bandwidth, double otherMs)
    {
        var accepted = context.EdgeEncodings is { Count: > 0 } list ? list : PrecisionOrder;
        var forced = options.Encoding switch
        {
            EncodingPolicy.F32 => WireEncoding.F32,
            EncodingPolicy.F16 => WireEncoding.F16,
            EncodingPolicy.I8 => WireEncoding.I8,
            EncodingPolicy.I4 => WireEncoding.I4,
            _ => (WireEncoding?)null,
        };
        if (forced is { } f && accepted.Contains(f))
        {
            return f;
        }

        var ordered = PrecisionOrder.Where(e => accepted.Contains(e) && (e != WireEncoding.I4 || options.AutoI4)).ToArray();
        if (ordered.Length == 0)
        {
            return WireEncoding.F32;
        }

        var elements = (long)context.Tokens * context.Hidden;
        double Cost(WireEncoding encoding) => EncodeMs(encoding, elements) + (WireSize.Activation(context.Tokens, context.Hidden, encoding) / bandwidth);
        var smallest = Cost(ordered[^1]);
        var budget = Math.Min(options.PrecisionBudgetMs, Math.Max(FreePrecisionMs, options.PrecisionBudgetFraction * (otherMs + smallest)));
        foreach (var encoding in ordered)
        {
            if (Cost(encoding) - smallest <= budget)
            {
                return encoding;
            }
        }

        return ordered[^1];
    }

    private static double EncodeMs(WireEncoding encoding, long elements) => encoding switch
    {
        WireEncoding.F16 => elements * F16EncodeMsPerElement,
        WireEncoding.I8 => elements * I8EncodeMsPerElement,
        WireEncoding.I4 => elements * I4EncodeMsPerElement,
        _ => 0,
    };

    private static double Sum(IReadOnlyList<double> values, int from, int to)
    {
        var total = 0.0;
        for (var i = from; i < to && i < values.Count; i++)
        {
            total += values[i];
        }

        return total;
    }
}
