using EdgeSplit.Inference.Models;
using EdgeSplit.Inference.Text;
using Microsoft.ML.OnnxRuntime;

namespace EdgeSplit.Inference.Runtime;

/// <summary>The unsplit model in one ONNX Runtime session: the baseline that split execution must match.</summary>
public sealed class ReferenceModel : IDisposable
{
    private readonly InferenceSession _session;
    private readonly string _outputName;

    /// <summary>Opens the source model as a single session.</summary>
    public ReferenceModel(ModelSource source, RuntimeOptions? options = null)
    {
        using var sessionOptions = OrtSessions.CreateOptions(options ?? new RuntimeOptions());
        _session = new InferenceSession(source.ModelBytes, sessionOptions);
        _outputName = _session.OutputNames.Contains("last_hidden_state") ? "last_hidden_state" : _session.OutputNames[0];
    }

    /// <summary>Last hidden state [batch, sequence, hidden], row-major.</summary>
    public float[] LastHiddenState(TokenBatch tokens)
    {
        long[] shape = [tokens.Batch, tokens.Sequence];
        using var ids = OrtValue.CreateTensorValueFromMemory(tokens.InputIds, shape);
        using var mask = OrtValue.CreateTensorValueFromMemory(tokens.AttentionMask, shape);
        using var types = OrtValue.CreateTensorValueFromMemory(tokens.TokenTypeIds, shape);
        var names = _session.InputNames;
        var values = names.Select(n => n switch
        {
            "input_ids" => ids,
            "attention_mask" => mask,
            "token_type_ids" => types,
            _ => throw new InvalidOperationException($"unexpected model input '{n}'."),
        }).ToArray();
        using var runOptions = new RunOptions();
        using var outputs = _session.Run(runOptions, names.ToArray(), values, [_outputName]);
        return outputs[0].GetTensorDataAsSpan<float>().ToArray();
    }

    /// <inheritdoc />
    public void Dispose() => _session.Dispose();
}
