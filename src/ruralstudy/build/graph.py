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
reading any table (:meth:`BuildRecord.up_to_date`). The input digests come from a stat cache
(:class:`InputStats`, after git's index: a file is hashed again only when its stat changed),
the record is a small file of its own and the outputs are checked with one ``os.scandir`` per
folder, so that check costs tens of milliseconds at 3,000 regions. This module imports no data
library.
"""

from __future__ import annotations

import hashlib
import json
import os
import stat as stat_module
import time
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
    """The inputs each step last ran with, to say *why* a step runs.

    ``__build__`` (:attr:`BUILD`) held the last complete build's record in older versions; it
    is kept in :class:`BuildRecord`'s own file now, and dropped from here by the next build."""

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


# --- the no-op check: what git's index does, for this build ----------------------------------
#
# An unchanged project must be known in well under a second at 3,000 regions: 3,000 reports and
# more to digest, 13,000 output files to check. Two small files in the build cache make that
# cheap, each read without parsing the graph's state.json (which grows with the corpus):
#
#   input-stats.json   InputStats: each input file's stat (size, mtime, inode, ctime) and the
#                      digest of its content when it had that stat. A file is read and hashed
#                      again only when its stat changed, or when the stat cannot be trusted
#                      ("racily clean", below).
#   build-record.json  BuildRecord: the last complete build's fingerprint, step names, the
#                      notebooks' inputs, and every output file's size and mtime.
#
# Hand-written, not a library: the digest is the build's own content key (SHA-256 of the bytes,
# as file_digests gives it) and both files live in the build cache beside the entries they
# summarise. The general caches considered (cachetools, diskcache, joblib.Memory) keep a
# function's result by its arguments, not a file's digest by its stat, and none applies the
# racy-clean rule; git's index, the model here (git's Documentation/technical/racy-git.txt),
# is not reusable outside git. About 150 lines, tested in tests/build/test_graph.py.


#: How much older than the stat cache an entry's mtime and ctime must be to be trusted, in
#: nanoseconds. Above the coarsest timestamp granularity the build meets (FAT: 2 s; ext4, XFS,
#: btrfs, tmpfs: a kernel tick, a few ms) and small clock differences between a file server and
#: this machine. Larger costs nothing but re-hashing files edited in the last seconds.
RACY_MARGIN_NS = 3_000_000_000
_STATS_VERSION = 1
_RECORD_VERSION = 1


def stat_key(st: os.stat_result) -> tuple[int, int, int, int]:
    """What says a file is unchanged since it was hashed: its size, mtime and ctime (in ns)
    and its inode. An edit that keeps the size and restores the mtime (``touch -d``,
    ``os.utime``) still moves the ctime, which no program can set; a file replaced by a rename
    (editors, ``git checkout``) has a new inode."""
    return (st.st_size, st.st_mtime_ns, st.st_ino, st.st_ctime_ns)


class InputStats:
    """A stat cache for the digests of the build's input files (``input-stats.json``).

    ``digests(files)`` gives each file's content digest (SHA-256, or ``"unreadable"``, as
    :func:`file_digests`), reading and hashing only the files whose :func:`stat_key` differs
    from the one recorded with their digest, and files whose recorded stat is *racily clean*.

    Racily clean (git's term): a file hashed and then edited again within the same timestamp
    tick, keeping its size (and, on a file system without ctime, or whose clock is coarse,
    its ctime), has the stat recorded with the old digest. Such an entry can only have an
    mtime or ctime no older than the moment it was hashed, so an entry whose mtime or ctime is
    later than ``reference - margin_ns`` is never trusted; its file is hashed again, every
    build, until it is older. ``reference`` is the later of the clock when the cache was
    written (after every file was hashed) and the cache file's own mtime (the file system's
    clock, which may be a server's).

    What remains undetected: an edit that restores the size, the mtime *and* the ctime, which
    takes changing the system clock; a file system that reports neither a changing mtime nor
    ctime. A missing, unreadable or foreign cache file means every file is hashed: the cache
    can make a build slower, never wrong. Nothing is written by :meth:`digests`;
    :meth:`save` writes the cache atomically when it changed (the build saves it under the
    project lock, never in a dry run).

    Hand-written after git's index rather than taken from a library: see the comment above
    :data:`RACY_MARGIN_NS`."""

    def __init__(self, path: Path, margin_ns: int | None = None) -> None:
        self.path = Path(path)
        self.margin_ns = RACY_MARGIN_NS if margin_ns is None else margin_ns
        self.entries: dict[str, list[Any]] = {}  # rel -> [size, mtime, ino, ctime, digest]
        self.threshold = 0  # an entry with mtime or ctime >= threshold is not trusted
        self.hashed: list[str] = []  # files read and hashed by the last digests()
        self.changed = False
        self._load()

    def _load(self) -> None:
        try:
            with open(self.path, "rb") as fh:
                st = os.fstat(fh.fileno())
                data = json.loads(fh.read())
            if data.get("v") != _STATS_VERSION:
                return
            entries = data["files"]
            written = int(data["written_ns"])
        except (OSError, ValueError, TypeError, KeyError, AttributeError):
            return
        if isinstance(entries, dict):
            self.entries = entries
            self.threshold = max(written, st.st_mtime_ns) - self.margin_ns

    def trusted(self, entry: Sequence[Any], key: tuple[int, int, int, int]) -> bool:
        """Whether ``entry`` (as recorded) gives the digest of a file whose stat is ``key``:
        the same stat, recorded long enough before the cache was written."""
        return (isinstance(entry, list) and len(entry) == 5 and isinstance(entry[4], str)
                and tuple(entry[:4]) == key and key[1] < self.threshold
                and key[3] < self.threshold)

    def digests(self, files: Iterable[tuple[str, str]]) -> dict[str, str]:
        """Each file (``(rel, path)`` pairs: its name in the project and where it is) with
        the digest of its content, by rel."""
        out: dict[str, str] = {}
        new: dict[str, list[Any]] = {}
        self.hashed = []
        for rel, path in files:
            try:
                st = os.stat(path)
            except OSError:
                out[rel] = "unreadable"
                continue
            key = stat_key(st)
            entry = self.entries.get(rel)
            if entry is not None and self.trusted(entry, key):
                out[rel] = entry[4]
                new[rel] = entry
                continue
            self.hashed.append(rel)
            try:
                with open(path, "rb") as fh:
                    out[rel] = _sha(fh.read())
            except OSError:
                out[rel] = "unreadable"
                continue
            if stat_module.S_ISREG(st.st_mode):  # a device or a pipe is read every time
                new[rel] = [*key, out[rel]]
        self.changed = bool(self.hashed) or new.keys() != self.entries.keys()
        self.entries = new
        return out

    def save(self) -> None:
        """Write the cache (atomically) if the last :meth:`digests` changed it. The time
        written is taken now, after every file was hashed."""
        if not self.changed:
            return
        from .. import iorw

        written = time.time_ns()
        iorw.write_text(self.path, json.dumps(
            {"v": _STATS_VERSION, "written_ns": written, "files": self.entries},
            ensure_ascii=False, separators=(",", ":")))
        self.threshold = written - self.margin_ns
        self.changed = False


def files_under(folder: Path, prefix: str) -> list[tuple[str, str]]:
    """Every file under ``folder`` as ``(prefix + its path below folder, its path)``, as
    ``folder.rglob('*')`` filtered by ``is_file()`` lists them (symbolic links to files
    included, linked folders not entered), with one ``os.scandir`` per folder and no Path
    objects."""
    out: list[tuple[str, str]] = []

    def walk(d: str, pre: str) -> None:
        try:
            with os.scandir(d) as it:
                entries = list(it)
        except OSError:
            return
        for e in entries:
            try:
                if e.is_dir(follow_symlinks=False):
                    walk(e.path, pre + e.name + "/")
                elif e.is_file():
                    out.append((pre + e.name, e.path))
            except OSError:
                continue

    walk(os.fspath(folder), prefix)
    return out


def output_stats(root: Path, folders: Iterable[Path]) -> dict[str, dict[str, list[int]]]:
    """Every file under ``folders`` (as :func:`output_sizes` lists them), grouped by its folder
    relative to ``root``: file name -> [size, mtime in ns]."""
    out: dict[str, dict[str, list[int]]] = {}
    base = os.fspath(root)

    def walk(d: str) -> None:
        try:
            with os.scandir(d) as it:
                entries = list(it)
        except OSError:
            return
        files: dict[str, list[int]] = {}
        for e in entries:
            try:
                if e.is_dir():
                    if not e.is_symlink():
                        walk(e.path)
                    continue
                st = e.stat()
            except OSError:
                continue
            files[e.name] = [st.st_size, st.st_mtime_ns]
        if files:
            out[os.path.relpath(d, base).replace(os.sep, "/")] = files

    for folder in folders:
        walk(os.fspath(folder))
    return out


def outputs_unchanged(root: Path, outputs: Mapping[str, Mapping[str, Sequence[int]]]) -> bool:
    """Whether every file of ``outputs`` (:func:`output_stats`) is still there with its size
    and mtime: one ``os.scandir`` per folder and a stat per recorded file. A deleted, resized or
    rewritten output says no (the build rewrites a file only when its bytes change, so an
    mtime that moved means other bytes; an unchanged rewrite keeps the mtime); files added
    since are not looked at."""
    base = os.fspath(root)
    for rel_dir, files in outputs.items():
        seen = 0
        try:
            with os.scandir(os.path.join(base, rel_dir)) as it:
                for e in it:
                    want = files.get(e.name)
                    if want is None:
                        continue
                    st = e.stat()
                    if st.st_size != want[0] or st.st_mtime_ns != want[1]:
                        return False
                    seen += 1
        except (OSError, TypeError, IndexError, AttributeError):
            return False
        if seen != len(files):
            return False
    return True


@dataclass
class BuildRecord:
    """The last complete build (``build-record.json`` in the build cache): the fingerprint it
    started from, its step names, the digest of its notebooks' inputs and its output files
    (:func:`output_stats`). Kept apart from ``state.json`` so that the no-op check reads only
    this. A missing or unreadable record, or one of another version, reads as None: the graph
    is planned, never wrongly skipped."""

    fingerprint: str
    steps: list[str]
    notebook_inputs: str
    outputs: dict[str, dict[str, list[int]]]

    @classmethod
    def load(cls, path: Path) -> "BuildRecord | None":
        try:
            data = json.loads(Path(path).read_bytes())
            if data.get("v") != _RECORD_VERSION:
                return None
            rec = cls(str(data["fingerprint"]), list(data["steps"]),
                      str(data["notebook_inputs"]), data["outputs"])
        except (OSError, ValueError, TypeError, KeyError, AttributeError):
            return None
        return rec if isinstance(rec.outputs, dict) else None

    def save(self, path: Path) -> None:
        from .. import iorw

        iorw.write_text(path, json.dumps(
            {"v": _RECORD_VERSION, "fingerprint": self.fingerprint, "steps": self.steps,
             "notebook_inputs": self.notebook_inputs, "outputs": self.outputs},
            ensure_ascii=False, separators=(",", ":")))

    def up_to_date(self, fingerprint: str, root: Path) -> list[str] | None:
        """The step names when this record has ``fingerprint`` and its outputs are unchanged
        (:func:`outputs_unchanged`); otherwise None (the graph must be planned)."""
        if self.fingerprint != fingerprint or not outputs_unchanged(root, self.outputs):
            return None
        return list(self.steps)
