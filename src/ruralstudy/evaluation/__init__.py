"""Evaluation: gold annotations and scores, statistics, the simulation check."""
