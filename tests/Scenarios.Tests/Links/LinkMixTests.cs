using EdgeSplit.Scenarios.Fleet;

namespace EdgeSplit.Scenarios.Tests.Links;

public sealed class LinkMixTests
{
    [Fact]
    public void Parse_OneLink_EveryPhoneOnIt()
    {
        var mix = LinkMix.Parse("wifi");

        Assert.Equal([(LinkProfile.Wifi, 1.0)], mix.Entries);
        Assert.All(Enumerable.Range(0, 7), i => Assert.Same(LinkProfile.Wifi, mix.For(i, 7)));
    }

    [Fact]
    public void Parse_Mix_SharesNormalisedCaseAndSpacesIgnored()
    {
        var mix = LinkMix.Parse(" WiFi:2, 5g:1 ,LTE:1 ");

        Assert.Equal([LinkProfile.Wifi, LinkProfile.FiveG, LinkProfile.Lte], mix.Entries.Select(e => e.Link));
        Assert.Equal([0.5, 0.25, 0.25], mix.Entries.Select(e => e.Share));
        Assert.Equal("wifi:0.5,5g:0.25,lte:0.25", mix.ToString());
    }

    [Fact]
    public void Parse_DefaultAndNone_AreTheNamedMixes()
    {
        Assert.Equal(LinkMix.DefaultSpec, LinkMix.Parse("default").ToString());
        Assert.Equal([LinkProfile.Wifi, LinkProfile.FiveG, LinkProfile.Lte, LinkProfile.ThreeG], LinkMix.Default.Entries.Select(e => e.Link));
        Assert.False(LinkMix.Parse("none").Shapes);
        Assert.Same(LinkProfile.Loopback, LinkMix.Parse("loopback").Entries[0].Link);
        Assert.True(LinkMix.Default.Shapes);
    }

    [Theory]
    [InlineData("", "empty")]
    [InlineData("wifi:0.5,satellite:0.5", "unknown link 'satellite'")]
    [InlineData("wifi:0.5,lte", "give every link of a mix a share")]
    [InlineData("wifi:abc", "the share of wifi must be a positive number, not 'abc'")]
    [InlineData("wifi:-1", "must be a positive number")]
    [InlineData("wifi:0", "must be a positive number")]
    [InlineData("wifi:0.5,wifi:0.5", "wifi appears twice")]
    [InlineData(":0.5", "no link name")]
    public void Parse_BadInput_OneLineArgumentExceptionSayingWhy(string spec, string expected)
    {
        var ex = Assert.Throws<ArgumentException>(() => LinkMix.Parse(spec));

        Assert.Contains(expected, ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', ex.Message);
        Assert.DoesNotContain("Parameter", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Named_UnknownName_ListsTheKnownLinks()
    {
        var ex = Assert.Throws<ArgumentException>(() => LinkProfile.Named("4g"));

        Assert.Contains("wifi, 5g, lte, 3g, none", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Presets_CellularUplinkSlowerThanDownlink_WorseLinksSlower()
    {
        Assert.All([LinkProfile.FiveG, LinkProfile.Lte, LinkProfile.ThreeG], l => Assert.True(l.UplinkMbps < l.DownlinkMbps, l.Name));
        var ordered = new[] { LinkProfile.Wifi, LinkProfile.FiveG, LinkProfile.Lte, LinkProfile.ThreeG };
        Assert.Equal(ordered.OrderBy(l => l.RttMs), ordered);
        Assert.Equal(ordered.OrderByDescending(l => l.UplinkMbps), ordered);
    }

    [Theory]
    [InlineData(40)]
    [InlineData(12)]
    [InlineData(100)]
    public void For_ExactSharesAndEveryDeviceClassGetsAMixOfLinks(int count)
    {
        var mix = LinkMix.Default;
        var links = Enumerable.Range(0, count).Select(i => mix.For(i, count)).ToList();

        foreach (var (link, share) in mix.Entries)
        {
            Assert.InRange(links.Count(l => l == link), Math.Floor(share * count), Math.Ceiling(share * count));
        }

        // Classes are contiguous blocks of phones; each block of at least a fifth of the fleet sees 3+ links.
        foreach (var deviceClass in DeviceClass.DefaultMix)
        {
            var inClass = Enumerable.Range(0, count).Where(i => DeviceClass.For(i, count, DeviceClass.DefaultMix) == deviceClass).Select(i => links[i]).Distinct().Count();
            Assert.True(inClass >= Math.Min(3, (int)(count * deviceClass.Share)), $"{deviceClass.Name}: {inClass} distinct links of {count} phones");
        }
    }
}
