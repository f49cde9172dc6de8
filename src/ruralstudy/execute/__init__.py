"""Notebook execution: kernels and the runner."""
