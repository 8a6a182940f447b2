namespace EdgeSplit.Inference.Decoder;

/// <summary>A decoder cut into stages: the manifest and each stage's ONNX bytes.</summary>
/// <param name="Manifest">Sizes and stages.</param>
/// <param name="Segments">Serialized ONNX of each stage, in order.</param>
public sealed record DecoderPartition(DecoderManifest Manifest, IReadOnlyList<byte[]> Segments)
{
    /// <summary>Writes every segment and manifest.json into <paramref name="directory"/>.</summary>
    public void Write(string directory)
    {
        Directory.CreateDirectory(directory);
        for (var i = 0; i < Segments.Count; i++)
        {
            File.WriteAllBytes(Path.Combine(directory, Manifest.Stages[i].File), Segments[i]);
        }

        File.WriteAllText(Path.Combine(directory, DecoderManifest.FileName), Manifest.ToJson());
    }
}
