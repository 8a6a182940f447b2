namespace EdgeSplit.DeviceAgent.Generation;

/// <summary>A generation session on an edge that runs stages [k, N) with its own KV cache.</summary>
public interface IGenerationLink : IAsyncDisposable
{
    /// <summary>Sends the prompt's cut activations (<paramref name="positions"/> rows); returns the first token.</summary>
    Task<int> PrefillAsync(float[] rows, int positions, CancellationToken cancellationToken);

    /// <summary>Sends one cut row for <paramref name="position"/>; returns the token that follows it.</summary>
    Task<int> StepAsync(float[] row, int position, CancellationToken cancellationToken);
}

/// <summary>Opens generation sessions on an edge.</summary>
public interface IGenerationLinkFactory
{
    /// <summary>Opens a session for stages [cut, N) of the model with <paramref name="modelHash"/>.</summary>
    Task<IGenerationLink> OpenAsync(string modelHash, int cut, Inference.Decoder.SamplingOptions sampling, CancellationToken cancellationToken);
}
