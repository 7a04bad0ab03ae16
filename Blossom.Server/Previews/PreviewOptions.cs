using System.ComponentModel.DataAnnotations;
using Blossom.Core.Previews;
using Microsoft.Extensions.Options;

namespace Blossom.Server;

/// <summary><c>Blossom:Previews</c>: preview images of image and video blobs (BUD-14 draft), made once and stored as blobs.</summary>
public sealed class PreviewOptions : IValidatableObject
{
    public const string Section = "Blossom:Previews";

    /// <summary>Whether previews are offered. Needs libvips, and ffmpeg for video; checked at start-up. Default true.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>
    /// The boxes previews are made in, as <c>WIDTHxHEIGHT</c>; every request is snapped to the smallest
    /// that holds it (else the largest), so nobody can make the server render a million variants.
    /// Empty: 32x32, 96x96, 320x240, 640x480, 800x600 and 1280x720, what large Matrix media repositories offer.
    /// </summary>
    public List<string> Sizes { get; set; } = [];

    /// <summary>
    /// false (default): a preview is made on its first request. true: the default preview is made
    /// in the background after each image or video upload, mirror and media result.
    /// </summary>
    public bool Eager { get; set; }

    /// <summary>WebP and JPEG encoder quality. Default 80.</summary>
    [Range(1, 100)]
    public int Quality { get; set; } = 80;

    /// <summary>Previews made at once, apart from the media workers. Default half the cores, at least one.</summary>
    [Range(1, 256)]
    public int Concurrency { get; set; } = Math.Max(1, Environment.ProcessorCount / 2);

    /// <summary>
    /// How long one preview may take to make, and a request may wait for a free slot; then it is
    /// refused (422, or 503 when every slot stayed busy). Default 30 s.
    /// </summary>
    [Range(1, 3600)]
    public int TimeoutSeconds { get; set; } = 30;

    /// <summary>Larger blobs get no preview. Default 512 MiB, as <c>Media:MaxSizeBytes</c>.</summary>
    [Range(1, long.MaxValue)]
    public long MaxSourceBytes { get; set; } = 512L * 1024 * 1024;

    /// <summary>
    /// Images with more pixels (an animated preview counts all frames) and videos with larger frames
    /// get no preview; read from the header, before decoding. Default 100 megapixels.
    /// </summary>
    [Range(1, long.MaxValue)]
    public long MaxSourcePixels { get; set; } = 100_000_000;

    /// <summary>
    /// Animations with more pixels in all their frames get no animated preview (their still one is
    /// made as usual); read from the header, before decoding. Default 25 megapixels: every frame is
    /// encoded again, which took 9 s for 25 MP and 42 s for 100 MP (a 999-frame GIF) on two busy cores,
    /// against the 30 s of <see cref="TimeoutSeconds"/>.
    /// </summary>
    [Range(1, long.MaxValue)]
    public long MaxAnimatedPixels { get; set; } = 25_000_000;

    /// <summary>
    /// Longer videos get no preview. Default 3 hours: the frame is found by a seek, so a long video costs
    /// little more than a short one; the limit is on what is decoded at all.
    /// </summary>
    [Range(1, int.MaxValue)]
    public int MaxVideoSeconds { get; set; } = 3 * 3600;

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (Sizes.Count > 0 && PreviewSizes.Parse(Sizes, out var problem) is null)
            yield return new($"Previews:Sizes: {problem}; give sizes such as 320x240.");
    }

    /// <summary>The preview boxes as the core's: the defaults when none are set.</summary>
    public PreviewSizes ToSizes() => new(Sizes.Count == 0 ? PreviewSizes.Defaults : PreviewSizes.Parse(Sizes, out _)!);

    /// <summary>The preview limits as the core's; decoding is bounded by the media optimizer's budget, which bounds a worker's memory alike.</summary>
    public PreviewLimits ToLimits(MediaImageOptions image) =>
        new(MaxSourceBytes, MaxSourcePixels, MaxVideoSeconds, TimeSpan.FromSeconds(TimeoutSeconds), image.MaxDecodeBytes, MaxAnimatedPixels);
}

/// <summary>Checks <see cref="PreviewOptions"/> at start-up: its attributes and its own rules, generated at build time.</summary>
[OptionsValidator]
internal sealed partial class PreviewOptionsValidator : IValidateOptions<PreviewOptions>;
