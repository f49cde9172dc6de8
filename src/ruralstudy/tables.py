"""The processed tables as one typed object, in memory and on disk.

:class:`Tables` is what passes between build steps after the indicators step (and what the
notebooks load): the same frames whether they were just computed or read back, because both
go through :meth:`Tables.from_files`, which parses the processed files' bytes exactly as
``data/processed`` holds them. Those bytes are written once, atomically, at the end of the
indicators step (``ruralstudy.steps.BuildRun.indicators``).
"""

from __future__ import annotations

import io
from collections.abc import Mapping
from dataclasses import dataclass

import pandas as pd

from .paths import Paths

# every file of data/processed/ (besides the extracted texts of web pages, PDFs and Word files)
PROCESSED_FILES = ("figures.csv", "figures.parquet", "mapping.csv", "mapping.parquet",
                   "indicators.csv", "indicators.parquet", "panel.csv", "panel.parquet",
                   "conflicts.csv", "conflicts.parquet", "crosschecks.csv", "rejects.csv",
                   "codebook.csv", "corpus_problems.csv")


def _frame(files: Mapping[str, bytes], name: str) -> pd.DataFrame:
    data = io.BytesIO(files[name])
    if name.endswith(".parquet"):
        return pd.read_parquet(data)
    return pd.read_csv(data, dtype={"doc_id": str}, keep_default_na=False,
                       na_values={"value": [""], "year": [""], "implied": [""]})


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

    @classmethod
    def from_files(cls, files: Mapping[str, bytes], paths: Paths) -> "Tables":
        """Parse the processed files (bytes by file name) and the project's manifest."""
        from . import iorw

        return cls(figures=_frame(files, "figures.parquet"),
                   mapping=_frame(files, "mapping.parquet"),
                   indicators=_frame(files, "indicators.parquet"),
                   panel=_frame(files, "panel.parquet"),
                   conflicts=_frame(files, "conflicts.parquet"),
                   crosschecks=_frame(files, "crosschecks.csv"),
                   rejects=_frame(files, "rejects.csv"), codebook=_frame(files, "codebook.csv"),
                   problems=_frame(files, "corpus_problems.csv"),
                   # UTF-8, UTF-16 or GB18030, as the build reads it
                   manifest=iorw.read_csv(paths.manifest), paths=paths)

    @classmethod
    def read(cls, paths: Paths) -> "Tables":
        """The tables as the last build left them in data/processed/."""
        return cls.from_files({n: (paths.processed / n).read_bytes() for n in PROCESSED_FILES
                               if not n.endswith(".csv") or n in _CSV_READ}, paths)


_CSV_READ = {"crosschecks.csv", "rejects.csv", "codebook.csv", "corpus_problems.csv"}
