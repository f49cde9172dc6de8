"""Writing the large processed CSV tables again without formatting their unchanged rows.

The figures and mapping tables are written whole at every build that changes them (56 MB and
38 MB of CSV at 1,000 reports; formatting them took about 1.2 s of a build that adds one
report). CSV formatting is row-wise, so a table's CSV is its header followed by the CSV of any
cut of its rows into consecutive chunks, byte for byte (pandas itself writes in chunks).

The chunks are cut where a row's content hash (``pandas.util.hash_pandas_object``) has its low
bits zero, so a cut depends on the rows around it, not on their positions: adding a report's
rows or changing one row changes the one or two chunks that hold them, and every other chunk
keeps its key (content-defined chunking, as rsync and backup tools cut files). A chunk's key
digests its rows' hashes and the table's columns and types.

The bytes of the previous build's chunks are read from the processed file itself
(``data/processed/<table>.csv``): the build cache keeps a small index per table (each chunk's
key and byte range) with the file's identity as it was written (inode, size, modification
and change times, as git's index does) and its SHA-256; the index is used only while the file
is still that file (same identity, or else same bytes), so a processed file edited or replaced
by hand is formatted again, never trusted.
``tests/build/test_csvchunks.py`` checks that the bytes equal one ``to_csv`` of the whole
frame after rows are added, removed and changed.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .. import iorw

KIND = "csv-chunks"
POINTER = "__csv_chunks__"  # State: table name -> key of its index entry
MASK = np.uint64(1023)  # a cut after a row whose hash has these bits zero: ~1,024 rows a chunk


def chunk_bounds(hashes: np.ndarray) -> np.ndarray:
    """Row positions where chunks start and end (first 0, last ``len(hashes)``)."""
    cuts = np.flatnonzero((hashes & MASK) == 0) + 1
    return np.unique(np.concatenate([[0], cuts, [len(hashes)]])).astype(np.int64)


def file_identity(path: Path) -> list[int] | None:
    try:
        st = path.stat()
    except OSError:
        return None
    return [st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns]


class CsvChunks:
    """CSV bytes of processed tables, reusing the unchanged chunks of the files written by the
    last build. ``cache``, ``state`` and ``used`` are the build graph's (as for
    :class:`ruralstudy.build.incremental.Pieces`); ``folder`` is ``data/processed``."""

    def __init__(self, cache: Any, state: Any, used: set, folder: Path,
                 write: bool = True) -> None:
        self.cache, self.state, self.used, self.folder = cache, state, used, Path(folder)
        self.write = write
        self.pending: dict[str, dict] = {}  # file name -> index, until the file is written
        self.reused: dict[str, int] = {}  # file name -> chunks reused (for tests and reports)

    def _previous(self, name: str) -> tuple[dict[str, tuple[int, int]], bytes] | None:
        ptr = self.state.data.get(POINTER)
        key = ptr.get(name) if isinstance(ptr, dict) else None
        files = self.cache.load(KIND, key) if isinstance(key, str) else None
        if files is None:
            return None
        try:
            rec = json.loads(files["index.json"])
            path = self.folder / name
            same = rec["identity"] == file_identity(path)
            data = path.read_bytes()
            # a file whose identity changed (copied, restored, touched) is still that file when
            # its bytes are (0.1 s of hashing for 56 MB, against 0.6 s of formatting)
            if len(data) != rec["identity"][1] or (
                    not same and hashlib.sha256(data).hexdigest() != rec["sha256"]):
                return None  # not the file that build wrote
            return {k: (int(a), int(b)) for k, a, b in rec["chunks"]}, data
        except (OSError, ValueError, KeyError, TypeError):
            return None

    def csv(self, name: str, df: pd.DataFrame) -> bytes:
        """The bytes of :func:`ruralstudy.iorw.frame_to_csv_bytes` of ``df``, to be written as
        ``name`` in the processed folder."""
        try:
            hashes = pd.util.hash_pandas_object(df, index=False).to_numpy()
        except (TypeError, ValueError):  # a column pandas cannot hash: format it whole
            return iorw.frame_to_csv_bytes(df)
        sig = json.dumps([[str(c) for c in df.columns], [str(t) for t in df.dtypes]],
                         ensure_ascii=False).encode("utf-8")
        prev = self._previous(name)
        old, old_data = prev if prev is not None else ({}, b"")
        view = memoryview(old_data)  # reused chunks are joined from it without a copy each
        header = iorw.frame_to_csv_bytes(df.iloc[0:0])
        parts: list[bytes | memoryview] = [header]
        chunks: list[list] = []
        pos, reused = len(header), 0
        bounds = chunk_bounds(hashes)
        for a, b in zip(bounds[:-1].tolist(), bounds[1:].tolist()):
            key = hashlib.blake2b(sig + hashes[a:b].tobytes(), digest_size=20).hexdigest()
            piece: bytes | memoryview
            if key in old:
                s, e = old[key]
                piece = view[s:e]
                reused += 1
            else:
                piece = iorw.frame_to_csv_bytes(df.iloc[a:b], header=False)
            parts.append(piece)
            chunks.append([key, pos, pos + len(piece)])
            pos += len(piece)
        self.reused[name] = reused
        out = b"".join(parts)
        del parts, view, old_data, prev  # the last file's bytes go before the next table's
        self.pending[name] = {"chunks": chunks, "sha256": hashlib.sha256(out).hexdigest()}
        return out

    def written(self) -> None:
        """Record the index of every table given by :meth:`csv` since, now that the files are
        written to the processed folder (a file not written as given is not recorded)."""
        if not self.write:
            return
        ptr = self.state.data.get(POINTER)
        if not isinstance(ptr, dict):
            ptr = self.state.data[POINTER] = {}
        for name, rec in self.pending.items():
            ident = file_identity(self.folder / name)
            if ident is None or not rec["chunks"] or ident[1] != rec["chunks"][-1][2]:
                ptr.pop(name, None)
                continue
            data = json.dumps({**rec, "identity": ident}).encode("utf-8")
            key = hashlib.sha256(data).hexdigest()
            self.cache.put(KIND, key, {"index.json": data})
            self.used.add((KIND, key))
            ptr[name] = key
        self.pending = {}

    def keep(self) -> None:
        """Mark the indexes of the files left as they are by this build as used (pruning keeps
        them)."""
        ptr = self.state.data.get(POINTER)
        if isinstance(ptr, dict):
            for key in ptr.values():
                if isinstance(key, str):
                    self.used.add((KIND, key))
