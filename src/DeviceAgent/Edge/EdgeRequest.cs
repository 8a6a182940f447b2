using EdgeSplit.Inference.Runtime;
using EdgeSplit.Inference.Text;

namespace EdgeSplit.DeviceAgent.Edge;

/// <summary>
/// Work for the edge: stages [Cut, N). Cut 0 sends <see cref="Tokens"/> (cloud-only
/// baseline); otherwise <see cref="Activation"/> is the hidden state at the cut.
/// </summary>
public sealed record EdgeRequest(
    string RequestId,
    int Cut,
    TokenBatch? Tokens,
    Activation? Activation,
    WireEncoding Encoding,
    TimeSpan? Deadline = null,
    bool ReturnHidden = false);
