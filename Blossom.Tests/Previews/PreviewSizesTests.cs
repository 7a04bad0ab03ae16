using Blossom.Core.Previews;

namespace Blossom.Tests.Previews;

public sealed class PreviewSizesTests
{
    private readonly PreviewSizes _sizes = new(PreviewSizes.Defaults);

    [Theory]
    [InlineData(100, 100, 320, 240)]
    [InlineData(96, 96, 96, 96)]
    [InlineData(1, 1, 32, 32)]
    [InlineData(500, null, 800, 600)]
    [InlineData(null, 200, 320, 240)]
    [InlineData(null, null, 320, 240)]
    [InlineData(5000, 10, 1280, 720)]
    [InlineData(4000, 3000, 1280, 720)]
    public void Snap_Request_SmallestAllowedBoxHoldingIt(int? width, int? height, int boxWidth, int boxHeight)
    {
        var spec = _sizes.Snap(width, height, PreviewMethod.Crop, PreviewFormat.Jpeg, animated: false);

        spec.Should().Be(new PreviewSpec(boxWidth, boxHeight, PreviewMethod.Crop, PreviewFormat.Jpeg, false));
    }

    [Fact]
    public void Snap_Animated_AlwaysWebp() =>
        _sizes.Snap(null, null, PreviewMethod.Scale, PreviewFormat.Png, animated: true).Should().Be(new PreviewSpec(320, 240, PreviewMethod.Scale, PreviewFormat.Webp, true));

    [Fact]
    public void New_SizesInAnyOrder_SortedSmallestFirst_DefaultIsFirstAtLeast320Wide()
    {
        var sizes = new PreviewSizes([(1000, 1000), (64, 64), (400, 300)]);

        sizes.Allowed.Should().Equal((64, 64), (400, 300), (1000, 1000));
        sizes.DefaultBox.Should().Be((400, 300));
        sizes.Largest.Should().Be((1000, 1000));
        new PreviewSizes([(64, 64)]).DefaultBox.Should().Be((64, 64));
    }

    [Fact]
    public void Parse_WidthByHeight_ReadsEach()
    {
        PreviewSizes.Parse(["32x32", "1280X720"], out var problem).Should().Equal((32, 32), (1280, 720));
        problem.Should().BeNull();
    }

    [Theory]
    [InlineData("320")]
    [InlineData("0x10")]
    [InlineData("-5x10")]
    [InlineData("10x5000")]
    [InlineData("axb")]
    public void Parse_NotASize_NamesIt(string size)
    {
        PreviewSizes.Parse(["32x32", size], out var problem).Should().BeNull();
        problem.Should().Be($"'{size}' is not a size WIDTHxHEIGHT with sides from 1 to 4096");
    }
}
