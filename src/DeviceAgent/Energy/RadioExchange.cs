namespace EdgeSplit.DeviceAgent.Energy;

/// <summary>
/// Radio energy of one request/reply exchange on a timeline in milliseconds, shared by the planner (predicted)
/// and the <see cref="EnergyMeter"/> (measured) so both charge the same way: active power while bytes move, the
/// high-power state between the request and the reply (the inactivity timer keeps the radio up, at most one tail
/// long), and the tail after the reply. Only the tail time after <c>paidUntilMs</c>, when the tail of an earlier
/// transfer would have ended anyway, is charged: a request sent while the radio is still up pays the extension.
/// </summary>
internal static class RadioExchange
{
    /// <summary>
    /// Charges an exchange whose first byte leaves at <paramref name="startMs"/>: <paramref name="upMs"/> sending,
    /// <paramref name="gapMs"/> waiting, <paramref name="downMs"/> receiving.
    /// </summary>
    public static RadioCharge Charge(RadioPower radio, long bytesUp, long bytesDown, double upMs, double downMs, double gapMs, double startMs, double paidUntilMs)
    {
        if (bytesUp <= 0 && bytesDown <= 0)
        {
            return new RadioCharge(0, 0, 0, paidUntilMs);
        }

        upMs = Math.Max(0, upMs);
        downMs = Math.Max(0, downMs);
        gapMs = Math.Max(0, gapMs);
        var active = radio.ActiveMillijoules(bytesUp, bytesDown, upMs + downMs);
        var sent = startMs + upMs;
        var received = sent + gapMs + downMs;
        var tail = radio.TailMs;
        var tailMs = Unpaid(sent, sent + Math.Min(gapMs, tail), paidUntilMs) + Unpaid(received, received + tail, paidUntilMs);
        return new RadioCharge(active, radio.TailWatts * tailMs, tailMs, Math.Max(paidUntilMs, received + tail));
    }

    // The part of [from, to) after paidUntil.
    private static double Unpaid(double from, double to, double paidUntil) => Math.Max(0, to - Math.Max(from, paidUntil));
}
