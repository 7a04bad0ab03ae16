namespace Blossom.Core.Media;

/// <param name="MaxRunningTasksPerOwner">Unfinished tasks one pubkey may have.</param>
/// <param name="WorkPath">This node's folder for outputs in progress.</param>
/// <param name="Recipe">What originals become.</param>
public sealed record MediaTaskSettings(int MaxRunningTasksPerOwner, string WorkPath, MediaRecipe Recipe);
