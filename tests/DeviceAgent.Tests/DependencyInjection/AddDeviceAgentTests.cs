using System.Diagnostics.Metrics;
using EdgeSplit.DeviceAgent.Tests.Execution;
using Microsoft.Extensions.DependencyInjection;

namespace EdgeSplit.DeviceAgent.Tests.DependencyInjection;

public sealed class AddDeviceAgentTests(AgentModelFixture fixture) : IClassFixture<AgentModelFixture>
{
    private const string Text = "an app registers the agent with its own device compute";

    [Fact]
    public async Task WithCompute_KnownProfile_AgentRunsThereAndSkipsProfiling()
    {
        var clock = new FakeTimeProvider();
        var phone = Enumerable.Repeat(new LinearStageCost(1, 0.5), fixture.Model.StageCount).ToArray();
        var compute = new ScriptedDeviceCompute(fixture.Model, phone, clock);
        var services = new ServiceCollection();
        services.AddSingleton<TimeProvider>(clock);
        services.AddDeviceAgent().WithCompute(_ => compute);
        await using var provider = services.BuildServiceProvider();
        var agent = provider.GetRequiredService<SplitAgent>();

        var result = await agent.EmbedAsync(Text);

        // The compute's known profile is the agent's: nothing was measured on this machine.
        Assert.Equal(phone, agent.DeviceProfile);
        Assert.Equal(AgentRoute.Local, result.Route);
        var expected = fixture.Model.Embed(fixture.Model.Tokenize([Text]))[0];
        for (var i = 0; i < expected.Length; i++)
        {
            Assert.Equal(expected[i], result.Embedding[i], 4);
        }

        // The run took, on the agent's clock, what the scripted phone says for every stage.
        var tokens = fixture.Model.Tokenize([Text]).Sequence;
        Assert.Equal(phone.Sum(c => c.At(tokens)), result.ActualMs, 3);
    }

    [Fact]
    public async Task WithHostMetrics_AgentMeasuresOnTheHostsMeterAndTheHostDisposesIt()
    {
        var clock = new FakeTimeProvider();
        var phone = Enumerable.Repeat(new LinearStageCost(1, 0.5), fixture.Model.StageCount).ToArray();
        var services = new ServiceCollection();
        services.AddSingleton<TimeProvider>(clock);
        services.AddMetrics();
        services.AddDeviceAgent().WithCompute(_ => new ScriptedDeviceCompute(fixture.Model, phone, clock));
        await using var provider = services.BuildServiceProvider();
        using var measurements = new DeviceMeasurements(provider.GetRequiredService<IMeterFactory>());

        var agent = provider.GetRequiredService<SplitAgent>();
        await agent.EmbedAsync(Text);

        // The agent's telemetry is on the host's meter: the one request it answered, and nothing from elsewhere.
        Assert.Equal(["local"], measurements.Routes);

        // The container owns that meter: disposing the host ends its instruments.
        Assert.False(measurements.Completed);
        await provider.DisposeAsync();
        Assert.True(measurements.Completed, "disposing the host should complete the agent's instruments");
    }
}
