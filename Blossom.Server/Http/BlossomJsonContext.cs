using System.Text.Json.Serialization;

namespace Blossom.Server.Http;

[JsonSerializable(typeof(BlobDescriptor))]
[JsonSerializable(typeof(IReadOnlyList<BlobDescriptor>))]
[JsonSerializable(typeof(ErrorBody))]
[JsonSerializable(typeof(MediaTaskResponse))]
internal sealed partial class BlossomJsonContext : JsonSerializerContext;
