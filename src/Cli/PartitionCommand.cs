using System.Diagnostics;
using System.Security.Cryptography;
using EdgeSplit.Inference.Partitioning;

namespace EdgeSplit.Cli;

/// <summary><c>partition</c>: writes every stage as an ONNX file plus manifest.json.</summary>
internal static class PartitionCommand
{
    public static Command Create(TextWriter output)
    {
        var model = new Option<FileInfo?>("--model") { Description = "ONNX encoder (default: the bundled all-MiniLM-L6-v2)" };
        var pooling = new Option<PoolingMode>("--pooling") { Description = "Pooling of the output stage: mean or cls", DefaultValueFactory = _ => PoolingMode.Mean };
        var boundaries = new Option<string?>("--boundaries") { Description = "Comma-separated boundary tensor names (default: automatic)" };
        var outDir = new Option<DirectoryInfo>("--out") { Description = "Directory to write the segments to", Required = true };
        var command = new Command("partition", "Cut a model into per-stage ONNX segments and write them with a manifest.")
        {
            model, pooling, boundaries, outDir,
        };
        command.SetAction((result, _) =>
        {
            var clock = Stopwatch.StartNew();
            var file = result.GetValue(model);
            byte[] bytes;
            string id, origin;
            var pool = result.GetValue(pooling);
            if (file is null)
            {
                var bundled = ModelSource.Bundled();
                (bytes, id, origin, pool) = (bundled.ModelBytes, bundled.Id, bundled.Origin, bundled.Pooling);
            }
            else
            {
                bytes = ReadModel(file);
                (id, origin) = (Path.GetFileNameWithoutExtension(file.Name), file.FullName);
            }

            var hash = Convert.ToHexStringLower(SHA256.HashData(bytes));
            var parsed = ModelPartitioner.Parse(bytes, origin);
            var parseMs = clock.Elapsed.TotalMilliseconds;
            var partition = ModelPartitioner.Partition(parsed, id, hash, new PartitionOptions
            {
                Pooling = pool,
                Boundaries = ModelOptions.ParseBoundaries(result.GetValue(boundaries)),
            });
            var directory = result.GetValue(outDir)!.FullName;
            SegmentCache.Write(directory, partition);
            var m = partition.Manifest;
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{m.ModelId} ({m.ModelHash[..12]}): {m.Stages.Count} stages, hidden {m.HiddenSize}; parsed in {parseMs:F0} ms, partitioned in {m.PartitionMs:F0} ms"));
            foreach (var stage in m.Stages)
            {
                output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"  {stage.Index,2} {stage.Name,-11} {stage.NodeCount,4} nodes {stage.Bytes / 1e6,8:F2} MB  {stage.File}"));
            }

            output.WriteLine($"wrote {directory}/{PartitionManifest.FileName}");
            return Task.FromResult(0);
        });
        return command;
    }

    private static byte[] ReadModel(FileInfo file)
    {
        if (!file.Exists)
        {
            throw new CliException($"model file '{file.FullName}' does not exist.");
        }

        return File.ReadAllBytes(file.FullName);
    }
}
