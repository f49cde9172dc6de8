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


# --- a control point for tests that kill a build ----------------------------------------------

#: The phase at which a build stops for a test (see :func:`pause_point`), and the file it writes.
PAUSE_ENV = "RURALSTUDY_TEST_PAUSE_AT"
PAUSE_MARKER_ENV = "RURALSTUDY_TEST_MARKER"
PAUSE_PHASES = ("notebooks", "publish", "swap")


def pause_point(phase: str) -> None:
    """Inert unless ``$RURALSTUDY_TEST_PAUSE_AT`` is ``phase``: then write the file named by
    ``$RURALSTUDY_TEST_MARKER`` (holding this pid and the phase) and block until the process
    is killed. Tests that kill a build use it to kill at a known point, never after a fixed
    sleep. The phases (:data:`PAUSE_PHASES`):

    - ``notebooks``: the first notebook has run (others may still be running in the pool);
      ``data/processed`` is written, the site untouched;
    - ``publish``: the new site is half written in ``reports/.site-builds/tmp-*``;
    - ``swap``: the new site is whole in ``reports/.site-builds/build-*``, and the link to it
      is made beside ``reports/site`` but not yet renamed onto it.
    """
    if os.environ.get(PAUSE_ENV) != phase:
        return
    import time

    marker = os.environ.get(PAUSE_MARKER_ENV)
    if marker:
        tmp = f"{marker}.{os.getpid()}.tmp"
        with open(tmp, "w", encoding="utf-8") as fh:
            fh.write(f"{os.getpid()} {phase}\n")
        os.replace(tmp, marker)  # the test sees the marker whole or not at all
    while True:
        time.sleep(60)
