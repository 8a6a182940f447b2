namespace EdgeSplit.Bench.Soak;

/// <summary>One attacker's run: the edge's resident memory and the normal client's latency without and with it.</summary>
internal sealed record SoakResult(
    string Attacker,
    double Seconds,
    double RssStartMb,
    double RssPeakMb,
    double RssAfterMb,
    int NormalAnsweredAlone,
    int NormalAnsweredAttacked,
    int NormalFailed,
    double P99AloneMs,
    double P99AttackedMs,
    double MaxAloneMs,
    double MaxAttackedMs,
    long AttackerCalls,
    IReadOnlyDictionary<string, long> AttackerStatuses);
