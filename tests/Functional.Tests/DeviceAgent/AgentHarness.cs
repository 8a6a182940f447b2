using EdgeSplit.Cli;
using EdgeSplit.Inference.Models;
using EdgeSplit.Inference.Runtime;
using EdgeSplit.Scenarios;
using Microsoft.Extensions.Options;

namespace EdgeSplit.Functional.Tests.DeviceAgent;

/// <summary>
/// The device side of the agent functional tests: one model shared by the tests of a class, agents wired to
/// real transports, reference embeddings computed locally, and bounded waits.
/// </summary>
public sealed class AgentHarness : IDisposable
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    public static readonly string[] Texts =
    [
        "set an alarm for six thirty tomorrow morning",
        "what is the weather going to be like in lisbon this weekend",
        "remind me to call the plumber about the leaking kitchen tap after lunch",
        "play something calm",
        "add oat milk, lemons and two kinds of bread to the shopping list",
    ];

    private readonly Dictionary<string, float[]> _references = [];

    public AgentHarness()
    {
        Model = SplitModel.Load(ModelSource.Bundled(), new SplitModelOptions { Runtime = new RuntimeOptions { IntraOpThreads = 1 } });
        foreach (var text in Texts)
        {
            _references[text] = Model.Embed(Model.Tokenize([text]))[0];
        }
    }

    public SplitModel Model { get; }

    public static string GatewayDll => RepoPaths.GatewayDll;

    /// <summary>Starts the real gateway process (one ORT thread: it shares two cores with the device).</summary>
    internal static Task<GatewayProcess> StartGatewayAsync() =>
        GatewayProcess.StartAsync(GatewayDll, ["--EdgeSplit:Edge:IntraOpThreads=1"], Timeout);

    /// <summary>An agent talking gRPC to <paramref name="edge"/>; a device 6x slower than the edge (both share this machine) so offloading clearly pays.</summary>
    public SplitAgent Agent(Uri? edge, Action<DeviceAgentOptions>? configure = null)
    {
        var options = new DeviceAgentOptions { ProfileLengths = [8, 24], ProfileRepeats = 2 };
        options.Resilience.ProbeInitialDelay = TimeSpan.FromMilliseconds(100);
        options.Resilience.ProbeMaxDelay = TimeSpan.FromMilliseconds(500);
        options.Resilience.ConnectTimeout = TimeSpan.FromMilliseconds(500);
        configure?.Invoke(options);
        return new SplitAgent(Model, edge is null ? null : EdgeTransportFactory.Create(edge), Options.Create(options), compute: new SlowerDevice(new LocalExecutor(Model), 6));
    }

    /// <summary>Cosine similarity with the locally computed embedding of the same text (int8 on the wire keeps it above 0.999).</summary>
    public double Similarity(AgentResult result)
    {
        var reference = _references[result.Text];
        double dot = 0, a = 0, b = 0;
        for (var i = 0; i < reference.Length; i++)
        {
            dot += reference[i] * result.Embedding[i];
            a += reference[i] * reference[i];
            b += result.Embedding[i] * result.Embedding[i];
        }

        return dot / Math.Sqrt(a * b);
    }

    public static double Median(IEnumerable<double> values) => Statistics.Median([.. values]);

    public void Dispose() => Model.Dispose();
}
