namespace Blossom.Core.Media;

/// <summary>Sends each kind of media to the tool that optimizes it.</summary>
public sealed class MediaOptimizer(MediaRecipe recipe) : IMediaOptimizer
{
    private readonly ImageOptimizer _images = new(recipe.Image);
    private readonly AudioVideoOptimizer _audioVideo = new(recipe.Video);

    public Task<OptimizedMedia> OptimizeAsync(string inputPath, MediaKind kind, string outputFolder, IProgress<int> progress, CancellationToken cancellationToken) =>
        kind == MediaKind.Image
            // libvips works synchronously; keep it off the caller's thread.
            ? Task.Run(() => _images.Optimize(inputPath, outputFolder, progress, cancellationToken), cancellationToken)
            : _audioVideo.OptimizeAsync(inputPath, kind, outputFolder, progress, cancellationToken);
}
