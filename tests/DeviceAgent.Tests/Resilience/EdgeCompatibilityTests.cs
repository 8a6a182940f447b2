namespace EdgeSplit.DeviceAgent.Tests.Resilience;

public sealed class EdgeCompatibilityTests
{
    private static readonly EdgeCompatibility Device = new("abc123", 8);

    private static EdgeManifest Manifest(string hash, int stages) =>
        new("test", hash, "edgesplit-stages-v1", 4, stages, false, 256, [WireEncoding.F32], new EdgeLoad(0, 0, [], 0));

    private static EdgeRequest Request(int rows) =>
        new("r1", 1, null, new EdgeSplit.Inference.Runtime.Activation(1, rows, 4, 4, new float[rows * 4 * 4], new long[rows * 4]), WireEncoding.F32);

    private static EdgeAnswer Answer(params float[][] embeddings) => new("r1", embeddings, 0, 0, 0, new EdgeLoad(0, 0, [], 0), "abc123");

    [Fact]
    public void Mismatch_SameModelOtherCase_Null() => Assert.Null(Device.Mismatch(Manifest("ABC123", 8)));

    [Theory]
    [InlineData("other", 8)]
    [InlineData("abc123", 7)]
    public void Mismatch_OtherHashOrStages_NamesBoth(string hash, int stages)
    {
        var reason = Device.Mismatch(Manifest(hash, stages));

        Assert.Equal($"edge model {hash} with {stages} stages, device model abc123 with 8", reason);
    }

    [Fact]
    public void IsWellFormed_RowPerBatchRowOfHiddenWidth_True() =>
        Assert.True(EdgeCompatibility.IsWellFormed(Answer(new float[4], new float[4]), Request(2), Manifest("abc123", 8)));

    [Fact]
    public void IsWellFormed_WrongRowCount_False() =>
        Assert.False(EdgeCompatibility.IsWellFormed(Answer(new float[4]), Request(2), Manifest("abc123", 8)));

    [Fact]
    public void IsWellFormed_WrongWidth_FalseOnlyOnceTheManifestIsKnown()
    {
        Assert.False(EdgeCompatibility.IsWellFormed(Answer(new float[5]), Request(1), Manifest("abc123", 8)));
        Assert.True(EdgeCompatibility.IsWellFormed(Answer(new float[5]), Request(1), manifest: null));
    }
}
