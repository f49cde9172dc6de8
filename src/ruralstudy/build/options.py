"""What a build is asked to do (:class:`BuildOptions`) and what it reports (:class:`BuildReport`,
one :class:`StepRecord` per step, input problems in plain words)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .cache import DEFAULT_LIMIT
from ..execute.execute import DEFAULT_TIMEOUT
from ..paths import Paths

if TYPE_CHECKING:
    import pandas as pd

    from ..texts.corpus import CorpusProblem
    from ..tables.tables import Tables


@dataclass
class BuildOptions:
    """How to build."""

    jobs: int = 1
    force: bool = False
    dry_run: bool = False
    scheduler: str | None = None
    notebook_params: dict[str, dict] = field(default_factory=dict)
    only_profiles: list[str] | None = None
    progress: Callable[[str, int, int], None] | None = None
    keep_going: bool = False  # skip unreadable inputs instead of stopping
    wait: float = 0.0  # seconds to wait for another build or add to finish
    fresh_kernels: bool = False  # one new kernel per notebook instead of warm, reset kernels
    timeout: float | None = DEFAULT_TIMEOUT  # seconds per notebook
    cache_limit: int = DEFAULT_LIMIT  # bytes; least recently used entries beyond it are pruned
    until: str | None = None  # "extract" or "indicators": stop after that step (the CLI's
    # `extract`, `indicators` and `score` run the build's own steps, cached, this far)


@dataclass(frozen=True)
class StepRecord:
    """What the build did with one step: its name, key, whether it ran, and why."""

    name: str
    key: str
    run: bool
    reason: str


@dataclass
class BuildReport:
    """What a build did (or, in a dry run, would do)."""

    steps: list[StepRecord] = field(default_factory=list)
    problems: list["CorpusProblem"] = field(default_factory=list)
    site: Path | None = None
    n_documents: int = 0
    figures: "pd.DataFrame | None" = field(default=None, repr=False)
    tables: dict[str, bytes] = field(default_factory=dict, repr=False)  # data/processed files
    frames: "Tables | None" = field(default=None, repr=False)  # the same, parsed
    up_to_date: bool = False  # nothing planned: the project's fingerprint was unchanged

    @property
    def ran(self) -> list[StepRecord]:
        return [s for s in self.steps if s.run]


def describe_problem(p: Any, paths: Paths) -> str:
    """One input problem in plain words: the file, the line (or the manifest line naming it)
    and the reason."""
    try:
        shown = str(Path(p.file).relative_to(paths.root))
    except ValueError:
        shown = p.file
    if p.doc_id:  # a report: the line is the manifest's
        where = f"{shown} (document {p.doc_id}"
        where += f", {paths.manifest.relative_to(paths.root)} line {p.line})" if p.line else ")"
    else:
        where = f"{shown}" + (f" line {p.line}" if p.line else "")
    return f"{where}: {p.reason}"
