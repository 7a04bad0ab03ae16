namespace Blossom.Core.Media;

/// <summary>Whether a media request may start, or why not.</summary>
public enum MediaAdmission
{
    Accepted,
    QueueFull,
    TooManyTasks,
}
