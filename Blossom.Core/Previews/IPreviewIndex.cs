namespace Blossom.Core.Previews;

/// <summary>A preview made of a source blob, and its own blob's hash.</summary>
public sealed record StoredPreview(PreviewSpec Spec, string PreviewSha256);

/// <summary>Which blob is which preview of which source, so a second request costs a look-up.</summary>
public interface IPreviewIndex
{
    /// <summary>The hash of the preview blob made of <paramref name="sourceSha256"/> for <paramref name="spec"/>, or null.</summary>
    Task<string?> FindAsync(string sourceSha256, PreviewSpec spec, CancellationToken cancellationToken);

    /// <summary>Records a preview; a row for the same source and spec now names this blob.</summary>
    Task AddAsync(string sourceSha256, PreviewSpec spec, string previewSha256, CancellationToken cancellationToken);

    /// <summary>Every preview recorded for a source.</summary>
    Task<IReadOnlyList<StoredPreview>> ForSourceAsync(string sourceSha256, CancellationToken cancellationToken);

    /// <summary>Forgets every preview of a source; returns their hashes.</summary>
    Task<IReadOnlyList<string>> RemoveForSourceAsync(string sourceSha256, CancellationToken cancellationToken);

    /// <summary>Whether some source still has this blob as a preview.</summary>
    Task<bool> IsPreviewAsync(string previewSha256, CancellationToken cancellationToken);
}
