"""The whole build, incremental and crash-safe: raw data -> processed tables -> executed
notebooks -> rendered pages -> the site.

Every step declares its inputs and is keyed by :func:`ruralstudy.cache.step_key`; a step whose
key has a complete cache entry is skipped. Notebook runs go to a pool of workers with warm
kernels (or a Dask scheduler; see :mod:`ruralstudy.execute`). ``ruralstudy extract`` and
``ruralstudy indicators`` run the same steps, stopping early (``BuildOptions.until``). After a
build the cache is pruned to its size limit. The site is swapped in whole at the end, so a failed or killed build leaves the
previous site untouched.
"""

from __future__ import annotations

import io
import json
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from . import iorw
from .cache import (DEFAULT_LIMIT, USED_FILE, Cache, digest_bytes, digest_frame, library_digest,
                    notebook_code, prune, step_key)
from .corpus import CorpusProblem, Document, read_documents, read_manifest
from .errors import NotebookExecutionError
from .execute import DEFAULT_TIMEOUT, RunSpec, failing_cell, run_all
from .extract import extract_figures, figures_frame
from .links import PAGE_NAMES, region_slug, sheet_slug
from .paths import Paths

AGGREGATE_NOTEBOOKS = ["01_corpus", "02_quality", "03_indicators", "04_links"]
PROFILE_NOTEBOOK = "05_region_profile"
PAGE_TITLES = {"01_corpus": "Sources", "02_quality": "Data quality",
               "03_indicators": "Indicators across regions", "04_links": "Links between the constructs"}
PROCESSED_FILES = ["figures.parquet", "mapping.parquet", "indicators.parquet", "panel.parquet",
                   "conflicts.parquet", "crosschecks.csv", "rejects.csv", "codebook.csv",
                   "corpus_problems.csv"]


@dataclass
class Step:
    """A planned build step: what it is, its key, and whether (and why) it runs."""

    name: str
    key: str
    run: bool
    reason: str
    parts: dict[str, str] = field(default_factory=dict, repr=False)


@dataclass
class BuildOptions:
    """How to build."""

    jobs: int = 1
    force: bool = False
    dry_run: bool = False
    scheduler: str | None = None
    notebook_params: dict[str, dict] = field(default_factory=dict)
    only_profiles: list[str] | None = None
    progress: Callable[[str, int, int], None] | None = None
    keep_going: bool = False  # skip unreadable inputs instead of stopping
    wait: float = 0.0  # seconds to wait for another build or add to finish
    fresh_kernels: bool = False  # one new kernel per notebook instead of warm, reset kernels
    timeout: float | None = DEFAULT_TIMEOUT  # seconds per notebook
    cache_limit: int = DEFAULT_LIMIT  # bytes; least recently used entries beyond it are pruned
    until: str | None = None  # "extract" or "indicators": stop after that step (the CLI's
    # `extract` and `indicators` run the build's own steps, cached, this far)


@dataclass
class BuildReport:
    """What a build did (or, in a dry run, would do)."""

    steps: list[Step] = field(default_factory=list)
    problems: list[CorpusProblem] = field(default_factory=list)
    site: Path | None = None
    n_documents: int = 0
    figures: pd.DataFrame | None = field(default=None, repr=False)
    tables: dict[str, bytes] = field(default_factory=dict, repr=False)  # data/processed files

    @property
    def ran(self) -> list[Step]:
        return [s for s in self.steps if s.run]


class State:
    """The inputs each step last ran with, to say *why* a step runs."""

    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            self.data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            self.data = {}

    def reason(self, name: str, parts: dict[str, str], cached: bool, force: bool) -> str:
        if force:
            return "forced (--force)"
        if cached:
            return "unchanged (cached)"
        old = self.data.get(name)
        if old is None:
            return "never built here"
        changed = sorted(k for k in set(parts) | set(old) if parts.get(k) != old.get(k))
        return ("changed: " + ", ".join(changed)) if changed else "cache entry missing or corrupt"

    def record(self, name: str, parts: dict[str, str]) -> None:
        self.data[name] = parts

    def save(self) -> None:
        iorw.write_text(self.path, json.dumps(self.data, sort_keys=True, ensure_ascii=False, indent=0))


def _parts(code: str, params: dict, inputs: dict[str, str], lib: str) -> dict[str, str]:
    return {"code": digest_bytes(code.encode()), "params": json.dumps(params, sort_keys=True,
            ensure_ascii=False), "library": lib, **{f"input:{k}": v for k, v in inputs.items()}}


def write_extracted_text(paths: Paths, doc: Document) -> None:
    """Keep the text extracted from a web page, PDF or Word file (figure offsets refer to it)
    in data/processed/text/<doc_id>.txt, with its map back to the raw file in
    <doc_id>.map.json: runs [text_start, text_end, a, b] where text character i of a run sits
    at (a, b + i - text_start): for a page a = 0 and b the offset in the decoded HTML source,
    for a PDF (page, character of the page), for a Word file (paragraph, offset); a = -1 for
    characters the extractor inserted. Both are rebuilt from data/raw by ``make site``."""
    ex = doc.extracted
    folder = paths.processed / "text"
    iorw.write_bytes(folder / f"{doc.doc_id}.txt", doc.raw.text.encode("utf-8"))
    meta = {"doc_id": doc.doc_id, "raw_file": f"data/raw/reports/{doc.entry.file}",
            "raw_sha256": doc.raw.sha256, "kind": ex.kind, "reader": doc.raw.encoding,
            "runs": ex.runs()}
    iorw.write_bytes(folder / f"{doc.doc_id}.map.json",
                     json.dumps(meta, ensure_ascii=False, separators=(",", ":")).encode("utf-8"))


class Builder:
    """Runs the build for one project."""

    def __init__(self, paths: Paths, opts: BuildOptions) -> None:
        self.paths = paths
        self.opts = opts
        self.cache = Cache(paths.cache)
        self.state = State(paths.cache / "state.json")
        self.lib = library_digest()
        self.report = BuildReport()
        self.used: set[tuple[str, str]] = set()  # cache entries this build reads or writes

    # -- helpers ------------------------------------------------------------------------
    def _plan(self, name: str, step: str, code: str, params: dict, inputs: dict[str, str],
              cache_file: str) -> tuple[Step, bytes | None]:
        key = step_key(step, code=code, params=params, inputs=inputs, library=self.lib)
        self.used.add((step, key))
        hit = None if self.opts.force else self.cache.read(step, key, cache_file)
        parts = _parts(code, params, inputs, self.lib)
        s = Step(name, key, hit is None, self.state.reason(name, parts, hit is not None,
                                                           self.opts.force), parts)
        self.report.steps.append(s)
        if hit is not None:
            self.state.record(name, parts)
        return s, hit

    def _done(self, s: Step) -> None:
        self.state.record(s.name, s.parts)

    def _tick(self, label: str, done: int, total: int) -> None:
        if self.opts.progress:
            self.opts.progress(label, done, total)

    # -- 1. extraction, one document at a time ------------------------------------------
    def extract(self) -> tuple[pd.DataFrame, list[Document]]:
        frames, docs = [], []
        for item in read_documents(read_manifest(self.paths.manifest), self.paths.reports_raw):
            if isinstance(item, CorpusProblem):
                self.report.problems.append(item)
                continue
            doc, e = item, item.entry
            docs.append(doc)
            if doc.extracted is not None and not self.opts.dry_run:
                write_extracted_text(self.paths, doc)
            row = {k: str(v) for k, v in e.__dict__.items() if k != "line"}
            s, hit = self._plan(f"extract {e.doc_id}", "extract", "", row, {"file": doc.raw.sha256, **({"reader": doc.raw.encoding}
                                                             if doc.extracted else {})},
                                "figures.parquet")
            if hit is not None:
                frames.append(pd.read_parquet(io.BytesIO(hit)))
                continue
            if self.opts.dry_run:
                frames.append(figures_frame(extract_figures(doc)))
                continue
            df = figures_frame(extract_figures(doc))
            self.cache.put("extract", s.key, {"figures.parquet": iorw.frame_to_parquet_bytes(df)})
            self._done(s)
            frames.append(df)
        figures = figures_frame([]) if not frames else pd.concat(frames, ignore_index=True)
        figures = figures.sort_values(["doc_id", "start"], kind="mergesort").reset_index(drop=True)
        figures["year"] = figures["year"].astype("Int64")
        from . import validate

        validate.check_schema(figures, validate.FIGURES_SCHEMA, "figures")  # as `indicators` does
        return figures, docs

    # -- 2. indicators ------------------------------------------------------------------
    def indicators(self, figures: pd.DataFrame) -> dict[str, bytes]:
        from .pipeline import indicator_files, indicators_from, problems_frame
        from .sheets import sheet_files

        inputs = {"figures": digest_frame(figures),
                  "manifest": iorw.sha256_file(self.paths.manifest),
                  "overrides": iorw.sha256_file(self.paths.overrides)
                  if self.paths.overrides.exists() else "none"}
        for f in sheet_files(self.paths.sheets):
            inputs[f"sheet:{f.name}"] = iorw.sha256_file(f)
        s, hit = self._plan("indicators", "indicators", "", {}, inputs, "bundle.json")
        files: dict[str, bytes]
        if hit is not None:
            files = {k: bytes.fromhex(v) for k, v in json.loads(hit).items()}
        else:
            files = indicator_files(indicators_from(self.paths, figures))
            if not self.opts.dry_run:
                self.cache.put("indicators", s.key, {"bundle.json": json.dumps(
                    {k: v.hex() for k, v in sorted(files.items())}).encode()})
                self._done(s)
        files["figures.csv"] = iorw.frame_to_csv_bytes(figures)
        files["figures.parquet"] = iorw.frame_to_parquet_bytes(figures)
        files["corpus_problems.csv"] = iorw.frame_to_csv_bytes(problems_frame(self.report.problems))
        if not self.opts.dry_run:  # all new or all old, never a mix
            iorw.write_files_together(self.paths.processed, files)
        return files

    def check_inputs(self) -> None:
        """Name every unreadable input (report or sheet) with its file and line, before any
        notebook runs; stop unless the user asked to keep going (they are then skipped)."""
        from .sheets import read_sheet_frame, sheet_files
        from .errors import InputError, SheetError

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
            raise InputError(f"{len(errors)} input(s) cannot be read; nothing was built (fix "
                             f"them, or rerun with --keep-going to skip them):\n{lines}", errors)

    # -- 3. notebooks -------------------------------------------------------------------
    def _source_nb(self, name: str) -> dict:
        return json.loads((self.paths.notebooks / f"{name}.ipynb").read_text(encoding="utf-8"))

    def _spec(self, name: str, src: dict, params: dict) -> RunSpec:
        return RunSpec(name, json.dumps(src), {"root": ".", **params}, cwd=str(self.paths.root),
                       timeout=self.opts.timeout, fresh=self.opts.fresh_kernels)

    def notebook_runs(self, files: dict[str, bytes]) -> list[tuple[Step, RunSpec | None, bytes | None, str]]:
        """Plan every notebook run; return (step, spec to run or None, cached nb, page name)."""
        runs = []
        data_inputs = {n: digest_bytes(files[n]) for n in PROCESSED_FILES if n in files}
        data_inputs["manifest"] = iorw.sha256_file(self.paths.manifest)
        for f in sorted(p for p in self.paths.annotations.rglob("*") if p.is_file()):
            rel = f.relative_to(self.paths.annotations).as_posix()
            data_inputs[f"annotations:{rel}"] = iorw.sha256_file(f)
        for f in sorted(self.paths.reports_raw.glob("*")):
            data_inputs[f"raw:{f.name}"] = iorw.sha256_file(f)
        for name in AGGREGATE_NOTEBOOKS:
            src = self._source_nb(name)
            params = dict(self.opts.notebook_params.get(name, {}))
            s, hit = self._plan(f"notebook {name}", "execute", notebook_code(src), params,
                                data_inputs, "notebook.ipynb")
            spec = self._spec(name, src, params) if s.run else None
            runs.append((s, spec, hit, PAGE_NAMES[name]))
        mapping = pd.read_parquet(io.BytesIO(files["mapping.parquet"]))
        ind = pd.read_parquet(io.BytesIO(files["indicators.parquet"]))
        panel = pd.read_parquet(io.BytesIO(files["panel.parquet"]))
        national = digest_frame(panel[panel.region == "全国"])
        src = self._source_nb(PROFILE_NOTEBOOK)
        code = notebook_code(src)
        regions = sorted(mapping["region"].unique())
        if self.opts.only_profiles is not None:
            regions = [r for r in regions if r in self.opts.only_profiles]
        for region in regions:
            sl = {"mapping": digest_frame(mapping[mapping.region == region]),
                  "indicators": digest_frame(ind[ind.region == region]),
                  "panel": digest_frame(panel[panel.region == region]), "national": national}
            params = {"region": region, **self.opts.notebook_params.get(PROFILE_NOTEBOOK, {})}
            s, hit = self._plan(f"profile {region}", "execute", code, params, sl, "notebook.ipynb")
            spec = self._spec(f"profile-{region}", src, params) if s.run else None
            code_ = mapping.loc[mapping.region == region, "region_code"].iloc[0]
            runs.append((s, spec, hit, f"regions/{region_slug(region, code_)}.html"))
        return runs

    def execute(self, runs) -> dict[str, str]:
        """Execute the planned runs (in parallel); return page -> executed notebook JSON."""
        executed: dict[str, str] = {}
        todo = [(s, spec, page) for s, spec, hit, page in runs if spec is not None]
        for s, spec, hit, page in runs:
            if hit is not None:
                executed[page] = hit.decode("utf-8")
        if self.opts.dry_run or not todo:
            return executed
        by_name = {spec.name: (s, page) for s, spec, page in todo}
        total = len(todo)
        counter = {"n": 0}

        def on_done(res) -> None:
            counter["n"] += 1
            self._tick(f"executed {res.name}", counter["n"], total)

        results = run_all([spec for _, spec, _ in todo], jobs=self.opts.jobs,
                          scheduler=self.opts.scheduler, on_done=on_done)
        failures = []
        for res in results:
            s, page = by_name[res.name]
            if res.ok:
                self.cache.put("execute", s.key, {"notebook.ipynb": res.notebook.encode("utf-8")})
                self._done(s)
                executed[page] = res.notebook
                stale = self.paths.reports / "failed" / f"{res.name}.ipynb"
                if stale.exists():  # a notebook that now passes leaves no stale failed copy
                    stale.unlink()
            else:
                failed_dir = self.paths.reports / "failed"
                failed_dir.mkdir(parents=True, exist_ok=True)
                out = failed_dir / f"{res.name}.ipynb"
                iorw.write_text(out, res.notebook)
                failures.append((res, out))
        self.state.save()
        if failures:  # every failing notebook is named, not just the first
            lines = []
            for res, out in failures:
                src = json.dumps(self._source_nb(PROFILE_NOTEBOOK if res.name.startswith(
                    "profile-") else res.name))
                cell = failing_cell(res.notebook, src, res.cell_id)
                lines.append((res, cell, f"notebook {res.name} failed in cell {cell}: {res.ename}: "
                                         f"{res.evalue}; the executed notebook is kept at {out}"))
            res, cell, first = lines[0]
            msg = first if len(lines) == 1 else (
                f"{len(lines)} notebooks failed:\n" + "\n".join(f"  {m}" for _, _, m in lines))
            raise NotebookExecutionError(msg + "; the previous site is untouched",
                                         file=res.name, cell=cell, ename=res.ename,
                                         evalue=res.evalue)
        return executed

    # -- 4. render pages ----------------------------------------------------------------
    def render(self, executed: dict[str, str], runs) -> dict[str, tuple[str, list[dict]]]:
        from .site import render_notebook

        out = {}
        total = len(executed)
        for i, (page, nb_json) in enumerate(sorted(executed.items())):
            src_name = next((n for n, p in PAGE_NAMES.items() if p == page), PROFILE_NOTEBOOK)
            merged = without_timings(merge_markdown(json.loads(nb_json), self._source_nb(src_name)))
            blob = json.dumps(merged, sort_keys=True, ensure_ascii=False)
            s, hit = self._plan(f"render {page}", "render", blob, {}, {}, "page.json")
            if hit is not None:
                d = json.loads(hit)
                out[page] = (d["body"], d["findings"])
                continue
            if self.opts.dry_run:
                continue
            body, findings = render_notebook(blob)
            self.cache.put("render", s.key, {"page.json": json.dumps(
                {"body": body, "findings": findings}, ensure_ascii=False).encode("utf-8")})
            self._done(s)
            out[page] = (body, findings)
            self._tick(f"rendered {page}", i + 1, total)
        return out

    # -- 5. the site --------------------------------------------------------------------
    def site(self, rendered: dict[str, tuple[str, list[dict]]], docs: list[Document],
             files: dict[str, bytes]) -> None:
        from . import site as S
        from .nbhelpers import load

        t = load(self.paths.root)
        stamp = S.build_stamp(self.paths.root, self.paths.raw)
        citation = (self.paths.root / "CITATION.cff").read_text(encoding="utf-8") \
            if (self.paths.root / "CITATION.cff").exists() else ""
        # the front page states what the data show (indicators, links); facts about the
        # pipeline's quality stay on the quality and sources pages
        findings = [f for page in ("indicators.html", "links.html")
                    for f in rendered.get(page, ("", []))[1]]
        pages = [S.Page("index.html", "Overview", S.index_body(t, findings, citation))]
        for name in ("02_quality", "03_indicators", "04_links"):
            page = PAGE_NAMES[name]
            pages.append(S.Page(page, PAGE_TITLES[name], rendered[page][0], code_toggle=True))
        pages.append(S.Page("sources.html", "Sources",
                            S.sources_body(t, docs, rendered["sources.html"][0]), code_toggle=True))
        pages.append(S.Page("regions.html", "Regions", S.regions_body(t)))
        for page, (body, _) in sorted(rendered.items()):
            if page.startswith("regions/"):
                region = _region_of(t, page)
                extra = S.peer_comparison(region, t.panel) if region else ""
                pages.append(S.Page(page, f"Region profile: {region}" if region else "Region profile",
                                    body + extra, code_toggle=True, region=region))
        for d in docs:
            pages.append(S.Page(f"sources/{d.doc_id}.html", f"Source {d.doc_id}: {d.entry.title}",
                                S.document_body(d, t.mapping)))
        for file in sorted(set(t.mapping.loc[t.mapping.source_type == "sheet", "file"]) |
                           set(t.rejects["file"])):
            pages.append(S.Page(f"sources/{sheet_slug(file)}.html", f"Sheet {file}",
                                S.sheet_body(file, t.mapping, t.rejects)))
        downloads = {}
        for name in S.DOWNLOADS:  # CSV downloads: formulas neutralised, BOM for Excel
            downloads[f"{name}.csv"] = S.excel_csv(files[f"{name}.csv"])
            downloads[f"{name}.parquet"] = files[f"{name}.parquet"]
        for name in S.CSV_ONLY:
            downloads[f"{name}.csv"] = S.excel_csv(files[f"{name}.csv"])
        from .codebook import codebook_text
        downloads["codebook.yaml"] = codebook_text().encode("utf-8")
        licence = self.paths.root / "LICENSE-DATA"
        downloads["LICENSE-DATA.txt"] = (licence.read_bytes() if licence.exists()
                                         else S.DATA_LICENCE.encode("utf-8"))
        if citation:
            downloads["CITATION.cff"] = citation.encode("utf-8")
        downloads["ruralstudy-data.zip"] = S.data_zip(downloads)
        pages.append(S.Page("data.html", "Data", S.data_body(t, downloads)))
        pages.append(S.Page("glossary.html", "Glossary / 术语", S.glossary_body()))
        for d in docs:  # each source page links to its raw file as downloaded
            raw_path = self.paths.reports_raw / d.entry.file
            if raw_path.is_file():
                downloads[f"raw/{S.site_raw_name(d.entry.file)}"] = raw_path.read_bytes()
            if d.extracted is not None:
                downloads[f"text/{S.site_text_name(d.doc_id)}"] = d.raw.text.encode("utf-8")
        # the key leaves out the build date (it changes every minute); the about page, which
        # shows it, is added after the key is computed
        content = json.dumps([[p.path, p.title, p.body] for p in pages], ensure_ascii=False)
        inputs = {"pages": digest_bytes(content.encode("utf-8")),
                  "downloads": digest_bytes(json.dumps({k: digest_bytes(v) for k, v in
                                                        sorted(downloads.items())}).encode()),
                  "stamp": json.dumps({k: v for k, v in stamp.items() if k != "date"},
                                      sort_keys=True),
                  "citation": digest_bytes(citation.encode("utf-8"))}
        pages.append(S.Page("about.html", "About", S.about_body(stamp, citation)))
        s, hit = self._plan("site", "site", "", {}, inputs, "done")
        if hit is not None and (self.paths.site / "index.html").exists():
            s.run = False
            return
        s.run = True
        if self.opts.dry_run:
            return
        self.report.site = S.publish(pages, stamp, downloads, self.paths.site)
        self.cache.put("site", s.key, {"done": b"1"})
        self._done(s)

    def clean_leftovers(self) -> None:
        """Remove what a killed build may have left: half-written site folders and cache
        entries (both are written aside and renamed, so they never look complete)."""
        import shutil

        builds = self.paths.reports / ".site-builds"
        if builds.is_dir():
            for d in builds.glob("tmp-*"):
                shutil.rmtree(d, ignore_errors=True)
        for link in self.paths.reports.glob(".site-link-*"):
            link.unlink()
        if self.paths.cache.is_dir():
            for step in self.paths.cache.iterdir():
                if step.is_dir():
                    for d in step.glob(".*"):
                        shutil.rmtree(d, ignore_errors=True)

    def run(self) -> BuildReport:
        if self.opts.dry_run:
            return self._run()
        with iorw.project_lock(self.paths.lock, "ruralstudy build", self.opts.wait):
            return self._run()

    def _run(self) -> BuildReport:
        if not self.opts.dry_run:
            self.clean_leftovers()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            figures, docs = self.extract()
            self.report.figures, self.report.n_documents = figures, len(docs)
            if self.opts.until == "extract":
                from .pipeline import problems_frame

                if not self.opts.dry_run:  # all new or all old
                    iorw.write_files_together(self.paths.processed, {
                        "figures.csv": iorw.frame_to_csv_bytes(figures),
                        "figures.parquet": iorw.frame_to_parquet_bytes(figures),
                        "corpus_problems.csv": iorw.frame_to_csv_bytes(
                            problems_frame(self.report.problems))})
                    self.state.save()
                return self.report
            self.check_inputs()
            files = self.indicators(figures)
            self.report.tables = files
            if self.opts.until == "indicators":
                if not self.opts.dry_run:
                    self.state.save()
                return self.report
        runs = self.notebook_runs(files)
        executed = self.execute(runs)
        if self.opts.dry_run:
            self._dry_downstream(runs)
            return self.report
        self._write_executed(executed)
        rendered = self.render(executed, runs)
        self.site(rendered, docs, files)
        self.state.save()
        self.prune_cache()
        return self.report

    def prune_cache(self) -> None:
        """Record the entries this build used, then keep the cache under its size limit
        (least recently used first; this build's entries are kept)."""
        iorw.write_text(self.paths.cache / USED_FILE,
                        json.dumps(sorted(self.used), ensure_ascii=False))
        prune(self.paths.cache, self.opts.cache_limit, keep=self.used)

    def _write_executed(self, executed: dict[str, str]) -> None:
        """Keep each executed notebook under reports/executed/ for inspection."""
        out = self.paths.executed
        keep = set()
        for page, nb_json in executed.items():
            name = page.removesuffix(".html").replace("/", "-") + ".ipynb"
            keep.add(name)
            iorw.write_text(out / name, nb_json)
        for old in out.glob("*.ipynb"):
            if old.name not in keep:
                old.unlink()

    def _dry_downstream(self, runs) -> None:
        for s, spec, hit, page in runs:
            self.report.steps.append(Step(f"render {page}", "", spec is not None,
                                          "notebook re-executes" if spec is not None
                                          else "unchanged unless markdown changed"))
        self.report.steps.append(Step("site", "", any(st.run for st in self.report.steps),
                                      "some page changed" if any(st.run for st in self.report.steps)
                                      else "unchanged"))


def describe_problem(p: CorpusProblem, paths: Paths) -> str:
    """One input problem in plain words: the file, the line (or the manifest line naming it)
    and the reason."""
    try:
        shown = str(Path(p.file).relative_to(paths.root))
    except ValueError:
        shown = p.file
    if p.doc_id:  # a report: the line is the manifest's
        where = f"{shown} (document {p.doc_id}"
        where += f", {paths.manifest.relative_to(paths.root)} line {p.line})" if p.line else ")"
    else:
        where = f"{shown}" + (f" line {p.line}" if p.line else "")
    return f"{where}: {p.reason}"


def _region_of(t, page: str) -> str:
    slug = page.split("/", 1)[1].removesuffix(".html")
    for region in t.mapping["region"].unique():
        if region_slug(region) == slug:
            return region
    return ""


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


def build(paths: Paths, opts: BuildOptions) -> BuildReport:
    """Build everything that changed; see the module docstring."""
    return Builder(paths, opts).run()
