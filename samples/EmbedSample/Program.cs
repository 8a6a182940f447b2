using EdgeSplit.DeviceAgent.Edge;
using EdgeSplit.DeviceAgent.Execution;
using Microsoft.Extensions.DependencyInjection;

// Usage: EmbedSample [EDGE_URL] — embeds one sentence fully on the device, then with the cut the planner picks.
const string Text = "turn off the lights in the kitchen";
var services = new ServiceCollection();
var device = services.AddDeviceAgent(); // the bundled all-MiniLM-L6-v2; the planner picks the cut per request
if (args.Length > 0)
{
    device.WithEdge(_ => new GrpcEdgeTransport(new Uri(args[0])));
}

await using var provider = services.BuildServiceProvider();
var agent = provider.GetRequiredService<SplitAgent>();
var local = await agent.EmbedAsync(Text, cut: agent.StageCount); // cut = stage count: all-local
var auto = await agent.EmbedAsync(Text);                          // no cut given: --split auto
var split = await agent.EmbedAsync(Text, cut: 3);                 // --split 3: stages [0,3) here, the rest on the edge
Console.WriteLine($"local: {local.Embedding.Length} floats in {local.ActualMs:F1} ms");
foreach (var (name, r) in new[] { ("auto", auto), ("cut 3", split) })
{
    Console.WriteLine($"{name}: route {r.RouteName}, cut {r.Cut}, {r.ActualMs:F1} ms, cosine to local {local.Embedding.Zip(r.Embedding, (a, b) => a * b).Sum():F4}");
}
