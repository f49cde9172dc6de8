"""The processed tables as one typed object, in memory and on disk.

:class:`Tables` is what passes between build steps after the indicators step (and what the
notebooks load): the same frames whether they were just computed or read back, because both
go through :meth:`Tables.from_files`, which parses the processed files' bytes exactly as
``data/processed`` holds them. Those bytes are written once, atomically, at the end of the
indicators step (``ruralstudy.build.steps.BuildRun.indicators``).
"""

from __future__ import annotations

import io
from collections.abc import Mapping
from dataclasses import dataclass, field

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
    def from_files(cls, files: Mapping[str, bytes], paths: Paths) -> "Tables":
        """Parse the processed files (bytes by file name) and the project's manifest."""
        from .. import iorw
        from ..registry import TABLES

        frames = {t.attribute: _frame(files, t.read_file) for t in TABLES}
        fixed = {f for f in cls.__dataclass_fields__ if f not in ("manifest", "paths", "extra")}
        return cls(**{k: frames[k] for k in fixed},
                   extra={k: v for k, v in frames.items() if k not in fixed},
                   # UTF-8, UTF-16 or GB18030, as the build reads it
                   manifest=iorw.read_csv(paths.manifest), paths=paths)

    @classmethod
    def read(cls, paths: Paths) -> "Tables":
        """The tables as the last build left them in data/processed/."""
        from ..registry import TABLES

        return cls.from_files({t.read_file: (paths.processed / t.read_file).read_bytes()
                               for t in TABLES}, paths)
