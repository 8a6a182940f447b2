using System.Globalization;

namespace EdgeSplit.DeviceAgent.Generation;

/// <summary>
/// The planner's choice for a session (<see cref="SplitGenerator.PlanAsync"/>) and the prediction for every
/// option, explainable like <see cref="Planning.PlanDecision"/>.
/// </summary>
/// <param name="Cut">Chosen cut; null runs the whole model on the device (what <see cref="GenerationRequest.Cut"/> takes).</param>
/// <param name="Options">Predicted time to first token, per output token and in total: the all-device option first, then every cut.</param>
/// <param name="Reason">Why.</param>
public sealed record GenerationPlan(int? Cut, IReadOnlyList<GenerationPlanRow> Options, string Reason)
{
    /// <summary>The all-device option (always present; its cut is the decoder's stage count).</summary>
    public GenerationPlanRow Local => Options[0];

    /// <summary>Whether the edge was measured (and every cut predicted); when not, <see cref="Reason"/> says why.</summary>
    public bool EdgeMeasured => Options.Count > 1;

    /// <summary>A human-readable table: one line per option, the choice marked, then the reason.</summary>
    public string Explain()
    {
        var lines = new List<string> { "cut   first token ms   per token ms   total ms" };
        var chosen = Cut ?? Local.Cut;
        foreach (var row in Options.OrderBy(r => r.Cut))
        {
            var name = row.Cut == Local.Cut ? "local" : row.Cut.ToString(CultureInfo.InvariantCulture);
            var mark = row.Cut == chosen ? "  <- chosen" : string.Empty;
            lines.Add(string.Create(CultureInfo.InvariantCulture, $"{name,-5} {row.FirstTokenMs,15:F2} {row.PerTokenMs,14:F2} {row.TotalMs,10:F1}{mark}"));
        }

        lines.Add(Reason);
        return string.Join(Environment.NewLine, lines);
    }
}

/// <summary>Prediction for one option of a <see cref="GenerationPlan"/>.</summary>
/// <param name="Cut">Stages [0, Cut) on the device; the decoder's stage count means all of them.</param>
/// <param name="FirstTokenMs">Predicted time to the first token.</param>
/// <param name="PerTokenMs">Predicted time per further token.</param>
/// <param name="TotalMs">Predicted time of the whole session.</param>
public sealed record GenerationPlanRow(int Cut, double FirstTokenMs, double PerTokenMs, double TotalMs);
