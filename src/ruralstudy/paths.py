"""Where the project's files live, relative to its root (the folder holding pyproject.toml)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path


def find_root(start: Path | None = None) -> Path:
    """The project root: $RURALSTUDY_ROOT, else the nearest parent with data/raw/manifest.csv."""
    env = os.environ.get("RURALSTUDY_ROOT")
    if env:
        return Path(env).resolve()
    here = (start or Path.cwd()).resolve()
    for p in [here, *here.parents]:
        if (p / "data" / "raw" / "manifest.csv").is_file():
            return p
    return here


@dataclass(frozen=True)
class Paths:
    """All project paths derived from the root."""

    root: Path

    @classmethod
    def discover(cls, root: str | Path | None = None) -> "Paths":
        return cls(Path(root).resolve() if root else find_root())

    @property
    def raw(self) -> Path:
        return self.root / "data" / "raw"

    @property
    def manifest(self) -> Path:
        return self.raw / "manifest.csv"

    @property
    def reports_raw(self) -> Path:
        return self.raw / "reports"

    @property
    def sheets(self) -> Path:
        return self.raw / "sheets"

    @property
    def annotations(self) -> Path:
        return self.root / "data" / "annotations"

    @property
    def manual(self) -> Path:
        return self.root / "data" / "manual"

    @property
    def overrides(self) -> Path:
        return self.manual / "overrides.csv"

    @property
    def processed(self) -> Path:
        return self.root / "data" / "processed"

    @property
    def notebooks(self) -> Path:
        return self.root / "notebooks"

    @property
    def reports(self) -> Path:
        return self.root / "reports"

    @property
    def executed(self) -> Path:
        return self.reports / "executed"

    @property
    def site(self) -> Path:
        return self.reports / "site"

    @property
    def lock(self) -> Path:
        """Held by a running ``build`` or ``add`` (see :func:`ruralstudy.iorw.project_lock`)."""
        return self.root / ".ruralstudy.lock"

    @property
    def cache(self) -> Path:
        return self.root / ".ruralstudy-cache"
