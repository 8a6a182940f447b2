using System.Globalization;
using System.Text;

namespace EdgeSplit.DeviceAgent.Planning;

/// <summary>
/// One planning decision, explainable: the predicted cost of every allowed cut, the one chosen and why.
/// The agent attaches the actual latency once the request has been answered.
/// </summary>
public sealed record PlanDecision(
    PlanObjective Objective,
    int Tokens,
    IReadOnlyList<PlanCandidate> Candidates,
    PlanCandidate Chosen,
    string Reason)
{
    /// <summary>True when the choice is an exploration: an offload sent to re-measure the edge path, not on its merits.</summary>
    public bool Explores { get; init; }

    /// <summary>All-local candidate (always present).</summary>
    public PlanCandidate Local => Candidates[^1];

    /// <summary>A human-readable table: one line per cut, the choice marked.</summary>
    public string Explain(double? actualMs = null, string? route = null)
    {
        var text = new StringBuilder();
        var inv = CultureInfo.InvariantCulture;
        text.AppendLine(inv, $"plan ({Objective}, {Tokens} tokens): {Reason}");
        text.AppendLine("  cut enc  device  encode  transfer     rtt   queue    edge | latency ms  energy mJ");
        foreach (var c in Candidates)
        {
            var mark = ReferenceEquals(c, Chosen) ? "*" : " ";
            text.AppendLine(inv,
                $"{mark} {c.Cut,3} {c.Encoding,-3} {c.DeviceMs,7:F2} {c.EncodeMs,7:F2} {c.TransferMs,9:F2} {c.RttMs,7:F2} {c.QueueMs,7:F2} {c.EdgeMs,7:F2} | {c.LatencyMs,10:F2} {c.EnergyMj,10:F2}");
        }

        if (actualMs is { } actual)
        {
            text.AppendLine(inv, $"  chose cut {Chosen.Cut} ({Chosen.Encoding}); predicted {Chosen.LatencyMs:F2} ms, actual {actual:F2} ms via {route ?? "?"}");
        }

        return text.ToString();
    }
}
