using Microsoft.Data.Sqlite;
using Npgsql;

namespace Blossom.Core.Blobs;

/// <summary>Recognizes a full disk however it surfaces: a file write, or the database unable to grow its files.</summary>
public static class OutOfSpace
{
    // .NET puts the Unix errno into IOException.HResult: ENOSPC, and EDQUOT (a user's disk quota) on Linux.
    private const int NoSpaceLeft = 28;
    private const int DiskQuotaExceeded = 122;
    // Windows: ERROR_DISK_FULL and ERROR_HANDLE_DISK_FULL as HRESULTs.
    private const int DiskFull = unchecked((int)0x80070070);
    private const int HandleDiskFull = unchecked((int)0x80070027);
    private const int SqliteFull = 13;

    public static bool Is(Exception exception) => exception switch
    {
        SqliteException sqlite => sqlite.SqliteErrorCode == SqliteFull,
        PostgresException postgres => postgres.SqlState == PostgresErrorCodes.DiskFull,
        IOException io => io.HResult is NoSpaceLeft or DiskQuotaExceeded or DiskFull or HandleDiskFull,
        _ => exception.InnerException is { } inner && Is(inner),
    };
}
