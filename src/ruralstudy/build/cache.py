"""The build cache: content keys for build steps, and entries that detect their own corruption.

:func:`step_key` is the one function that decides whether a step must run. It hashes the
content of everything the step reads: its code (for a notebook, the code cells only, so a
markdown edit does not re-execute it), its parameters, its data inputs and the library's own
source. Modification times play no part, so a fresh clone or ``touch`` triggers nothing.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import tempfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd

KEY_VERSION = "1"
DEFAULT_LIMIT = 2 * 1024 ** 3  # bytes; the build prunes the cache to this size
USED_FILE = "last-build.json"  # the entries the last build read or wrote
STATE_FILE = "state.json"  # the graph's record of each step (ruralstudy.build.graph.State)
INPUT_STATS_FILE = "input-stats.json"  # input digests by stat (ruralstudy.build.graph.InputStats)
BUILD_RECORD_FILE = "build-record.json"  # the last complete build (graph.BuildRecord)


def _cache_like(e: Path) -> bool:
    """Whether an entry at the cache's top level looks made by the build: its record files,
    their temporary files, or a step folder holding only entries (``<key>/MANIFEST.json``)
    and temporary entry folders (``.<key>.*``)."""
    if e.is_symlink():
        return False
    if e.is_file():
        return e.name in (STATE_FILE, USED_FILE, INPUT_STATS_FILE, BUILD_RECORD_FILE) or (
            e.name.startswith(".") and e.name.endswith(".tmp"))
    if not e.is_dir():
        return False
    return all(d.is_dir() and not d.is_symlink() and
               (d.name.startswith(".") or (d / "MANIFEST.json").is_file()) for d in e.iterdir())


def current_umask() -> int:
    from ..paths import current_umask as umask

    return umask()


def own_cache(root: Path, create: bool = True) -> bool:
    """Check that ``root`` is this project's build cache before anything in it is read,
    written or deleted: a folder tagged ``CACHEDIR.TAG`` by the build (made when ``create``).
    A symbolic link, a file or someone else's folder there is refused with one sentence
    (:func:`ruralstudy.paths.own_folder`). True when the cache exists."""
    from ..paths import CACHE_TAG, CACHE_TAG_TEXT, own_folder

    return own_folder(Path(root), CACHE_TAG, _cache_like, "the build cache", create=create,
                      marker_text=CACHE_TAG_TEXT)


def digest_bytes(data: bytes) -> str:
    """SHA-256 of bytes."""
    return hashlib.sha256(data).hexdigest()


def digest_frame(df: pd.DataFrame) -> str:
    """SHA-256 of a frame's columns, dtypes and row hashes (pandas' ``hash_pandas_object``,
    which is deterministic: a fixed key, values hashed by content); frames holding values pandas
    cannot hash fall back to their CSV form. A tenth of the time of writing CSV, which matters
    when every region's slices are keyed."""
    import pandas as pd

    head = json.dumps([[str(c) for c in df.columns], [str(t) for t in df.dtypes], len(df)],
                      ensure_ascii=False).encode("utf-8")
    try:
        rows = pd.util.hash_pandas_object(df, index=False).to_numpy().tobytes()
    except TypeError:
        from ..iorw import frame_to_csv_bytes

        rows = frame_to_csv_bytes(df)
    return digest_bytes(head + b"\0" + rows)


def digest_frame_groups(df: pd.DataFrame, by: str) -> dict[object, str]:
    """:func:`digest_frame` of each group of rows with the same ``by`` value, from one pass of
    row hashes over the whole frame (a digest per group costs a millisecond of pandas overhead:
    a thousand regions' slices took 9 s)."""
    import numpy as np
    import pandas as pd

    out: dict[object, str] = {}
    if df.empty:
        return out
    try:
        rows = pd.util.hash_pandas_object(df, index=False).to_numpy()
    except TypeError:
        return {k: digest_frame(g) for k, g in df.groupby(by, sort=False)}
    cols = [str(c) for c in df.columns]
    types = [str(t) for t in df.dtypes]
    for key, idx in df.groupby(by, sort=False).indices.items():
        idx = np.sort(idx)
        head = json.dumps([cols, types, len(idx)], ensure_ascii=False).encode("utf-8")
        out[key] = digest_bytes(head + b"\0" + rows[idx].tobytes())
    return out


def step_key(step: str, *, code: str, params: Mapping[str, object],
             inputs: Mapping[str, str], library: str) -> str:
    """Content key of a build step.

    ``code`` is the step's own code (a notebook's code cells), ``params`` its parameters
    (JSON-serialisable), ``inputs`` maps each data input's name to its content digest, and
    ``library`` is the digest of the ruralstudy package source.
    """
    payload = {"v": KEY_VERSION, "step": step, "code": digest_bytes(code.encode("utf-8")),
               "params": params, "inputs": dict(sorted(inputs.items())), "library": library}
    blob = json.dumps(payload, sort_keys=True, ensure_ascii=False, default=str)
    return digest_bytes(blob.encode("utf-8"))


def library_digest() -> str:
    """Digest of the package's own source: every .py, .yaml and template file, by content."""
    root = Path(str(resources.files("ruralstudy")))
    h = hashlib.sha256()
    for p in sorted(root.rglob("*")):
        if p.is_file() and p.suffix in (".py", ".yaml", ".j2", ".json", ".css", ".js", ".svg") \
                and "__pycache__" not in p.parts:
            h.update(p.relative_to(root).as_posix().encode())
            h.update(digest_bytes(p.read_bytes()).encode())
    return h.hexdigest()


def notebook_code(nb: dict) -> str:
    """A notebook's code cells (id, tags and source), not its markdown and not its outputs."""
    parts = []
    for c in nb.get("cells", []):
        if c.get("cell_type") == "code":
            src = c["source"] if isinstance(c["source"], str) else "".join(c["source"])
            tags = ",".join(sorted(c.get("metadata", {}).get("tags", [])))
            parts.append(f"{c.get('id', '')}|{tags}|{src}")
    return "\n\u241e\n".join(parts)


class Cache:
    """Entries under one folder: ``<root>/<step>/<key>/`` with a ``MANIFEST.json`` of hashes.

    An entry counts only if its manifest exists and every file matches its hash; otherwise it
    is treated as missing (and removed), so a crash mid-write or a corrupted file is rebuilt.
    """

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self._made = own_cache(self.root, create=False)  # refuses a link or a foreign folder

    def path(self, step: str, key: str) -> Path:
        return self.root / step / key

    def load(self, step: str, key: str) -> dict[str, bytes] | None:
        """The entry's files (name -> bytes) if complete and intact, else None. Each file is
        read once: the bytes whose hash was checked are the bytes returned."""
        d = self.path(step, key)
        man = d / "MANIFEST.json"
        if not man.is_file():
            if d.exists():
                shutil.rmtree(d, ignore_errors=True)
            return None
        try:
            out = {}
            for name, h in json.loads(man.read_text(encoding="utf-8")).items():
                data = (d / name).read_bytes()
                if digest_bytes(data) != h:
                    raise ValueError(name)
                out[name] = data
        except (OSError, ValueError):
            shutil.rmtree(d, ignore_errors=True)
            return None
        try:
            os.utime(man)  # last use: pruning drops the least recently used entries first
        except OSError:
            pass
        return out

    def get(self, step: str, key: str) -> Path | None:
        """The entry's folder if complete and intact, else None."""
        return self.path(step, key) if self.load(step, key) is not None else None

    def put(self, step: str, key: str, files: Mapping[str, bytes]) -> Path:
        """Store files as one entry, atomically (written aside, then renamed into place)."""
        if not self._made:
            self._made = own_cache(self.root)
        target = self.path(step, key)
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{key[:12]}.", dir=target.parent))
        try:
            os.chmod(tmp, 0o777 & ~current_umask())  # mkdtemp makes it private
            for name, data in files.items():
                (tmp / name).parent.mkdir(parents=True, exist_ok=True)
                (tmp / name).write_bytes(data)
            manifest = {name: digest_bytes(data) for name, data in files.items()}
            (tmp / "MANIFEST.json").write_text(json.dumps(manifest, sort_keys=True), encoding="utf-8")
            if target.exists():
                shutil.rmtree(target)
            os.replace(tmp, target)
        finally:
            if tmp.exists():
                shutil.rmtree(tmp, ignore_errors=True)
        return target

    def read(self, step: str, key: str, name: str) -> bytes | None:
        """One file of an intact entry, or None."""
        files = self.load(step, key)
        return None if files is None else files.get(name)


class FrameMemo:
    """Frames made from a few input files, kept in the build cache (kind ``memo-<name>``) by
    the files' digests and the library: ``memo(name, digests, make)`` gives ``make()``'s
    frames (name -> frame) as stored and read back (Parquet), so a build that finds them gives
    the very frames a build that made them gave. ``used`` is the graph's set of entries this
    build uses (kept by pruning); ``write=False`` (a dry run) stores nothing."""

    def __init__(self, cache: Cache, used: set, library: str, write: bool = True) -> None:
        self.cache, self.used, self.library, self.write = cache, used, library, write

    def __call__(self, name: str, digests: Mapping[str, str],
                 make: Callable[[], Mapping[str, pd.DataFrame]]) -> dict[str, pd.DataFrame]:
        import io

        import pandas as pd

        from .. import iorw

        kind = f"memo-{name}"
        key = digest_bytes(json.dumps([self.library, sorted(digests.items())],
                                      ensure_ascii=False).encode("utf-8"))
        files = self.cache.load(kind, key)
        if files is None:
            files = {f"{n}.parquet": iorw.frame_to_parquet_bytes(df) for n, df in make().items()}
            if self.write:
                self.cache.put(kind, key, files)
        if self.write:
            self.used.add((kind, key))
        return {n.removesuffix(".parquet"): pd.read_parquet(io.BytesIO(b))
                for n, b in files.items() if n.endswith(".parquet")}


@dataclass(frozen=True)
class Entry:
    """One cache entry on disk: where, its size in bytes and when it was last used."""

    step: str
    key: str
    path: Path
    size: int
    used: float


@dataclass
class PruneReport:
    """What a prune removed and what is left."""

    removed: list[Entry] = field(default_factory=list)
    kept_bytes: int = 0

    @property
    def removed_bytes(self) -> int:
        return sum(e.size for e in self.removed)


def parse_size(text: str | int) -> int:
    """Bytes from ``2GB``, ``500 MB``, ``1.5G``, ``300k`` or a plain number of bytes."""
    if isinstance(text, int):
        return text
    m = re.fullmatch(r"\s*([0-9]+(?:\.[0-9]+)?)\s*([kmgt]?)i?b?\s*", text.lower())
    if not m:
        raise ValueError(f"not a size: {text!r} (e.g. 2GB, 500MB, 1048576)")
    return int(float(m.group(1)) * 1024 ** " kmgt".index(m.group(2) or " "))


def _size_and_used(folder: str) -> tuple[int, float]:
    """Bytes of the files under ``folder`` and the modification time of its MANIFEST.json
    (0 when none), links not followed."""
    size, used = 0, 0.0
    with os.scandir(folder) as it:
        for f in it:
            try:
                if f.is_dir(follow_symlinks=False):
                    s, u = _size_and_used(f.path)
                    size, used = size + s, max(used, u)
                    continue
                st = f.stat(follow_symlinks=False)
            except OSError:
                continue
            if f.is_file(follow_symlinks=False):
                size += st.st_size
            if f.name == "MANIFEST.json":
                used = st.st_mtime
    return size, used


def _entries(root: Path) -> list[Entry]:
    """Every entry of the cache with its size and last use. Listed with os.scandir, whose
    entries carry their type: with a Path, an rglob and two stat calls per file, listing the
    3,200 entries of a 1,000-report build took 0.6-1.7 s of every build."""
    out: list[Entry] = []
    if not root.is_dir():
        return out
    with os.scandir(root) as it:
        steps = sorted((e for e in it if e.is_dir(follow_symlinks=False)), key=lambda e: e.name)
    for step in steps:
        with os.scandir(step.path) as it:
            entries = sorted((d for d in it if d.is_dir(follow_symlinks=False)
                              and not d.name.startswith(".")), key=lambda d: d.name)
        for d in entries:
            size, used = _size_and_used(d.path)
            out.append(Entry(step.name, d.name, Path(d.path), size, used))
    return out


def prune(root: Path, limit: int = DEFAULT_LIMIT, keep: set[tuple[str, str]] | None = None,
          unused: bool = False) -> PruneReport:
    """Shrink the cache under ``root`` to at most ``limit`` bytes, least recently used entries
    first. Entries in ``keep`` (step, key) are never removed; with ``unused``, every entry the
    last build did not use (see :data:`USED_FILE`) is removed first. Entries without a manifest
    (half written, or corrupt) and leftover temporary folders are always removed."""
    from ..errors import RuralStudyError

    root = Path(root)
    rep = PruneReport()
    keep = set(keep or ())
    if not own_cache(root, create=False):
        return rep
    if unused:
        try:
            last = json.loads((root / USED_FILE).read_text(encoding="utf-8"))
            keep |= {tuple(x) for x in last}
        except (OSError, ValueError, TypeError):
            raise RuralStudyError(
                "there is no readable record of the entries the last build used, so none can "
                "be told unused and nothing was removed: build once, or prune by size "
                "(--max-size)", file=str(root / USED_FILE)) from None
    if root.is_dir():
        for step in root.iterdir():
            if step.is_dir() and not step.is_symlink():
                for d in step.glob(".*"):
                    if d.is_dir() and not d.is_symlink():
                        shutil.rmtree(d, ignore_errors=True)
    entries = _entries(root)
    live = []
    for e in entries:
        if not (e.path / "MANIFEST.json").is_file() or (unused and (e.step, e.key) not in keep):
            shutil.rmtree(e.path, ignore_errors=True)
            rep.removed.append(e)
        else:
            live.append(e)
    total = sum(e.size for e in live)
    for e in sorted(live, key=lambda e: (e.used, e.step, e.key)):
        if total <= limit:
            break
        if (e.step, e.key) in keep:
            continue
        shutil.rmtree(e.path, ignore_errors=True)
        rep.removed.append(e)
        total -= e.size
    rep.kept_bytes = total
    return rep
