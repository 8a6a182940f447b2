using EdgeSplit.Cli;

return await AgentCommandLine.RunAsync(args, Console.Out, Console.Error);
