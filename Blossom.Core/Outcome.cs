namespace Blossom.Core;

/// <summary>
/// What a rule answers: its value, or the refusal that says why there is none. A refusal is an
/// ordinary answer, carried as a value for the caller to translate (into a status code, a Matrix
/// error); exceptions stay for what no rule foresaw.
/// </summary>
/// <param name="Value">The rule's value; the default of <typeparamref name="T"/> when refused.</param>
/// <param name="Refusal">Why there is no value; null when there is one.</param>
public sealed record Outcome<T, TRefusal>(T Value, TRefusal? Refusal) where TRefusal : class;
