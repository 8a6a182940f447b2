// Several tests here compare latencies measured in the same run (hedge timing, the throttling proxy, planner
// choices from real profiling); run one at a time so they do not measure each other's CPU use.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
