"""The ``ruralstudy`` command line."""

from __future__ import annotations

import itertools
import json
import sys
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.console import Console
from rich.progress import Progress

from .errors import RuralStudyError
from .paths import Paths

app = typer.Typer(help="ruralstudy: figures on village Party branches, cadres and collective "
                       "income, from raw Chinese reports to a static report site.",
                  no_args_is_help=True, add_completion=False, pretty_exceptions_enable=False)
err = Console(stderr=True, soft_wrap=True)

RootOpt = Annotated[Optional[Path], typer.Option("--root", help="Project root (default: found "
                                                 "from the current folder).")]


def shown(text: object) -> str:
    """A file name or message safe to print: control characters (ESC, newline, BEL), C1
    controls and bidirectional overrides are written as escapes (\\x1b, \\n, \\u202e), so a
    name cannot recolour the terminal, retitle it or forge an output line."""
    import unicodedata

    out = []
    for c in str(text):
        if c in "\t" or not (unicodedata.category(c) in ("Cc", "Cf") or c in "\u2028\u2029"):
            out.append(c)
        elif c == "\n":
            out.append("\\n")
        elif ord(c) < 0x100:
            out.append(f"\\x{ord(c):02x}")
        else:
            out.append(f"\\u{ord(c):04x}")
    return "".join(out)


def _fail(exc: Exception) -> None:
    from rich.markup import escape

    # a message of several lines (every unreadable input, one a line) keeps its lines; each
    # is escaped, and a continuation is indented, so no name can forge a line of its own
    msg, head = str(exc), ""
    file = getattr(exc, "file", None)
    if file is not None:  # the file named first, on its line whatever its name holds
        where = f"{file}" + (f":{exc.line}" if getattr(exc, "line", None) is not None else "") + ": "
        if msg.startswith(where):
            head, msg = shown(where), msg[len(where):]
    lines = [shown(line) for line in msg.split("\n")]
    text = head + "\n".join([lines[0]] + [ln if ln.startswith("  ") else "  " + ln
                                           for ln in lines[1:]])
    err.print(f"[red]error:[/red] {escape(text)}", highlight=False)
    raise typer.Exit(1)


@app.command()
def parse(strings: Annotated[list[str], typer.Argument(help="Numeric expressions, e.g. 15.84万元 近10万元")]) -> None:
    """Parse numeric expressions; print one JSON object per string (value, value_high, unit, qualifier, kind)."""
    from .errors import NumberParseError
    from .language.numparse import parse_number

    failed = 0
    for s in strings:
        try:
            print(json.dumps(parse_number(s).to_dict(), ensure_ascii=False))
        except NumberParseError as exc:
            failed += 1
            print(json.dumps({"raw": s, "error": exc.reason}, ensure_ascii=False))
    if failed:
        raise typer.Exit(1)


@app.command()
def figures(file: Annotated[Path, typer.Argument(help="A text file (UTF-8, UTF-8-BOM, UTF-16, GB18030), saved web page, PDF (scanned pages by OCR), Word .docx or picture of a page (.png/.jpg/.tif, by OCR)")]) -> None:
    """Print the figures found in a report as CSV (same columns as figures.csv; a saved page gives its article's figures only); the corpus is not touched."""
    # rows are written as they are found: a text file is read line by line and extracted a
    # piece at a time (extract.iter_file_figures), so memory does not grow with the file
    from .figures.extract import iter_figures_csv, iter_file_figures

    figures = iter_file_figures(file, doc_id=file.stem)
    try:
        first = next(figures, None)  # reading problems are raised before any output
    except RuralStudyError as exc:
        _fail(exc)
    rest = figures if first is None else itertools.chain([first], figures)
    for chunk in iter_figures_csv(rest):
        sys.stdout.write(chunk)


@app.command()
def extract(root: RootOpt = None) -> None:
    """Extract every figure of the corpus into data/processed/figures.csv and .parquet (the build's
    own extraction steps, cached per report)."""
    from .build.build import BuildOptions, build, describe_problem

    paths = Paths.discover(root)
    try:
        with Progress(console=err, transient=True) as bar:
            task = bar.add_task("extracting", total=None)
            rep = build(paths, BuildOptions(until="extract", keep_going=True, progress=lambda
                                            label, done, total: bar.update(task, description=label)))
    except RuralStudyError as exc:
        _fail(exc)
    for p in rep.problems:
        err.print(f"{p.severity}: {shown(describe_problem(p, paths))}", markup=False,
                  highlight=False)
    err.print(f"{len(rep.figures)} figures from {rep.n_documents} documents -> "
              f"{paths.processed / 'figures.csv'}")


@app.command()
def indicators(root: RootOpt = None) -> None:
    """Map figures and sheets to indicators; write indicators, panel, conflicts, mapping, rejects
    (the build's own steps, cached, as far as the indicators)."""
    from .build.build import BuildOptions, build

    paths = Paths.discover(root)
    try:
        rep = build(paths, BuildOptions(until="indicators"))
    except RuralStudyError as exc:
        _fail(exc)
    t = rep.frames
    assert t is not None
    o, rejects = t.mapping, t.rejects
    n = {"indicators": len(t.indicators), "panel": len(t.panel), "conflicts": len(t.conflicts)}
    counts = o.groupby(["source_type", "status"]).size().to_dict()
    err.print("figures by source and status: " + ", ".join(f"{a}/{b} {n}" for (a, b), n in counts.items()))
    err.print(f"{len(rejects)} sheet rows rejected, {n['indicators']} indicator rows, "
              f"{n['panel']} panel cells, {n['conflicts']} conflicts -> {paths.processed}")


@app.command()
def score(root: RootOpt = None) -> None:
    """Print the extractor's (and mapper's) scores against the hand-checked gold annotations
    (the build's own steps, cached, as far as the indicators; unreadable inputs are skipped)."""
    from .build.build import BuildOptions, build
    from .build.pipeline import gold_score, heldout_sheet_evaluation, mapping_score, unseen_evaluation

    paths = Paths.discover(root)
    try:
        rep = build(paths, BuildOptions(until="indicators", keep_going=True))
    except RuralStudyError as exc:
        _fail(exc)
    assert rep.frames is not None and rep.figures is not None
    s, _ = gold_score(paths, rep.figures)
    r = s.as_row()
    print(f"extraction (seeds): precision {r['precision']:.3f}  recall {r['recall']:.3f}  f1 {r['f1']:.3f}"
          f"  (gold {r['n_gold']}, found {r['n_found']}, correct {r['n_correct']})")
    unseen, unseen_mapping = unseen_evaluation(paths)
    for ss, _m in unseen:
        r, st = ss.score.as_row(), ss.strict.as_row()
        print(f"extraction ({ss.name}): precision {r['precision']:.3f}  recall {r['recall']:.3f}"
              f"  f1 {r['f1']:.3f}  (gold {r['n_gold']}, found {r['n_found']}, correct "
              f"{r['n_correct']}; unit/qualifier/kind/role also right: {st['n_correct']})")
    for label, column in (("mapper alone", "auto_indicator_id"), ("as published", "indicator_id")):
        for part, m in mapping_score(paths, rep.frames.mapping, column=column).items():
            print(f"indicator values, {label}, {part}: precision {m.precision:.3f}  recall "
                  f"{m.recall:.3f}  (gold values {m.n_gold_mapped}, mapped {m.n_machine_mapped}, "
                  f"correct {m.n_correct}, rows {m.n_rows})")
    for part, m in {**unseen_mapping, **heldout_sheet_evaluation(paths)}.items():
        print(f"indicator values, mapper alone, {part}: precision {m.precision:.3f}  recall "
              f"{m.recall:.3f}  (gold values {m.n_gold_mapped}, mapped {m.n_machine_mapped}, "
              f"correct {m.n_correct}, rows {m.n_rows})")


@app.command()
def add(files: Annotated[list[Path], typer.Argument(help="Reports to add: .txt, saved web pages (.html/.htm), PDFs (scanned pages read by OCR), Word .docx, pictures of pages (.png/.jpg/.tif, by OCR); files or folders")],
        meta: Annotated[Optional[Path], typer.Option("--meta", help="Metadata CSV: file, region, province, level, year, title, source, published (and notes); one row per file, for what the document does not say")] = None,
        region: Annotated[list[str], typer.Option("--region", help="Region described (repeat for several; one file only); omitted: inferred from the text and printed")] = [],
        province: Annotated[list[str], typer.Option("--province", help="Province of each --region, in order")] = [],
        level: Annotated[list[str], typer.Option("--level", help="Admin level of each --region (county, prefecture, province, ...)")] = [],
        year: Annotated[Optional[int], typer.Option("--year", help="Year the figures describe (every file)")] = None,
        title: Annotated[str, typer.Option(help="Title (one file only; default: the document's own)")] = "",
        source: Annotated[str, typer.Option(help="Publisher or URL (default: the page's URL or site)")] = "",
        published: Annotated[str, typer.Option(help="Publication date, YYYY-MM-DD (one file only; default: the page's date)")] = "",
        notes: Annotated[str, typer.Option(help="Notes")] = "",
        doc_id: Annotated[Optional[str], typer.Option("--doc-id", help="Document id (one file only; default: next number)")] = None,
        wait: Annotated[float, typer.Option("--wait", help="Seconds to wait for another add or build to finish")] = 60.0,
        root: RootOpt = None) -> None:
    """Add reports: copy each unchanged into data/raw/reports/ and append its manifest row.

    Reads text files, saved web pages (the article only: menus, footers, 相关新闻, share and
    comment boxes are dropped), PDFs with a text layer and Word .docx files, many at once or
    a folder. Title, date and site come from the page, the region from the place the text
    names most (printed for confirmation); a metadata CSV fills in or overrides the rest.
    Refused files (scanned or encrypted PDF, .doc, navigation-only page, duplicate) are named
    with the reason and nothing of them is added."""
    from rich.markup import escape

    from . import iorw
    from .texts.ingest import commit_batch, expand_inputs, plan_batch, read_metadata_csv

    paths = Paths.discover(root)
    try:
        if len(province) != len(region) or len(level) != len(region):
            raise RuralStudyError("give one --province and one --level per --region",
                                  file=str(files[0]))
        inputs = expand_inputs(files, skip=meta)
        if not inputs:
            raise RuralStudyError("no file to add", file=", ".join(map(str, files)))
        if len(inputs) > 1 and (region or title or published or doc_id):
            raise RuralStudyError("--region, --title, --published and --doc-id name one "
                                  "document: with several files give them in --meta CSV",
                                  file=", ".join(map(str, files)))
        meta_rows = read_metadata_csv(meta) if meta else {}
        given = {"region": region, "province": province, "level": level, "year": year,
                 "title": title, "source": source, "published": published, "notes": notes}
        with Progress(console=err, transient=True) as bar:
            task = bar.add_task("reading", total=len(inputs))
            items = plan_batch(inputs, meta_rows, given,
                               progress=lambda p: bar.update(task, advance=1,
                                                             description=f"reading {p.name}"))
        with iorw.project_lock(paths.lock, "ruralstudy add", wait):
            commit_batch(paths, items, doc_id)
    except RuralStudyError as exc:
        _fail(exc)
    added = [i for i in items if i.target]
    dups = [i for i in items if i.duplicate]
    refused = [i for i in items if i.refused]
    for i in items:
        name = shown(i.path)
        if i.target:
            regions = i.values.get("regions") or "none"
            err.print(f"added {i.doc_id} -> {paths.reports_raw / i.target} ({name}; "
                      f"{shown(i.report.raw.encoding)})", markup=False, highlight=False)
            if i.values.get("regions"):
                err.print(shown(f"  region: {regions} ({i.values['provinces']}, "
                                f"{i.values['admin_levels']}) {i.region_note}"),
                          markup=False, highlight=False)
            if i.report.meta.get("ocr"):  # pages read by OCR, their confidence, pages left out
                err.print(shown(f"  OCR: {i.report.meta['ocr']}"), markup=False, highlight=False)
            if "(" in i.report.raw.encoding.split(";")[0]:
                err.print(f"[yellow]warning:[/yellow] {escape(name)}: the page's declared "
                          f"charset was overruled: {escape(shown(i.report.raw.encoding.split(';')[0]))}",
                          highlight=False)
            if i.region_warning:
                err.print(f"[yellow]warning:[/yellow] {escape(name)}: {escape(shown(i.region_warning))}",
                          highlight=False)
            for k in ("title", "published", "source"):
                if i.values.get(k):
                    err.print(f"  {k}: {shown(i.values[k])}", markup=False, highlight=False)
    unused = set(meta_rows) - {k for i in items for k in (i.path.name, str(i.path))}
    for k in sorted(unused):
        err.print(f"[yellow]warning:[/yellow] {escape(shown(meta))}: row for {escape(shown(k))} "
                  f"matches no input file", highlight=False)
    # the summary: counts, then every file not added with the reason
    err.print(f"{len(added)} added, {len(dups)} skipped as duplicate, {len(refused)} refused"
              + ("; rebuild with `make site`" if added else ""), highlight=False)
    for i in dups:
        err.print(f"[yellow]skipped:[/yellow] {escape(shown(i.path))}: {escape(shown(i.duplicate))}",
                  highlight=False)
    for i in refused:
        err.print(f"[red]error:[/red] {escape(shown(i.path))}: {escape(shown(i.refused))}",
                  highlight=False)
    if refused or not added:
        raise typer.Exit(1)


@app.command()
def calibrate(root: RootOpt = None,
              check: Annotated[bool, typer.Option("--check", help="Do not write: exit 1 when the committed calibration differs from a fresh fit (stale)")] = False) -> None:
    """Fit the calibrated confidence of mapped values and the publishing threshold on the
    annotated sets (seeds' measurement gold, unseen dev/holdout/holdout2); write
    src/ruralstudy/measures/calibration.json (commit it). Deterministic: the same gold and code give
    the same bytes."""
    from . import iorw
    from .build.pipeline import calibrate as fit
    from .measures.calibrate import CALIBRATION_FILE, calibration_bytes

    paths = Paths.discover(root)
    try:
        cal = fit(paths)
    except RuralStudyError as exc:
        _fail(exc)
    data = calibration_bytes(cal)
    s = cal.summary
    at = s["cv_at_threshold"]
    for r in s["sets"]:
        print(f"{r['set']}{' (first sight)' if r['first_sight'] else ' (tuned on)'}: "
              f"{r['documents']} documents, {r['values']} mapped values, "
              f"{r['right']} right; held out at the threshold: {r['published_cv']} published, "
              f"{r['published_right_cv']} right")
    def num(v: object) -> str:
        return "n/a" if v is None else f"{v:.3f}"

    print(f"threshold {cal.threshold:.4f}: cross-validated precision {num(at['precision'])}, "
          f"recall of right values {num(at['recall_of_right_values'])}, recall of gold values "
          f"{num(at['recall_of_gold_values'])} ({at['n_published']} of {s['n_threshold_values']} "
          f"values of {', '.join(s['threshold_sets'])} published; without a threshold precision "
          f"{num(s['cv_without_threshold']['precision'])}"
          f"; best held-out precision over {s['min_published']}+ values: "
          f"{num(s['best_precision_cv'])})")
    if cal.threshold >= 1.0:
        print(f"no threshold keeps held-out precision >= {cal.target_precision} over "
              f"{s['min_published']} or more values: every mapped value waits for review")
    old = CALIBRATION_FILE.read_bytes() if CALIBRATION_FILE.is_file() else b""
    if check:
        if old != data:
            err.print(f"[red]error:[/red] {CALIBRATION_FILE} is stale: run `ruralstudy calibrate` "
                      f"and commit it", highlight=False)
            raise typer.Exit(1)
        err.print(f"{CALIBRATION_FILE} is up to date")
        return
    iorw.write_bytes(CALIBRATION_FILE, data)
    err.print(f"{'unchanged' if old == data else 'written'}: {CALIBRATION_FILE}", highlight=False)


@app.command()
def review(root: RootOpt = None,
           reviewer: Annotated[Optional[str], typer.Option("--reviewer", help="Who decides (default: $USER)")] = None,
           from_file: Annotated[Optional[Path], typer.Option("--from-file", help="Read one command per line from this file ('-' for stdin) instead of the keyboard: a, r [reason], c indicator=ID value=V year=Y, s, q")] = None,
           limit: Annotated[Optional[int], typer.Option("--limit", help="Show at most this many items")] = None,
           list_only: Annotated[bool, typer.Option("--list", help="Print the queue as CSV and exit")] = False) -> None:
    """Review values waiting (confidence below the publishing threshold) and near misses:
    a accept, r reject, c correct indicator/value/year, s skip, q quit. Decisions go to
    data/manual/reviews.csv (who, when, what the machine said), written after each one; the
    next build applies them and they are never asked again. Without a terminal (a pipe, or
    --from-file) one command is read per line."""
    import getpass
    import os

    from . import iorw
    from .build.build import BuildOptions, build
    from .measures.codebook import load_codebook
    from .measures.review import (REVIEWS_FILE, TtyKeys, line_keys, merged_reviews, read_reviews,
                                  review_queue, reviews_bytes, run_session)
    from rich.console import Console

    paths = Paths.discover(root)
    who = reviewer or os.environ.get("USER") or getpass.getuser()
    target = paths.manual / REVIEWS_FILE
    try:
        rep = build(paths, BuildOptions(until="indicators", keep_going=True))
        existing = read_reviews(target)
    except RuralStudyError as exc:
        _fail(exc)
    assert rep.frames is not None
    queue = review_queue(rep.frames.mapping, existing)
    if limit is not None:
        queue = queue.head(limit)
    if list_only:
        cols = ["item", "source_id", "region", "year", "raw", "value", "unit", "suggestion",
                "confidence", "reason", "raw_hash"]
        sys.stdout.write(queue[cols].to_csv(index=False, lineterminator="\n"))
        return
    out = Console(soft_wrap=False, highlight=False)
    interactive = from_file is None and sys.stdin.isatty()
    if from_file is not None and str(from_file) != "-":
        try:
            lines = from_file.read_text(encoding="utf-8").splitlines()
        except OSError as exc:
            _fail(RuralStudyError(f"cannot read: {exc.strerror}", file=str(from_file)))
    else:
        lines = sys.stdin  # type: ignore[assignment]  # iterated line by line like the list
    out.print(f"{len(queue)} items to review ({int((queue['item'] == 'waiting').sum())} waiting, "
              f"{int((queue['item'] != 'waiting').sum())} near misses); reviewer {who}")

    def save(rows: list[dict]) -> None:
        iorw.write_bytes(target, reviews_bytes(merged_reviews(existing, rows)))

    if interactive:
        with TtyKeys() as keys:
            res = run_session(queue, keys, save, who, load_codebook(), console=out,
                              ask=keys.ask(out))
    else:
        res = run_session(queue, line_keys(lines), save, who, load_codebook(), console=out)
    counts = {d: sum(r["decision"] == d for r in res.decided) for d in ("accept", "reject",
                                                                       "correct")}
    err.print(f"{len(res.decided)} decisions ({counts['accept']} accepted, {counts['reject']} "
              f"rejected, {counts['correct']} corrected), {res.skipped} skipped"
              + (f" -> {target}; rebuild to apply them" if res.decided else ""), highlight=False)


def _build(root: Optional[Path], jobs: Optional[int], force: bool, dry_run: bool,
           scheduler: Optional[str], keep_going: bool = False, wait: float = 0.0,
           fresh_kernels: bool = False, timeout: Optional[float] = None,
           cache_limit: Optional[str] = None) -> None:
    import os

    from .build.build import BuildOptions, build
    from .build.cache import parse_size

    paths = Paths.discover(root)
    jobs = jobs or os.cpu_count() or 1
    try:
        if cache_limit:
            parse_size(cache_limit)
    except ValueError as exc:
        _fail(exc)
    problem = option_problem(timeout=timeout, scheduler=scheduler, jobs=jobs)
    if problem:
        _fail(RuntimeError(problem))
    try:
        with Progress(console=err, transient=True) as bar:
            task = bar.add_task("building", total=None)

            def progress(label: str, done: int, total: int) -> None:
                bar.update(task, description=label, completed=done, total=total or None)

            report = build(paths, BuildOptions(jobs=jobs, force=force, dry_run=dry_run,
                                               scheduler=scheduler, progress=progress,
                                               keep_going=keep_going, wait=wait,
                                               fresh_kernels=fresh_kernels,
                                               **({"timeout": timeout} if timeout is not None
                                                  else {}),
                                               **({"cache_limit": parse_size(cache_limit)}
                                                  if cache_limit else {})))
    except RuralStudyError as exc:
        _fail(exc)
    except OSError as exc:  # anything not written through iorw: still name the path
        where = f"{exc.filename}: " if exc.filename else ""
        _fail(RuntimeError(f"{where}{exc.strerror or exc}"))
    from .build.build import describe_problem

    for p in report.problems:
        err.print(f"[yellow]{'skipped' if p.severity == 'error' else p.severity}:[/yellow] "
                  f"{escape_shown(describe_problem(p, paths))}", highlight=False)
    if dry_run:
        for s in report.steps:
            print(f"{'RUN ' if s.run else 'skip'}  {s.name:<40} {s.reason}")
        print(f"{len(report.ran)} of {len(report.steps)} steps would run")
        return
    err.print(f"{len(report.ran)} of {len(report.steps)} steps ran; site: "
              f"{paths.site / 'index.html'}")


#: A notebook needs at least this long: a smaller --timeout could not be honoured (each cell
#: is given at least a second) and is refused rather than silently stretched.
MIN_TIMEOUT = 1.0
_SCHEMES = ("tcp", "tls", "inproc", "ws", "wss", "ucx")


def option_problem(*, timeout: float | None = None, scheduler: str | None = None,
                   jobs: int | None = None) -> str:
    """Why a build option is refused ('' when all are fine), as a sentence (pure)."""
    import math
    from urllib.parse import urlsplit

    if timeout is not None and (not math.isfinite(timeout) or timeout < MIN_TIMEOUT):
        return (f"--timeout {timeout:g}: give the seconds each notebook may run, at least "
                f"{MIN_TIMEOUT:g} (default 1800)")
    if jobs is not None and jobs < 1:
        return f"--jobs {jobs}: give at least 1 worker"
    if scheduler is not None:
        s = scheduler.strip()
        parts = urlsplit(s if "://" in s else f"tcp://{s}")
        try:
            port = parts.port
        except ValueError:
            port = None
        if parts.scheme not in _SCHEMES or not parts.hostname or \
                (parts.scheme != "inproc" and port is None):
            return (f"--scheduler {shown(scheduler)!r} is not a scheduler address; give "
                    f"tcp://HOST:PORT (e.g. tcp://127.0.0.1:8786)")
    return ""


JobsOpt = Annotated[Optional[int], typer.Option("--jobs", "-j", help="Parallel notebook workers (default: number of cores)")]
ForceOpt = Annotated[bool, typer.Option("--force", help="Rerun every step, ignoring the cache")]
DryOpt = Annotated[bool, typer.Option("--dry-run", help="List what would run and why; change nothing")]
SchedOpt = Annotated[Optional[str], typer.Option("--scheduler", help="Dask distributed scheduler address (tcp://host:port) for notebook runs")]
KeepOpt = Annotated[bool, typer.Option("--keep-going", help="Skip unreadable inputs (reports, sheets) instead of stopping; each is still named")]
FreshOpt = Annotated[bool, typer.Option("--fresh-kernels", help="Start a new kernel for every notebook instead of reusing warm, reset kernels")]
CacheLimitOpt = Annotated[Optional[str], typer.Option("--cache-limit", help="Largest build cache to keep, e.g. 2GB (default), 500MB")]
TimeoutOpt = Annotated[Optional[float], typer.Option("--timeout", help="Seconds each notebook may run (default 1800)")]
WaitOpt = Annotated[float, typer.Option("--wait", help="Seconds to wait for another build or add to finish (default: fail at once)")]


@app.command("build")
def build_cmd(root: RootOpt = None, jobs: JobsOpt = None, force: ForceOpt = False,
              dry_run: DryOpt = False, scheduler: SchedOpt = None,
        keep_going: KeepOpt = False, wait: WaitOpt = 0.0, fresh_kernels: FreshOpt = False,
        timeout: TimeoutOpt = None, cache_limit: CacheLimitOpt = None) -> None:
    """Build everything from raw data: figures, indicators, executed notebooks and the site (incremental)."""
    _build(root, jobs, force, dry_run, scheduler, keep_going, wait, fresh_kernels, timeout,
           cache_limit)


@app.command("site")
def site_cmd(root: RootOpt = None, jobs: JobsOpt = None, force: ForceOpt = False,
             dry_run: DryOpt = False, scheduler: SchedOpt = None,
        keep_going: KeepOpt = False, wait: WaitOpt = 0.0, fresh_kernels: FreshOpt = False,
        timeout: TimeoutOpt = None, cache_limit: CacheLimitOpt = None) -> None:
    """Render the site into reports/site/ (runs whatever upstream step changed first)."""
    _build(root, jobs, force, dry_run, scheduler, keep_going, wait, fresh_kernels, timeout,
           cache_limit)


@app.command("run")
def run_cmd(notebook: Annotated[Path, typer.Argument(help="Notebook to execute, e.g. notebooks/04_links.ipynb")],
            param: Annotated[list[str], typer.Option("-p", "--param", help="Parameter as name=value (value parsed as JSON when it can be)")] = [],
            output: Annotated[Optional[Path], typer.Option(help="Executed copy (default: reports/executed/<name>.ipynb)")] = None,
            root: RootOpt = None) -> None:
    """Execute one notebook with papermill through the library; keep the executed copy under reports/."""
    from . import iorw
    from .execute.execute import RunSpec, execute_one, failing_cell

    paths = Paths.discover(root)
    params: dict = {"root": str(paths.root)}
    try:
        for p in param:
            k, eq, v = p.partition("=")
            if not eq or not k.strip().isidentifier():
                raise RuralStudyError(f"-p {p!r}: give a parameter as name=value, the name a "
                                      f"Python identifier (e.g. -p n_boot=500)")
            try:
                params[k.strip()] = json.loads(v)
            except ValueError:
                params[k.strip()] = v
        source = _notebook_source(notebook)
    except RuralStudyError as exc:
        _fail(exc)
    res = execute_one(RunSpec(notebook.stem, source, params, cwd=str(paths.root), fresh=True))
    out = output or paths.executed / f"{notebook.stem}.ipynb"
    try:
        iorw.write_text(out, res.notebook)
    except RuralStudyError as exc:
        _fail(exc)
    if not res.ok:
        err.print(f"[red]error:[/red] {escape_shown(notebook)}: cell "
                  f"{failing_cell(res.notebook, source)} raised "
                  f"{escape_shown(res.ename)}: {escape_shown(res.evalue)}; executed copy kept at "
                  f"{escape_shown(out)}", highlight=False)
        raise typer.Exit(1)
    err.print(f"executed {shown(notebook)} -> {shown(out)}", markup=False, highlight=False)


def escape_shown(text: object) -> str:
    from rich.markup import escape

    return escape(shown(text))


def _notebook_source(notebook: Path) -> str:
    """A notebook's JSON text, or a sentence saying why it cannot be run."""
    import nbformat

    try:
        text = notebook.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise RuralStudyError("notebook not found", file=str(notebook)) from None
    except IsADirectoryError:
        raise RuralStudyError("is a folder, not a notebook", file=str(notebook)) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise RuralStudyError(f"cannot read the notebook: {getattr(exc, 'strerror', None) or exc}",
                              file=str(notebook)) from None
    try:
        nbformat.reads(text, as_version=4)
    except Exception as exc:  # NotJSONError, validation errors: a sentence, not a traceback
        raise RuralStudyError(f"not a Jupyter notebook ({type(exc).__name__}: "
                              f"{str(exc)[:200]})", file=str(notebook)) from None
    return text


@app.command("limits")
def limits_cmd() -> None:
    """List every limit inputs are read under (size, unpacked size, characters, nesting, PDF
    operators, sheet rows and columns, YAML aliases, time), its value and the environment
    variable that raises it (e.g. RURALSTUDY_MAX_SHEET_ROWS=500000 ruralstudy build)."""
    from .texts import limits

    try:
        print(limits.describe())
    except RuralStudyError as exc:
        _fail(exc)


cache_app = typer.Typer(help="The build cache (.ruralstudy-cache/).", no_args_is_help=True)
app.add_typer(cache_app, name="cache")


@cache_app.command("prune")
def cache_prune(root: RootOpt = None,
                max_size: Annotated[str, typer.Option("--max-size", help="Largest cache to keep, e.g. 2GB, 500MB")] = "2GB",
                unused: Annotated[bool, typer.Option("--unused", help="Also remove every entry the last build did not use")] = False,
                wait: WaitOpt = 0.0) -> None:
    """Remove cache entries, least recently used first, until the cache fits --max-size."""
    from . import iorw
    from .build.cache import parse_size, prune

    paths = Paths.discover(root)
    try:
        limit = parse_size(max_size)
    except ValueError as exc:
        _fail(exc)
    try:
        with iorw.project_lock(paths.lock, "ruralstudy cache prune", wait):
            rep = prune(paths.cache, limit, unused=unused)
    except RuralStudyError as exc:
        _fail(exc)
    err.print(f"removed {len(rep.removed)} entries ({rep.removed_bytes / 1e6:.1f} MB); "
              f"{rep.kept_bytes / 1e6:.1f} MB kept in {paths.cache}")


def main() -> None:  # pragma: no cover
    app()
