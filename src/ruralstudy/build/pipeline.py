"""The build steps, from raw data to processed tables. Each step reads its inputs at the edge,
calls pure functions, and writes its outputs atomically."""

from __future__ import annotations

import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .. import iorw, registry
from ..tables import validate
from ..measures.codebook import Codebook, load_codebook
from ..texts.corpus import Corpus, CorpusProblem, load_corpus
from ..tables.indicators import (combine_observations, conflicts_table, crosscheck_table,
                                 indicators_table, observe_figures, observe_sheets, panel_table)
from ..measures.calibrate import (FIRST_SIGHT_SETS, Calibration, PANEL_STATUSES, apply_calibration,
                                  fit_calibration, load_calibration)
from ..measures.overrides import apply_overrides, parse_overrides, read_overrides
from ..measures.review import REVIEWS_FILE, apply_reviews, parse_reviews, read_reviews
from ..language.regions import CODE_VINTAGE, division_codes, province_name
from ..tables.sheets import load_sheets
from ..figures.extract import extract_figures, figures_frame
from ..evaluation.gold import (GOLD_MEASUREMENT_COLUMNS, MappingScore, Score, SetScore, score_figures,
                               score_mappings)
from ..paths import Paths

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


def extract_quietly(paths: Paths) -> pd.DataFrame:
    """Figures of the whole corpus in memory (unreadable documents skipped without warnings)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return extract_corpus(load_corpus(paths.manifest, paths.reports_raw))


def gold_score(paths: Paths, figures: pd.DataFrame | None = None) -> tuple[Score, pd.DataFrame]:
    """Score figures (extracted afresh unless given) against data/annotations/gold_figures.csv.

    The gold lists every figure of the documents it annotates; only the figures found in those
    documents are scored. A corpus grown past the annotated reports does not turn every figure
    of an unannotated report into a false positive (at 1,000 generated reports the quality page
    stated an extraction precision of 0.004)."""
    if figures is None:
        figures = extract_quietly(paths)
    gold = pd.read_csv(paths.annotations / "gold_figures.csv", dtype={"doc_id": str},
                       keep_default_na=False, na_values={"value": [""], "value_high": [""],
                                                         "value_before": [""]})
    annotated = figures[figures["doc_id"].astype(str).isin(set(gold["doc_id"]))]
    return score_figures(annotated.fillna({"region": ""}), gold)


def extract_files(files: list[Path], regions: pd.DataFrame | None = None) -> pd.DataFrame:
    """Figures of loose text files (outside the manifest), with a ``doc`` column = file stem;
    ``regions`` (doc, region, province, admin_level) files each text under its region."""
    from dataclasses import replace

    from ..texts.corpus import Region, document_from_file
    from ..figures.extract import extract_figures, figures_frame

    reg = regions.set_index("doc") if regions is not None else None
    frames = []
    for f in files:
        doc = document_from_file(f, doc_id=f.stem)
        if reg is not None and f.stem in reg.index:
            r: Any = reg.loc[f.stem]  # one row (pandas-stubs cannot know it is not a frame)
            entry = replace(doc.entry, regions=(Region(r["region"], r["province"],
                                                       r["admin_level"]),))
            doc = replace(doc, entry=entry)
        df = figures_frame(extract_figures(doc))
        frames.append(df.assign(doc=f.stem))
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


UNSEEN_SETS = ("dev", "holdout", "holdout2")
#: Sets written for issue 19 (``data/annotations/unseen3/``): indicator-value gold with value,
#: year and period, scored by :func:`ruralstudy.evaluation.gold.score_indicator_values`. ``holdout`` is
#: scored once, at first sight, after the last tuning change (data/annotations/SCORES.md).
UNSEEN3_SETS = ("dev", "holdout")
#: Independent issue-19 sets by folder: (folder, set name in its CSVs, folder of its texts,
#: label). ``unseen4`` was written after all reader tuning by an annotator who never saw the
#: code's output, and is scored once (data/annotations/SCORES.md).
ISSUE19_SETS = (("unseen3", "dev", "dev", "unseen3-dev"),
                ("unseen3", "holdout", "holdout", "unseen3-holdout"),
                ("unseen4", "holdout4", "holdout", "unseen4-holdout"),
                ("unseen5", "holdout5", "holdout", "unseen5-holdout"))


def _unseen_gold(root: Path, name: str, kind: str) -> pd.DataFrame | None:
    """One unseen set's gold table (``figures``, ``regions`` or ``measurements``): from the
    shared file, or from the set's own ``NAME_`` file for sets added later."""
    shared = {"figures": "gold_figures.csv", "regions": "regions.csv",
              "measurements": "gold_measurements.csv"}[kind]
    for f in (root / f"{name}_{shared}", root / shared):
        if f.is_file():
            df = pd.read_csv(f, dtype={"doc": str, "set": str}, keep_default_na=False,
                             na_values={"value": [""], "value_high": [""], "value_before": [""]})
            df = df[df["set"] == name]
            if len(df):
                return df
    return None


def unseen_evaluation(paths: Paths) -> tuple[list[tuple[SetScore, pd.DataFrame]],
                                              dict[str, MappingScore]]:
    """Score the extractor and the mapper on each set (dev, holdout, holdout2) of
    data/annotations/unseen/, extracting each set's texts once: figures against the set's gold
    figures, mapped values against its measurement gold (each text filed under the region of
    its regions table; a gold figure the extractor missed counts against recall). The mapper
    was tuned on ``dev`` (and, once spent, ``holdout``); ``holdout2`` was written after that
    tuning and is the held-out test. Look at dev errors only when tuning."""
    from ..measures.codebook import load_codebook
    from ..evaluation.gold import score_by_overlap
    from ..tables.indicators import observe_figures

    root = paths.annotations / "unseen"
    scores, mapping = [], {}
    for name in UNSEEN_SETS:
        gold_fig = _unseen_gold(root, name, "figures")
        gold = _unseen_gold(root, name, "measurements")
        regions = _unseen_gold(root, name, "regions")
        if gold_fig is None and (gold is None or regions is None):
            continue
        found = extract_files(sorted((root / name).glob("*.txt")), regions)
        if gold_fig is not None:
            scores.append(score_by_overlap(f"unseen-{name}", found, gold_fig))
        if gold is None or regions is None:
            continue
        obs = observe_figures(found, load_codebook())
        g = gold.copy()
        ids = []
        row: Any
        for row in g.itertuples():
            f = found[(found["doc"] == row.doc) & (found["start"] < int(row.end)) &
                      (found["end"] > int(row.start))]
            ids.append(f["figure_id"].iloc[0] if len(f) else f"missed:{row.doc}:{row.start}")
        g["source_id"] = ids
        mapping[f"unseen-{name}"] = score_mappings(obs, g)[0]
    scores3, mapping3 = unseen3_evaluation(paths)
    return scores + scores3, {**mapping, **mapping3}


def unseen3_evaluation(paths: Paths, sets: tuple[str, ...] = UNSEEN3_SETS,
                       folders: tuple[str, ...] = ("unseen3", "unseen4", "unseen5")
                       ) -> tuple[list[tuple[SetScore, pd.DataFrame]], dict[str, MappingScore]]:
    """Score the extractor and the indicator values on the issue-19 sets
    (:data:`ISSUE19_SETS`: ``data/annotations/unseen3/`` and ``unseen4/``; each set scored only
    when its texts and gold are present): indicator-value precision and recall by
    :func:`ruralstudy.evaluation.gold.score_indicator_values`."""
    from ..measures.codebook import load_codebook
    from ..evaluation.gold import score_by_overlap, score_indicator_values
    from ..tables.indicators import observe_figures

    scores, mapping = [], {}
    for folder, name, texts, label in ISSUE19_SETS:
        if folder not in folders or (folder == "unseen3" and name not in sets):
            continue
        root = paths.annotations / folder
        gold_fig = _unseen_gold(root, name, "figures")
        gold = _unseen_gold(root, name, "measurements")
        regions = _unseen_gold(root, name, "regions")
        files = sorted((root / texts).glob("*.txt"))
        if gold is None or regions is None or not files:
            continue
        found = extract_files(files, regions)
        if gold_fig is not None:
            scores.append(score_by_overlap(label, found, gold_fig))
        obs = observe_figures(found, load_codebook())
        mapping[label] = score_indicator_values(obs, gold)[0]
    return scores, mapping


#: Held-out figure sheets (issue 20): (folder, sheet file, gold file, label), each written with
#: its gold by an annotator who never saw the code's output, scored once at first sight.
HELDOUT_SHEETS = (("unseen5", "sheet_holdout.csv", "sheet_holdout_gold.csv", "unseen5-sheet"),
                  ("unseen6", "sheet_holdout.csv", "sheet_holdout_gold.csv", "unseen6-sheet"))


def heldout_sheet_evaluation(paths: Paths) -> dict[str, MappingScore]:
    """Map each held-out sheet with the build's own cleaner and label reader, and score its
    rows against the gold by line (:func:`ruralstudy.evaluation.gold.score_sheet_values`)."""
    from ..measures.codebook import load_codebook
    from ..evaluation.gold import score_sheet_values
    from ..tables.indicators import observe_sheets
    from ..tables.sheets import clean_sheet, read_sheet_frame

    out = {}
    for folder, sheet, gold_file, label in HELDOUT_SHEETS:
        f = paths.annotations / folder / sheet
        g = paths.annotations / folder / gold_file
        if not (f.is_file() and g.is_file()):
            continue
        res = clean_sheet(read_sheet_frame(f), sheet)
        obs = observe_sheets(res.rows, load_codebook())
        gold = pd.read_csv(g, keep_default_na=False, na_values={"value": [""]})
        out[label] = score_sheet_values(obs, gold, sheet)[0]
    return out


HOLDOUT_MEMO = "memo-holdout"


def holdout_memo_key(paths: Paths, library: str | None = None) -> str:
    """The key of :func:`holdout_scores_now`'s cache entry: the library's digest and every
    annotation file's (the build marks it used, so pruning keeps it)."""
    import hashlib

    from .cache import library_digest

    h = hashlib.sha256((library or library_digest()).encode())
    for f in sorted(p for p in paths.annotations.rglob("*") if p.is_file()):
        h.update(f.relative_to(paths.annotations).as_posix().encode("utf-8") + b"\0" +
                 iorw.sha256_file(f).encode() + b"\0")
    return h.hexdigest()


def holdout_scores_now(paths: Paths) -> dict[str, MappingScore]:
    """The indicator-value scores of the library now on every held-out set: the issue-19 text
    sets (:func:`unseen3_evaluation`) and the held-out sheets
    (:func:`heldout_sheet_evaluation`), by label.

    They depend on the library and ``data/annotations/`` alone, yet the quality page computed
    them again (1-2 s, on the path of the pool's longest notebook) whenever the corpus changed.
    So they are kept in the build cache (kind ``memo-holdout``, keyed by the library's digest
    and every annotation file's), as JSON; without a build cache (no build yet) they are
    computed and not kept."""
    import dataclasses
    import json

    from .cache import Cache, own_cache

    key = holdout_memo_key(paths)
    cache = Cache(paths.cache) if own_cache(paths.cache, create=False) else None
    if cache is not None:
        hit = cache.read(HOLDOUT_MEMO, key, "scores.json")
        if hit is not None:
            try:
                return {k: MappingScore(**v) for k, v in json.loads(hit).items()}
            except (ValueError, TypeError):
                pass  # damaged: computed again
    now = {**unseen3_evaluation(paths)[1], **heldout_sheet_evaluation(paths)}
    if cache is not None:
        cache.put(HOLDOUT_MEMO, key, {"scores.json": json.dumps(
            {k: dataclasses.asdict(v) for k, v in now.items()}, sort_keys=True).encode()})
    return now


def unseen_scores(paths: Paths) -> list[tuple[SetScore, pd.DataFrame]]:
    """The extraction half of :func:`unseen_evaluation`."""
    return unseen_evaluation(paths)[0]


def unseen_mapping_scores(paths: Paths) -> dict[str, MappingScore]:
    """The mapping half of :func:`unseen_evaluation`."""
    return unseen_evaluation(paths)[1]


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
                     overrides_file: str = "overrides.csv",
                     published: dict[str, str] | None = None,
                     calibration: Calibration | None | str = "committed",
                     reviews_df: pd.DataFrame | None = None,
                     reviews_file: str = "reviews.csv",
                     observe: Callable[..., pd.DataFrame] | None = None,
                     sheet_observations: pd.DataFrame | None = None) -> IndicatorResult:
    """Map; calibrate each mapped value's confidence (below the publishing threshold it waits
    for review); apply the reviewers' decisions, then the researchers' overrides; build and
    validate indicators, panel, conflicts (pure but for reading the committed calibration);
    ``published`` is each report's publication date (doc id -> manifest ``published``).
    ``observe`` replaces :func:`observe_figures` (same arguments, same rows): the build passes
    one that reads each report's observations from its cached piece
    (:func:`ruralstudy.build.incremental.observe_reports`). ``sheet_observations``:
    :func:`observe_sheets` of ``sheet_rows`` when already made (kept by the build)."""
    obs = combined_observations((observe or observe_figures)(figures, codebook, region_codes,
                                                             published),
                                observe_sheets(sheet_rows, codebook)
                                if sheet_observations is None else sheet_observations)
    obs = identified(obs)
    if isinstance(calibration, str) and calibration != "committed":
        raise ValueError(f"calibration is a Calibration, None or 'committed', not {calibration!r}")
    obs = apply_calibration(obs, load_calibration() if isinstance(calibration, str)
                            else calibration)
    if reviews_df is not None and len(reviews_df):
        obs = apply_reviews(obs, parse_reviews(reviews_df, codebook, reviews_file), codebook)
    # the researchers' overrides come last: an explicit override wins over a review decision
    overrides = parse_overrides(overrides_df, codebook, set(obs["source_id"]), overrides_file)
    obs = apply_overrides(obs, overrides, codebook)
    registry.check("mapping", obs)
    ind = identified(indicators_table(obs, codebook))
    registry.check("indicators", ind)
    validate.check_ranges_and_units(ind, codebook)
    panel = identified(panel_table(ind))
    registry.check("panel", panel)
    return IndicatorResult(obs, ind, panel, conflicts_table(ind), crosscheck_table(ind),
                           sheet_rejects.reset_index(drop=True))


def combined_observations(*parts: pd.DataFrame) -> pd.DataFrame:
    """:func:`ruralstudy.tables.indicators.combine_observations` without its round trip through
    a list of dicts (5.7 s of a 1,000-report build, whose other steps are cached): the parts
    are concatenated and typed by the same function, which types every column.
    ``tests/build/test_incremental.py`` checks both give equal frames."""
    from ..tables.indicators import _obs_frame

    live = [p for p in parts if len(p)]
    if not live:
        return combine_observations()
    df = _obs_frame(pd.concat(live, ignore_index=True))  # type: ignore[arg-type]  # a frame
    return df.sort_values(["source_type", "source_id"], kind="mergesort").reset_index(drop=True)


def identified(df: pd.DataFrame) -> pd.DataFrame:
    """One name per province in every table (四川 and 四川省 are 四川省; :func:`province_name`)
    and the vintage of each division code beside it (``code_vintage``, empty where a region
    has no code). Where a region's name came from stays in ``source_id`` (a manifest line's
    document, or a sheet's file and line)."""
    out = df.copy()
    if "province" in out.columns:
        out["province"] = out["province"].fillna("").map(province_name)
    if "region_code" in out.columns:
        vintage = out["region_code"].fillna("").ne("").map({True: CODE_VINTAGE, False: ""})
        if "code_vintage" in out.columns:
            out["code_vintage"] = vintage
        else:
            at: int = out.columns.get_loc("region_code")  # type: ignore[assignment]  # unique
            out.insert(at + 1, "code_vintage", vintage)
    return out


def indicator_files(res: IndicatorResult,
                    csv: Callable[[str, pd.DataFrame], bytes] | None = None) -> dict[str, bytes]:
    """The processed files of the indicators step, serialised deterministically: one per
    format of every table the registry gives to this step (:data:`ruralstudy.registry.TABLES`),
    each checked against its registered schema. ``csv(file name, frame)`` gives a large table's
    CSV bytes (the build's :class:`ruralstudy.build.csvchunks.CsvChunks`, which reuses the
    unchanged chunks of the file written last; the bytes are the same)."""
    from .. import registry

    files: dict[str, bytes] = {}
    for t in registry.tables(step="indicators"):
        df = registry.hook(t.make)(res)
        if t.name not in _CHECKED_ON_THE_WAY:
            registry.check(t.name, df)
        if "csv" in t.formats:
            files[f"{t.name}.csv"] = csv(f"{t.name}.csv", df) \
                if csv is not None and len(df) >= _CHUNKED_FROM else iorw.frame_to_csv_bytes(df)
        if "parquet" in t.formats:
            files[f"{t.name}.parquet"] = iorw.frame_to_parquet_bytes(df)
    return files


# tables of fewer rows are formatted whole (a chunk holds about 1,000 rows)
_CHUNKED_FROM = 5000

# checked by build_indicators as they are made (what follows them needs them valid)
_CHECKED_ON_THE_WAY = frozenset({"mapping", "indicators", "panel"})


def result_mapping(res: IndicatorResult) -> pd.DataFrame:
    return res.observations


def result_changes(res: IndicatorResult) -> pd.DataFrame:
    from ..findings.analysis import change_rows

    return change_rows(res.observations)


def result_indicators(res: IndicatorResult) -> pd.DataFrame:
    return res.indicators


def result_panel(res: IndicatorResult) -> pd.DataFrame:
    return res.panel


def result_conflicts(res: IndicatorResult) -> pd.DataFrame:
    return res.conflicts


def result_crosschecks(res: IndicatorResult) -> pd.DataFrame:
    return res.crosschecks


def result_rejects(res: IndicatorResult) -> pd.DataFrame:
    return res.rejects


def result_codebook(res: IndicatorResult) -> pd.DataFrame:
    del res
    return load_codebook().frame()


def manifest_region_codes(paths: Paths) -> dict[str, str]:
    """Official division codes of the regions the manifest names."""
    from ..texts.corpus import read_manifest

    regions = [(r.name, r.province, r.level) for e in read_manifest(paths.manifest)
               for r in e.regions]
    codes = division_codes(regions)  # one lookup for all (1.4 s one by one at 1,000 regions)
    return {name: codes[(name, province, level)] for name, province, level in regions}


def manifest_published(paths: Paths) -> dict[str, str]:
    """Each report's publication date as the manifest gives it (doc id -> ``published``)."""
    from ..texts.corpus import read_manifest

    return {e.doc_id: str(e.published or "") for e in read_manifest(paths.manifest)}


GOLD_MEASUREMENT_FILES = ("gold_measurements_reports.csv", "gold_measurements_sheets.csv")


def read_gold_measurements(paths: Paths) -> pd.DataFrame:
    """The hand-checked measurement gold of report figures and sheet rows (those present)."""
    parts = [pd.read_csv(paths.annotations / f, dtype=str, keep_default_na=False)
             for f in GOLD_MEASUREMENT_FILES if (paths.annotations / f).exists()]
    if not parts:
        return pd.DataFrame(columns=GOLD_MEASUREMENT_COLUMNS)
    return pd.concat(parts, ignore_index=True)


def mapping_score(paths: Paths, observations: pd.DataFrame | None = None,
                  column: str = "auto_indicator_id") -> dict[str, MappingScore]:
    """Score the mapper against the measurement gold: overall, report figures, sheet rows.

    Scored on the machine's own mapping (before overrides) unless ``column="indicator_id"``."""
    if observations is None:
        observations = run_indicators_frames(paths).observations
    gold = read_gold_measurements(paths)
    if column == "indicator_id":  # as published: values waiting for review are not shown
        observations = observations.assign(indicator_id=observations["indicator_id"].where(
            observations["status"].isin(PANEL_STATUSES), ""))
    is_sheet = gold["source_id"].str.startswith("sheet:")
    return {name: score_mappings(observations, g, column)[0]
            for name, g in (("all", gold), ("reports", gold[~is_sheet]), ("sheets", gold[is_sheet]))}


def run_indicators_frames(paths: Paths) -> IndicatorResult:
    """Build the indicator tables in memory without writing (for tests of the mapping; the
    CLI's ``score`` runs the build's cached steps instead)."""
    return indicators_from(paths, extract_quietly(paths))


def indicators_from(paths: Paths, figures: pd.DataFrame,
                    observe: Callable[..., pd.DataFrame] | None = None,
                    memo: Any = None) -> IndicatorResult:
    """Read sheets, overrides and the manifest's regions, then build the indicator tables
    (``observe``: see :func:`build_indicators`; ``memo``: a
    :class:`ruralstudy.build.cache.FrameMemo` keeping the sheets' rows, rejects and
    observations by the sheet files' digests and the library, as they seldom change)."""
    codebook = load_codebook()

    def sheets_now() -> dict[str, pd.DataFrame]:
        sheets = load_sheets(paths.sheets)
        return {"rows": sheets.rows, "rejects": sheets.rejects,
                "observations": observe_sheets(sheets.rows, codebook)}

    if memo is not None:
        from ..tables.sheets import sheet_files

        got = memo("sheets", {f.name: iorw.sha256_file(f) for f in sheet_files(paths.sheets)},
                   sheets_now)
    else:
        got = sheets_now()
    reviews = paths.manual / REVIEWS_FILE
    return build_indicators(figures, got["rows"], got["rejects"], read_overrides(paths.overrides),
                            codebook, manifest_region_codes(paths), str(paths.overrides),
                            manifest_published(paths), reviews_df=read_reviews(reviews),
                            reviews_file=str(reviews), observe=observe,
                            sheet_observations=got["observations"])


# --- the calibration's edge: the annotated sets, labelled (measures.calibrate fits them) ---------------------------------------------------------------

def labelled_values(paths: Any) -> pd.DataFrame:
    """Every value the mapper maps on the annotated sets, labelled right or wrong against the
    gold: the seeds (report figures and sheet rows, ``gold_measurements_*.csv``) and each
    unseen set (dev, holdout, holdout2: its texts extracted and mapped, each value matched to
    the gold figure its span overlaps; a value on a span the gold has no figure for is wrong).
    Columns: the mapping table's, plus ``set``, ``group`` (document) and ``correct``; the
    number of gold values per set is in ``attrs['n_gold_values']``. Reads files (the edge)."""
    cb = load_codebook()
    r: Any  # a row of itertuples (pandas-stubs types its fields as any scalar)
    parts = []
    n_gold: dict[str, int] = {}
    obs = combine_observations(
        observe_figures(extract_quietly(paths), cb, manifest_region_codes(paths)),
        observe_sheets(load_sheets(paths.sheets).rows, cb))
    gold = read_gold_measurements(paths)
    if len(gold):
        g = gold.set_index("source_id")["indicator_id"].fillna("")
        n_gold["seeds"] = int((g != "").sum())
        m = obs[(obs["auto_indicator_id"] != "") & obs["source_id"].isin(g.index)].copy()
        m["gold_indicator_id"] = m["source_id"].map(g)
        m["set"] = "seeds"
        m["group"] = np.where(m["source_type"] == "report", "seeds:" + m["doc_id"],
                              "seeds:" + m["file"] + ":" + m["url"])
        parts.append(m)
    root = paths.annotations / "unseen"
    for name in UNSEEN_SETS:
        gm = _unseen_gold(root, name, "measurements")
        regions = _unseen_gold(root, name, "regions")
        if gm is None or regions is None:
            continue
        n_gold[name] = int((gm["indicator_id"].fillna("") != "").sum())
        found = extract_files(sorted((root / name).glob("*.txt")), regions)
        if found.empty:
            continue
        o = observe_figures(found, cb)
        o["doc"] = found["doc"].to_numpy()
        o = o[o["auto_indicator_id"] != ""].copy()
        golds = []
        for r in o.itertuples():
            hit = gm[(gm["doc"] == r.doc) & (gm["start"].astype(int) < int(r.end)) &
                     (gm["end"].astype(int) > int(r.start))]
            golds.append(str(hit["indicator_id"].iloc[0]) if len(hit) else "")
        o["gold_indicator_id"] = golds
        o["set"] = name
        o["group"] = name + ":" + o["doc"]
        parts.append(o.drop(columns=["doc"]))
    # the issue-19 sets (data/annotations/unseen3): a value is right when the gold has the same
    # indicator and value on an overlapping span. Only CALIBRATION_UNSEEN3 sets are used: the
    # holdout is kept for the reader's first-sight score and never fitted on.
    from ..evaluation.gold import _same_indicator_value

    issue19: tuple[tuple[str, str, str, str], ...] = ISSUE19_SETS
    for folder, name, texts, key in issue19:
        root3 = paths.annotations / folder
        gm = _unseen_gold(root3, name, "measurements")
        regions = _unseen_gold(root3, name, "regions")
        files = sorted((root3 / texts).glob("*.txt"))
        if gm is None or regions is None or not files:
            continue
        n_gold[key] = int((gm["indicator_id"].fillna("") != "").sum())
        found = extract_files(files, regions)
        if found.empty:
            continue
        o = observe_figures(found, cb)
        o["doc"] = found["doc"].to_numpy()
        o = o[o["auto_indicator_id"] != ""].copy()
        golds = []
        for r in o.itertuples():
            hit = gm[(gm["doc"] == r.doc) & (gm["start"].astype(int) < int(r.end)) &
                     (gm["end"].astype(int) > int(r.start)) &
                     (gm["indicator_id"].fillna("") == r.auto_indicator_id)]
            ok = any(_same_indicator_value(r.value, v) for v in hit["value"])
            golds.append(r.auto_indicator_id if ok else
                         (str(hit["indicator_id"].iloc[0]) + "?value" if len(hit) else ""))
        o["gold_indicator_id"] = golds
        o["set"] = key
        o["group"] = key + ":" + o["doc"]
        parts.append(o.drop(columns=["doc"]))
    if not parts:
        out = pd.DataFrame(columns=[*obs.columns, "gold_indicator_id", "set", "group", "correct"])
    else:
        out = pd.concat(parts, ignore_index=True)
        out["correct"] = out["auto_indicator_id"] == out["gold_indicator_id"].fillna("")
        out["tuned"] = ~out["set"].isin(FIRST_SIGHT_SETS)
    out.attrs["n_gold_values"] = n_gold
    return out


def calibrate(paths: Any) -> Calibration:
    """Fit the calibration on the project's annotated sets (reads them; pure otherwise)."""
    lab = labelled_values(paths)
    cal = fit_calibration(lab)
    return cal
