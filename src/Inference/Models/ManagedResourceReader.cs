using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;

namespace EdgeSplit.Inference.Models;

/// <summary>
/// Reads embedded (manifest) resources straight out of a .NET assembly file without loading it,
/// so the bundled model's package never has to be loaded or resolved at run time.
/// </summary>
internal static class ManagedResourceReader
{
    public static byte[] Read(string assemblyPath, string resourceName)
    {
        using var stream = File.OpenRead(assemblyPath);
        using var pe = new PEReader(stream);
        if (!pe.HasMetadata || pe.PEHeaders.CorHeader is null)
        {
            throw new ModelLoadException($"'{assemblyPath}' is not a .NET assembly.");
        }

        var metadata = pe.GetMetadataReader();
        var directory = pe.PEHeaders.CorHeader.ResourcesDirectory;
        var block = pe.GetSectionData(directory.RelativeVirtualAddress);
        foreach (var handle in metadata.ManifestResources)
        {
            var resource = metadata.GetManifestResource(handle);
            if (!resource.Implementation.IsNil || metadata.GetString(resource.Name) != resourceName)
            {
                continue;
            }

            // Each embedded resource is stored as a 4-byte little-endian length followed by its bytes (ECMA-335 II.24.2.4).
            var reader = block.GetReader((int)resource.Offset, block.Length - (int)resource.Offset);
            var length = reader.ReadInt32();
            return reader.ReadBytes(length);
        }

        throw new ModelLoadException($"'{assemblyPath}' has no embedded resource named '{resourceName}'.");
    }
}
