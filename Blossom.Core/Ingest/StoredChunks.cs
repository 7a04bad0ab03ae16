namespace Blossom.Core.Ingest;

/// <summary>How the stores read a finished upload out of its chunks.</summary>
public static class StoredChunks
{
    /// <summary>
    /// Which chunk supplies which bytes of [<paramref name="from"/>, <paramref name="length"/>), in order:
    /// from each position, the chunk that starts at or before it and reaches furthest, so overlapping bytes
    /// are read once and from as few chunks as possible. <c>From</c> is a position in the upload.
    /// Throws when no chunk holds a byte of the range.
    /// </summary>
    public static IEnumerable<(StoredChunk Chunk, long From, long Count)> Cover(IEnumerable<StoredChunk> chunks, long from, long length)
    {
        var byOffset = chunks.OrderBy(c => c.Offset).ToList();
        var next = 0;
        for (var position = from; position < length;)
        {
            StoredChunk? furthest = null;
            // A chunk passed over here ends before the one chosen, so no later position needs it.
            for (; next < byOffset.Count && byOffset[next].Offset <= position; next++)
            {
                if (furthest is null || byOffset[next].End > furthest.End)
                    furthest = byOffset[next];
            }
            if (furthest is null || furthest.End <= position)
                throw new InvalidOperationException($"No recorded chunk holds byte {position}.");
            var count = Math.Min(furthest.End, length) - position;
            yield return (furthest, position, count);
            position += count;
        }
    }
}
