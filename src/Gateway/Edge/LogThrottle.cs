namespace EdgeSplit.Gateway.Edge;

/// <summary>
/// Lets one log line through per interval and counts the rest, for lines a client can trigger at will (malformed
/// messages, non-finite outputs): the count goes into the next line instead of flooding the log.
/// </summary>
internal sealed class LogThrottle(TimeProvider time, TimeSpan interval)
{
    private readonly Lock _gate = new();
    private long _next = long.MinValue;
    private int _suppressed;

    /// <summary>True when a line may be written now; <paramref name="suppressed"/> is how many were left out before it.</summary>
    public bool TryEnter(out int suppressed)
    {
        lock (_gate)
        {
            var now = time.GetTimestamp();
            if (now < _next)
            {
                _suppressed++;
                suppressed = 0;
                return false;
            }

            _next = now + (long)(interval.TotalSeconds * time.TimestampFrequency);
            (suppressed, _suppressed) = (_suppressed, 0);
            return true;
        }
    }
}
