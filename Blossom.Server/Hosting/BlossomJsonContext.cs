using System.Text.Json.Serialization;

namespace Blossom.Server;

/// <summary>Every JSON body of the Blossom routes, camelCase as BUD-02's descriptor (<c>url</c>, <c>sha256</c>, <c>nip94</c>) and <c>/info</c> have it.</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(BlobDescriptor))]
[JsonSerializable(typeof(IReadOnlyList<BlobDescriptor>))]
[JsonSerializable(typeof(ErrorBody))]
[JsonSerializable(typeof(MediaTaskResponse))]
[JsonSerializable(typeof(IReadOnlyList<MediaTaskResponse>))]
[JsonSerializable(typeof(CompletedMediaTaskResponse))]
[JsonSerializable(typeof(ServerInfo))]
[JsonSerializable(typeof(ReportReceipt))]
[JsonSerializable(typeof(AdminBlob))]
[JsonSerializable(typeof(IReadOnlyList<AdminBlob>))]
[JsonSerializable(typeof(IReadOnlyList<AdminReport>))]
[JsonSerializable(typeof(IReadOnlyList<Blossom.Core.Moderation.BlockedPubkey>))]
[JsonSerializable(typeof(IReadOnlyList<Blossom.Core.Moderation.BlockedBlob>))]
[JsonSerializable(typeof(IReadOnlyList<AdminQuarantined>))]
[JsonSerializable(typeof(AdminRemoteCache))]
[JsonSerializable(typeof(AdminPurged))]
[JsonSerializable(typeof(IReadOnlyList<Blossom.Core.Blobs.OwnerUsage>))]
[JsonSerializable(typeof(AdminStorage))]
[JsonSerializable(typeof(AdminMediaJobs))]
[JsonSerializable(typeof(Blossom.Core.Retention.RetentionReport))]
internal sealed partial class BlossomJsonContext : JsonSerializerContext;
