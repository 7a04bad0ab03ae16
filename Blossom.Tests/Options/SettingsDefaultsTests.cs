using System.Collections;
using System.Globalization;
using System.Reflection;
using System.Text.Json;
using System.Text.RegularExpressions;
using Blossom.Core.Previews;
using Blossom.Server;
using Blossom.Tests.Infrastructure;

namespace Blossom.Tests.Options;

/// <summary>
/// The defaults live in three places a user reads: the options classes (what the server does with no
/// setting), <c>appsettings.json</c> (what it ships with) and README's settings table (what it says it
/// does). These tests hold the other two to the code, so none can drift.
/// </summary>
public sealed partial class SettingsDefaultsTests
{
    /// <summary>Settings whose default is the machine's (half its cores): no file can write it down.</summary>
    private static readonly HashSet<string> MachineDependent = ["Media:Workers", "Previews:Concurrency"];

    /// <summary>Lists whose empty default stands for a documented list, which the file and README spell out.</summary>
    private static readonly Dictionary<string, IEnumerable> EffectiveDefaults = new()
    {
        ["Media:Video:HlsHeights"] = MediaVideoOptions.DefaultHlsHeights.ToList(),
        ["Previews:Sizes"] = PreviewSizes.Defaults.Select(s => $"{s.Width}x{s.Height}").ToList(),
    };

    [Fact]
    public void AppSettings_EverySettingItHolds_IsTheCodesDefault()
    {
        var mismatches = AppSettingsValues().Where(s => !Setting.Find(s.Key).HasDefault(s.Value)).Select(s => $"{s.Key}: file {s.Value}, code {Setting.Find(s.Key).DefaultText}");

        mismatches.Should().BeEmpty();
    }

    [Fact]
    public void AppSettings_HoldsEverySettingOfTheCode()
    {
        var inFile = AppSettingsValues().Select(s => s.Key).ToHashSet();

        Setting.All().Select(s => s.Key).Where(k => !MachineDependent.Contains(k)).Except(inFile).Should().BeEmpty();
    }

    [Fact]
    public void Readme_EverySettingItsTableNames_ExistsWithTheDefaultItStates()
    {
        var rows = ReadmeRows().ToList();

        rows.Should().NotBeEmpty();
        var problems = new List<string>();
        foreach (var (keys, defaultCell) in rows)
        {
            var settings = keys.Select(Setting.Find).ToList();
            var literals = CodeLiteral().Matches(defaultCell).Select(m => m.Groups[1].Value).ToList();
            if (defaultCell.StartsWith("empty", StringComparison.Ordinal))
                literals = [.. keys.Select(_ => "")];
            else if (!defaultCell.StartsWith('`') || literals.Count < keys.Count)
                continue; // a default in words ("cores / 2"), checked by reading
            // One list setting may show its items as literals of their own: `32x32`, `96x96`.
            var written = keys.Count == 1 && literals.Count > 1 && settings[0].Default is IEnumerable and not string ? [JsonSerializer.SerializeToElement(literals)] : literals.Select(l => JsonSerializer.SerializeToElement(l)).ToList();
            for (var i = 0; i < keys.Count; i++)
            {
                // A default that depends on another setting (null: "PublicUrl when PublicUrl is set") is stated in words.
                if (settings[i].Default is not null && !settings[i].HasDefault(written[i]))
                    problems.Add($"{keys[i]}: README {written[i]}, code {settings[i].DefaultText}");
            }
        }

        problems.Should().BeEmpty();
    }

    [Fact]
    public void Readme_ItsTableNamesEverySettingOfTheCode()
    {
        var documented = ReadmeRows().SelectMany(r => r.Keys).ToHashSet();

        Setting.All().Select(s => s.Key).Except(documented).Should().BeEmpty();
    }

    [Fact]
    public async Task Readme_ProductionConfiguration_StartsAndActsAsItsCommentsSay()
    {
        var member = new NostrSigner();
        var stranger = new NostrSigner();
        var operatorKey = new NostrSigner();
        var readme = File.ReadAllText(Path.Combine(NodeScript.RepositoryRoot(), "README.md"));
        var section = readme[readme.IndexOf("### A production configuration", StringComparison.Ordinal)..];
        var start = section.IndexOf("```sh\n", StringComparison.Ordinal) + "```sh\n".Length;
        var block = section[start..section.IndexOf("\n```", start, StringComparison.Ordinal)];
        var settings = new Dictionary<string, string?>();
        foreach (var line in block.Split('\n'))
        {
            var assignment = line.Split(" #")[0].Trim();
            var (key, value) = (assignment[..assignment.IndexOf('=', StringComparison.Ordinal)], assignment[(assignment.IndexOf('=', StringComparison.Ordinal) + 1)..]);
            settings[key.Replace("__", ":", StringComparison.Ordinal)] = value.Replace("<member pubkey>", member.Pubkey, StringComparison.Ordinal)
                .Replace("<operator pubkey>", operatorKey.Pubkey, StringComparison.Ordinal);
        }
        using var app = new BlossomApplication(settings);
        var client = app.Start();

        var stored = await client.UploadAsync(member, BlossomRequests.RandomBlob(100));
        var strangers = BlossomRequests.RandomBlob(100);
        using var refused = await client.SendAsync(BlossomRequests.Upload(strangers, stranger.Token(Blossom.Core.Auth.AuthorizationVerb.Upload, [BlossomRequests.Sha256(strangers)])));
        using var admin = await client.SendAsync(new HttpRequestMessage(HttpMethod.Get, "/admin/retention").WithToken(operatorKey.Token(Blossom.Core.Auth.AuthorizationVerb.Admin)));

        settings.Should().ContainKey("Blossom:Retention:Rules:1:MaxIdleDays");
        stored.Url.Should().StartWith("https://blossom.example.com/");
        refused.StatusCode.Should().Be(System.Net.HttpStatusCode.Forbidden);
        admin.StatusCode.Should().Be(System.Net.HttpStatusCode.OK);
    }

    /// <summary>Every leaf under <c>Blossom</c>, keyed as README names it (<c>Storage:S3:Region</c>).</summary>
    private static List<KeyValuePair<string, JsonElement>> AppSettingsValues()
    {
        using var file = JsonDocument.Parse(File.ReadAllText(Path.Combine(NodeScript.RepositoryRoot(), "appsettings.json")));
        return Leaves(file.RootElement.GetProperty("Blossom").Clone(), "").ToList();

        static IEnumerable<KeyValuePair<string, JsonElement>> Leaves(JsonElement element, string prefix) =>
            element.ValueKind == JsonValueKind.Object
                ? element.EnumerateObject().SelectMany(p => Leaves(p.Value, prefix.Length == 0 ? p.Name : $"{prefix}:{p.Name}"))
                : [new(prefix, element)];
    }

    /// <summary>The settings table's rows: <c>| `Section:Key`, `OtherKey` | default | meaning |</c>; a later key is in the first one's section.</summary>
    private static IEnumerable<(List<string> Keys, string Default)> ReadmeRows()
    {
        var readme = File.ReadAllLines(Path.Combine(NodeScript.RepositoryRoot(), "README.md"));
        var table = readme.SkipWhile(l => l != "## Settings").Skip(1).TakeWhile(l => !l.StartsWith("## ", StringComparison.Ordinal));
        foreach (var line in table.Where(l => l.StartsWith("| `", StringComparison.Ordinal)))
        {
            var cells = line.Split(" | ");
            var keys = CodeLiteral().Matches(cells[0]).Select(m => m.Groups[1].Value).ToList();
            var section = keys[0].Contains(':', StringComparison.Ordinal) ? keys[0][..(keys[0].LastIndexOf(':') + 1)] : "";
            yield return ([keys[0], .. keys.Skip(1).Select(k => section + k)], cells[1].Trim());
        }
    }

    [GeneratedRegex("`([^`]*)`")]
    private static partial Regex CodeLiteral();

    /// <summary>One setting: its key under <c>Blossom</c> and its default, read from a fresh options object.</summary>
    private sealed record Setting(string Key, PropertyInfo Property, object? Default)
    {
        public string DefaultText => Default is IEnumerable list and not string ? $"[{string.Join(", ", list.Cast<object>())}]" : Default?.ToString() ?? "null";

        public static IEnumerable<Setting> All() =>
            typeof(BlossomOptions).Assembly.GetTypes()
                .Select(t => (Type: t, Section: t.GetField("Section", BindingFlags.Public | BindingFlags.Static)?.GetRawConstantValue() as string))
                .Where(t => t.Section is not null)
                .SelectMany(t => Of(Activator.CreateInstance(t.Type)!, t.Section == "Blossom" ? "" : t.Section!["Blossom:".Length..]));

        public static Setting Find(string key) =>
            All().SingleOrDefault(s => s.Key == key) ?? throw new Xunit.Sdk.XunitException($"No setting {key} in the code.");

        /// <summary>The settable properties of a section, nested sections (a class of the server's own) walked into.</summary>
        private static IEnumerable<Setting> Of(object options, string prefix) =>
            options.GetType().GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.CanWrite).SelectMany(p =>
            {
                var key = prefix.Length == 0 ? p.Name : $"{prefix}:{p.Name}";
                var value = p.GetValue(options);
                return p.PropertyType.IsClass && p.PropertyType.Assembly == typeof(BlossomOptions).Assembly
                    ? Of(value!, key)
                    : [new Setting(key, p, EffectiveDefaults.TryGetValue(key, out var effective) ? effective : value)];
            });

        public bool HasDefault(JsonElement written) => (Default, written.ValueKind) switch
        {
            (null, JsonValueKind.Null) => true,
            (null, JsonValueKind.String) => written.GetString()!.Length == 0,
            (string text, JsonValueKind.String) => text == written.GetString(),
            (bool flag, JsonValueKind.True or JsonValueKind.False) => flag == written.GetBoolean(),
            (bool flag, JsonValueKind.String) => flag.ToString().Equals(written.GetString(), StringComparison.OrdinalIgnoreCase),
            (Enum value, JsonValueKind.String) => value.ToString().Equals(written.GetString(), StringComparison.OrdinalIgnoreCase),
            (TimeSpan span, JsonValueKind.String) => span == TimeSpan.Parse(written.GetString()!, CultureInfo.InvariantCulture),
            (IEnumerable list and not string, JsonValueKind.Array) => list.Cast<object>().Select(Text).SequenceEqual(written.EnumerateArray().Select(e => e.ToString())),
            (IEnumerable list and not string, JsonValueKind.String) => written.GetString()!.Length == 0 ? !list.Cast<object>().Any()
                : list.Cast<object>().Select(Text).SequenceEqual(written.GetString()!.Trim('[', ']').Split(", ")),
            (not null, JsonValueKind.Number or JsonValueKind.String) => Text(Default) == written.ToString(),
            _ => false,
        };

        private static string Text(object value) => Convert.ToString(value, CultureInfo.InvariantCulture)!;
    }
}
