using Microsoft.Extensions.Logging.Abstractions;

namespace EdgeSplit.DeviceAgent.Tests.Resilience;

/// <summary>The circuit's own rule on top of Polly's ratio breaker: a run of edge faults takes the node out at once.</summary>
public sealed class EdgeCircuitTests
{
    private int _opened;

    private EdgeCircuit Circuit(int consecutiveFailures = 3) =>
        new(new ResilienceOptions { ConsecutiveFailures = consecutiveFailures }, new FakeTimeProvider(), NullLogger.Instance, () => Interlocked.Increment(ref _opened));

    [Fact]
    public void Faulted_ConsecutiveFaults_TakesTheNodeOutAtOnceAndOpens()
    {
        var circuit = Circuit(consecutiveFailures: 3);

        Assert.False(circuit.Faulted(EdgeFailureKind.Unavailable));
        Assert.False(circuit.Faulted(EdgeFailureKind.Unavailable));
        Assert.True(circuit.Faulted(EdgeFailureKind.Unavailable));

        // Unavailable at once, before Polly's asynchronous isolation has even run.
        Assert.False(circuit.AllowsCalls);
    }

    [Fact]
    public void Succeeded_BetweenFaults_RunStartsOver()
    {
        var circuit = Circuit(consecutiveFailures: 2);

        circuit.Faulted(EdgeFailureKind.Timeout);
        circuit.Succeeded();

        Assert.False(circuit.Faulted(EdgeFailureKind.Timeout));
        Assert.True(circuit.AllowsCalls);
    }

    [Fact]
    public async Task IsolateAsync_ThenCloseAsync_OpensWithProbeStartedThenAllowsCallsAgain()
    {
        var circuit = Circuit();

        await circuit.IsolateAsync();
        Assert.Equal(Polly.CircuitBreaker.CircuitState.Isolated, circuit.State);
        Assert.False(circuit.AllowsCalls);
        Assert.True(Volatile.Read(ref _opened) >= 1);

        await circuit.CloseAsync();
        Assert.Equal(Polly.CircuitBreaker.CircuitState.Closed, circuit.State);
        Assert.True(circuit.AllowsCalls);
    }

    [Fact]
    public async Task TakeDownIfUp_ClosedCircuit_TakesItOut()
    {
        var circuit = Circuit();

        circuit.TakeDownIfUp(EdgeFailureKind.Unavailable);

        Assert.False(circuit.AllowsCalls);
        // Isolation runs in the background; wait for it so that closing comes after.
        await EdgeClientTests.WaitUntilAsync(() => circuit.State == Polly.CircuitBreaker.CircuitState.Isolated);
        await circuit.CloseAsync();
        Assert.True(circuit.AllowsCalls);
    }

    [Fact]
    public async Task ExecuteAsync_CallOutlivesItsTimeout_TimeoutRejected()
    {
        var clock = new FakeTimeProvider();
        var circuit = new EdgeCircuit(new ResilienceOptions(), clock, NullLogger.Instance, () => { });

        var call = circuit.ExecuteAsync(static async (_, token) => { await Task.Delay(Timeout.Infinite, token); return 0; }, 0, TimeSpan.FromMilliseconds(100), CancellationToken.None);
        while (!call.IsCompleted)
        {
            clock.Advance(TimeSpan.FromMilliseconds(100));
            await Task.Delay(5);
        }

        await Assert.ThrowsAsync<Polly.Timeout.TimeoutRejectedException>(() => call);
    }
}
