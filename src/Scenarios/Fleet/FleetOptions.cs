namespace EdgeSplit.Scenarios.Fleet;

/// <summary>A fleet load test: how many phones, for how long, how often each sends, and where the report goes.</summary>
internal sealed record FleetOptions
{
    /// <summary>Edge or router URL every phone talks to.</summary>
    public required Uri Edge { get; init; }

    /// <summary>Simulated phones. Default 50.</summary>
    public int Devices { get; init; } = 50;

    /// <summary>How long phones keep sending. Default 60 s.</summary>
    public TimeSpan Duration { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>Requests per second per phone (Poisson arrivals). Default 1.</summary>
    public double RequestsPerSecond { get; init; } = 1;

    /// <summary>Directory for summary.json and report.html; null writes no report.</summary>
    public string? ReportDirectory { get; init; }

    /// <summary>Seed of the arrival times and sentence choice, for repeatable runs.</summary>
    public int Seed { get; init; } = 1;

    /// <summary>Phone classes and their shares.</summary>
    public IReadOnlyList<DeviceClass> Mix { get; init; } = DeviceClass.DefaultMix;

    /// <summary>
    /// Links the phones have to the edge and their shares (<see cref="LinkMix.Default"/>: Wi-Fi, 5G, LTE, weak 3G).
    /// Every phone with a shaping link talks to the edge through its own <see cref="ThrottlingProxy"/>.
    /// </summary>
    public LinkMix Links { get; init; } = LinkMix.Default;

    /// <summary>Report title.</summary>
    public string Title { get; init; } = "EdgeSplit fleet load test";

    /// <summary>
    /// Fixed cut for every phone (stages [0,k) on the device, the rest offloaded); null (default) lets each
    /// phone's planner choose. Capacity tests fix it so the edges carry the whole fleet.
    /// </summary>
    public int? FixedCut { get; init; }

    /// <summary>
    /// Seconds at the start whose requests are left out of summary.json (connections opening, first calls
    /// JIT-compiling on both sides); they still appear in the charts. Default 0.
    /// </summary>
    public double WarmUpSeconds { get; init; }

    /// <summary>Whether phones hedge a late edge with their local tail (default true; capacity tests turn it off).</summary>
    public bool Hedge { get; init; } = true;

    /// <summary>
    /// Phones join over this time, evenly spaced, each connecting and then sending (a load tester's spawn
    /// rate). Zero: every phone connects at once when the run starts. Default 2 s.
    /// </summary>
    public TimeSpan Ramp { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>How long to wait for answers still in flight when the duration ends. Default 30 s.</summary>
    public TimeSpan Drain { get; init; } = TimeSpan.FromSeconds(30);
}
