namespace EdgeSplit.DeviceAgent.Tests.Planning;

/// <summary>Scripted costs for planner tests: an 8-stage, 384-wide encoder (embeddings, 6 layers, pooling).</summary>
internal static class Scenario
{
    public const int Hidden = 384;

    public static double[] Device(double layerMs) => [layerMs / 5, layerMs, layerMs, layerMs, layerMs, layerMs, layerMs, 0.05];

    public static PlanContext Context(
        double deviceLayerMs = 1.0,
        double edgeLayerMs = 0.2,
        double rttMs = 0.5,
        double bytesPerMs = 100_000,
        double queueMs = 0,
        int tokens = 16,
        bool edgeAvailable = true,
        bool acceptsTokenIds = false,
        bool exploreDue = false,
        bool estimatesStale = false,
        IReadOnlyList<WireEncoding>? encodings = null,
        double radioTailLeftMs = 0) =>
        new(
            tokens,
            Hidden,
            Device(deviceLayerMs),
            new EdgeSnapshot(Device(edgeLayerMs), queueMs, 1),
            new LinkSnapshot(rttMs, bytesPerMs, 1),
            edgeAvailable,
            acceptsTokenIds,
            encodings,
            exploreDue,
            estimatesStale,
            radioTailLeftMs);
}
