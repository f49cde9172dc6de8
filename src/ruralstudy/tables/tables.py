"""The processed tables as one typed object, in memory and on disk.

:class:`Tables` is what passes between build steps after the indicators step (and what the
notebooks load): the same frames whether they were just computed or read back, because both
go through :meth:`Tables.from_files`, which parses the processed files' bytes exactly as
``data/processed`` holds them. Those bytes are written once, atomically, at the end of the
indicators step (``ruralstudy.build.steps.BuildRun.indicators``).
"""

from __future__ import annotations

import io
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from ..paths import Paths

def __getattr__(name: str) -> tuple[str, ...]:  # PROCESSED_FILES, from the registry when asked
    if name == "PROCESSED_FILES":
        return processed_files()
    raise AttributeError(name)


def processed_files() -> tuple[str, ...]:
    """Every file of data/processed/ (besides the extracted texts of web pages, PDFs and Word
    files): those of the registered tables (:data:`ruralstudy.registry.TABLES`)."""
    from ..registry import processed_files as files

    return files()


def _frame(files: Mapping[str, bytes], name: str,
           columns: Collection[str] | None = None) -> pd.DataFrame:
    """A processed file parsed; ``columns``: only those (in the file's order), each read as
    it is read with every other column."""
    data = io.BytesIO(files[name])
    if columns is not None:
        import pyarrow.parquet as pq

        have = (pq.read_schema(data).names if name.endswith(".parquet")
                else pd.read_csv(data, nrows=0).columns.tolist())
        data.seek(0)
        unknown = set(columns) - set(have)
        if unknown:
            raise KeyError(f"{name} has no column {sorted(unknown)}")
        columns = [c for c in have if c in set(columns)]
    if name.endswith(".parquet"):
        return pd.read_parquet(data, columns=columns)
    return pd.read_csv(data, dtype={"doc_id": str}, keep_default_na=False, usecols=columns,
                       na_values={"value": [""], "year": [""], "implied": [""]})


class NotLoaded:
    """Stands for a processed table a notebook did not ask :func:`ruralstudy.findings.nbhelpers.load`
    for (``only=``): any use of it stops with a sentence saying so, never an empty table."""

    def __init__(self, name: str) -> None:
        self._name = name

    def _fail(self) -> RuntimeError:
        return RuntimeError(f"table {self._name!r} was not loaded: name it in "
                            f"H.load(root, only=[...]) (or load every table: H.load(root))")

    def __getattr__(self, attr: str) -> object:
        if attr.startswith("__"):
            raise AttributeError(attr)
        raise self._fail()

    def __getitem__(self, key: object) -> object:
        raise self._fail()

    def __len__(self) -> int:
        raise self._fail()

    def __repr__(self) -> str:
        return f"<table {self._name!r} not loaded>"


@dataclass(frozen=True)
class Tables:
    """The processed tables a notebook, the site and ``score`` read."""

    figures: pd.DataFrame
    mapping: pd.DataFrame
    indicators: pd.DataFrame
    panel: pd.DataFrame
    conflicts: pd.DataFrame
    crosschecks: pd.DataFrame
    rejects: pd.DataFrame
    codebook: pd.DataFrame
    problems: pd.DataFrame
    manifest: pd.DataFrame
    paths: Paths

    extra: Mapping[str, pd.DataFrame] = field(default_factory=dict)  # registered later

    def frame(self, name: str) -> pd.DataFrame:
        """A processed table by its registered name (``corpus_problems`` is ``problems``)."""
        from ..registry import table

        t = table(name)
        attr = t.attribute if t is not None else name
        if attr in self.extra:
            return self.extra[attr]
        frame: pd.DataFrame = getattr(self, attr)
        return frame

    @classmethod
    def from_files(cls, files: Mapping[str, bytes], paths: Paths,
                   only: Collection[str] | None = None,
                   columns: Mapping[str, Collection[str]] | None = None) -> "Tables":
        """Parse the processed files (bytes by file name) and the project's manifest.
        ``only``: the tables to parse (by attribute; ``manifest`` for the manifest), the others
        stand as :class:`NotLoaded`. ``columns``: of a table (by attribute), only those
        columns, in the table's order."""
        from .. import iorw
        from ..registry import TABLES

        def wanted(attr: str) -> bool:
            return only is None or attr in only

        columns = columns or {}
        frames: dict[str, Any] = {
            t.attribute: _frame(files, t.read_file, columns.get(t.attribute))
            if wanted(t.attribute) else NotLoaded(t.attribute) for t in TABLES}
        fixed = {f for f in cls.__dataclass_fields__ if f not in ("manifest", "paths", "extra")}
        # UTF-8, UTF-16 or GB18030, as the build reads it
        manifest: Any = iorw.read_csv(paths.manifest) if wanted("manifest") \
            else NotLoaded("manifest")
        return cls(**{k: frames[k] for k in fixed},
                   extra={k: v for k, v in frames.items() if k not in fixed},
                   manifest=manifest, paths=paths)

    @classmethod
    def read(cls, paths: Paths, only: Collection[str] | None = None,
             columns: Mapping[str, Collection[str]] | None = None) -> "Tables":
        """The tables as the last build left them in data/processed/; ``only``: the tables to
        read (by attribute: ``mapping``, ``panel``...; ``manifest`` for the project's manifest), the
        others stand as :class:`NotLoaded`; ``columns``: of a table (by attribute), only those
        columns (a kernel that needs three columns of the figures table does not hold the
        sentences: 165 of its 183 MB at 3,000 reports)."""
        from ..registry import TABLES

        names = {t.attribute for t in TABLES}
        unknown = (set(only or ()) | set(columns or ())) - names - {"manifest"}
        if unknown:
            raise KeyError(f"no processed table is called {sorted(unknown)}; the tables: "
                           f"{sorted(names)}")
        return cls.from_files({t.read_file: (paths.processed / t.read_file).read_bytes()
                               for t in TABLES if only is None or t.attribute in only},
                              paths, only, columns)
