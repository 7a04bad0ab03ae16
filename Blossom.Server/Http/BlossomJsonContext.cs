using System.Text.Json.Serialization;

namespace Blossom.Server.Http;

[JsonSerializable(typeof(BlobDescriptor))]
[JsonSerializable(typeof(IReadOnlyList<BlobDescriptor>))]
[JsonSerializable(typeof(ErrorBody))]
[JsonSerializable(typeof(MediaTaskResponse))]
[JsonSerializable(typeof(CompletedMediaTaskResponse))]
[JsonSerializable(typeof(Endpoints.ServerInfo))]
[JsonSerializable(typeof(Endpoints.ReportReceipt))]
[JsonSerializable(typeof(Endpoints.AdminBlob))]
[JsonSerializable(typeof(IReadOnlyList<Endpoints.AdminBlob>))]
[JsonSerializable(typeof(IReadOnlyList<Endpoints.AdminReport>))]
[JsonSerializable(typeof(IReadOnlyList<Blossom.Core.Moderation.BlockedPubkey>))]
internal sealed partial class BlossomJsonContext : JsonSerializerContext;
