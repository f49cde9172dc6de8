"""Figures: every number in a text with its clause, place and unit."""
