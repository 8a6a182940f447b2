using EdgeSplit.Bench;

return await EdgeBench.RunAsync(args, Console.Out);
