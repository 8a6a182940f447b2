using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace EdgeSplit.Inference.Tests.Decoder;

/// <summary>The unsplit model.onnx run as an exporter's consumer would: past_key_values fed back from present.</summary>
internal sealed class FullDecoder : IDisposable
{
    private readonly InferenceSession _session;
    private readonly RunOptions _runOptions = new();
    private readonly int _layers;
    private readonly int _heads;
    private readonly int _dim;
    private OrtValue[] _past;
    private int _length;

    public FullDecoder(string modelFile, DecoderManifest manifest)
    {
        _session = new InferenceSession(modelFile);
        _layers = manifest.Layers;
        _heads = manifest.KvHeads;
        _dim = manifest.HeadDim;
        _past = Enumerable.Range(0, 2 * _layers)
            .Select(_ => OrtValue.CreateAllocatedTensorValue(OrtAllocator.DefaultInstance, TensorElementType.Float, [1, _heads, 0, _dim]))
            .ToArray();
    }

    /// <summary>Logits [sequence × vocab] of the new tokens.</summary>
    public float[] Step(long[] ids)
    {
        var s = ids.Length;
        var mask = Enumerable.Repeat(1L, _length + s).ToArray();
        var positions = Enumerable.Range(_length, s).Select(p => (long)p).ToArray();
        using var idsValue = OrtValue.CreateTensorValueFromMemory(ids, [1, s]);
        using var maskValue = OrtValue.CreateTensorValueFromMemory(mask, [1, mask.Length]);
        using var positionValue = OrtValue.CreateTensorValueFromMemory(positions, [1, s]);
        var names = new List<string> { TensorNames.InputIds, TensorNames.AttentionMask, TensorNames.PositionIds };
        var values = new List<OrtValue> { idsValue, maskValue, positionValue };
        for (var l = 0; l < _layers; l++)
        {
            names.AddRange([TensorNames.PastKey(l), TensorNames.PastValue(l)]);
            values.AddRange([_past[2 * l], _past[(2 * l) + 1]]);
        }

        var outputNames = new List<string> { TensorNames.Logits };
        for (var l = 0; l < _layers; l++)
        {
            outputNames.AddRange([TensorNames.PresentKey(l), TensorNames.PresentValue(l)]);
        }

        var outputs = _session.Run(_runOptions, names, values, outputNames);
        var logits = outputs[0].GetTensorDataAsSpan<float>().ToArray();
        outputs[0].Dispose();
        foreach (var old in _past)
        {
            old.Dispose();
        }

        _past = outputs.Skip(1).ToArray();
        _length += s;
        return logits;
    }

    public void Dispose()
    {
        foreach (var value in _past)
        {
            value.Dispose();
        }

        _session.Dispose();
        _runOptions.Dispose();
    }
}
