namespace EdgeSplit.Bench.Soak;

/// <summary>The kinds of misbehaving client the soak runs, one at a time.</summary>
internal enum Attacker
{
    /// <summary>InferStream calls that ask for large replies (return_hidden on a full batch) and never read them.</summary>
    SlowReader,

    /// <summary>Activations far beyond any encoder's range (1e30 F32, int8 with 3e38 scales) as fast as answered.</summary>
    Extreme,

    /// <summary>Raw HTTP/2 bodies with bad frame flags, non-gzip "gzip", truncated and oversized frames.</summary>
    Malformed,

    /// <summary>Thousands of HTTP/2 connections held open (preface sent, then silence) and churned.</summary>
    Flood,
}
