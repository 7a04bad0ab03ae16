using System.ComponentModel.DataAnnotations;
using Blossom.Core.Blobs;
using Microsoft.Extensions.Options;

namespace Blossom.Server;

/// <summary><c>Blossom:Upload</c>: who may upload what (BUD-02, BUD-06).</summary>
public sealed class UploadOptions : IValidatableObject
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

    /// <summary>Bytes one pubkey's blobs may take in all (uploads, mirrors, media results). 0: no quota.</summary>
    [Range(0, long.MaxValue)]
    public long QuotaBytesPerPubkey { get; set; }

    /// <summary>
    /// Seconds a chunked upload (BUD-14) may go without a chunk before it and its bytes are discarded.
    /// Default 60, as the draft recommends; a restart does not reset the clock.
    /// </summary>
    [Range(1, 86400)]
    public int PartialTimeoutSeconds { get; set; } = 60;

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (AllowedPubkeys.Count > 0 && !RequireAuth)
            yield return new("Upload:AllowedPubkeys needs Upload:RequireAuth=true: without a token there is no pubkey to check.");
        foreach (var pubkey in AllowedPubkeys.Where(p => !BlobHash.IsValid(p)))
            yield return new($"Upload:AllowedPubkeys entry '{pubkey}' is not a 64-character lowercase hex pubkey.");
        foreach (var type in AllowedTypes.Where(t => !t.Contains('/', StringComparison.Ordinal) && t != "*"))
            yield return new($"Upload:AllowedTypes entry '{type}' is not a MIME type or pattern like image/*.");
    }
}

/// <summary>Checks <see cref="UploadOptions"/> at start-up: its attributes and its own rules, generated at build time.</summary>
[OptionsValidator]
internal sealed partial class UploadOptionsValidator : IValidateOptions<UploadOptions>;
