"""``python -m ruralstudy``."""

from .cli import app

app()
