"""The build graph's generic part: typed steps, and the one loop that plans, checks the cache,
runs and records them.

A step (:class:`Step`) declares its inputs (:class:`StepInputs`: content digests of files and
upstream outputs, parameters, its own code) and the names of its outputs; the library's own
source is added to every key by the loop. :class:`Graph` keys each step with
:func:`ruralstudy.build.cache.step_key`, reads a complete cache entry when there is one, and otherwise
runs the step (steps of one kind together, through the kind's ``run_many``, so notebook runs go
to a pool in one batch), stores its outputs as one cache entry and records its inputs for the
next plan's reasons (``--dry-run``). Outputs are bytes keyed by file name; what a step makes of
them in memory is the step's business.

The whole graph also has a key of its own, :func:`project_fingerprint`: the digest of every
file a build reads, the options and the library. A build whose fingerprint equals the last
complete build's, with that build's outputs still in place, has nothing to do and stops before
reading any table (:func:`up_to_date`). This module imports no data library, so that check
costs milliseconds.
"""

from __future__ import annotations

import hashlib
import json
import os
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

Outputs = dict[str, bytes]


@dataclass(frozen=True)
class StepInputs:
    """What a step reads: ``files`` and ``upstream`` map a name to a content digest,
    ``params`` are JSON-serialisable parameters, ``code`` is the step's own code (a notebook's
    code cells; empty for library steps, whose code is the library)."""

    files: Mapping[str, str] = field(default_factory=dict)
    upstream: Mapping[str, str] = field(default_factory=dict)
    params: Mapping[str, Any] = field(default_factory=dict)
    code: str = ""

    def digests(self) -> dict[str, str]:
        """Every data input by name (files as ``NAME``, upstream outputs as ``NAME`` too: the
        names are chosen not to collide)."""
        return {**self.files, **self.upstream}

    def parts(self, library: str) -> dict[str, str]:
        """The inputs as the state records them, to say which one changed."""
        return {"code": _sha(self.code.encode("utf-8")),
                "params": json.dumps(dict(self.params), sort_keys=True, ensure_ascii=False),
                "library": library, **{f"input:{k}": v for k, v in self.digests().items()}}


class Step(ABC):
    """One step of the build graph.

    Subclasses set ``kind`` (the cache folder and key prefix) and ``outputs`` (the file names
    of a cache entry), and implement :meth:`inputs` and :meth:`run`. ``run_many`` runs several
    steps of the kind at once (default: one after another); it may return ``None`` for a step
    that failed, after recording why in ``failures``."""

    kind: ClassVar[str]
    outputs: tuple[str, ...]  # a class's constant, or set per instance

    def __init__(self, name: str) -> None:
        self.name = name

    @abstractmethod
    def inputs(self) -> StepInputs:
        """The step's inputs, by content."""

    @abstractmethod
    def run(self) -> Outputs:
        """Compute the outputs (pure with respect to the inputs declared)."""

    @classmethod
    def run_many(cls, steps: Sequence["Step"], failures: list[Any]) -> list[Outputs | None]:
        """Run several steps of this kind; results in the order given."""
        return [s.run() for s in steps]

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.name!r})"


@dataclass
class Planned:
    """A step with its key and the plan's verdict: run or not, and why. ``outputs`` holds the
    cached outputs (a hit) or, after running, the new ones; ``None`` when not (yet) known."""

    step: Step
    key: str
    run: bool
    reason: str
    parts: dict[str, str] = field(default_factory=dict, repr=False)
    outputs: Outputs | None = field(default=None, repr=False)

    @property
    def name(self) -> str:
        return self.step.name


class State:
    """The inputs each step last ran with, to say *why* a step runs, and the last complete
    build's fingerprint and outputs (``__build__``)."""

    BUILD = "__build__"

    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            self.data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            self.data = {}

    def reason(self, name: str, parts: dict[str, str], cached: bool, force: bool) -> str:
        """Why a step runs (or, when cached, that it does not)."""
        if force:
            return "forced (--force)"
        if cached:
            return "unchanged (cached)"
        old = self.data.get(name)
        if old is None:
            return "never built here"
        changed = sorted(k for k in set(parts) | set(old) if parts.get(k) != old.get(k))
        return ("changed: " + ", ".join(changed)) if changed else "cache entry missing or corrupt"

    def record(self, name: str, parts: dict[str, str]) -> None:
        self.data[name] = parts

    def save(self) -> None:
        from .. import iorw

        iorw.write_text(self.path, json.dumps(self.data, sort_keys=True, ensure_ascii=False,
                                              indent=0))


class Graph:
    """The one loop: plan steps (key, cache check, reason), run what must run, record.

    ``used`` collects the (kind, key) of every entry this build reads or writes, so that
    pruning keeps them."""

    def __init__(self, cache: Any, state: State, library: str, force: bool = False,
                 dry_run: bool = False, on_ran: Callable[[Planned], None] | None = None) -> None:
        self.cache = cache
        self.state = state
        self.library = library
        self.force = force
        self.dry_run = dry_run
        self.on_ran = on_ran
        self.planned: list[Planned] = []
        self.used: set[tuple[str, str]] = set()

    def key(self, step: Step) -> tuple[str, dict[str, str]]:
        """A step's key and its inputs as the state records them, without reading the cache."""
        from .cache import step_key

        inp = step.inputs()
        return (step_key(step.kind, code=inp.code, params=dict(inp.params),
                         inputs=inp.digests(), library=self.library), inp.parts(self.library))

    def known(self, step: Step, key: str, parts: dict[str, str]) -> Planned:
        """Plan a step whose outputs the caller already holds under this very key (a piece of
        a combined frame, :mod:`ruralstudy.build.incremental`): not run, its entry not read."""
        p = Planned(step, key, self.force, self.state.reason(step.name, parts, not self.force,
                                                             self.force), parts)
        if not self.force:
            self.state.record(step.name, parts)
        self.planned.append(p)
        return p

    def plan(self, step: Step, keyed: tuple[str, dict[str, str]] | None = None) -> Planned:
        """Key a step (unless ``keyed`` by :meth:`key` already) and look it up in the cache."""
        key, parts = keyed or self.key(step)
        self.used.add((step.kind, key))
        hit = None if self.force else self._read(step, key)
        p = Planned(step, key, hit is None,
                    self.state.reason(step.name, parts, hit is not None, self.force), parts, hit)
        if hit is not None:
            self.state.record(step.name, parts)
        self.planned.append(p)
        return p

    def _read(self, step: Step, key: str) -> Outputs | None:
        files = self.cache.load(step.kind, key)
        if files is None or any(name not in files for name in step.outputs):
            return None  # missing, corrupt, or without a file the step makes: rebuilt
        return {name: files[name] for name in step.outputs}

    def run(self, planned: Iterable[Planned]) -> list[Any]:
        """Run every planned step that must run (grouped by kind, each group in one
        ``run_many`` call), store and record their outputs; return the failures that
        ``run_many`` reported. In a dry run nothing runs."""
        todo = [p for p in planned if p.run and p.outputs is None]
        failures: list[Any] = []
        if self.dry_run or not todo:
            return failures
        by_kind: dict[type[Step], list[Planned]] = {}
        for p in todo:
            by_kind.setdefault(type(p.step), []).append(p)
        for cls, group in by_kind.items():
            results = cls.run_many([p.step for p in group], failures)
            for p, out in zip(group, results):
                if out is None:
                    continue
                self.cache.put(p.step.kind, p.key, out)
                self.state.record(p.name, p.parts)
                p.outputs = out
                if self.on_ran:
                    self.on_ran(p)
        return failures

    def step(self, step: Step) -> Planned:
        """Plan one step and run it if it must run."""
        p = self.plan(step)
        self.run([p])
        return p


# --- the whole graph's key ------------------------------------------------------------------

def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def file_digests(files: Iterable[Path], root: Path) -> dict[str, str]:
    """Each file by its path relative to ``root``, with the digest of its content
    ("unreadable" when it cannot be read)."""
    out: dict[str, str] = {}
    for f in sorted(set(files)):
        try:
            out[f.relative_to(root).as_posix()] = _sha(f.read_bytes())
        except OSError:
            out[f.relative_to(root).as_posix()] = "unreadable"
    return out


def project_fingerprint(digests: Mapping[str, str], options: Mapping[str, Any],
                        library: str) -> str:
    """The key of a whole build: every input file by path and content digest (see
    :func:`file_digests`), the build options and the library digest. Two builds with equal
    fingerprints read the same bytes and so produce the same outputs."""
    h = hashlib.sha256()
    h.update(json.dumps({"options": dict(options), "library": library}, sort_keys=True,
                        ensure_ascii=False, default=str).encode("utf-8"))
    for rel in sorted(digests):
        h.update(b"\0" + rel.encode("utf-8") + b"\0" + digests[rel].encode())
    return h.hexdigest()


def output_sizes(root: Path, folders: Iterable[Path]) -> dict[str, int]:
    """Every file under ``folders`` (relative to ``root``) with its size."""
    out: dict[str, int] = {}
    for folder in folders:
        for dirpath, _dirs, names in os.walk(folder):
            for n in names:
                f = Path(dirpath) / n
                try:
                    out[f.relative_to(root).as_posix()] = f.stat().st_size
                except OSError:
                    pass
    return out


def up_to_date(state: State, fingerprint: str, root: Path) -> list[str] | None:
    """The last complete build's step names when it had this fingerprint and each of its
    output files is still there with its size; otherwise None (the graph must be planned)."""
    last = state.data.get(State.BUILD)
    if not isinstance(last, dict) or last.get("fingerprint") != fingerprint:
        return None
    for rel, size in last.get("outputs", {}).items():
        try:
            if (root / rel).stat().st_size != size:
                return None
        except OSError:
            return None
    return list(last.get("steps", []))
