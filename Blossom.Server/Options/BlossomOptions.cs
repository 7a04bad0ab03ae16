using System.ComponentModel.DataAnnotations;

namespace Blossom.Server.Options;

/// <summary>Settings of the section <c>Blossom</c> itself.</summary>
public sealed class BlossomOptions
{
    public const string Section = "Blossom";

    /// <summary>Base URL put into blob descriptors, e.g. <c>https://cdn.example.com</c>. Empty: taken from each request.</summary>
    public string? PublicUrl { get; set; }
}

/// <summary><c>Blossom:Storage</c>: where blob bytes live.</summary>
public sealed class StorageOptions
{
    public const string Section = "Blossom:Storage";

    /// <summary>Only <c>FileSystem</c> exists today.</summary>
    [RegularExpression("^FileSystem$", ErrorMessage = "Storage:Kind must be FileSystem.")]
    public string Kind { get; set; } = "FileSystem";

    /// <summary>Folder of the blobs, relative to the working directory unless absolute. Default <c>data/blobs</c>.</summary>
    [Required]
    public string Path { get; set; } = "data/blobs";
}

/// <summary><c>Blossom:Database</c>: the metadata index.</summary>
public sealed class DatabaseOptions
{
    public const string Section = "Blossom:Database";

    /// <summary>Only <c>Sqlite</c> exists today.</summary>
    [RegularExpression("^Sqlite$", ErrorMessage = "Database:Provider must be Sqlite.")]
    public string Provider { get; set; } = "Sqlite";

    /// <summary>Default <c>Data Source=data/blossom.db</c>.</summary>
    [Required]
    public string ConnectionString { get; set; } = "Data Source=data/blossom.db";
}

/// <summary><c>Blossom:Upload</c>: who may upload what (BUD-02, BUD-06).</summary>
public sealed class UploadOptions
{
    public const string Section = "Blossom:Upload";

    /// <summary>Whether <c>PUT /upload</c> needs a <c>t=upload</c> token. Default true: anonymous uploads are unowned and can never be deleted.</summary>
    public bool RequireAuth { get; set; } = true;

    /// <summary>Largest accepted blob. Default 100 MiB.</summary>
    [Range(0, long.MaxValue)]
    public long MaxSizeBytes { get; set; } = 100L * 1024 * 1024;

    /// <summary>MIME types accepted, with wildcards (<c>image/*</c>). Empty: any type.</summary>
    public List<string> AllowedTypes { get; set; } = [];

    /// <summary>Hex pubkeys allowed to upload. Empty: anyone with a valid token.</summary>
    public List<string> AllowedPubkeys { get; set; } = [];
}

/// <summary><c>Blossom:List</c> (BUD-12).</summary>
public sealed class ListOptions
{
    public const string Section = "Blossom:List";

    /// <summary>Whether <c>GET /list</c> needs a <c>t=list</c> token. Default false, as most clients expect.</summary>
    public bool RequireAuth { get; set; }

    /// <summary>Largest page, and the page size when a client gives no <c>limit</c>. Default 1000.</summary>
    [Range(1, 10_000)]
    public int MaxLimit { get; set; } = 1000;
}

/// <summary><c>Blossom:Auth</c> (BUD-11).</summary>
public sealed class AuthOptions
{
    public const string Section = "Blossom:Auth";

    /// <summary>How far in the future a token's <c>created_at</c> may be, for clients with fast clocks. Default 60 s.</summary>
    [Range(0, 3600)]
    public int ClockSkewSeconds { get; set; } = 60;
}
