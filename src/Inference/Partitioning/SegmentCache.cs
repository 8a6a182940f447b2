using System.Security.Cryptography;
using System.Text;

namespace EdgeSplit.Inference.Partitioning;

/// <summary>
/// Stores partitions on disk keyed by model content hash, scheme and options, so a model is cut once
/// and every later start only loads the segment files.
/// </summary>
public sealed class SegmentCache
{
    /// <summary>Creates a cache rooted at <paramref name="root"/>.</summary>
    public SegmentCache(string root) => Root = root;

    /// <summary>Cache directory.</summary>
    public string Root { get; }

    /// <summary>
    /// The default location: <c>$EDGESPLIT_CACHE</c>, else <c>$XDG_CACHE_HOME/edgesplit</c>, else
    /// <c>~/.cache/edgesplit</c>, else the temp directory.
    /// </summary>
    public static SegmentCache Default()
    {
        var explicitRoot = Environment.GetEnvironmentVariable("EDGESPLIT_CACHE");
        if (!string.IsNullOrWhiteSpace(explicitRoot))
        {
            return new SegmentCache(explicitRoot);
        }

        var xdg = Environment.GetEnvironmentVariable("XDG_CACHE_HOME");
        var home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        var root = !string.IsNullOrWhiteSpace(xdg) ? Path.Combine(xdg, "edgesplit")
            : !string.IsNullOrWhiteSpace(home) ? Path.Combine(home, ".cache", "edgesplit")
            : Path.Combine(Path.GetTempPath(), "edgesplit-cache");
        return new SegmentCache(root);
    }

    /// <summary>Directory for one model + options combination.</summary>
    public string DirectoryFor(string modelHash, PartitionOptions options)
    {
        var key = new StringBuilder()
            .Append(PartitionManifest.CurrentScheme).Append('|')
            .Append(options.Pooling).Append('|')
            .AppendJoin(',', options.Boundaries ?? ["auto"]).Append('|')
            .AppendJoin(',', options.SideInputs)
            .ToString();
        var optionsHash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key)))[..12];
        return Path.Combine(Root, $"{modelHash[..16]}-{optionsHash}");
    }

    /// <summary>Loads a complete cached partition, or null when absent or incomplete.</summary>
    public PartitionManifest? TryLoad(string directory)
    {
        var manifestPath = Path.Combine(directory, PartitionManifest.FileName);
        if (!File.Exists(manifestPath))
        {
            return null;
        }

        try
        {
            var manifest = PartitionManifest.FromJson(File.ReadAllText(manifestPath));
            foreach (var stage in manifest.Stages)
            {
                var file = new FileInfo(Path.Combine(directory, stage.File));
                if (!file.Exists || file.Length != stage.Bytes)
                {
                    return null;
                }
            }

            return manifest;
        }
        catch (Exception ex) when (ex is IOException or System.Text.Json.JsonException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>Writes a partition (segments first, manifest last, each atomically) so a crash never leaves a half cache.</summary>
    public static void Write(string directory, PartitionedModel partition)
    {
        Directory.CreateDirectory(directory);
        foreach (var stage in partition.Manifest.Stages)
        {
            WriteAtomically(Path.Combine(directory, stage.File), partition.Segments[stage.Index]);
        }

        WriteAtomically(Path.Combine(directory, PartitionManifest.FileName), Encoding.UTF8.GetBytes(partition.Manifest.ToJson()));
    }

    private static void WriteAtomically(string path, byte[] bytes)
    {
        var temp = $"{path}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp";
        File.WriteAllBytes(temp, bytes);
        File.Move(temp, path, overwrite: true);
    }
}
