using EdgeSplit.DeviceAgent.Energy;
using EdgeSplit.DeviceAgent.Planning;

namespace EdgeSplit.Functional.Tests.DeviceAgent;

/// <summary>What requests cost the phone, against the real gateway process over gRPC.</summary>
[Collection(AgentProcesses.Name)]
public sealed class DeviceSpendTests(AgentHarness harness) : IClassFixture<AgentHarness>
{
    [Fact]
    public async Task EmbedAsync_RealEdge_LocalRouteChargesFullComputeEdgeRouteChargesHeadAndRadio()
    {
        await using var gateway = await AgentHarness.StartGatewayAsync();
        // No hedge: a forced cut to a healthy edge must answer from the edge here, whatever the machine's load.
        await using var agent = harness.Agent(gateway.Address, o =>
        {
            o.Resilience.Hedge = false;
            o.Planner.Power = new PowerModel { Radio = RadioPower.Wifi };
        });
        await agent.StartAsync().WaitAsync(AgentHarness.Timeout);
        // A gateway that has just started can miss the agent's short connect timeout; the probes then bring it in.
        await WaitUntilAsync(() => agent.EdgeAvailable);
        var text = AgentHarness.Texts[2];

        var local = await agent.EmbedAsync(text, agent.StageCount).WaitAsync(AgentHarness.Timeout);
        var edge = await agent.EmbedAsync(text, 2).WaitAsync(AgentHarness.Timeout);

        Assert.Equal(AgentRoute.Local, local.Route);
        Assert.True(local.Spend.HeadMs > 0, $"local head {local.Spend.HeadMs} ms");
        Assert.Equal(0, local.Spend.TailMs);
        Assert.Equal(0, local.Spend.BytesUp);
        Assert.Equal(0, local.Spend.RadioMillijoules);
        Assert.Equal(local.Spend.ComputeMs * 2.0, local.Spend.Millijoules, 9);

        Assert.Equal(AgentRoute.Edge, edge.Route);
        Assert.Equal(0, edge.Spend.TailMs);
        Assert.True(edge.Spend.HeadMs > 0 && edge.Spend.HeadMs < local.Spend.HeadMs, $"head {edge.Spend.HeadMs} ms vs full {local.Spend.HeadMs} ms");
        // The request message as gRPC sized it: the hidden state of every token at the chosen encoding, at least.
        var tokens = edge.Decision.Tokens;
        Assert.True(edge.Spend.BytesUp >= WireSize.Data(tokens, 384, edge.Encoding), $"{edge.Spend.BytesUp} B for {tokens} tokens in {edge.Encoding}");
        Assert.Equal(WireSize.Reply(384), edge.Spend.BytesDown);
        Assert.True(edge.Spend.RadioMillijoules > 0);
        Assert.True(edge.Spend.Millijoules > edge.Spend.ComputeMillijoules);
        Assert.True(edge.Spend.LocalMillijoules > 0);
        Assert.True(harness.Similarity(edge) > 0.999);
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        using var timeout = new CancellationTokenSource(AgentHarness.Timeout);
        while (!condition())
        {
            await Task.Delay(50, timeout.Token);
        }
    }
}
