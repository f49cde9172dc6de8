"""The build graph's steps, and the run that wires them together.

::

    data/raw/reports/*  ──> ExtractStep (one per report) ──┐ figures (in memory)
    data/raw/sheets/*, data/manual/overrides.csv ─────────┴─> IndicatorsStep ─> Tables
    Tables ─> NotebookStep (4 aggregate pages + one profile per region, on warm kernels)
           ─> RenderStep (one per page; rendered in the pool right after execution)
           ─> SiteStep (keyed before any page is assembled) ─> reports/site/

Each step is a :class:`ruralstudy.build.graph.Step`; :class:`ruralstudy.build.graph.Graph` plans, checks
the cache, runs and records them. :class:`BuildRun` drives the graph for ``ruralstudy build``,
``extract``, ``indicators`` and ``score`` (the last three stop early). Tables pass from step to
step in memory as one :class:`ruralstudy.tables.tables.Tables`; ``data/processed`` is written once,
atomically, when the indicators step is done.
"""

from __future__ import annotations

import functools
import io
import json
import warnings
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

import pandas as pd

from .. import iorw
from .options import BuildOptions, BuildReport, StepRecord, describe_problem
from .cache import Cache, digest_bytes, library_digest, notebook_code, prune, USED_FILE
from ..texts.corpus import CorpusProblem, Document, read_documents, read_manifest
from ..errors import NotebookExecutionError
from ..execute.execute import RunResult, RunSpec, Runner, execute_one, failing_cell
from ..figures.extract import extract_figures, figures_frame
from .graph import Graph, Outputs, Planned, State, Step, StepInputs
from .. import registry
from ..findings.links import region_slug
from ..memory import release_unused_memory
from ..paths import Paths, pause_point
from ..tables.tables import Tables

if TYPE_CHECKING:
    from ..site.site import FileDownload

# the notebooks, pages and processed tables are each one entry of ruralstudy.registry


# --- 1. extraction ----------------------------------------------------------------------------

NORMALISED = "__normalised__"  # State: the texts' normalised digests (texts.corpus.read_documents)
BLOB_MEMO = "__page_blobs__"  # State: page -> [notebook key, source digest, page blob digest]

class ExtractStep(Step):
    """The figures of one report."""

    kind = "extract"
    outputs = ("figures.parquet",)

    def __init__(self, doc: Document) -> None:
        super().__init__(f"extract {doc.entry.doc_id}")
        self.doc = doc

    def inputs(self) -> StepInputs:
        e, raw = self.doc.entry, self.doc.raw
        row = {k: str(v) for k, v in e.__dict__.items() if k != "line"}
        files = {"file": raw.sha256, **({"reader": raw.encoding} if self.doc.extracted else {})}
        return StepInputs(files=files, params=row)

    def run(self) -> Outputs:
        return {"figures.parquet": iorw.frame_to_parquet_bytes(
            figures_frame(extract_figures(self.doc)))}


def write_extracted_text(paths: Paths, doc: Document) -> None:
    """Keep the text extracted from a web page, PDF or Word file (figure offsets refer to it)
    in data/processed/text/<doc_id>.txt, with its map back to the raw file in
    <doc_id>.map.json: runs [text_start, text_end, a, b] where text character i of a run sits
    at (a, b + i - text_start): for a page a = 0 and b the offset in the decoded HTML source,
    for a PDF (page, character of the page), for a Word file (paragraph, offset); a = -1 for
    characters the extractor inserted. Pages read by OCR add ``ocr``: per page its
    confidence and, by character index, each character's box (pixels at the page's dpi) and
    word confidence. Both are rebuilt from data/raw by ``make site``."""
    ex = doc.extracted
    assert ex is not None, "only a web page, PDF, Word file or image has an extraction"
    folder = paths.processed / "text"
    iorw.write_bytes(folder / f"{doc.doc_id}.txt", doc.raw.text.encode("utf-8"))
    meta = {"doc_id": doc.doc_id, "raw_file": f"data/raw/reports/{doc.entry.file}",
            "raw_sha256": doc.raw.sha256, "kind": ex.kind, "reader": doc.raw.encoding,
            "runs": ex.runs(), **(ocr.to_json() if (ocr := getattr(ex, "ocr", None)) else {})}
    iorw.write_bytes(folder / f"{doc.doc_id}.map.json",
                     json.dumps(meta, ensure_ascii=False, separators=(",", ":")).encode("utf-8"))


def figures_files(figures: pd.DataFrame, problems: list[CorpusProblem],
                  csv: Any = None) -> dict[str, bytes]:
    """The extraction's processed files (``csv``: the build's
    :meth:`ruralstudy.build.csvchunks.CsvChunks.csv`, reusing the last file's unchanged
    chunks)."""
    from .pipeline import problems_frame

    problems_df = problems_frame(problems)
    registry.check("corpus_problems", problems_df)
    return {"figures.csv": csv("figures.csv", figures) if csv is not None
            else iorw.frame_to_csv_bytes(figures),
            "figures.parquet": iorw.frame_to_parquet_bytes(figures),
            "corpus_problems.csv": iorw.frame_to_csv_bytes(problems_df)}


# --- 2. indicators ----------------------------------------------------------------------------

class IndicatorsStep(Step):
    """Map figures and sheet rows to indicators; build indicators, panel, conflicts."""

    kind = "indicators"
    outputs: tuple[str, ...] = ()  # per instance: the files of the tables registered here

    def __init__(self, paths: Paths, figures: pd.DataFrame, figures_csv: bytes,
                 pieces: Any = None, library: str = "", csv: Any = None,
                 doc_content: Mapping[str, str] | None = None) -> None:
        super().__init__("indicators")
        # each report's extraction key (raw file, manifest row, library): what its figures
        # rows are a function of, so its observations' pieces are keyed by it without
        # hashing every figure again (0.5 s at 1,000 reports)
        self.doc_content = doc_content
        self.csv = csv  # the large tables' CSV, reusing unchanged chunks (build.csvchunks)
        self.outputs = registry.processed_files("indicators")
        self.paths = paths
        self.figures = figures
        self.figures_digest = digest_bytes(figures_csv)
        self.pieces, self.library = pieces, library  # per-report observations, cached

    def inputs(self) -> StepInputs:
        from ..tables.sheets import sheet_files

        p = self.paths
        files = {"manifest": iorw.sha256_file(p.manifest),
                 "overrides": iorw.sha256_file(p.overrides) if p.overrides.exists() else "none"}
        reviews = p.manual / "reviews.csv"  # ruralstudy review's decisions (review.REVIEWS_FILE)
        files["reviews"] = iorw.sha256_file(reviews) if reviews.exists() else "none"
        for f in sheet_files(p.sheets):
            files[f"sheet:{f.name}"] = iorw.sha256_file(f)
        return StepInputs(files=files, upstream={"figures": self.figures_digest})

    def run(self) -> Outputs:
        from .pipeline import indicator_files, indicators_from

        observe = None
        if self.pieces is not None:
            from .incremental import observe_reports

            def observe(figures, codebook, codes, published):  # type: ignore[no-redef]
                return observe_reports(self.pieces, figures, codebook, codes, published,
                                       self.library, self.doc_content)
        memo = None
        if self.pieces is not None:  # the sheets' rows and observations, kept by their digests
            from .cache import FrameMemo

            memo = FrameMemo(self.pieces.cache, self.pieces.used, self.library,
                             write=self.pieces.write)
        return indicator_files(indicators_from(self.paths, self.figures, observe, memo),
                               self.csv)


# --- 3. notebooks -----------------------------------------------------------------------------

def merge_markdown(executed: dict, source: dict) -> dict:
    """The executed notebook with its markdown cells taken from the current source.

    Code cells (and their outputs) come from the executed notebook, matched by cell id; a
    markdown-only edit therefore re-renders a page without re-executing it. Cells papermill
    added (injected parameters) stay after the cell tagged ``parameters``.
    """
    ex_cells = {c.get("id"): c for c in executed.get("cells", [])}
    injected = [c for c in executed.get("cells", [])
                if "injected-parameters" in c.get("metadata", {}).get("tags", [])]
    cells = []
    for c in source.get("cells", []):
        if c.get("cell_type") == "code":
            cells.append(ex_cells.get(c.get("id"), c))
            if "parameters" in c.get("metadata", {}).get("tags", []):
                cells.extend(injected)
        else:
            cells.append(c)
    out = dict(executed)
    out["cells"] = cells
    return out


def without_timings(nb: dict) -> dict:
    """A notebook without execution times (papermill's and nbclient's), so that re-executing an
    unchanged notebook gives the same page and the same render key."""
    out = dict(nb)
    meta = dict(out.get("metadata", {}))
    pm = dict(meta.get("papermill", {}))
    for k in ("start_time", "end_time", "duration", "exception"):
        pm.pop(k, None)
    meta["papermill"] = pm
    out["metadata"] = meta
    cells = []
    for c in out.get("cells", []):
        c = dict(c)
        cm = {k: v for k, v in c.get("metadata", {}).items() if k not in ("execution", "papermill")}
        c["metadata"] = cm
        cells.append(c)
    out["cells"] = cells
    return out


def page_blob(executed_json: str, source: dict) -> str:
    """What a page is rendered from: the executed notebook, markdown from the current source,
    without timings, as canonical JSON (its digest is the render step's key)."""
    merged = without_timings(merge_markdown(json.loads(executed_json), source))
    return json.dumps(merged, sort_keys=True, ensure_ascii=False)


def execute_and_render(spec: RunSpec) -> tuple[RunResult, tuple[str, str, list, list] | None]:
    """Pool task: execute a notebook and, when it passed, render its page at once in the same
    worker (its kernel is idle meanwhile, so rendering overlaps the other workers' execution).
    Returns the result and (digest of the page blob, body, findings, sections)."""
    res = execute_one(spec)
    if not res.ok:
        return res, None
    blob = page_blob(res.notebook, json.loads(spec.notebook))
    out = res, (digest_bytes(blob.encode("utf-8")), *render_blob(blob))
    del blob
    release_unused_memory()  # nbconvert's parse trees of the page are freed
    return out


def prepare_worker() -> None:
    """Pool warm-up: import nbconvert and compile the page template now, not after the
    worker's first notebook (0.5 s on the build's critical path)."""
    render_blob(json.dumps({"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}))


def preload_site() -> None:
    """Load what the site step needs (the site module and its imports, pypinyin's phrase
    dictionary) while the notebooks run, when the build's own process only waits: about 0.5 s
    of the site step otherwise spent after the last notebook."""
    from ..site import site

    site.pinyin_keys("中国")


def render_blob(blob: str) -> tuple[str, list, list]:
    """Pool task: render one page; its body, findings and search sections (parsed here, in
    parallel, rather than when the site is assembled)."""
    from ..site.site import page_sections, render_notebook

    body, findings = render_notebook(blob)
    return body, findings, [list(s) for s in page_sections(body)]


class NotebookStep(Step):
    """One papermill run: an aggregate notebook, or the profile notebook for one region."""

    kind = "execute"
    outputs = ("notebook.ipynb",)

    def __init__(self, name: str, spec: RunSpec, source: dict, params: dict,
                 data: dict[str, str], page: str, runner: Runner) -> None:
        super().__init__(name)
        self.spec, self.source, self.params = spec, source, params
        self.data, self.page, self.runner = data, page, runner
        self.prerendered: tuple[str, str, list, list] | None = None
        self.result: RunResult | None = None

    def inputs(self) -> StepInputs:
        return StepInputs(upstream=self.data, params=self.params,
                          code=notebook_code(self.source))

    def run(self) -> Outputs:
        out = self.run_many([self], [])[0]
        if out is None:
            raise NotebookExecutionError(f"notebook {self.spec.name} failed", file=self.spec.name,
                                         cell=None)
        return out

    @classmethod
    def run_many(cls, steps: Sequence[Step], failures: list[Any]) -> list[Outputs | None]:
        nsteps = [s for s in steps if isinstance(s, NotebookStep)]
        runner = nsteps[0].runner
        # the longest first (the aggregate pages, heaviest first), so that no worker is left
        # with a long notebook at the end while the other idles
        submit = {p.notebook: p.submit for p in registry.notebook_pages(per_region=False)}
        order = sorted(nsteps, key=lambda s: submit.get(s.spec.name, len(submit) + 100))
        results = runner.map(execute_and_render, [s.spec for s in order],
                             name=lambda r: r[0].name, on_done=runner.on_done)
        out: list[Outputs | None] = []
        for s in nsteps:
            res, pre = results[s.spec.name]
            s.result, s.prerendered = res, pre
            if res.ok:
                out.append({"notebook.ipynb": res.notebook.encode("utf-8")})
            else:
                failures.append(s)
                out.append(None)
        return out


class RenderStep(Step):
    """One page's body (nbconvert, ruralstudy template) and findings, from its notebook."""

    kind = "render"
    outputs = ("page.json",)

    def __init__(self, page: str, blob: str | None, notebook: NotebookStep,
                 digest: str | None = None, make_blob: Callable[[], str] | None = None) -> None:
        """``blob``: what the page is rendered from (:func:`page_blob`); or None with its
        ``digest`` known and ``make_blob`` to make it should the page be rendered again."""
        super().__init__(f"render {page}")
        self.page, self.blob, self.notebook, self.make_blob = page, blob, notebook, make_blob
        if blob is not None:
            digest = digest_bytes(blob.encode("utf-8"))
        assert digest is not None, "a render step needs its blob or the blob's digest"
        self.digest: str = digest

    def inputs(self) -> StepInputs:
        # keyed by the blob's digest (the blob itself need not be made to find the page)
        return StepInputs(code=f"page blob {self.digest}")

    def the_blob(self) -> str:
        if self.blob is None:
            assert self.make_blob is not None
            self.blob = self.make_blob()
        return self.blob

    def run(self) -> Outputs:
        return self.run_many([self], [])[0]  # type: ignore[return-value]

    @staticmethod
    def _page(body: str, findings: list, sections: list) -> Outputs:
        return {"page.json": json.dumps({"body": body, "findings": findings,
                                         "sections": sections},
                                        ensure_ascii=False).encode("utf-8")}

    @classmethod
    def run_many(cls, steps: Sequence[Step], failures: list[Any]) -> list[Outputs | None]:
        rsteps = [s for s in steps if isinstance(s, RenderStep)]
        done: dict[str, Outputs] = {}
        todo = []
        for s in rsteps:
            pre = s.notebook.prerendered
            if pre is not None and pre[0] == s.digest:  # rendered in the pool already
                done[s.name] = cls._page(pre[1], pre[2], pre[3])
            else:
                todo.append(s)
        if todo:
            runner = todo[0].notebook.runner
            rendered = runner.map_plain(render_blob, [s.the_blob() for s in todo])
            for s, (body, findings, sections) in zip(todo, rendered):
                done[s.name] = cls._page(body, findings, sections)
        return [done[s.name] for s in rsteps]


class Rendered(NamedTuple):
    """A rendered page: body HTML, findings, and its search sections (None for pages rendered
    before sections were kept; they are parsed when the site is assembled)."""

    body: str
    findings: list
    sections: list | None = None


# --- 4. the site ------------------------------------------------------------------------------

DATA_ZIP = "ruralstudy-data.zip"  # the download of every other download


class SiteStep(Step):
    """The static site, published whole. Keyed by its inputs' digests, so an unchanged site is
    known before any page is assembled."""

    kind = "site"
    outputs = ("done",)

    def __init__(self, run: "BuildRun", rendered: dict[str, Rendered],
                 render_digests: dict[str, str]) -> None:
        super().__init__("site")
        self.b, self.rendered, self.render_digests = run, rendered, render_digests

    def inputs(self) -> StepInputs:
        b = self.b
        stamp = b.stamp()  # its date is the commit's (or SOURCE_DATE_EPOCH), not the clock
        files = {f"raw:{d.entry.file}": d.raw.sha256 for d in b.docs}
        for name in ("CITATION.cff", "LICENSE-DATA"):
            f = b.paths.root / name
            files[name] = iorw.sha256_file(f) if f.exists() else "none"
        upstream = {f"page:{p}": d for p, d in sorted(self.render_digests.items())}
        upstream.update({f"table:{n}": d for n, d in sorted(b.file_digests.items())})
        return StepInputs(files=files, upstream=upstream,
                          params={"stamp": json.dumps(stamp, sort_keys=True),
                                  "docs": [d.doc_id for d in b.docs]})

    def run(self) -> Outputs:
        from .graph import output_sizes

        site = self.b.publish_site(self.rendered)
        return {"done": json.dumps(output_sizes(site, [site]), sort_keys=True).encode("utf-8")}

    @staticmethod
    def missing(site: Path, done: bytes) -> int:
        """How many files of the site as published (``done``: path -> size) are missing or
        changed now (-1: unknown)."""
        try:
            sizes = json.loads(done)
        except ValueError:
            return -1
        if not isinstance(sizes, dict):
            return -1
        bad = 0
        for rel, size in sizes.items():
            try:
                bad += (site / rel).stat().st_size != size
            except OSError:
                bad += 1
        return bad


# --- the run ----------------------------------------------------------------------------------

class BuildRun:
    """One build of one project: the graph's steps in order, tables kept in memory."""

    def __init__(self, paths: Paths, opts: BuildOptions, library: str | None = None,
                 expect_notebooks: bool = True) -> None:
        self.paths = paths
        self.opts = opts
        self.state = State(paths.cache / "state.json")
        self.expect_notebooks = expect_notebooks  # notebooks' inputs changed since last build
        self.graph = Graph(Cache(paths.cache), self.state, library or library_digest(),
                           force=opts.force,
                           dry_run=opts.dry_run, on_ran=self._on_ran)
        self.report = BuildReport()
        self.docs: list[Document] = []
        self.files: dict[str, bytes] = {}
        self.file_digests: dict[str, str] = {}  # of every processed file, kept when bytes are not
        self.tables: Tables | None = None
        self._stamp: dict | None = None
        self._downloads: dict[str, bytes | FileDownload] | None = None
        self._scratch: Path | None = None  # this build's temporary files (see scratch())
        self.runner = Runner(jobs=opts.jobs, scheduler=opts.scheduler)
        self.runner.on_done = self._on_executed
        from .incremental import Pieces

        # per-report pieces of the corpus-wide tables (ruralstudy.build.incremental)
        self.pieces = Pieces(self.graph.cache, self.state, self.graph.used,
                             write=not opts.dry_run)
        from .csvchunks import CsvChunks

        # the large CSV tables written again from their unchanged chunks (build.csvchunks)
        self.csvs = CsvChunks(self.graph.cache, self.state, self.graph.used,
                              paths.processed, write=not opts.dry_run)
        self._ticks, self._todo = 0, 0

    def _on_ran(self, p: Planned) -> None:
        if self.opts.progress and not isinstance(p.step, NotebookStep):
            self.opts.progress(f"done: {p.name}", 0, 0)

    def _on_executed(self, item: tuple[RunResult, Any]) -> None:
        self._ticks += 1
        pause_point("notebooks")  # a test's control point (inert unless set)
        if self.opts.progress:
            self.opts.progress(f"executed {item[0].name}", self._ticks, self._todo)

    def stamp(self) -> dict:
        from ..site.site import build_stamp

        if self._stamp is None:
            self._stamp = build_stamp(self.paths.root, self.paths.raw)
        return self._stamp

    # -- 1. extraction --------------------------------------------------------------------
    def read_corpus(self) -> None:
        """Read every report of the manifest (each unreadable one becomes a problem). The
        texts' normalised digests (duplicate detection) are kept in the graph's state by raw
        file and reader, under the library that made them."""
        rec = self.state.data.get(NORMALISED)
        known: dict[str, str] = dict(rec["digests"]) if isinstance(rec, dict) and \
            rec.get("library") == self.graph.library and \
            isinstance(rec.get("digests"), dict) else {}
        for item in read_documents(read_manifest(self.paths.manifest), self.paths.reports_raw,
                                   known):
            if isinstance(item, CorpusProblem):
                self.report.problems.append(item)
                continue
            self.docs.append(item)
            if item.extracted is not None and not self.opts.dry_run:
                write_extracted_text(self.paths, item)
        if not self.opts.dry_run:  # only the reports of the corpus now: the record never grows
            now = {f"{d.raw.sha256}:{d.raw.encoding}" for d in self.docs}
            self.state.data[NORMALISED] = {"library": self.graph.library,
                                           "digests": {k: v for k, v in sorted(known.items())
                                                       if k in now}}

    def extract(self) -> pd.DataFrame:
        """The figures of every report: one cached step per report, combined as pieces
        (:mod:`ruralstudy.build.incremental`): when a few reports change, the last combined
        frame is read once and only their entries are read or run."""
        steps = {d.doc_id: ExtractStep(d) for d in self.docs}
        if self.opts.dry_run or self.opts.force or len(steps) != len(self.docs):
            figures = self._extract_each(list(steps.values()))
        else:
            keyed = {i: self.graph.key(s) for i, s in steps.items()}
            ran: set[str] = set()

            def compute(items: Sequence[str]) -> pd.DataFrame:
                ran.update(items)
                return self._extract_each([steps[i] for i in items], keyed)

            figures = self.pieces.combine(
                "figures", {i: k for i, (k, _) in keyed.items()}, "doc_id", compute,
                salt=self.graph.library, empty=lambda: figures_frame([]))
            planned = {p.step.name for p in self.graph.planned}
            for i, s in steps.items():
                if i not in ran and s.name not in planned:
                    self.graph.known(s, *keyed[i])
            # the steps in the report keep the corpus's order
            order = {s.name: n for n, s in enumerate(steps.values())}
            ex = [p for p in self.graph.planned if p.step.name in order]
            rest = [p for p in self.graph.planned if p.step.name not in order]
            self.graph.planned[:] = rest + sorted(ex, key=lambda p: order[p.step.name])
        figures = figures.sort_values(["doc_id", "start"], kind="mergesort").reset_index(drop=True)
        figures["year"] = figures["year"].astype("Int64")
        # the rows of reports whose piece was reused were checked by the build that made them
        # (pieces are keyed by the library, which holds the declaration): only the reports
        # extracted now are checked row by row (0.6 s at 1,000 reports), uniqueness over all
        fresh = self.pieces.computed.get("figures")
        registry.check("figures", figures,
                       rows=None if fresh is None else figures["doc_id"].isin(fresh))
        return figures

    def _extract_each(self, steps: list[ExtractStep],
                      keyed: dict[str, tuple[str, dict[str, str]]] | None = None
                      ) -> pd.DataFrame:
        planned = [self.graph.plan(s, keyed[s.doc.doc_id] if keyed else None) for s in steps]
        if self.opts.dry_run:  # what the figures would be, to plan what follows
            for p in planned:
                if p.outputs is None:
                    p.outputs = p.step.run()
        self.graph.run(planned)
        frames = [pd.read_parquet(io.BytesIO(p.outputs["figures.parquet"])) for p in planned
                  if p.outputs is not None]
        return figures_frame([]) if not frames else pd.concat(frames, ignore_index=True)

    def check_inputs(self) -> None:
        """Name every unreadable input (report or sheet) with its file and line, before any
        notebook runs; stop unless the user asked to keep going (they are then skipped)."""
        from ..errors import SheetError
        from ..tables.sheets import read_sheet_frame, sheet_files

        for f in sheet_files(self.paths.sheets):
            try:
                read_sheet_frame(f)
            except SheetError as exc:
                self.report.problems.append(CorpusProblem(
                    "", str(f), exc.reason + ("; skipped" if self.opts.keep_going else ""),
                    line=exc.line or 0))
        errors = [p for p in self.report.problems if p.severity == "error"]
        if errors and not self.opts.keep_going:
            lines = "\n".join(f"  {describe_problem(p, self.paths)}" for p in errors)
            from ..errors import InputError

            raise InputError(f"{len(errors)} input(s) cannot be read; nothing was built (fix "
                             f"them, or rerun with --keep-going to skip them):\n{lines}", errors)

    # -- 2. indicators --------------------------------------------------------------------
    def indicators(self, figures: pd.DataFrame) -> Tables:
        base = figures_files(figures, self.report.problems, self.csvs.csv)
        extract_keys = {q.step.doc.doc_id: q.key for q in self.graph.planned
                        if isinstance(q.step, ExtractStep)}
        p = self.graph.plan(IndicatorsStep(self.paths, figures, base["figures.csv"],
                                           self.pieces, self.graph.library, self.csvs.csv,
                                           extract_keys))
        if self.opts.dry_run and p.outputs is None:
            p.outputs = p.step.run()
        self.graph.run([p])
        assert p.outputs is not None
        p.step.figures = None  # type: ignore[attr-defined]  # the plan lives as long as the build
        self.files = {**p.outputs, **base}
        if not self.opts.dry_run:  # all new or all old, never a mix
            iorw.write_files_together(self.paths.processed, self.files)
            self.csvs.written()
        self.csvs.keep()
        self.tables = Tables.from_files(self.files, self.paths)
        self.file_digests = {n: digest_bytes(v) for n, v in self.files.items()}
        return self.tables

    def drop_written_csv(self) -> None:
        """Stop holding the processed CSV files' bytes (280 MB at 3,000 reports): they are on
        disk, their digests are kept, the tables are parsed, and the site copies the files
        (:func:`ruralstudy.site.pages.table_downloads`). Only once they are written."""
        if not self.opts.dry_run:
            self.files = {n: v for n, v in self.files.items() if not n.endswith(".csv")}
            # the indicators step's plan held the same files (its outputs) as long as the
            # build: the mapping CSV among them, 37 MB at 1,000 reports (traced), through the
            # notebooks and the site. Its name, key and reason stay for the report.
            for p in self.graph.planned:
                if isinstance(p.step, IndicatorsStep):
                    p.outputs = None

    def drop_extract_outputs(self) -> None:
        """Stop holding each extraction step's outputs (its report's figures as Parquet bytes:
        57 MB at 1,000 reports, through the indicators step and every notebook): they are read
        into the figures frame and stored in the cache; the plan, which lives as long as the
        build, keeps each step's name, key and reason for the report."""
        for p in self.graph.planned:
            if isinstance(p.step, ExtractStep):
                p.outputs = None

    def park_tables(self) -> None:
        """Let go of the parsed tables while the notebooks run (figures and mapping are about
        350 MB at 3,000 reports, held beside two kernels): once the notebooks' keys and the
        downloads are made, nothing reads them until the site is assembled, and
        :meth:`unpark_tables` parses them again from the files this build wrote. Only after
        those files are written (not in a dry run)."""
        if self.opts.dry_run or self.tables is None:
            return
        self.tables = self.report.frames = None
        import gc

        gc.collect()
        release_unused_memory()

    def unpark_tables(self) -> None:
        """The tables again, after :meth:`park_tables`: parsed from data/processed, which holds
        the very bytes the indicators step parsed them from (written at once, atomically, and
        this build holds the project's lock), so they are the same frames."""
        if self.tables is None and not self.opts.dry_run:
            self.tables = self.report.frames = Tables.read(self.paths)

    # -- 3. notebooks ---------------------------------------------------------------------
    def _source(self, name: str) -> dict:
        return json.loads((self.paths.notebooks / f"{name}.ipynb").read_text(encoding="utf-8"))

    def _spec(self, name: str, src: dict, params: dict) -> RunSpec:
        return RunSpec(name, json.dumps(src), {"root": ".", **params}, cwd=str(self.paths.root),
                       timeout=self.opts.timeout, fresh=self.opts.fresh_kernels)

    def notebook_steps(self) -> list[NotebookStep]:
        """Every notebook run with its data inputs: the aggregate pages read every table; a
        profile reads its region's slices and the national one."""
        from .cache import digest_frame, digest_frame_groups

        t = self.tables
        assert t is not None
        data = {n: self.file_digests[n] for n in registry.notebook_data()
                if n in self.file_digests}
        data["manifest"] = iorw.sha256_file(self.paths.manifest)
        for f in sorted(p for p in self.paths.annotations.rglob("*") if p.is_file()):
            rel = f.relative_to(self.paths.annotations).as_posix()
            data[f"annotations:{rel}"] = iorw.sha256_file(f)
        for f in sorted(self.paths.reports_raw.glob("*")):
            data[f"raw:{f.name}"] = iorw.sha256_file(f)
        steps = []
        for page in sorted(registry.notebook_pages(per_region=False), key=lambda p: p.notebook):
            name = page.notebook
            src = self._source(name)
            params = dict(self.opts.notebook_params.get(name, {}))
            # a page that declares what it reads is keyed by those tables alone
            reads = data if not page.reads else {
                f"table:{t}": self.file_digests[registry.table_by_attribute(t).read_file]
                for t in page.reads}
            steps.append(NotebookStep(f"notebook {name}", self._spec(name, src, params), src,
                                      params, reads, page.path, self.runner))
        profile = registry.profile_page()
        src = self._source(profile.notebook)
        mapping, ind, panel = t.mapping, t.indicators, t.panel
        national = digest_frame(panel[panel.region == "全国"])
        regions = sorted(mapping["region"].unique())
        if self.opts.only_profiles is not None:
            regions = [r for r in regions if r in self.opts.only_profiles]
        frames = {"mapping": mapping, "indicators": ind, "panel": panel}
        by = {k: digest_frame_groups(df, "region") for k, df in frames.items()}
        empty = {k: digest_frame(df.iloc[0:0]) for k, df in frames.items()}
        codes = mapping.groupby("region", sort=False)["region_code"].first()
        for region in regions:
            sl = {k: by[k].get(region, empty[k]) for k in by}
            sl["national"] = national
            params = {"region": region, **self.opts.notebook_params.get(profile.notebook, {})}
            code = codes[region]
            steps.append(NotebookStep(f"profile {region}",
                                      self._spec(f"profile-{region}", src, params), src, params,
                                      sl, f"{profile.path}/{region_slug(region, code)}.html",
                                      self.runner))
        return steps

    def execute(self, steps: list[NotebookStep]) -> dict[str, str]:
        """Run the notebooks that must run; return page -> executed notebook JSON (cached or
        new). Every failing notebook is named, not just the first."""
        planned = [self.graph.plan(s) for s in steps]
        self._todo = sum(p.run for p in planned)
        if not self.opts.dry_run:
            self.runner.meanwhile = self.while_notebooks_run
        if self._todo and self.opts.progress:
            self.opts.progress("executing notebooks", 0, self._todo)
        failures = self.graph.run(planned)
        if not self.opts.dry_run:
            self._keep_failed(steps, failures)
        for s in steps:  # the executed notebook is in the step's outputs; drop the result's copy
            s.result = None
        executed = {}
        for p in planned:
            if p.outputs is not None:
                assert isinstance(p.step, NotebookStep)
                executed[p.step.page] = p.outputs["notebook.ipynb"].decode("utf-8")
                p.outputs = None  # one copy is enough (the report keeps names and reasons)
        return executed

    def _keep_failed(self, steps: list[NotebookStep], failures: list[NotebookStep]) -> None:
        failed_dir = self.paths.reports / "failed"
        for s in steps:
            if s.result is not None and s.result.ok:
                stale = failed_dir / f"{s.spec.name}.ipynb"
                if stale.exists():  # a notebook that now passes leaves no stale failed copy
                    stale.unlink()
        if not failures:
            return
        lines = []
        for s in failures:
            res = s.result
            assert res is not None
            out = failed_dir / f"{res.name}.ipynb"
            iorw.write_text(out, res.notebook)
            cell = failing_cell(res.notebook, s.spec.notebook, res.cell_id)
            lines.append((res, cell, f"notebook {res.name} failed in cell {cell}: {res.ename}: "
                                     f"{res.evalue}; the executed notebook is kept at {out}"))
        self.state.save()
        res, cell, first = lines[0]
        msg = first if len(lines) == 1 else (
            f"{len(lines)} notebooks failed:\n" + "\n".join(f"  {m}" for _, _, m in lines))
        raise NotebookExecutionError(msg + "; the previous site is untouched", file=res.name,
                                     cell=cell, ename=res.ename, evalue=res.evalue)

    def write_executed(self, executed: dict[str, str]) -> None:
        """Keep each executed notebook under reports/executed/ for inspection. The folder's
        marker (:data:`ruralstudy.paths.MADE_MARKER`) records the names the build wrote:
        only those it no longer writes are removed, never another file there (such as
        ``ruralstudy run``'s executed copy)."""
        from ..paths import MADE_MARKER, own_folder

        out = self.paths.executed
        own_folder(out, MADE_MARKER, lambda e: True, "the executed notebooks")  # not a link
        record = out / MADE_MARKER
        try:
            before = set(json.loads(record.read_text(encoding="utf-8"))["written"])
        except (OSError, ValueError, KeyError, TypeError):  # no record yet: the build's names
            pages = {v.removesuffix(".html") for v in registry.page_names().values()}
            before = {f.name for f in out.glob("*.ipynb")
                      if f.stem in pages or f.name.startswith("regions-")}
        keep = set()
        for page, nb_json in executed.items():
            name = page.removesuffix(".html").replace("/", "-") + ".ipynb"
            keep.add(name)
            iorw.write_text(out / name, nb_json)
        iorw.write_text(record, json.dumps(
            {"note": "made by ruralstudy build: the executed notebooks it wrote here; it removes "
                     "only these", "written": sorted(keep)}, ensure_ascii=False, indent=1) + "\n")
        for name in sorted(before - keep):
            if not isinstance(name, str) or name != Path(name).name or \
                    not name.endswith(".ipynb"):
                continue  # a record edited by hand: nothing outside the folder is touched
            old = out / name
            if old.is_file() and not old.is_symlink():
                old.unlink()

    # -- 4. pages -------------------------------------------------------------------------
    def render(self, steps: list[NotebookStep], executed: dict[str, str]
               ) -> tuple[dict[str, Rendered], dict[str, str]]:
        """Render every page whose notebook or markdown changed; return page -> (body,
        findings) and page -> render key input digest."""
        planned = []
        # [scale] the blob of a page whose notebook did not run and whose source is unchanged
        # is the blob of the last build (the executed notebook is its step's cached output):
        # its digest is kept in the state, so the page is found without making the blob (a
        # parse and dump of each executed notebook: 0.25 s at 1,000 regions)
        memo = self.state.data.get(BLOB_MEMO)
        memo = memo if isinstance(memo, dict) and not self.opts.force else {}
        kept: dict[str, list] = {}
        sources: dict[int, str] = {}
        notebooks = {p.step.page: (p.key, p.run) for p in self.graph.planned
                     if isinstance(p.step, NotebookStep)}
        for s in steps:
            if s.page not in executed:
                continue
            nb_json = executed.pop(s.page)
            src = sources.get(id(s.source))
            if src is None:
                src = sources[id(s.source)] = digest_bytes(json.dumps(
                    s.source, sort_keys=True, ensure_ascii=False).encode("utf-8"))
            nb_key, ran = notebooks.get(s.page, ("", True))
            m = memo.get(s.page)
            if not ran and isinstance(m, list) and len(m) == 3 and m[:2] == [nb_key, src]:
                step = RenderStep(s.page, None, s, digest=m[2],
                                  make_blob=functools.partial(page_blob, nb_json, s.source))
            else:
                step = RenderStep(s.page, page_blob(nb_json, s.source), s)
            kept[s.page] = [nb_key, src, step.digest]
            p = self.graph.plan(step)
            if not p.run:
                step.blob, step.make_blob = "", None  # keyed; not needed any more
            planned.append(p)
        if not self.opts.dry_run:
            self.state.data[BLOB_MEMO] = kept
        self.graph.run(planned)
        out, digests = {}, {}
        for p in planned:
            r = p.step
            assert isinstance(r, RenderStep)
            digests[r.page] = r.digest
            if p.outputs is not None:
                d = json.loads(p.outputs["page.json"])
                out[r.page] = Rendered(d["body"], d["findings"], d.get("sections"))
            # what is kept from here on is the parsed page: drop the bytes, blob and pool copy
            p.outputs, r.blob, r.notebook.prerendered = None, "", None
        return out, digests

    # -- 5. the site ----------------------------------------------------------------------
    def site(self, rendered: dict[str, Rendered], digests: dict[str, str]) -> None:
        p = self.graph.plan(SiteStep(self, rendered, digests))
        if p.outputs is not None:
            bad = SiteStep.missing(self.paths.site, p.outputs["done"])
            if bad:
                p.run, p.outputs = True, None
                p.reason = (f"the published site lacks {bad} of its files" if bad > 0
                            else "the published site's file list is unknown")
        self.graph.run([p])

    def citation(self) -> str:
        f = self.paths.root / "CITATION.cff"
        return f.read_text(encoding="utf-8") if f.exists() else ""

    def downloads(self, zip_too: bool = True) -> dict[str, bytes | FileDownload]:
        """The site's data downloads (tables in each format, codebook, licence, citation, data
        package, Stata files and the zip of them all), made once. They depend on the tables
        and the stamp only, so a build whose notebooks run makes them while the pool executes
        (:meth:`while_notebooks_run`), not after. Without ``zip_too``, all but the zip (the
        zip is made from the others, not from the tables)."""
        if self._downloads is None:  # bytes, or files copied when the site is written
            from ..measures.codebook import codebook_text
            from ..site import pages as P
            from ..site import site as S

            t = self.tables
            assert t is not None
            citation = self.citation()
            downloads = P.table_downloads(self.files, S.download_frames(t),
                                          folder=self.paths.processed)
            downloads["codebook.yaml"] = codebook_text().encode("utf-8")
            licence = self.paths.root / "LICENSE-DATA"
            downloads["LICENSE-DATA.txt"] = (licence.read_bytes() if licence.exists()
                                             else S.DATA_LICENCE.encode("utf-8"))
            if citation:
                downloads["CITATION.cff"] = citation.encode("utf-8")
            downloads.update(S.described_downloads(t, self.stamp(), citation))
            self._downloads = downloads
        if zip_too and DATA_ZIP not in self._downloads:
            from ..site import site as S

            # [scale] a file, copied when the site is written, not bytes held until then
            self._downloads[DATA_ZIP] = S.data_zip_file(dict(self._downloads),
                                                        self.scratch() / DATA_ZIP)
        return self._downloads

    def scratch(self) -> Path:
        """A folder for this build's temporary files (the data zip until it is published),
        ``.ruralstudy-cache/scratch/.<random>``: removed when the build ends (:meth:`run`),
        and, should the build be killed, by the next build's pruning, which removes every
        step folder's ``.*`` folders (:func:`ruralstudy.build.cache.prune`)."""
        if self._scratch is None:
            import tempfile

            from .cache import own_cache

            own_cache(self.paths.cache)  # refuses a link or someone else's folder there
            (self.paths.cache / "scratch").mkdir(exist_ok=True)
            self._scratch = Path(tempfile.mkdtemp(prefix=".build-",
                                                  dir=self.paths.cache / "scratch"))
        return self._scratch

    def drop_scratch(self) -> None:
        """Remove :meth:`scratch` (and forget the downloads, which may name files in it)."""
        if self._scratch is not None:
            import shutil

            shutil.rmtree(self._scratch, ignore_errors=True)
            self._scratch = self._downloads = None

    def while_notebooks_run(self) -> None:
        """The build's own work while the pool executes notebooks (its process would only
        wait): load the site's modules, and make the downloads (3-5 s at 1,000 reports)."""
        preload_site()
        if self.tables is not None and not self.opts.dry_run:
            # [scale] the tables are let go before the zip is made (13 s at 3,000 reports,
            # from the files and bytes made now): held meanwhile, they were the build's
            # 450 MB beside the first notebooks' kernels, the notebooks' peak (2,052 MB PSS)
            self.downloads(zip_too=False)
            self.park_tables()
            self.downloads()

    def publish_site(self, rendered: dict[str, Rendered]) -> Path:
        """Assemble every registered page and download (:mod:`ruralstudy.registry`), and
        publish the site whole."""
        from ..site import pages as P
        from ..site import site as S

        t, docs = self.tables, self.docs
        assert t is not None
        stamp = self.stamp()
        citation = self.citation()
        missing = [p.path for p in registry.notebook_pages(per_region=False)
                   if p.path not in rendered]
        if missing:
            raise KeyError(f"registered notebook pages were not rendered: {missing}")
        downloads = self.downloads()
        from .sitecache import SourceBodies

        bodies = SourceBodies(self.graph.cache, self.state, self.graph.used, self.graph.library,
                              t.mapping)
        ctx = P.SiteContext(tables=t, docs=docs, rendered=rendered,
                            findings=P.front_findings(rendered), stamp=stamp, citation=citation,
                            downloads=downloads, bodies=bodies)
        pages = P.assemble(ctx)
        # [scale] a region page's body is a new string (its rendered body, then the peer
        # comparison), and nothing reads the rendered bodies again (the findings are read):
        # let them go before publishing, 59 MB at 1,000 regions (traced)
        rendered.update({name: r._replace(body="") for name, r in rendered.items()})
        bodies.save()
        # [scale] saving the bodies builds them into an Arrow file (in Arrow's pool, which
        # keeps freed pages) and copies it out: at 1,000 reports the process kept 137 MB more
        # resident from there to the end of publishing; handed back, publishing reuses less
        release_unused_memory()
        broken = P.finding_anchor_problems(pages, rendered)
        if broken:
            from ..errors import ValidationError

            raise ValidationError("findings link to anchors their page does not have (a "
                                  "renamed heading?): " + "; ".join(broken), file=broken[0])
        files = dict(downloads)  # the Data page lists the tables only
        for d in docs:  # each source page links to its raw file as downloaded
            raw_path = self.paths.reports_raw / d.entry.file
            if raw_path.is_file():  # copied file to file, not held in memory
                files[f"raw/{S.site_raw_name(d.entry.file)}"] = S.FileDownload(raw_path)
            if d.extracted is not None:
                files[f"text/{S.site_text_name(d.doc_id)}"] = d.raw.text.encode("utf-8")
        from .sitecache import PageReuse

        reuse = PageReuse(self.graph.cache, self.state, self.graph.used, self.paths.site, stamp,
                          self.graph.library)
        reuse.prepare(pages)
        self.report.site = S.publish(pages, stamp, files, self.paths.site, reuse=reuse)
        reuse.save(self.report.site)
        return self.report.site

    # -- housekeeping ---------------------------------------------------------------------
    def prune_cache(self) -> None:
        """Record the entries this build used, then keep the cache under its size limit
        (least recently used first; this build's entries are kept)."""
        from .pipeline import HOLDOUT_MEMO, holdout_memo_key

        # the quality page's kernel keeps its held-out scores in the cache (not a step of the
        # graph): kept while library and annotations are those of this build
        self.graph.used.add((HOLDOUT_MEMO, holdout_memo_key(self.paths, self.graph.library)))
        iorw.write_text(self.paths.cache / USED_FILE,
                        json.dumps(sorted(self.graph.used), ensure_ascii=False))
        prune(self.paths.cache, self.opts.cache_limit, keep=self.graph.used)

    def _finish(self) -> BuildReport:
        self.report.steps = [StepRecord(p.name, p.key, p.run, p.reason)
                             for p in self.graph.planned]
        return self.report

    def _start_kernels_early(self) -> bool:
        """Whether to start the warm kernels before extraction, so that they are ready when
        the notebooks come: a full, real build on a local pool whose notebooks' inputs changed
        since the last complete build (otherwise kernels start only if a notebook must run)."""
        o = self.opts
        if o.dry_run or o.until or o.fresh_kernels or o.scheduler or o.jobs <= 1:
            return False
        return self.expect_notebooks

    def run(self) -> BuildReport:
        """Build as far as ``opts.until`` (everything by default)."""
        try:
            return self._run()
        finally:
            self.runner.close()
            self.drop_scratch()

    def _run(self) -> BuildReport:
        o = self.opts
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            self.read_corpus()
            if o.until != "extract":
                self.check_inputs()
                if self._start_kernels_early():  # inputs are readable: kernels start meanwhile
                    self.runner.start(warm_cwd=str(self.paths.root), prepare=prepare_worker)
            figures = self.extract()
            self.drop_extract_outputs()
            self.report.n_documents = len(self.docs)
            if o.until is not None:  # a full build does not hold them past the indicators
                self.report.figures = figures
            if o.until == "extract":
                if not o.dry_run:  # all new or all old
                    iorw.write_files_together(self.paths.processed,
                                              figures_files(figures, self.report.problems))
                    self.state.save()
                return self._finish()
            self.indicators(figures)
            del figures  # parsed again, as stored, in self.tables
            if o.until is None:
                self.drop_written_csv()
            release_unused_memory()  # extraction's and mapping's temporaries
            self.report.tables = self.files
            self.report.frames = self.tables
            if o.until == "indicators":
                if not o.dry_run:
                    self.state.save()
                return self._finish()
        steps = self.notebook_steps()
        executed = self.execute(steps)
        if o.dry_run:
            self._dry_downstream()
            return self._finish()
        # the pool's workers and kernels are not needed any more: stop them before the pages
        # are rendered and the site is assembled, so their memory (about 1.1 GB at 1,000
        # regions; 990 MB of the 1,916 MB peak of a cold build at 3,000, sampled at the end of
        # rendering) is not held beside the executed notebooks and pages. A page rendered
        # again for its markdown alone starts a pool of its own (Runner.map_plain).
        self.runner.close()
        release_unused_memory()
        self.write_executed(executed)
        rendered, digests = self.render(steps, executed)
        release_unused_memory()  # executed notebooks and page copies are freed
        self.unpark_tables()
        self.site(rendered, digests)
        self.state.save()
        self.prune_cache()
        return self._finish()

    def _dry_downstream(self) -> None:
        for p in list(self.graph.planned):
            if isinstance(p.step, NotebookStep):
                self.graph.planned.append(Planned(
                    _Named(f"render {p.step.page}"), "", p.run, "notebook re-executes" if p.run
                    else "unchanged unless markdown changed"))
        anything = any(p.run for p in self.graph.planned)
        self.graph.planned.append(Planned(_Named("site"), "", anything,
                                          "some page changed" if anything else "unchanged"))


class _Named(Step):
    """A name in a dry run's list for a step that cannot be keyed before what it reads exists."""

    kind = "none"
    outputs = ()

    def inputs(self) -> StepInputs:  # pragma: no cover - never planned
        return StepInputs()

    def run(self) -> Outputs:  # pragma: no cover - never run
        return {}
