using EdgeSplit.DeviceAgent.Execution;
using Microsoft.Extensions.Options;

namespace EdgeSplit.Gateway.Tests.Observability;

public sealed class TracingTests
{
    [Fact]
    public async Task Trace_DeviceThroughRouterToEdge_OneTraceWithDeviceRouterAndEdgeSpans()
    {
        var spans = new List<Activity>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = s => s.Name is "EdgeSplit.DeviceAgent" or "EdgeSplit.Edge" or "Microsoft.AspNetCore",
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = a =>
            {
                lock (spans)
                {
                    spans.Add(a);
                }
            },
        };
        ActivitySource.AddActivityListener(listener);
        await using var edge = await EdgeNode.StartAsync();
        await using var router = await EdgeRouter.StartHealthyAsync(edge.Address);
        await using var transport = new GrpcEdgeTransport(router.Address);
        await using var agent = new SplitAgent(Requests.Model, transport, Options.Create(new DeviceAgentOptions()));

        var result = await agent.EmbedAsync(Requests.Texts[0], cut: 3).WaitAsync(EdgeNode.Timeout);

        // Whatever the route (on a busy machine the hedge may answer first), the edge call ran inside the device's span.
        Assert.NotEqual(AgentRoute.Local, result.Route);
        Activity device;
        lock (spans)
        {
            device = spans.Last(s => s.OperationName == "edgesplit.device.embed");
        }

        var sameTrace = await SpansOfTraceAsync(spans, device.TraceId, s => s.OperationName == "edgesplit.edge.infer");

        var edgeSpan = Assert.Single(sameTrace, s => s.OperationName == "edgesplit.edge.infer");
        Assert.Equal((string?)result.RequestId, (string?)edgeSpan.GetTagItem("edgesplit.request_id"));

        // Server spans of both hops: the router's and the edge's ASP.NET Core request handling.
        Assert.True(sameTrace.Count(s => s.Source.Name == "Microsoft.AspNetCore") >= 2, $"expected router and edge server spans in the trace, got: {string.Join(", ", sameTrace.Select(s => $"{s.Source.Name}/{s.OperationName}"))}");
    }

    private static async Task<List<Activity>> SpansOfTraceAsync(List<Activity> spans, ActivityTraceId trace, Func<Activity, bool> waitFor)
    {
        using var timeout = new CancellationTokenSource(EdgeNode.Timeout);
        while (true)
        {
            lock (spans)
            {
                var found = spans.Where(s => s.TraceId == trace).ToList();
                if (found.Any(waitFor) && found.Count(s => s.Source.Name == "Microsoft.AspNetCore") >= 2)
                {
                    return found;
                }
            }

            await Task.Delay(50, timeout.Token);
        }
    }
}
