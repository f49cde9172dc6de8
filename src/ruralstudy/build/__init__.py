"""The build machinery: graph, cache, steps, options, paths, memory, and the pipeline that assembles the tables."""
