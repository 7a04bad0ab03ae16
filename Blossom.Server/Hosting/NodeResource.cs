using OpenTelemetry.Resources;

namespace Blossom.Server;

/// <summary>Names the service and this node, as OpenTelemetry's resource that every exported series belongs to.</summary>
internal sealed class NodeResource(string node) : IResourceDetector
{
    public Resource Detect() => new([new("service.name", "blossom"), new("service.instance.id", node)]);
}
