namespace Blossom.Server;

/// <summary>How log lines are written.</summary>
public enum LogFormat
{
    /// <summary>For people.</summary>
    Simple,
    /// <summary>One JSON object per line, with the request id, for collectors.</summary>
    Json,
}

/// <summary><c>Blossom:Logs</c>.</summary>
public sealed class LogsOptions
{
    public const string Section = "Blossom:Logs";

    /// <summary><c>Simple</c> (default, for people) or <c>Json</c> (one JSON object per line, with the request id, for collectors).</summary>
    public LogFormat Format { get; set; } = LogFormat.Simple;
}
