using Spectre.Console;
using Spectre.Console.Rendering;

namespace Reel.Cli;

// Spectre's own download columns say "MB" for MiB and count a resumed upload's skipped bytes as speed; these use
// Units and TransferRate instead.

/// <summary>"12.0/45.6 MiB".</summary>
internal sealed class DoneColumn : ProgressColumn
{
    protected override bool NoWrap => true;

    public override IRenderable Render(RenderOptions options, ProgressTask task, TimeSpan deltaTime) =>
        new Text(Units.Done((long)task.Value, (long)task.MaxValue));
}

/// <summary>"4.0 MiB/s" of this run.</summary>
internal sealed class SpeedColumn(TransferRate rate) : ProgressColumn
{
    protected override bool NoWrap => true;

    public override IRenderable Render(RenderOptions options, ProgressTask task, TimeSpan deltaTime) =>
        new Text(rate.BytesPerSecond is { } speed ? Units.Rate(speed) : "-", new Style(Color.Grey));
}

/// <summary>"0:01:05" at this run's speed.</summary>
internal sealed class TimeLeftColumn(TransferRate rate) : ProgressColumn
{
    protected override bool NoWrap => true;

    public override IRenderable Render(RenderOptions options, ProgressTask task, TimeSpan deltaTime) =>
        new Text(Units.TimeLeft(task.IsFinished ? TimeSpan.Zero : rate.Remaining), new Style(Color.Blue));
}
