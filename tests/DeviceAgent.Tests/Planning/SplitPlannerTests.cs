namespace EdgeSplit.DeviceAgent.Tests.Planning;

public sealed class SplitPlannerTests
{
    private static SplitPlanner Planner(Action<PlannerOptions>? configure = null)
    {
        var options = new PlannerOptions();
        configure?.Invoke(options);
        return new SplitPlanner(options);
    }

    [Fact]
    public void Plan_FastLinkIdleEdge_OffloadsAtFirstAllowedCutInF32()
    {
        var decision = Planner().Plan(Scenario.Context());

        Assert.Equal(1, decision.Chosen.Cut);
        Assert.Equal(WireEncoding.F32, decision.Chosen.Encoding);
        Assert.True(decision.Chosen.LatencyMs < decision.Local.LatencyMs);
    }

    [Fact]
    public void Plan_VerySlowLink_StaysLocal()
    {
        var decision = Planner().Plan(Scenario.Context(rttMs: 60, bytesPerMs: 50));

        Assert.True(decision.Chosen.IsLocal);
        Assert.Equal(8, decision.Chosen.Cut);
    }

    [Fact]
    public void Plan_SlowLinkSlowDevice_OffloadsWithInt4()
    {
        // 1 MB/s: an f32 activation of 16 tokens costs ~25 ms on the air, int8 ~6 ms, int4 ~3.5 ms; device layers
        // cost 10 ms each.
        var decision = Planner(o => o.AutoI4 = true).Plan(Scenario.Context(deviceLayerMs: 10, edgeLayerMs: 2, rttMs: 5, bytesPerMs: 1000));

        Assert.False(decision.Chosen.IsLocal);
        Assert.Equal(WireEncoding.I4, decision.Chosen.Encoding);
    }

    [Fact]
    public void Plan_DefaultOptions_AutoKeepsInt4OffEvenOnTheSlowestLink()
    {
        var planner = Planner();

        var slow = planner.Plan(Scenario.Context(deviceLayerMs: 10, rttMs: 60, bytesPerMs: 125, tokens: 128), forcedCut: 3).Chosen;

        Assert.False(planner.Options.AutoI4);
        Assert.Equal(WireEncoding.I8, slow.Encoding);
    }

    [Fact]
    public void Plan_LinkSpeed_SelectsEncodingByPrecisionBudget()
    {
        var planner = Planner(o => o.AutoI4 = true);

        var fast = planner.Plan(Scenario.Context(bytesPerMs: 100_000), forcedCut: 3).Chosen;
        var medium = planner.Plan(Scenario.Context(bytesPerMs: 20_000), forcedCut: 3).Chosen;
        var slow = planner.Plan(Scenario.Context(bytesPerMs: 1_000), forcedCut: 3).Chosen;
        var slowWithoutInt4 = planner.Plan(Scenario.Context(bytesPerMs: 1_000, encodings: [WireEncoding.F32, WireEncoding.F16, WireEncoding.I8]), forcedCut: 3).Chosen;

        Assert.Equal(WireEncoding.F32, fast.Encoding);
        Assert.Equal(WireEncoding.F16, medium.Encoding);
        Assert.Equal(WireEncoding.I4, slow.Encoding);
        Assert.Equal(WireEncoding.I8, slowWithoutInt4.Encoding);
        Assert.True(slow.Bytes < slowWithoutInt4.Bytes && slowWithoutInt4.Bytes < medium.Bytes && medium.Bytes < fast.Bytes);
    }

    [Fact]
    public void Plan_SameLink_PrecisionBudgetScalesWithTheRequestsLatency()
    {
        // 8 MB/s: f16 costs ~0.75 ms more than int8 on the air. Worth it on a ~25 ms request (slow device),
        // not on a ~4 ms one, where it would be 17% of the latency.
        var planner = Planner();

        var longRequest = planner.Plan(Scenario.Context(deviceLayerMs: 10, bytesPerMs: 8_000), forcedCut: 3).Chosen;
        var shortRequest = planner.Plan(Scenario.Context(deviceLayerMs: 1, bytesPerMs: 8_000), forcedCut: 3).Chosen;

        Assert.Equal(WireEncoding.F16, longRequest.Encoding);
        Assert.Equal(WireEncoding.I8, shortRequest.Encoding);
    }

    [Fact]
    public void Plan_FractionZero_OnlyFreePrecisionIsTaken()
    {
        var planner = Planner(o => o.PrecisionBudgetFraction = 0);

        Assert.Equal(WireEncoding.F32, planner.Plan(Scenario.Context(bytesPerMs: 100_000), forcedCut: 3).Chosen.Encoding);
        Assert.Equal(WireEncoding.I8, planner.Plan(Scenario.Context(deviceLayerMs: 10, bytesPerMs: 8_000), forcedCut: 3).Chosen.Encoding);
    }

    [Theory]
    [InlineData(100_000)]
    [InlineData(20_000)]
    public void Plan_FastLinkLongText_AutoDoesNotPickInt4(double bytesPerMs)
    {
        var planner = Planner(o => o.AutoI4 = true);

        var chosen = planner.Plan(Scenario.Context(deviceLayerMs: 10, bytesPerMs: bytesPerMs, tokens: 128), forcedCut: 3).Chosen;

        Assert.NotEqual(WireEncoding.I4, chosen.Encoding);
    }

    [Fact]
    public void Plan_OneMegabitLinkLongText_AutoPicksInt4()
    {
        // 1 Mbit/s = 125 bytes/ms: 128 tokens in int8 are ~50 KB, ~400 ms on the air; int4 saves ~190 ms.
        var planner = Planner(o => o.AutoI4 = true);

        var weak = planner.Plan(Scenario.Context(deviceLayerMs: 10, rttMs: 60, bytesPerMs: 125, tokens: 128), forcedCut: 3).Chosen;
        var oldEdge = planner.Plan(
            Scenario.Context(deviceLayerMs: 10, rttMs: 60, bytesPerMs: 125, tokens: 128, encodings: [WireEncoding.F32, WireEncoding.F16, WireEncoding.I8]),
            forcedCut: 3).Chosen;

        Assert.Equal(WireEncoding.I4, weak.Encoding);
        Assert.Equal(WireEncoding.I8, oldEdge.Encoding);
        Assert.True(weak.Bytes < 0.6 * oldEdge.Bytes, $"int4 {weak.Bytes} bytes vs int8 {oldEdge.Bytes}");
        Assert.True(weak.TransferMs < oldEdge.TransferMs);
    }

    [Fact]
    public void Plan_ForcedInt4_UsedWhenTheEdgeAcceptsIt()
    {
        var planner = Planner(o => o.Encoding = EncodingPolicy.I4);

        var accepted = planner.Plan(Scenario.Context(bytesPerMs: 100_000), forcedCut: 3).Chosen;
        var refused = planner.Plan(Scenario.Context(bytesPerMs: 100_000, encodings: [WireEncoding.F32, WireEncoding.F16, WireEncoding.I8]), forcedCut: 3).Chosen;

        Assert.Equal(WireEncoding.I4, accepted.Encoding);
        Assert.Equal(WireEncoding.F32, refused.Encoding); // auto among what the edge accepts
    }

    [Fact]
    public void Plan_EdgeOnlyAcceptsF16_NeverChoosesOtherEncodings()
    {
        var decision = Planner().Plan(Scenario.Context(bytesPerMs: 1_000, deviceLayerMs: 10, encodings: [WireEncoding.F16]));

        Assert.All(decision.Candidates.Where(c => !c.IsLocal), c => Assert.Equal(WireEncoding.F16, c.Encoding));
    }

    [Fact]
    public void Plan_LoadedEdge_StaysLocal()
    {
        var idle = Planner().Plan(Scenario.Context(queueMs: 0));
        var loaded = Planner().Plan(Scenario.Context(queueMs: 40));

        Assert.False(idle.Chosen.IsLocal);
        Assert.True(loaded.Chosen.IsLocal);
    }

    [Fact]
    public void Plan_SlowDevice_OffloadsWhereFastDeviceStaysLocal()
    {
        // Same link and edge; only the device differs.
        var fastDevice = Planner().Plan(Scenario.Context(deviceLayerMs: 1, edgeLayerMs: 0.5, rttMs: 5, bytesPerMs: 5_000));
        var slowDevice = Planner().Plan(Scenario.Context(deviceLayerMs: 10, edgeLayerMs: 0.5, rttMs: 5, bytesPerMs: 5_000));

        Assert.True(fastDevice.Chosen.IsLocal);
        Assert.Equal(1, slowDevice.Chosen.Cut);
    }

    [Fact]
    public void Plan_LateCutCheaperThanEarly_ChoosesIntermediateCut()
    {
        // Every cut pays the same transfer; the edge is slow on its first two layers (say a contended
        // shard) and fast on the rest, so the cheapest plan runs those two on the device and offloads after them.
        var context = Scenario.Context(deviceLayerMs: 4, rttMs: 1, bytesPerMs: 20_000) with
        {
            Edge = new EdgeSnapshot([0.1, 6, 6, 0.5, 0.5, 0.5, 0.5, 0.05], 0, 1),
        };

        var decision = Planner().Plan(context);

        Assert.Equal(3, decision.Chosen.Cut);
    }

    [Fact]
    public void Plan_MinDeviceStages_NoCandidateBelowMinimum()
    {
        var decision = Planner(o => o.MinDeviceStages = 3).Plan(Scenario.Context());

        Assert.Equal(3, decision.Candidates[0].Cut);
        Assert.Equal(3, decision.Chosen.Cut);
    }

    [Fact]
    public void Plan_TokenIdsNotAllowed_NeverCutsAtZero()
    {
        var decision = Planner().Plan(Scenario.Context(acceptsTokenIds: true));

        Assert.DoesNotContain(decision.Candidates, c => c.Cut == 0);
    }

    [Fact]
    public void Plan_TokenIdsAllowedAndAccepted_CutsAtZero()
    {
        var planner = Planner(o =>
        {
            o.MinDeviceStages = 0;
            o.AllowTokenIds = true;
        });

        var accepted = planner.Plan(Scenario.Context(acceptsTokenIds: true));
        var refused = planner.Plan(Scenario.Context(acceptsTokenIds: false));

        Assert.Equal(0, accepted.Chosen.Cut);
        Assert.True(accepted.Chosen.Bytes < accepted.Candidates.Single(c => c.Cut == 1).Bytes);
        Assert.Equal(1, refused.Candidates[0].Cut);
    }

    [Fact]
    public void Plan_EnergyObjective_KeepsWorkLocalWhereLatencyWouldOffload()
    {
        // Offloading is faster, but on LTE with the radio asleep one transfer wakes it for its ~11.6 s tail at ~1 W
        // (Huang et al. 2012): joules against ~25 mJ of compute.
        void Configure(PlannerOptions o)
        {
            o.Encoding = EncodingPolicy.I8;
            o.Power = new PowerModel { Radio = RadioPower.Lte };
        }

        var context = Scenario.Context(deviceLayerMs: 2, edgeLayerMs: 0.05, rttMs: 1, bytesPerMs: 893);
        var latency = Planner(Configure).Plan(context);
        var energy = Planner(o =>
        {
            Configure(o);
            o.Objective = PlanObjective.Energy;
        }).Plan(context);

        Assert.False(latency.Chosen.IsLocal);
        Assert.True(energy.Chosen.IsLocal);
        Assert.True(energy.Chosen.EnergyMj < latency.Chosen.EnergyMj);
        Assert.True(latency.Chosen.EnergyMj > RadioPower.Lte.TailWatts * RadioPower.Lte.TailMs, $"{latency.Chosen.EnergyMj:F0} mJ");
    }

    [Fact]
    public void Plan_EnergyObjectiveOnLte_RadioStillInItsTail_PaysOnlyTheExtension()
    {
        // A slow phone (10 ms a layer, ~124 mJ all-local). A sleeping LTE radio makes offloading cost joules; right
        // after another transfer the radio is up anyway and this request extends its tail by only its own duration.
        var planner = Planner(o =>
        {
            o.Objective = PlanObjective.Energy;
            o.Encoding = EncodingPolicy.I8;
            o.Power = new PowerModel { Radio = RadioPower.Lte };
        });

        var asleep = planner.Plan(Scenario.Context(deviceLayerMs: 10, edgeLayerMs: 0.5, rttMs: 1, bytesPerMs: 893));
        var up = planner.Plan(Scenario.Context(deviceLayerMs: 10, edgeLayerMs: 0.5, rttMs: 1, bytesPerMs: 893, radioTailLeftMs: RadioPower.Lte.TailMs));

        Assert.True(asleep.Chosen.IsLocal, asleep.Explain());
        Assert.False(up.Chosen.IsLocal, up.Explain());
        var cut = up.Chosen.Cut;
        var saved = asleep.Candidates.Single(c => c.Cut == cut).EnergyMj - up.Chosen.EnergyMj;
        // The whole tail minus the extension (the request's own ~13 ms) is what a radio already up saves.
        Assert.InRange(saved, 0.99 * RadioPower.Lte.TailWatts * RadioPower.Lte.TailMs, RadioPower.Lte.TailWatts * RadioPower.Lte.TailMs * 1.01);
    }

    [Fact]
    public void Plan_EnergyObjectiveOnWifi_SlowPhoneOffloadsLongRequestFastPhoneKeepsShortOne()
    {
        var planner = Planner(o => o.Objective = PlanObjective.Energy);

        // 128 tokens on a slow phone (40 ms a layer, ~0.5 J all-local) over 20 Mbit/s Wi-Fi: sending costs ~0.15 J.
        var slowLong = planner.Plan(Scenario.Context(deviceLayerMs: 40, edgeLayerMs: 2, rttMs: 3, bytesPerMs: 2500, tokens: 128));
        // 16 tokens on a fast phone (1 ms a layer, ~12 mJ): the Wi-Fi tail alone (~28 mJ) costs more.
        var fastShort = planner.Plan(Scenario.Context(deviceLayerMs: 1, edgeLayerMs: 0.2, rttMs: 3, bytesPerMs: 2500));

        Assert.False(slowLong.Chosen.IsLocal, slowLong.Explain());
        Assert.True(slowLong.Chosen.EnergyMj < slowLong.Local.EnergyMj / 2);
        Assert.True(fastShort.Chosen.IsLocal, fastShort.Explain());
        Assert.True(fastShort.Candidates.Where(c => !c.IsLocal).All(c => c.EnergyMj > RadioPower.Wifi.TailWatts * RadioPower.Wifi.TailMs));
    }

    [Fact]
    public void Plan_EnergyObjective_OffloadsWhenRadioIsCheap()
    {
        var context = Scenario.Context(deviceLayerMs: 2, edgeLayerMs: 0.05, rttMs: 30, bytesPerMs: 100_000);
        var planner = Planner(o =>
        {
            o.Objective = PlanObjective.Energy;
            o.Power = new PowerModel { Radio = RadioPower.None };
        });

        var decision = planner.Plan(context);
        var latencyChoice = Planner().Plan(context);

        // Waiting 30 ms at 0.3 W is cheaper than 12 ms of compute at 2 W, though it is slower.
        Assert.False(decision.Chosen.IsLocal);
        Assert.True(latencyChoice.Chosen.IsLocal);
    }

    [Fact]
    public void Plan_EdgeUnavailable_OnlyLocalCandidate()
    {
        var decision = Planner().Plan(Scenario.Context(edgeAvailable: false));

        Assert.Single(decision.Candidates);
        Assert.True(decision.Chosen.IsLocal);
        Assert.Contains("unavailable", decision.Reason);
    }

    [Fact]
    public void Plan_ForcedCut_UsesItEvenIfNotCheapest()
    {
        var decision = Planner().Plan(Scenario.Context(), forcedCut: 6);

        Assert.Equal(6, decision.Chosen.Cut);
        Assert.Contains("fixed", decision.Reason);
    }

    [Fact]
    public void Plan_ExploreDueAndLocalBest_SendsOneRequestToTheEdge()
    {
        // Offload predicted at ~2x local on stale figures: worth one request to re-measure.
        var context = Scenario.Context(queueMs: 15, exploreDue: true, estimatesStale: true);

        var decision = Planner().Plan(context);

        Assert.False(decision.Chosen.IsLocal);
        Assert.True(decision.Explores);
        Assert.StartsWith("explore", decision.Reason);
    }

    [Fact]
    public void Plan_ExploreDueStaleButEdgeHopeless_StaysLocal()
    {
        // Local ~8 ms; the edge path ~210 ms behind a 200 ms round trip: however stale the figures, nothing to learn.
        var decision = Planner().Plan(Scenario.Context(rttMs: 200, exploreDue: true, estimatesStale: true));

        Assert.True(decision.Chosen.IsLocal);
        Assert.False(decision.Explores);
    }

    [Fact]
    public void Plan_EnergyObjectiveExploreDue_JudgesTheProbeByEnergy()
    {
        // A fast link and a close latency call, but on LTE with the radio asleep the offload costs its whole radio
        // tail (~12 J) against ~16 mJ of local compute: the energy objective does not spend that to re-measure.
        var lte = Planner(o =>
        {
            o.Objective = PlanObjective.Energy;
            o.Power.Radio = EdgeSplit.DeviceAgent.Energy.RadioPower.Lte;
        });

        var decision = lte.Plan(Scenario.Context(queueMs: 6, exploreDue: true, estimatesStale: true));

        Assert.True(decision.Chosen.IsLocal, decision.Explain());
        Assert.False(decision.Explores);
    }

    [Fact]
    public void Plan_ExploreDueFreshEstimatesEdgeFarWorse_StaysLocal()
    {
        var decision = Planner().Plan(Scenario.Context(queueMs: 40, exploreDue: true));

        Assert.True(decision.Chosen.IsLocal);
    }

    [Fact]
    public void Plan_ExploreDueFreshEstimatesCloseCall_ReMeasuresEdge()
    {
        // Offload predicted at ~1.3x local: close enough that one noisy sample may be all that separates them.
        var decision = Planner().Plan(Scenario.Context(queueMs: 6, exploreDue: true));

        Assert.False(decision.Chosen.IsLocal);
        Assert.Contains("close call", decision.Reason);
    }

    [Fact]
    public void Plan_Candidates_LatencyIsSumOfParts()
    {
        var decision = Planner().Plan(Scenario.Context(rttMs: 2, bytesPerMs: 5_000, queueMs: 3));

        Assert.Equal(8 - 1 + 1, decision.Candidates.Count);
        Assert.All(decision.Candidates, c =>
            Assert.Equal(c.DeviceMs + c.EncodeMs + c.TransferMs + c.RttMs + c.QueueMs + c.EdgeMs, c.LatencyMs, 6));
        Assert.Equal(decision.Candidates.Min(c => c.LatencyMs), decision.Chosen.LatencyMs);
    }

    [Fact]
    public void Explain_WithActual_ListsEveryCutAndMarksChoice()
    {
        var decision = Planner().Plan(Scenario.Context());

        var text = decision.Explain(4.2, "edge");

        Assert.Equal(decision.Candidates.Count, text.Split('\n').Count(l => l.Length > 2 && char.IsDigit(l.TrimStart('*', ' ')[0])));
        Assert.Contains("* " + decision.Chosen.Cut.ToString(System.Globalization.CultureInfo.InvariantCulture).PadLeft(3), text);
        Assert.Contains("actual 4.20 ms via edge", text);
    }
}
