using EdgeSplit.Cli;
using EdgeSplit.DeviceAgent.Observability;

namespace EdgeSplit.DeviceAgent.Tests.Execution;

/// <summary>Every answer carries what it cost the phone, measured on the real model (the edge computes real answers too).</summary>
public sealed class SplitAgentSpendTests(AgentModelFixture fixture) : IClassFixture<AgentModelFixture>
{
    private const string Text = "what the phone spends on one request";

    /// <summary>A device 4x slower than this machine, so offloading to the in-process edge pays.</summary>
    private SlowerDevice Slower() => new(new LocalExecutor(fixture.Model), 4);

    private static DeviceAgentOptions Options()
    {
        // No hedge: these tests pin which route a request takes; hedged spend is covered by the clock and meter tests.
        var options = new DeviceAgentOptions { ProfileLengths = [8, 24], ProfileRepeats = 1 };
        options.Resilience.Hedge = false;
        options.Planner.Power = new PowerModel { DeviceComputeWatts = 2.5, Radio = RadioPower.Lte };
        return options;
    }

    private ScriptedEdgeTransport Edge() => new(fixture.Model.ModelHash, fixture.Model.StageCount, fixture.Model);

    [Fact]
    public async Task EmbedAsync_LocalRoute_ChargesTheMeasuredFullComputeAndNoRadio()
    {
        await using var agent = new SplitAgent(fixture.Model, Edge(), Microsoft.Extensions.Options.Options.Create(Options()), compute: Slower());

        var result = await agent.EmbedAsync(Text, cut: agent.StageCount);

        Assert.Equal(AgentRoute.Local, result.Route);
        var spend = result.Spend;
        Assert.True(spend.HeadMs > 0 && spend.HeadMs <= result.ActualMs, $"head {spend.HeadMs} ms of {result.ActualMs} ms");
        Assert.Equal(0, spend.TailMs);
        Assert.Equal(0, spend.BytesUp);
        Assert.Equal(0, spend.BytesDown);
        Assert.Equal(0, spend.RadioMillijoules);
        Assert.Equal(2.5 * spend.HeadMs, spend.Millijoules, 9);
        Assert.Equal(0, spend.SavedMillijoules, 9);
    }

    [Fact]
    public async Task EmbedAsync_EdgeRoute_ChargesHeadBytesAndRadioButNoTail()
    {
        var edge = Edge();
        await using var agent = new SplitAgent(fixture.Model, edge, Microsoft.Extensions.Options.Options.Create(Options()), compute: Slower());
        await agent.StartAsync();

        var result = await agent.EmbedAsync(Text, cut: 2);

        Assert.Equal(AgentRoute.Edge, result.Route);
        var spend = result.Spend;
        Assert.True(spend.HeadMs > 0, $"head {spend.HeadMs} ms");
        Assert.Equal(0, spend.TailMs);
        Assert.True(spend.BytesUp > 0);
        Assert.Equal(WireSize.Reply(fixture.Model.HiddenSize), spend.BytesDown);
        Assert.Equal(2.5 * spend.HeadMs, spend.ComputeMillijoules, 9);
        // LTE: the radio's tail after the transfer dominates (the warm-up call at start already woke the radio, so
        // only the extension is charged, but that is still most of a second or more of ~1 W).
        Assert.True(spend.RadioMillijoules > RadioPower.Lte.ActiveMillijoules(spend.BytesUp, spend.BytesDown, 0));
        Assert.Equal(result.Decision.Local.DeviceMs, spend.LocalMs, 9);
        Assert.Equal(2.5 * spend.LocalMs, spend.LocalMillijoules, 9);
        Assert.True(spend.Millijoules > spend.ComputeMillijoules);
    }

    [Fact]
    public async Task EmbedAsync_EdgeFailsAfterCut_ChargesHeadPlusLocalTailAndThePlannedBytes()
    {
        var edge = Edge();
        edge.OnInfer = (_, _) => throw ScriptedEdgeTransport.Unavailable();
        await using var agent = new SplitAgent(fixture.Model, edge, Microsoft.Extensions.Options.Options.Create(Options()), compute: Slower());

        var result = await agent.EmbedAsync(Text, cut: 3);

        Assert.Equal(AgentRoute.Fallback, result.Route);
        var spend = result.Spend;
        Assert.True(spend.HeadMs > 0 && spend.TailMs > 0, $"head {spend.HeadMs} ms, tail {spend.TailMs} ms");
        Assert.True(spend.ComputeMs <= result.ActualMs);
        Assert.Equal(result.Decision.Chosen.Bytes, spend.BytesUp);
        Assert.Equal(0, spend.BytesDown);
        Assert.Equal(2.5 * spend.ComputeMs, spend.ComputeMillijoules, 9);
        Assert.True(spend.SavedMillijoules < 0, "a failed offload costs more than running locally");
    }

    [Fact]
    public async Task EmbedAsync_WithTelemetry_CountsComputeEnergyAndCounterfactualByRoute()
    {
        // A meter from its own factory: the listener hears this agent only, not another test's on the same meter name.
        using var measurements = DeviceMeasurements.OnOwnFactory();
        using var telemetry = new DeviceTelemetry(measurements.Factory);
        await using var agent = new SplitAgent(fixture.Model, null, Microsoft.Extensions.Options.Options.Create(Options()), telemetry: telemetry, compute: Slower());

        var result = await agent.EmbedAsync(Text);

        var seen = measurements.All;
        Assert.Contains(("edgesplit.device.energy", result.Spend.Millijoules, "local"), seen);
        Assert.Contains(("edgesplit.device.energy.local", result.Spend.LocalMillijoules, "local"), seen);
        Assert.Contains(("edgesplit.device.compute.time", result.Spend.ComputeMs / 1000, "local"), seen);
    }
}
