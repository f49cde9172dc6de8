"""All disk access: reading raw files with encoding detection and atomic writes.

Everything else in ruralstudy works on strings, DataFrames and frozen dataclasses. Writes go
to a temporary file in the target's folder and are renamed into place, so a crash never
leaves a half-written output.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import os
import re
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from .errors import CorpusError

_HTML_START = re.compile(r"^\s*(<!doctype\s+html|<html|<head|<body)", re.IGNORECASE)
_HTML_TAG = re.compile(r"<(div|p|span|table|tr|td|li|a|br|meta|link)\b[^>]*>", re.IGNORECASE)
#: A page saved as HTML carries many tags; a report that merely quotes one (<script>) does not.
HTML_TAG_LIMIT = 10


@dataclass(frozen=True)
class RawText:
    """A decoded raw file: its text (offsets are Python string indices into it) and encoding."""

    path: str
    text: str
    encoding: str
    sha256: str


def sha256_bytes(data: bytes) -> str:
    """Hex SHA-256 of bytes."""
    return hashlib.sha256(data).hexdigest()


def sha256_file(path: str | Path) -> str:
    """Hex SHA-256 of a file's content."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def decode_bytes(data: bytes, path: str) -> RawText:
    """Decode a report's bytes: UTF-8 (with or without BOM), else GB18030 (a superset of GBK).

    Raises :class:`CorpusError` naming the file for empty, binary or HTML content.
    """
    if not data.strip():
        raise CorpusError("file is empty", file=path)
    if b"\x00" in data[:4096]:
        raise CorpusError("file is binary (contains NUL bytes), not a text report", file=path)
    text: str | None = None
    encoding = ""
    for enc in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(enc)
            encoding = "utf-8" if enc == "utf-8-sig" and not data.startswith(b"\xef\xbb\xbf") else enc
            break
        except UnicodeDecodeError:
            continue
    if text is None:
        raise CorpusError("file is neither UTF-8 nor GB18030/GBK text", file=path)
    controls = sum(1 for c in text[:4096] if ord(c) < 32 and c not in "\r\n\t\f")
    if controls > 8:
        raise CorpusError("file looks binary (control characters), not a text report", file=path)
    if _HTML_START.search(text[:2000]) or len(_HTML_TAG.findall(text[:20000])) >= HTML_TAG_LIMIT:
        raise CorpusError("file is an HTML page saved as text; save the article text only",
                          file=path)
    return RawText(path=path, text=text, encoding=encoding, sha256=sha256_bytes(data))


def read_raw_text(path: str | Path) -> RawText:
    """Read and decode one raw report file (see :func:`decode_bytes`)."""
    p = Path(path)
    if not p.is_file():
        raise CorpusError("file does not exist", file=str(path))
    return decode_bytes(p.read_bytes(), str(path))


def read_csv(path: str | Path, **kwargs) -> pd.DataFrame:
    """Read a UTF-8 (or UTF-8 with BOM) CSV as strings, keeping empty cells as ''."""
    return pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig", **kwargs)


@contextlib.contextmanager
def atomic_path(target: str | Path, suffix: str = "") -> Iterator[Path]:
    """Yield a temporary path beside ``target``; rename it onto ``target`` on success."""
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=suffix or ".tmp",
                               dir=target.parent)
    os.close(fd)
    tmp_path = Path(tmp)
    try:
        yield tmp_path
        os.replace(tmp_path, target)
    finally:
        if tmp_path.exists():
            tmp_path.unlink()


def write_bytes(target: str | Path, data: bytes) -> None:
    """Atomically write bytes (a file whose content is already ``data`` is left untouched)."""
    target = Path(target)
    if target.is_file() and target.stat().st_size == len(data) and target.read_bytes() == data:
        return
    with atomic_path(target) as tmp:
        tmp.write_bytes(data)


def write_text(target: str | Path, text: str) -> None:
    """Atomically write UTF-8 text with Unix newlines."""
    write_bytes(target, text.encode("utf-8"))


def frame_to_csv_bytes(df: pd.DataFrame) -> bytes:
    """Serialise a frame to CSV bytes deterministically (UTF-8, \\n, repr-stable floats)."""
    buf = io.StringIO()
    df.to_csv(buf, index=False, lineterminator="\n", float_format="%.10g")
    return buf.getvalue().encode("utf-8")


def write_csv(target: str | Path, df: pd.DataFrame) -> None:
    """Atomically write a frame as CSV."""
    write_bytes(target, frame_to_csv_bytes(df))


def frame_to_parquet_bytes(df: pd.DataFrame) -> bytes:
    """Serialise a frame to Parquet bytes deterministically (no pandas metadata, no statistics).

    The pandas schema metadata is kept (it restores dtypes such as Int64) but it holds no
    timestamps, so the bytes depend on the data only."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pa.Table.from_pandas(df, preserve_index=False)
    sink = io.BytesIO()
    pq.write_table(table, sink, compression="zstd", write_statistics=False)
    return sink.getvalue()


def write_parquet(target: str | Path, df: pd.DataFrame) -> None:
    """Atomically write a frame as Parquet, deterministically."""
    write_bytes(target, frame_to_parquet_bytes(df))


def write_table(base: str | Path, df: pd.DataFrame) -> None:
    """Write ``base.csv`` and ``base.parquet`` atomically."""
    base = Path(base)
    write_csv(base.with_suffix(".csv"), df)
    write_parquet(base.with_suffix(".parquet"), df)
