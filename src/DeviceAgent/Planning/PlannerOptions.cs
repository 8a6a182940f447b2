using System.ComponentModel.DataAnnotations;
using System.Diagnostics.CodeAnalysis;
using EdgeSplit.DeviceAgent.Execution;
using Microsoft.Extensions.Options;

namespace EdgeSplit.DeviceAgent.Planning;

/// <summary>How the split planner chooses the cut and the encoding.</summary>
[UnconditionalSuppressMessage("Trimming", "IL2026", Justification = OptionsTrimming.ValidatedBySourceGenerator)]
public sealed class PlannerOptions : IValidatableObject
{
    /// <summary>What to minimise. Default <see cref="PlanObjective.Latency"/>.</summary>
    public PlanObjective Objective { get; set; } = PlanObjective.Latency;

    /// <summary>
    /// Fewest stages the device always runs itself. Default 1: only hidden states leave the device,
    /// never raw token ids (privacy). 0 allows token-id offload only together with <see cref="AllowTokenIds"/>.
    /// </summary>
    [Range(0, 64)]
    public int MinDeviceStages { get; set; } = 1;

    /// <summary>Whether raw token ids may be sent (cut 0). Default false.</summary>
    public bool AllowTokenIds { get; set; }

    /// <summary>How the wire encoding is chosen. Default <see cref="EncodingPolicy.Auto"/>.</summary>
    public EncodingPolicy Encoding { get; set; } = EncodingPolicy.Auto;

    /// <summary>
    /// Auto encoding: extra milliseconds (encoding + transfer) the planner accepts to send a more precise encoding
    /// instead of the smallest one the edge accepts (int4; int8 on edges without it). Default 2 ms: on a fast link
    /// full precision is nearly free; on a slow one int4 wins.
    /// </summary>
    [Range(0.0, 10_000.0)]
    public double PrecisionBudgetMs { get; set; } = 2.0;

    /// <summary>
    /// Whether auto encoding may choose int4 (on links slow enough that int8's extra transfer time exceeds the
    /// precision budget). Default false: int4 halves int8's bytes but keeps embeddings at a cosine of only about
    /// 0.996 to the unsplit model's (median; 0.983 on texts of a few tokens), against int8's 0.9998, so it is the
    /// application's choice, not a silent one. <c>--encoding i4</c> forces it either way.
    /// </summary>
    public bool AutoI4 { get; set; }

    /// <summary>
    /// Auto encoding: the precision budget is also at most this fraction of the request's predicted latency with
    /// the smallest encoding (but precision costing under 0.5 ms is always taken). Default 0.05: precision never costs a 15 ms
    /// request 2 ms (13%), only 0.75 ms.
    /// </summary>
    [Range(0.0, 10.0)]
    public double PrecisionBudgetFraction { get; set; } = 0.05;

    /// <summary>
    /// Explore at most this often (at first; see <see cref="MaxExploreInterval"/>): while local looks cheaper, send one
    /// request at the best offload cut when the estimates are stale (and the offload, at those estimates, is predicted
    /// within 4x of local in the objective's terms) or when offloading is a close call (within 1.5x), so a recovered
    /// link or edge is noticed. Default 3 s.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "1.00:00:00")]
    public TimeSpan ExploreInterval { get; set; } = TimeSpan.FromSeconds(3);

    /// <summary>
    /// Each exploration doubles the wait before the next one, up to this; a plan that offloads on its merits resets it to
    /// <see cref="ExploreInterval"/>. A phone whose edge does not pay off then re-measures it rarely instead of every few
    /// seconds. Default 60 s.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "1.00:00:00")]
    public TimeSpan MaxExploreInterval { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>Power figures of the energy objective.</summary>
    [Required]
    [ValidateObjectMembers]
    public PowerModel Power { get; set; } = new();

    /// <inheritdoc />
    IEnumerable<ValidationResult> IValidatableObject.Validate(ValidationContext validationContext)
    {
        if (MinDeviceStages == 0 && !AllowTokenIds)
        {
            yield return new ValidationResult($"0 sends raw token ids: set {nameof(AllowTokenIds)} to true to allow it.", [nameof(MinDeviceStages)]);
        }
    }
}
