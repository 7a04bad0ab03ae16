namespace Blossom.Core.Media;

/// <summary>How a cancel request for a media task ended.</summary>
public enum MediaCancellation
{
    Canceled,
    NotFound,
    NotOwner,
    AlreadyComplete,
}
