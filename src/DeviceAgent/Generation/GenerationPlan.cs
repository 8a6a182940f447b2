namespace EdgeSplit.DeviceAgent.Generation;

/// <summary>The planner's choice for a session and the prediction for every option.</summary>
/// <param name="Cut">Chosen cut; null runs the whole model on the device.</param>
/// <param name="Options">Predicted time to first token, per output token and in total, per cut (N = local).</param>
/// <param name="Reason">Why.</param>
internal sealed record GenerationPlan(int? Cut, IReadOnlyList<GenerationPlanRow> Options, string Reason);

/// <summary>Prediction for one cut.</summary>
internal sealed record GenerationPlanRow(int Cut, double FirstTokenMs, double PerTokenMs, double TotalMs);
