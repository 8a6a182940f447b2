using EdgeSplit.DeviceAgent.Planning;

namespace EdgeSplit.DeviceAgent.Energy;

/// <summary>
/// Charges each request of one device with its modelled energy (<see cref="DeviceSpend"/>): compute watts × compute
/// time, the radio's active power while the activation and the reply move (at the link's measured throughput), the
/// radio's high-power state while it waits for the reply and its tail after it, and the idle draw of the rest of the
/// device while it waits. The radio is one per device, so the meter remembers when its tail ends: a request sent
/// while the radio is still up from an earlier one pays only the extension of the tail it causes. Thread-safe.
/// </summary>
public sealed class EnergyMeter
{
    private readonly TimeProvider _time;
    private readonly long _epoch;
    private readonly Lock _lock = new();
    private double _tailEndsMs = double.NegativeInfinity;

    /// <summary>A meter for one device with these power figures; <paramref name="time"/> times the radio's tail.</summary>
    public EnergyMeter(PowerModel power, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(power);
        ArgumentNullException.ThrowIfNull(time);
        Power = power;
        _time = time;
        _epoch = time.GetTimestamp();
    }

    /// <summary>The power figures charged.</summary>
    public PowerModel Power { get; }

    /// <summary>
    /// How long the radio's high-power tail still runs from now, in milliseconds (0: the radio is asleep). A transfer
    /// starting within this time pays only the tail it adds beyond it; the planner uses it to charge the tail realistically.
    /// </summary>
    public double RadioTailLeftMs
    {
        get
        {
            lock (_lock)
            {
                return Math.Max(0, _tailEndsMs - MsAt(_time.GetTimestamp()));
            }
        }
    }

    /// <summary>The modelled energy of one request; remembers the radio tail it leaves behind.</summary>
    public DeviceSpend Charge(RequestUsage usage)
    {
        var head = Math.Max(0, usage.HeadMs);
        var tail = Math.Max(0, usage.TailMs);
        var compute = Power.DeviceComputeWatts * (head + tail);
        var localMj = Power.DeviceComputeWatts * Math.Max(0, usage.LocalMs);
        if (usage.BytesUp <= 0 && usage.BytesDown <= 0)
        {
            return new DeviceSpend(head, tail, 0, 0, compute, 0, usage.LocalMs, localMj);
        }

        var bytesPerMs = Math.Max(usage.BytesPerMs, 1e-6);
        var upMs = Math.Max(0, usage.BytesUp) / bytesPerMs;
        var downMs = Math.Max(0, usage.BytesDown) / bytesPerMs;
        var from = MsAt(usage.RadioFrom);
        var window = Math.Max(0, MsAt(usage.RadioUntil) - from);
        var gap = Math.Max(0, window - upMs - downMs);
        RadioCharge radio;
        lock (_lock)
        {
            radio = RadioExchange.Charge(Power.Radio, usage.BytesUp, usage.BytesDown, upMs, downMs, gap, from, _tailEndsMs);
            _tailEndsMs = radio.TailEndsMs;
        }

        var wait = Math.Max(0, gap - Math.Max(0, usage.ComputeWhileWaitingMs));
        return new DeviceSpend(head, tail, Math.Max(0, usage.BytesUp), Math.Max(0, usage.BytesDown), compute, radio.Millijoules, usage.LocalMs, localMj)
        {
            WaitMs = wait,
            WaitMillijoules = Power.IdleWaitWatts * wait,
        };
    }

    private double MsAt(long timestamp) => _time.GetElapsedTime(_epoch, timestamp).TotalMilliseconds;
}
