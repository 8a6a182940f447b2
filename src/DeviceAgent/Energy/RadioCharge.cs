namespace EdgeSplit.DeviceAgent.Energy;

/// <summary>
/// What an exchange costs the radio: <see cref="ActiveMillijoules"/> while bytes move, <see cref="TailMillijoules"/>
/// for <see cref="TailMs"/> of high-power state no earlier transfer had paid for, and when the radio's tail now ends.
/// </summary>
internal readonly record struct RadioCharge(double ActiveMillijoules, double TailMillijoules, double TailMs, double TailEndsMs)
{
    public double Millijoules => ActiveMillijoules + TailMillijoules;
}
