using System.Text.Json;

namespace EdgeSplit.Gateway.Tests.Edge;

public sealed class PythonClientTests(DefaultNodeFixture fixture) : IClassFixture<DefaultNodeFixture>
{
    private const string Python = "/usr/bin/python3";

    [Fact]
    public async Task GrpcioClient_GetManifestAndBadInfer_SeesManifestAndInvalidArgument()
    {
        var stubs = Directory.CreateTempSubdirectory("edgesplit-py-");
        try
        {
            var protos = Path.Combine(AppContext.BaseDirectory, "protos");
            var (code, output, error) = await RunAsync(Python, "-m", "grpc_tools.protoc", $"-I{protos}", $"--python_out={stubs.FullName}", $"--grpc_python_out={stubs.FullName}", Path.Combine(protos, "edgesplit.proto"));
            Assert.True(code == 0, $"protoc failed: {error}");

            var host = $"{fixture.Node.Address.Host}:{fixture.Node.Address.Port}";
            (code, output, error) = await RunAsync(Python, Path.Combine(AppContext.BaseDirectory, "python", "edge_client.py"), stubs.FullName, host);

            Assert.True(code == 0, $"python client failed: {error}");
            using var json = JsonDocument.Parse(output);
            var root = json.RootElement;
            Assert.Equal(Requests.Model.ModelHash, root.GetProperty("model_hash").GetString());
            Assert.Equal(384, root.GetProperty("hidden_size").GetInt32());
            Assert.Equal(8, root.GetProperty("stages").GetInt32());
            Assert.Equal(["ENCODING_F32", "ENCODING_F16", "ENCODING_I8", "ENCODING_I4"], root.GetProperty("encodings").EnumerateArray().Select(e => e.GetString()));
            Assert.Equal("INVALID_ARGUMENT", root.GetProperty("bad_code").GetString());
            Assert.Contains("hidden size is 7", root.GetProperty("bad_details").GetString());
        }
        finally
        {
            stubs.Delete(recursive: true);
        }
    }

    private static async Task<(int Code, string Output, string Error)> RunAsync(string file, params string[] args)
    {
        var info = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        using var process = Process.Start(info)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60));
        return (process.ExitCode, (await output).Trim(), await error);
    }
}
