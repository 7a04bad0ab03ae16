using System.Globalization;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;

namespace Blossom.Benchmarks;

/// <summary>Throughput in MiB/s: the benchmark's size parameter (in MiB) over its mean time.</summary>
internal sealed class MebibytesPerSecondColumn(string sizeParameter) : IColumn
{
    public string Id => nameof(MebibytesPerSecondColumn) + "." + sizeParameter;
    public string ColumnName => "MiB/s";
    public bool AlwaysShow => true;
    public ColumnCategory Category => ColumnCategory.Statistics;
    public int PriorityInCategory => 10;
    public bool IsNumeric => true;
    public UnitType UnitType => UnitType.Dimensionless;
    public string Legend => $"Throughput: {sizeParameter} MiB divided by the mean time of one operation";

    public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;
    public bool IsAvailable(Summary summary) => true;

    public string GetValue(Summary summary, BenchmarkCase benchmarkCase) =>
        GetValue(summary, benchmarkCase, SummaryStyle.Default);

    public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style)
    {
        ArgumentNullException.ThrowIfNull(summary);
        ArgumentNullException.ThrowIfNull(benchmarkCase);
        var meanNanoseconds = summary[benchmarkCase]?.ResultStatistics?.Mean;
        if (meanNanoseconds is not > 0 || benchmarkCase.Parameters[sizeParameter] is not int sizeMiB)
            return "NA";
        return (sizeMiB / (meanNanoseconds.Value / 1e9)).ToString("N0", CultureInfo.InvariantCulture);
    }
}
