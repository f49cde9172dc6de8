"""The notebooks' helpers: analysis, charts, tables and links."""
