using SkiaSharp;

namespace EdgeSplit.Functional.Tests.Fleet;

/// <summary>
/// The charts of a fleet report.html as a person sees them: each embedded PNG decoded and measured — how many
/// colours (a blank image has one or two), which distinct series colours are drawn, and how much of the image is
/// lightly tinted (the outage shading: translucent spans over the plot area).
/// </summary>
internal sealed partial class ReportCharts
{
    private ReportCharts(IReadOnlyDictionary<string, Chart> charts) => ByTitle = charts;

    public IReadOnlyDictionary<string, Chart> ByTitle { get; }

    public static ReportCharts Read(string reportHtml)
    {
        var charts = new Dictionary<string, Chart>();
        foreach (Match image in ImageTag().Matches(File.ReadAllText(reportHtml)))
        {
            using var bitmap = SKBitmap.Decode(Convert.FromBase64String(image.Groups["png"].Value))
                ?? throw new InvalidDataException($"chart '{image.Groups["alt"].Value}' is not a PNG");
            charts[System.Net.WebUtility.HtmlDecode(image.Groups["alt"].Value)] = Chart.Measure(bitmap);
        }

        return new ReportCharts(charts);
    }

    [GeneratedRegex("<img alt=\"(?<alt>[^\"]*)\" src=\"data:image/png;base64,(?<png>[A-Za-z0-9+/=]+)\">")]
    private static partial Regex ImageTag();

    /// <summary>Measurements of one chart image.</summary>
    internal sealed record Chart(int Width, int Height, int Colours, int SeriesHues, double TintedShare)
    {
        public static Chart Measure(SKBitmap bitmap)
        {
            var pixels = bitmap.Pixels;
            var hues = new int[12];
            var tinted = 0;
            foreach (var pixel in pixels)
            {
                pixel.ToHsv(out var hue, out var saturation, out var value);
                if (saturation > 45 && value > 35)
                {
                    hues[(int)(hue / 30) % 12]++; // a drawn series: a saturated colour (lines, markers, bars)
                }
                else if (value > 75 && saturation is > 4 and <= 45)
                {
                    tinted++; // a translucent fill over white: the outage spans
                }
            }

            // A series line 1-2 px wide across a 900 px chart leaves hundreds of pixels of its colour.
            return new Chart(bitmap.Width, bitmap.Height, pixels.Distinct().Count(), hues.Count(h => h >= 150), (double)tinted / pixels.Length);
        }

        public override string ToString() =>
            $"{Width}x{Height}, {Colours} colours, {SeriesHues} series hues, {TintedShare:P1} tinted";
    }
}
