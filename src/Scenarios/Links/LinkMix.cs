namespace EdgeSplit.Scenarios.Links;

/// <summary>
/// Link profiles and the share of a fleet on each, parsed from <c>wifi</c> (every phone on one link) or
/// <c>wifi:0.4,5g:0.3,lte:0.2,3g:0.1</c> (shares, normalised to their sum).
/// </summary>
internal sealed class LinkMix
{
    private LinkMix(IReadOnlyList<(LinkProfile Link, double Share)> entries) => Entries = entries;

    /// <summary>
    /// Default mix: 40% Wi-Fi to a nearby edge, 25% 5G, 25% LTE, 10% weak 3G — most phone traffic rides Wi-Fi
    /// where it exists, and a tail of phones is always on a poor cellular signal.
    /// </summary>
    public static LinkMix Default { get; } = Parse(DefaultSpec);

    /// <summary>Every phone straight to the edge with no emulation.</summary>
    public static LinkMix None { get; } = Parse("none");

    /// <summary>The text form of <see cref="Default"/>.</summary>
    public const string DefaultSpec = "wifi:0.4,5g:0.25,lte:0.25,3g:0.1";

    /// <summary>Links in the order given and their normalised shares (summing to 1).</summary>
    public IReadOnlyList<(LinkProfile Link, double Share)> Entries { get; }

    /// <summary>Whether any link in the mix shapes traffic.</summary>
    public bool Shapes => Entries.Any(e => e.Link.Shapes);

    /// <summary>Parses a mix; every problem is one <see cref="ArgumentException"/> line naming what is wrong.</summary>
    public static LinkMix Parse(string spec)
    {
        if (string.IsNullOrWhiteSpace(spec))
        {
            throw new ArgumentException("--links is empty; give a link (wifi, 5g, lte, 3g, none) or a mix such as wifi:0.4,5g:0.3,lte:0.2,3g:0.1.");
        }

        if (spec.Trim().Equals("default", StringComparison.OrdinalIgnoreCase))
        {
            spec = DefaultSpec;
        }

        var entries = new List<(LinkProfile Link, double Share)>();
        var parts = spec.Split(',', StringSplitOptions.TrimEntries);
        foreach (var part in parts)
        {
            var colon = part.IndexOf(':', StringComparison.Ordinal);
            var name = colon < 0 ? part : part[..colon].Trim();
            if (name.Length == 0)
            {
                throw new ArgumentException($"--links '{spec}': an entry has no link name.");
            }

            LinkProfile link;
            try
            {
                link = LinkProfile.Named(name);
            }
            catch (ArgumentException ex)
            {
                throw new ArgumentException($"--links '{spec}': {ex.Message}", ex);
            }

            var share = 1.0;
            if (colon >= 0)
            {
                var text = part[(colon + 1)..].Trim();
                if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out share) || !double.IsFinite(share) || share <= 0)
                {
                    throw new ArgumentException($"--links '{spec}': the share of {name} must be a positive number, not '{text}'.");
                }
            }
            else if (parts.Length > 1)
            {
                throw new ArgumentException($"--links '{spec}': give every link of a mix a share (name:share), e.g. wifi:0.5,lte:0.5.");
            }

            if (entries.Any(e => e.Link == link))
            {
                throw new ArgumentException($"--links '{spec}': {link.Name} appears twice.");
            }

            entries.Add((link, share));
        }

        var total = entries.Sum(e => e.Share);
        return new LinkMix([.. entries.Select(e => (e.Link, e.Share / total))]);
    }

    /// <summary>
    /// Link of phone <paramref name="index"/> of <paramref name="count"/>: exact shares over the fleet, spread
    /// across it. Phones are visited in a fixed stride (coprime with the count, near count/golden ratio) rather
    /// than in order, so each contiguous block of phones — a device class — gets about the whole mix too.
    /// </summary>
    public LinkProfile For(int index, int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(count, index);
        var stride = Math.Max(1, (int)Math.Round(count * 0.6180339887));
        while (Gcd(stride, count) != 1)
        {
            stride++;
        }

        var position = ((long)index * stride % count + 0.5) / count;
        var cumulative = 0.0;
        foreach (var (link, share) in Entries)
        {
            cumulative += share;
            if (position <= cumulative + 1e-12)
            {
                return link;
            }
        }

        return Entries[^1].Link;
    }

    /// <summary>The mix in the form <see cref="Parse"/> reads, shares rounded to 3 places.</summary>
    public override string ToString() =>
        string.Join(',', Entries.Select(e => string.Create(CultureInfo.InvariantCulture, $"{e.Link.Name}:{Math.Round(e.Share, 3)}")));

    private static int Gcd(int a, int b) => b == 0 ? a : Gcd(b, a % b);
}
