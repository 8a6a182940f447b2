using EdgeSplit.Inference.Models;
using Microsoft.ML.OnnxRuntime;

namespace EdgeSplit.Inference.Runtime;

/// <summary>
/// One ONNX Runtime session per stage of a partitioned model, opened together with the project's settings and
/// disposed together. <c>InferenceSession.Run</c> is thread-safe, so one set serves all callers.
/// </summary>
internal sealed class StageSessions : IDisposable
{
    private readonly InferenceSession[] _sessions;
    private readonly string[][] _inputNames;
    private readonly string[][] _outputNames;
    private readonly RunOptions _runOptions = new();

    private StageSessions(InferenceSession[] sessions)
    {
        _sessions = sessions;
        _inputNames = sessions.Select(s => s.InputNames.ToArray()).ToArray();
        _outputNames = sessions.Select(s => s.OutputNames.ToArray()).ToArray();
    }

    public int Count => _sessions.Length;

    /// <summary>
    /// Opens <paramref name="count"/> sessions, stage i from <paramref name="open"/>(i, options); when one fails, those
    /// already open are disposed and the failure names <paramref name="origin"/>.
    /// </summary>
    public static StageSessions Open(int count, RuntimeOptions runtime, string origin, Func<int, SessionOptions, InferenceSession> open)
    {
        var sessions = new InferenceSession[count];
        try
        {
            using var options = OrtSessions.CreateOptions(runtime);
            for (var i = 0; i < sessions.Length; i++)
            {
                sessions[i] = open(i, options);
            }
        }
        catch (OnnxRuntimeException ex)
        {
            foreach (var session in sessions)
            {
                session?.Dispose();
            }

            throw new ModelLoadException($"ONNX Runtime cannot load the stages of '{origin}': {ex.Message}", ex);
        }

        return new StageSessions(sessions);
    }

    /// <summary>The input names of a stage, in the order <see cref="Run"/> takes their values.</summary>
    public string[] InputNames(int stage) => _inputNames[stage];

    /// <summary>The output names of a stage, in the order <see cref="Run"/> returns their values.</summary>
    public string[] OutputNames(int stage) => _outputNames[stage];

    /// <summary>Runs one stage on values for its <see cref="InputNames"/>; null options use the shared default.</summary>
    public IDisposableReadOnlyCollection<OrtValue> Run(int stage, OrtValue[] values, RunOptions? runOptions = null) =>
        _sessions[stage].Run(runOptions ?? _runOptions, _inputNames[stage], values, _outputNames[stage]);

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (var session in _sessions)
        {
            session.Dispose();
        }

        _runOptions.Dispose();
    }
}
