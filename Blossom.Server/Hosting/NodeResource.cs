using System.Net;
using System.Security.Cryptography;
using System.Text;
using Blossom.Core;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using Microsoft.AspNetCore.HttpOverrides;
using Microsoft.Extensions.Options;
using IPNetwork = System.Net.IPNetwork;

namespace Blossom.Server;

/// <summary>Names the service and this node, as OpenTelemetry's resource that every exported series belongs to.</summary>
internal sealed class NodeResource(string node) : IResourceDetector
{
    public Resource Detect() => new([new("service.name", "blossom"), new("service.instance.id", node)]);
}
