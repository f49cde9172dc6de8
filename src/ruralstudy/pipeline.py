"""The build steps, from raw data to processed tables. Each step reads its inputs at the edge,
calls pure functions, and writes its outputs atomically."""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass, field

import pandas as pd

from . import iorw
from .corpus import Corpus, CorpusProblem, load_corpus
from .extract import extract_figures, figures_frame
from .gold import Score, score_figures
from .paths import Paths

PROBLEM_COLUMNS = ["doc_id", "file", "severity", "reason"]


@dataclass
class ExtractResult:
    """What the extraction step produced."""

    figures: pd.DataFrame
    problems: list[CorpusProblem] = field(default_factory=list)
    n_documents: int = 0


def extract_corpus(corpus: Corpus, progress: Callable[[str], None] | None = None) -> pd.DataFrame:
    """Extract the figures of every document in a corpus (pure; no disk access)."""
    figures = []
    for doc in corpus.documents:
        figures.extend(extract_figures(doc))
        if progress:
            progress(doc.doc_id)
    return figures_frame(figures)


def problems_frame(problems: list[CorpusProblem]) -> pd.DataFrame:
    """Corpus problems as a frame."""
    return pd.DataFrame([{"doc_id": p.doc_id, "file": p.file, "severity": p.severity,
                          "reason": p.reason} for p in problems], columns=PROBLEM_COLUMNS)


def run_extract(paths: Paths, progress: Callable[[str], None] | None = None) -> ExtractResult:
    """Read the corpus, extract figures, write figures.csv/.parquet and corpus_problems.csv."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        corpus = load_corpus(paths.manifest, paths.reports_raw)
    df = extract_corpus(corpus, progress)
    iorw.write_table(paths.processed / "figures", df)
    iorw.write_csv(paths.processed / "corpus_problems.csv", problems_frame(corpus.problems))
    return ExtractResult(figures=df, problems=corpus.problems, n_documents=len(corpus.documents))


def gold_score(paths: Paths, figures: pd.DataFrame | None = None) -> tuple[Score, pd.DataFrame]:
    """Score figures (extracted afresh unless given) against data/annotations/gold_figures.csv."""
    if figures is None:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            figures = extract_corpus(load_corpus(paths.manifest, paths.reports_raw))
    gold = pd.read_csv(paths.annotations / "gold_figures.csv", dtype={"doc_id": str},
                       keep_default_na=False, na_values={"value": [""], "value_high": [""],
                                                         "value_before": [""]})
    return score_figures(figures.fillna({"region": ""}), gold)
