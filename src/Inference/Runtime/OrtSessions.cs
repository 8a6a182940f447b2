using System.Globalization;
using Microsoft.ML.OnnxRuntime;

namespace EdgeSplit.Inference.Runtime;

/// <summary>Creates ONNX Runtime sessions with the project's settings.</summary>
internal static class OrtSessions
{
    public static SessionOptions CreateOptions(RuntimeOptions options)
    {
        var session = new SessionOptions
        {
            GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
            ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
            EnableCpuMemArena = options.CpuMemoryArena,
        };
        if (options.IntraOpThreads > 0)
        {
            session.IntraOpNumThreads = options.IntraOpThreads;
        }

        session.InterOpNumThreads = 1;
        session.AddSessionConfigEntry("session.intra_op.allow_spinning", options.AllowSpinning ? "1" : "0");
        session.AddSessionConfigEntry("session.inter_op.allow_spinning", "0");
        if (options.DisabledOptimizers.Count > 0)
        {
            session.AddSessionConfigEntry("optimization.disable_specified_optimizers", string.Join(';', options.DisabledOptimizers));
        }
        return session;
    }

    public static string Describe(OrtValue value)
    {
        var shape = value.GetTensorTypeAndShape().Shape;
        return "[" + string.Join(", ", shape.Select(d => d.ToString(CultureInfo.InvariantCulture))) + "]";
    }
}
