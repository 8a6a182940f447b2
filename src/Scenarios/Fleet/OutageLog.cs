namespace EdgeSplit.Scenarios.Fleet;

/// <summary>Where an orchestrating scenario notes outages (seconds since the fleet started) for the report.</summary>
internal sealed class OutageLog
{
    private readonly List<OutageSpan> _spans = [];
    private readonly Dictionary<string, double> _open = new(StringComparer.Ordinal);

    public void Begin(string label, double atSeconds)
    {
        lock (_spans)
        {
            _open[label] = atSeconds;
        }
    }

    public void End(string label, double atSeconds)
    {
        lock (_spans)
        {
            if (_open.Remove(label, out var start))
            {
                _spans.Add(new OutageSpan(start, atSeconds, label));
            }
        }
    }

    public IReadOnlyList<OutageSpan> Close(double atSeconds)
    {
        lock (_spans)
        {
            foreach (var (label, start) in _open)
            {
                _spans.Add(new OutageSpan(start, atSeconds, label));
            }

            _open.Clear();
            return [.. _spans.OrderBy(s => s.StartSeconds)];
        }
    }
}
