namespace Blossom.Core.Blobs;

/// <summary>What a blob made from another is to it.</summary>
public enum DerivedBlobKind
{
    /// <summary>The original optimized (a media task's result): a blob in its own right.</summary>
    Optimized,
    /// <summary>A preview of the original.</summary>
    Preview,
    /// <summary>A playlist or segment of the original's streaming package.</summary>
    StreamPart,
}
