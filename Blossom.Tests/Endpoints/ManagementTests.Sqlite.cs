using System.Net;
using Blossom.Core.Auth;
using Blossom.Tests.Infrastructure;
using Microsoft.Data.Sqlite;

namespace Blossom.Tests.Endpoints;

/// <summary>Delete tokens against upload times, which these tests move back in the SQLite database.</summary>
public sealed partial class ManagementTests
{
    // A delete token captured earlier deleted the blob again after its owner uploaded it anew.
    [Fact]
    public async Task Delete_ReplayedTokenOlderThanReupload_403AndBlobKept_FreshTokenWorks()
    {
        var data = BlossomRequests.RandomBlob();
        var blob = await _client.UploadAsync(_alice, data);
        // Times are whole seconds: the upload is moved ten minutes back and the token signed two
        // minutes ago, so the token falls between the first upload and the re-upload in any second.
        await BackdateOwnershipAsync(blob.Sha256, _alice, TimeSpan.FromMinutes(10));
        var captured = _alice.Token(AuthorizationVerb.Delete, [blob.Sha256], createdAt: DateTimeOffset.UtcNow.ToUnixTimeSeconds() - 120);
        using var first = await _client.SendAsync(new HttpRequestMessage(HttpMethod.Delete, $"/{blob.Sha256}").WithToken(captured));
        await _client.UploadAsync(_alice, data);

        using var replayed = await _client.SendAsync(new HttpRequestMessage(HttpMethod.Delete, $"/{blob.Sha256}").WithToken(captured));
        var afterReplay = await _client.GetAsync(blob.Url);
        using var fresh = await _client.SendAsync(Delete(blob.Sha256, _alice));

        first.StatusCode.Should().Be(HttpStatusCode.NoContent);
        replayed.StatusCode.Should().Be(HttpStatusCode.Forbidden);
        replayed.Reason().Should().Be("This delete token was created before your latest upload of the blob; sign a new one (is your clock behind?)");
        afterReplay.StatusCode.Should().Be(HttpStatusCode.OK);
        fresh.StatusCode.Should().Be(HttpStatusCode.NoContent);
        (await _client.GetAsync(blob.Url)).StatusCode.Should().Be(HttpStatusCode.NotFound);
    }

    // The same while the owner still owns it: uploading again renews the ownership's time.
    [Fact]
    public async Task Delete_TokenOlderThanOwnersRepeatedUpload_403AndBlobKept()
    {
        var data = BlossomRequests.RandomBlob();
        var blob = await _client.UploadAsync(_alice, data);
        await BackdateOwnershipAsync(blob.Sha256, _alice, TimeSpan.FromMinutes(10));
        var older = _alice.Token(AuthorizationVerb.Delete, [blob.Sha256], createdAt: DateTimeOffset.UtcNow.ToUnixTimeSeconds() - 120);
        await _client.UploadAsync(_alice, data);

        using var response = await _client.SendAsync(new HttpRequestMessage(HttpMethod.Delete, $"/{blob.Sha256}").WithToken(older));

        response.StatusCode.Should().Be(HttpStatusCode.Forbidden);
        (await _client.GetAsync(blob.Url)).StatusCode.Should().Be(HttpStatusCode.OK);
    }

    /// <summary>Moves an ownership's time back in the database, as if that upload had happened <paramref name="age"/> ago.</summary>
    private async Task BackdateOwnershipAsync(string sha256, NostrSigner owner, TimeSpan age)
    {
        var connection = new SqliteConnection($"Data Source={Path.Combine(_app.DataRoot, "blossom.db")}");
        await using (connection)
        {
            await connection.OpenAsync();
            using var command = connection.CreateCommand();
            command.CommandText = "UPDATE owners SET added = added - $age WHERE sha256 = $sha256 AND pubkey = $pubkey";
            command.Parameters.AddWithValue("$age", (long)age.TotalSeconds);
            command.Parameters.AddWithValue("$sha256", sha256);
            command.Parameters.AddWithValue("$pubkey", owner.Pubkey);
            (await command.ExecuteNonQueryAsync()).Should().Be(1);
        }
    }
}
