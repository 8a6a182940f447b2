namespace EdgeSplit.Inference.Runtime;

/// <summary>
/// The tensor at a cut: hidden state [Batch, Sequence, Hidden] (row-major float) plus the attention mask,
/// and the stage that consumes it next. This is what the device keeps to resume locally.
/// </summary>
public sealed record Activation(int Cut, int Batch, int Sequence, int Hidden, float[] Data, long[] AttentionMask);
