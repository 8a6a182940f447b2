using EdgeSplit.Contracts.V1;
using EdgeSplit.Contracts.Wire;
using EdgeSplit.DeviceAgent.Tests.Execution;

namespace EdgeSplit.DeviceAgent.Tests.Planning;

/// <summary>
/// The planner's wire-size estimate against the real encoded request: the bundled model's hidden states at a cut,
/// encoded by the codec and serialised as the transport sends them. Int8 and int4 outliers depend on the values,
/// which the estimate cannot see (int8's are left out of it, int4's are a per-token average).
/// </summary>
public sealed class WireSizeTests(AgentModelFixture fixture) : IClassFixture<AgentModelFixture>
{
    private const string Short = "play something calm";
    private const string Long = "add oat milk, lemons and two kinds of bread to the shopping list, then remind me to call the plumber about the leaking kitchen tap after lunch";

    [Theory]
    [InlineData(1, WireEncoding.I8, Short)]
    [InlineData(3, WireEncoding.I8, Long)]
    [InlineData(6, WireEncoding.I8, Long)]
    [InlineData(3, WireEncoding.I4, Long)]
    [InlineData(6, WireEncoding.I4, Short)]
    [InlineData(3, WireEncoding.F16, Long)]
    [InlineData(3, WireEncoding.F32, Short)]
    public void Activation_RealHiddenStates_EstimateWithinFivePercentOfTheEncodedRequest(int cut, WireEncoding encoding, string text)
    {
        var head = fixture.Model.RunHead(fixture.Model.Tokenize([text]), cut);
        var wire = ActivationCodec.Encode(head.Data, head.Batch, head.Sequence, head.Hidden, encoding switch
        {
            WireEncoding.F32 => Encoding.F32,
            WireEncoding.F16 => Encoding.F16,
            WireEncoding.I8 => Encoding.I8,
            _ => Encoding.I4,
        });
        var request = new InferRequest { Activation = wire };
        request.AttentionMask.AddRange(head.AttentionMask);

        // The fixed overhead (ids, hashes, framing, headers) is the same for every size: compare what grows with tokens.
        var estimated = WireSize.Activation(head.Sequence, head.Hidden, encoding) - WireSize.Activation(0, head.Hidden, encoding);
        var real = request.CalculateSize();

        var error = Math.Abs(estimated - real) / (double)real;
        Assert.True(error <= 0.05, $"{encoding} at cut {cut}, {head.Sequence} tokens: estimated {estimated} bytes, encoded {real} ({error:P1} off)");
    }
}
