"""The build steps, from raw data to processed tables. Each step reads its inputs at the edge,
calls pure functions, and writes its outputs atomically."""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass, field

import pandas as pd

from . import iorw, validate
from .codebook import Codebook, load_codebook
from .corpus import Corpus, CorpusProblem, load_corpus
from .indicators import (combine_observations, conflicts_table, crosscheck_table,
                         indicators_table, observe_figures, observe_sheets, panel_table)
from .overrides import apply_overrides, parse_overrides, read_overrides
from .regions import division_code
from .sheets import load_sheets
from .extract import extract_figures, figures_frame
from .gold import Score, score_figures
from .paths import Paths

PROBLEM_COLUMNS = ["doc_id", "file", "line", "severity", "reason"]


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
    return pd.DataFrame([{"doc_id": p.doc_id, "file": p.file, "line": p.line,
                          "severity": p.severity, "reason": p.reason} for p in problems],
                        columns=PROBLEM_COLUMNS)


def run_extract(paths: Paths, progress: Callable[[str], None] | None = None) -> ExtractResult:
    """Read the corpus, extract figures, write figures.csv/.parquet and corpus_problems.csv."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        corpus = load_corpus(paths.manifest, paths.reports_raw)
    df = extract_corpus(corpus, progress)
    iorw.write_files_together(paths.processed, {  # all new or all old
        "figures.csv": iorw.frame_to_csv_bytes(df),
        "figures.parquet": iorw.frame_to_parquet_bytes(df),
        "corpus_problems.csv": iorw.frame_to_csv_bytes(problems_frame(corpus.problems))})
    return ExtractResult(figures=df, problems=corpus.problems, n_documents=len(corpus.documents))


def extract_quietly(paths: Paths) -> pd.DataFrame:
    """Figures of the whole corpus in memory (unreadable documents skipped without warnings)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return extract_corpus(load_corpus(paths.manifest, paths.reports_raw))


def gold_score(paths: Paths, figures: pd.DataFrame | None = None) -> tuple[Score, pd.DataFrame]:
    """Score figures (extracted afresh unless given) against data/annotations/gold_figures.csv."""
    if figures is None:
        figures = extract_quietly(paths)
    gold = pd.read_csv(paths.annotations / "gold_figures.csv", dtype={"doc_id": str},
                       keep_default_na=False, na_values={"value": [""], "value_high": [""],
                                                         "value_before": [""]})
    return score_figures(figures.fillna({"region": ""}), gold)


# --- indicators ----------------------------------------------------------------------------

@dataclass
class IndicatorResult:
    """What the indicators step produced."""

    observations: pd.DataFrame
    indicators: pd.DataFrame
    panel: pd.DataFrame
    conflicts: pd.DataFrame
    crosschecks: pd.DataFrame
    rejects: pd.DataFrame


def build_indicators(figures: pd.DataFrame, sheet_rows: pd.DataFrame, sheet_rejects: pd.DataFrame,
                     overrides_df: pd.DataFrame, codebook: Codebook, region_codes: dict[str, str],
                     overrides_file: str = "overrides.csv") -> IndicatorResult:
    """Map, apply overrides, build and validate indicators, panel, conflicts (pure)."""
    obs = combine_observations(observe_figures(figures, codebook, region_codes),
                               observe_sheets(sheet_rows, codebook))
    overrides = parse_overrides(overrides_df, codebook, set(obs["source_id"]), overrides_file)
    obs = apply_overrides(obs, overrides, codebook)
    validate.check_schema(obs, validate.OBS_SCHEMA, "mapping")
    ind = indicators_table(obs, codebook)
    validate.check_schema(ind, validate.INDICATORS_SCHEMA, "indicators")
    validate.check_ranges_and_units(ind, codebook)
    panel = panel_table(ind)
    validate.check_schema(panel, validate.PANEL_SCHEMA, "panel")
    return IndicatorResult(obs, ind, panel, conflicts_table(ind), crosscheck_table(ind),
                           sheet_rejects.reset_index(drop=True))


def indicator_files(res: IndicatorResult) -> dict[str, bytes]:
    """The processed files of the indicators step, serialised deterministically."""
    files: dict[str, bytes] = {}
    for name, df in (("mapping", res.observations), ("indicators", res.indicators),
                     ("panel", res.panel), ("conflicts", res.conflicts)):
        files[f"{name}.csv"] = iorw.frame_to_csv_bytes(df)
        files[f"{name}.parquet"] = iorw.frame_to_parquet_bytes(df)
    files["crosschecks.csv"] = iorw.frame_to_csv_bytes(res.crosschecks)
    files["rejects.csv"] = iorw.frame_to_csv_bytes(res.rejects)
    files["codebook.csv"] = iorw.frame_to_csv_bytes(load_codebook().frame())
    return files


def manifest_region_codes(paths: Paths) -> dict[str, str]:
    """Official division codes of the regions the manifest names."""
    from .corpus import read_manifest

    return {r.name: division_code(r.name, r.province, r.level)
            for e in read_manifest(paths.manifest) for r in e.regions}


def run_indicators(paths: Paths, figures: pd.DataFrame | None = None) -> IndicatorResult:
    """Read figures, sheets and overrides; write indicators, panel, conflicts and friends."""
    if figures is None:
        fp = paths.processed / "figures.parquet"
        figures = pd.read_parquet(fp) if fp.exists() else run_extract(paths).figures
    validate.check_schema(figures, validate.FIGURES_SCHEMA, "figures")
    res = indicators_from(paths, figures)
    iorw.write_files_together(paths.processed, indicator_files(res))  # all new or all old
    return res


def mapping_score(paths: Paths, observations: pd.DataFrame | None = None) -> dict[str, float]:
    """Accuracy of the mapper against data/annotations/gold_mapping.csv.

    Scored on the figures mapped by the machine (before overrides) or by hand (their union): a
    figure counts as correct when both give the same indicator.
    """
    if observations is None:
        observations = run_indicators_frames(paths).observations
    gold = pd.read_csv(paths.annotations / "gold_mapping.csv", dtype=str, keep_default_na=False)
    auto = observations.set_index("source_id")[["auto_indicator_id"]].rename(
        columns={"auto_indicator_id": "indicator_id"})
    m = gold.merge(auto, left_on="figure_id", right_index=True, how="left",
                   suffixes=("_gold", ""))
    m["indicator_id"] = m["indicator_id"].fillna("")
    scored = m[(m["indicator_id_gold"] != "") | (m["indicator_id"] != "")]
    correct = int((scored["indicator_id_gold"] == scored["indicator_id"]).sum())
    n = len(scored)
    return {"n": n, "n_correct": correct, "accuracy": correct / n if n else 0.0,
            "n_gold_rows": len(gold)}


def run_indicators_frames(paths: Paths) -> IndicatorResult:
    """Build the indicator tables in memory without writing (for scoring and tests)."""
    return indicators_from(paths, extract_quietly(paths))


def indicators_from(paths: Paths, figures: pd.DataFrame) -> IndicatorResult:
    """Read sheets, overrides and the manifest's regions, then build the indicator tables."""
    sheets = load_sheets(paths.sheets)
    return build_indicators(figures, sheets.rows, sheets.rejects, read_overrides(paths.overrides),
                            load_codebook(), manifest_region_codes(paths), str(paths.overrides))
