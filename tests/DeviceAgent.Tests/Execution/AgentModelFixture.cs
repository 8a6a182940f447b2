using EdgeSplit.Inference.Models;

namespace EdgeSplit.DeviceAgent.Tests.Execution;

/// <summary>The bundled model, loaded once for all agent tests (one ONNX session per stage is thread-safe).</summary>
public sealed class AgentModelFixture : IDisposable
{
    public SplitModel Model { get; } = SplitModel.Load(ModelSource.Bundled(), new SplitModelOptions { Runtime = new RuntimeOptions { IntraOpThreads = 1 } });

    public void Dispose() => Model.Dispose();
}
