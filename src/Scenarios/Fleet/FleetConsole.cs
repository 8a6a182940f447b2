namespace EdgeSplit.Scenarios.Fleet;

/// <summary>The fleet's progress console: Spectre.Console on the given writer, wide enough for one line per second in logs.</summary>
internal static class FleetConsole
{
    public static IAnsiConsole Create(TextWriter output)
    {
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(output) });
        if (Console.IsOutputRedirected || output != Console.Out)
        {
            console.Profile.Width = 160;
        }

        return console;
    }
}
