namespace EdgeSplit.DeviceAgent.Resilience;

/// <summary>Why an edge call produced no answer.</summary>
public enum EdgeFailureKind
{
    /// <summary>No failure: the edge answered.</summary>
    None,

    /// <summary>Connection refused or reset, UNAVAILABLE, stream died.</summary>
    Unavailable,

    /// <summary>RESOURCE_EXHAUSTED: alive but shedding load; run locally now.</summary>
    Busy,

    /// <summary>Our deadline or DEADLINE_EXCEEDED.</summary>
    Timeout,

    /// <summary>The node refused the request (INVALID_ARGUMENT, FAILED_PRECONDITION, ...).</summary>
    Rejected,

    /// <summary>The circuit is open: the call was not even attempted.</summary>
    CircuitOpen,

    /// <summary>The caller cancelled.</summary>
    Cancelled,

    /// <summary>Anything else (a bug in a transport, a malformed answer).</summary>
    Other,
}
