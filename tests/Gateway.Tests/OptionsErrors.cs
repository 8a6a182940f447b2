using System.ComponentModel.DataAnnotations;

namespace EdgeSplit.Gateway.Tests;

/// <summary>What start-up validation says of an options object: its data annotations and its own cross-field rules.</summary>
internal static class OptionsErrors
{
    public static List<string> Of(object options)
    {
        var results = new List<ValidationResult>();
        Validator.TryValidateObject(options, new ValidationContext(options), results, validateAllProperties: true);
        return [.. results.Select(r => r.ErrorMessage!)];
    }
}
