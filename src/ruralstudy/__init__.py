"""ruralstudy: figures on village Party branches, cadres and collective income from Chinese reports."""

__version__ = "0.1.0"
