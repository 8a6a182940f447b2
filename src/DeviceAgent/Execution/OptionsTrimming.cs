namespace EdgeSplit.DeviceAgent.Execution;

/// <summary>Why the options classes may carry attributes the trimmer flags.</summary>
internal static class OptionsTrimming
{
    /// <summary>
    /// Justification of the IL2026 suppression on the options classes: the trimmer flags the reflection-based
    /// constructors of <c>[Range(typeof(TimeSpan), ...)]</c> and <c>[MinLength]</c> wherever those attributes stand,
    /// but nothing in the library instantiates them at run time. <see cref="DeviceAgentOptionsValidator"/> is
    /// generated at build time and checks the same bounds with strongly typed copies of the attributes.
    /// </summary>
    public const string ValidatedBySourceGenerator =
        "Validated by the source-generated DeviceAgentOptionsValidator, which uses typed copies of these attributes; nothing instantiates them by reflection.";
}
