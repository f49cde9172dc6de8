"""The static site: pages, templates and static files."""
