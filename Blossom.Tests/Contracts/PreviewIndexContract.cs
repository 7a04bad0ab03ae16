using Blossom.Core.Previews;
using Blossom.Tests.Infrastructure;

namespace Blossom.Tests.Contracts;

/// <summary>What every <see cref="IPreviewIndex"/> does, whatever database it keeps its rows in.</summary>
public abstract class PreviewIndexContract : ContractSuite
{
    private const string Source = "0100000000000000000000000000000000000000000000000000000000000000";
    private const string Other = "0200000000000000000000000000000000000000000000000000000000000000";
    private const string PreviewA = "a100000000000000000000000000000000000000000000000000000000000000";
    private const string PreviewB = "b100000000000000000000000000000000000000000000000000000000000000";
    private static readonly PreviewSpec Small = new(96, 96, PreviewMethod.Crop, PreviewFormat.Jpeg, false);
    private static readonly PreviewSpec Large = new(320, 240, PreviewMethod.Scale, PreviewFormat.Webp, false);
    private IPreviewIndex _previews = null!;

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        _previews = Database.Previews();
    }

    [Fact]
    public async Task FindAsync_ByEveryPartOfTheSpec()
    {
        await _previews.AddAsync(Source, Large, PreviewA, CancellationToken.None);

        (await _previews.FindAsync(Source, Large, CancellationToken.None)).Should().Be(PreviewA);
        (await _previews.FindAsync(Other, Large, CancellationToken.None)).Should().BeNull();
        (await _previews.FindAsync(Source, Large with { Width = 640 }, CancellationToken.None)).Should().BeNull();
        (await _previews.FindAsync(Source, Large with { Height = 480 }, CancellationToken.None)).Should().BeNull();
        (await _previews.FindAsync(Source, Large with { Method = PreviewMethod.Crop }, CancellationToken.None)).Should().BeNull();
        (await _previews.FindAsync(Source, Large with { Format = PreviewFormat.Png }, CancellationToken.None)).Should().BeNull();
        (await _previews.FindAsync(Source, Large with { Animated = true }, CancellationToken.None)).Should().BeNull();
    }

    [Fact]
    public async Task AddAsync_SameSpecAgain_NamesTheNewBlob()
    {
        await _previews.AddAsync(Source, Large, PreviewA, CancellationToken.None);
        await _previews.AddAsync(Source, Large, PreviewA, CancellationToken.None);
        await _previews.AddAsync(Source, Large, PreviewB, CancellationToken.None);

        (await _previews.FindAsync(Source, Large, CancellationToken.None)).Should().Be(PreviewB);
        (await _previews.ForSourceAsync(Source, CancellationToken.None)).Should().Equal(new StoredPreview(Large, PreviewB));
    }

    [Fact]
    public async Task ForSourceAsync_EverySpecOfThatSourceOnly()
    {
        await _previews.AddAsync(Source, Large, PreviewA, CancellationToken.None);
        await _previews.AddAsync(Source, Small, PreviewB, CancellationToken.None);
        await _previews.AddAsync(Other, Small, PreviewB, CancellationToken.None);

        (await _previews.ForSourceAsync(Source, CancellationToken.None)).Should().Equal(new StoredPreview(Small, PreviewB), new StoredPreview(Large, PreviewA));
    }

    [Fact]
    public async Task RemoveForSourceAsync_ReturnsItsPreviews_OthersStillKnowTheirs()
    {
        await _previews.AddAsync(Source, Large, PreviewA, CancellationToken.None);
        await _previews.AddAsync(Source, Small, PreviewB, CancellationToken.None);
        await _previews.AddAsync(Source, Small with { Animated = true }, PreviewB, CancellationToken.None);
        await _previews.AddAsync(Other, Small, PreviewB, CancellationToken.None);

        (await _previews.RemoveForSourceAsync(Source, CancellationToken.None)).Should().Equal(PreviewA, PreviewB);

        (await _previews.ForSourceAsync(Source, CancellationToken.None)).Should().BeEmpty();
        (await _previews.RemoveForSourceAsync(Source, CancellationToken.None)).Should().BeEmpty();
        (await _previews.IsPreviewAsync(PreviewA, CancellationToken.None)).Should().BeFalse();
        (await _previews.IsPreviewAsync(PreviewB, CancellationToken.None)).Should().BeTrue("the other source's preview");
        (await _previews.FindAsync(Other, Small, CancellationToken.None)).Should().Be(PreviewB);
    }
}

public sealed class SqlitePreviewIndexContract : PreviewIndexContract
{
    protected override Task<ContractDatabase> OpenDatabaseAsync() => ContractDatabase.SqliteAsync();
}

[Collection(PostgresTestGroup.Name)]
public sealed class PostgresPreviewIndexContract(PostgresServer server) : PreviewIndexContract
{
    protected override Task<ContractDatabase> OpenDatabaseAsync() => ContractDatabase.PostgresAsync(server);
}
