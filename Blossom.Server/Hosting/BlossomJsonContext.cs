using System.Text.Json.Serialization;

namespace Blossom.Server;

[JsonSerializable(typeof(BlobDescriptor))]
[JsonSerializable(typeof(IReadOnlyList<BlobDescriptor>))]
[JsonSerializable(typeof(ErrorBody))]
[JsonSerializable(typeof(MediaTaskResponse))]
[JsonSerializable(typeof(CompletedMediaTaskResponse))]
[JsonSerializable(typeof(ServerInfo))]
[JsonSerializable(typeof(ReportReceipt))]
[JsonSerializable(typeof(AdminBlob))]
[JsonSerializable(typeof(IReadOnlyList<AdminBlob>))]
[JsonSerializable(typeof(IReadOnlyList<AdminReport>))]
[JsonSerializable(typeof(IReadOnlyList<Blossom.Core.Moderation.BlockedPubkey>))]
internal sealed partial class BlossomJsonContext : JsonSerializerContext;
