using Grpc.Health.V1;

namespace EdgeSplit.Gateway.Tests.Edge;

public sealed class HealthTests(DefaultNodeFixture fixture) : IClassFixture<DefaultNodeFixture>
{
    [Theory]
    [InlineData("/healthz")]
    [InlineData("/readyz")]
    public async Task Get_HealthPathOverH2c_Healthy(string path)
    {
        using var http = new HttpClient { DefaultRequestVersion = HttpVersion.Version20, DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact };

        using var response = await http.GetAsync(new Uri(fixture.Node.Address, path));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("Healthy", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Check_GrpcHealthService_Serving()
    {
        var client = new Health.HealthClient(fixture.Node.Channel);

        var reply = await client.CheckAsync(new HealthCheckRequest(), deadline: SplitInferenceTests.Deadline());

        Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, reply.Status);
    }
}
