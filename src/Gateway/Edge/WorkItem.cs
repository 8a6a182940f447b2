namespace EdgeSplit.Gateway.Edge;

/// <summary>A decoded, validated request waiting for (or in) a micro-batch.</summary>
internal sealed class WorkItem
{
    public required int Cut { get; init; }

    public required int Rows { get; init; }

    public required int Sequence { get; init; }

    /// <summary>Hidden state [Rows, Sequence, hidden] for Cut ≥ 1.</summary>
    public float[]? Hidden { get; init; }

    /// <summary>Token ids [Rows, Sequence] for Cut 0.</summary>
    public long[]? InputIds { get; init; }

    /// <summary>Token type ids for Cut 0 (zeros when the device sent none).</summary>
    public long[]? TokenTypeIds { get; init; }

    public required long[] Mask { get; init; }

    public bool ReturnHidden { get; init; }

    public required long ArrivalTimestamp { get; init; }

    /// <summary>TimeProvider timestamp after which the request must not be computed; long.MaxValue for none.</summary>
    public required long DeadlineTimestamp { get; init; }

    public CancellationToken Cancellation { get; init; }

    public TaskCompletionSource<WorkResult> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
}
