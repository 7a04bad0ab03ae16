namespace Blossom.Tests.Infrastructure;

/// <summary>The test classes that run several server nodes on one PostgreSQL and one S3 server, both of their own.</summary>
[CollectionDefinition(Name)]
public sealed class ClusterTestGroup : ICollectionFixture<PostgresServer>, ICollectionFixture<S3Server>
{
    public const string Name = "Cluster";
}
