using EdgeSplit.Inference.Models;
using EdgeSplit.Inference.Runtime;

namespace EdgeSplit.Gateway.Tests;

/// <summary>The bundled model, loaded once per test run and shared by every node and every reference computation.</summary>
internal static class SharedModel
{
    private static readonly Lazy<SplitModel> Model = new(() => SplitModel.Load(
        ModelSource.Bundled(),
        new SplitModelOptions { Runtime = new RuntimeOptions { AllowSpinning = false } }));

    public static SplitModel Instance => Model.Value;
}
