"""The whole build, incremental and crash-safe: raw data -> processed tables -> executed
notebooks -> rendered pages -> the site.

::

    ruralstudy build ──> project_fingerprint == last complete build's? ──yes──> done (no-op)
                                    │ no
                                    v
           Graph (ruralstudy.build.graph): plan -> cache check -> run -> record, for each step of
           ruralstudy.build.steps: ExtractStep* -> IndicatorsStep -> NotebookStep* -> RenderStep*
                                                             -> SiteStep

This module is the entry point and stays light (no pandas): an unchanged project is known
from the digests of its input files alone, in well under a second (0.31 s for the whole
command at 3,000 regions, 0.27 s at 1,000; two thirds of it the CLI: typer, its pydantic
coercion and rich; the check itself about 90 ms). Those digests come from a stat cache in
the build cache (``input-stats.json``, :class:`ruralstudy.build.graph.InputStats`: a file is
read and hashed again only when its size, mtime, inode or ctime changed, or when it changed
too recently to trust its stat), and the last complete build is recorded in a small file of
its own (``build-record.json``, :class:`ruralstudy.build.graph.BuildRecord`), not in the
graph's ``state.json``, which grows with the corpus and is not read by a no-op. The steps,
and the run that wires them (:class:`ruralstudy.build.steps.BuildRun`), are imported only
when something must be planned.
``ruralstudy extract``, ``indicators`` and ``score`` run the same steps, stopping early
(``BuildOptions.until``). After a build the cache is pruned to its size limit. The site is
swapped in whole at the end, so a failed or killed build leaves the previous site untouched.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from .. import iorw
from .cache import BUILD_RECORD_FILE, DEFAULT_LIMIT, INPUT_STATS_FILE
from .graph import BuildRecord, InputStats, State, files_under, output_stats, project_fingerprint
from .options import BuildOptions, BuildReport, StepRecord, describe_problem
from ..paths import Paths

if TYPE_CHECKING:
    from .pipeline import ExtractResult, IndicatorResult

__all__ = ["BuildOptions", "BuildReport", "StepRecord", "build", "build_fingerprint",
           "describe_problem", "input_digests", "last_build", "record_build", "run_extract",
           "run_indicators"]


def input_entries(paths: Paths) -> list[tuple[str, str]]:
    """Every file a build reads besides the library, as ``(path in the project, path)``: raw
    data, manual decisions, annotations (every file below, as ``rglob('*')`` lists them),
    notebooks (``*.ipynb``), the citation and the data licence. One ``os.scandir`` per folder."""
    out: list[tuple[str, str]] = []
    for folder in (paths.raw, paths.manual, paths.annotations):
        if folder.is_dir():
            out += files_under(folder, folder.relative_to(paths.root).as_posix() + "/")
    nb = paths.notebooks
    try:
        with os.scandir(nb) as it:
            pre = nb.relative_to(paths.root).as_posix() + "/"
            out += [(pre + e.name, e.path) for e in it if e.name.endswith(".ipynb")]
    except OSError:
        pass
    out += [(name, str(paths.root / name)) for name in ("CITATION.cff", "LICENSE-DATA")
            if (paths.root / name).is_file()]
    return sorted(out)


def input_files(paths: Paths) -> list[Path]:
    """Every file a build reads besides the library (:func:`input_entries`), as paths."""
    return [Path(p) for _rel, p in input_entries(paths)]


def output_folders(paths: Paths) -> list[Path]:
    """What a complete build leaves (checked, file by file, before a build is skipped)."""
    return [paths.processed, paths.executed, paths.site]


def input_stats(paths: Paths) -> InputStats:
    """The stat cache of the input files' digests (:class:`ruralstudy.build.graph.InputStats`)."""
    return InputStats(paths.cache / INPUT_STATS_FILE)


def input_digests(paths: Paths, stats: InputStats | None = None) -> dict[str, str]:
    """Every input file (:func:`input_entries`) by its path in the project, with the digest of
    its content: worked out once per build, for both of the build's keys below. A file whose
    stat is unchanged since ``stats`` recorded its digest is not read (see
    :class:`ruralstudy.build.graph.InputStats`); without ``stats`` the cache is read but not
    written."""
    return (stats or input_stats(paths)).digests(input_entries(paths))


def last_build(paths: Paths) -> BuildRecord | None:
    """The last complete build's record, or None (none readable: plan the graph)."""
    return BuildRecord.load(paths.cache / BUILD_RECORD_FILE)


def build_fingerprint(paths: Paths, opts: BuildOptions, library: str,
                      digests: dict[str, str]) -> str:
    """The whole build's key: its input files (``digests``, from :func:`input_digests`), the
    options that change outputs, the commit and date the site names, and the library."""
    options = {"notebook_params": opts.notebook_params, "only_profiles": opts.only_profiles,
               "keep_going": opts.keep_going, "commit": iorw.source_commit(paths.root),
               "date": iorw.source_date(paths.root)}
    return project_fingerprint(digests, options, library)


def notebook_inputs_digest(paths: Paths, opts: BuildOptions, library: str,
                           digests: dict[str, str]) -> str:
    """What the notebooks' runs depend on, short of the tables themselves: the data files
    (``digests`` without the notebooks), the notebooks' code cells (not their markdown), the
    options and the library. When it equals the last complete build's, no notebook is expected
    to run (a markdown edit, a citation change), so the build does not start kernels ahead of
    need."""
    import hashlib

    from .cache import notebook_code

    data = {rel: d for rel, d in digests.items() if not rel.endswith(".ipynb")}
    h = hashlib.sha256(project_fingerprint(data, {
        "notebook_params": opts.notebook_params, "only_profiles": opts.only_profiles,
        "keep_going": opts.keep_going}, library).encode())
    for nb in sorted(paths.notebooks.glob("*.ipynb")):
        try:
            code = notebook_code(json.loads(nb.read_text(encoding="utf-8")))
        except (OSError, ValueError):
            code = "unreadable"
        h.update(nb.name.encode() + b"\0" + code.encode("utf-8") + b"\0")
    return h.hexdigest()


def notebooks_expected(last: BuildRecord | None, notebook_inputs: str) -> bool:
    """Whether a build whose notebooks depend on ``notebook_inputs`` (see
    :func:`notebook_inputs_digest`) is expected to run notebooks, after the complete build
    ``last`` (:func:`last_build`)."""
    return last is None or last.notebook_inputs != notebook_inputs


def record_build(paths: Paths, fingerprint: str, notebook_inputs: str,
                 steps: list[str]) -> None:
    """After a complete build: remember the fingerprint and notebook inputs it started from
    (an input edited while it ran is then seen as changed by the next build), its step names
    and its output files with their sizes and mtimes (``build-record.json``, written
    atomically)."""
    BuildRecord(fingerprint, steps, notebook_inputs,
                output_stats(paths.root, output_folders(paths))).save(
        paths.cache / BUILD_RECORD_FILE)


def _skip_all(steps: list[str]) -> BuildReport:
    return BuildReport(steps=[StepRecord(n, "", False, "unchanged (project fingerprint)")
                              for n in steps], up_to_date=True)


def build(paths: Paths, opts: BuildOptions) -> BuildReport:
    """Build everything that changed; see the module docstring."""
    if opts.dry_run:
        return _build(paths, opts)
    with iorw.project_lock(paths.lock, "ruralstudy build", opts.wait):
        return _build(paths, opts)


def check_folders(paths: Paths, site: bool = True) -> None:
    """Before a build reads or deletes anything: the cache, and (for a build that publishes)
    ``reports/site`` and ``reports/.site-builds``, are the project's own; a symbolic link, a
    file or someone else's folder there stops the build with one sentence naming it, having
    touched nothing (see :func:`ruralstudy.paths.own_folder`)."""
    from .cache import own_cache
    from ..paths import MADE_MARKER, own_folder, site_builds

    own_cache(paths.cache, create=False)
    if site:
        site_builds(paths.site, create=False)
        # the build removes there only the copies it recorded: anything else may stay
        own_folder(paths.executed, MADE_MARKER, lambda e: True, "the executed notebooks",
                   create=False)


def clean_leftovers(paths: Paths, site: bool = True) -> None:
    """Remove what a killed build may have left: half-written site folders and cache entries
    (both are written aside and renamed, so they never look complete). Only in the project's
    own folders (:func:`check_folders`)."""
    import shutil

    from .cache import own_cache
    from ..paths import clean_site_builds

    if site:
        clean_site_builds(paths.site)
    if own_cache(paths.cache, create=False):
        # one os.scandir per step folder (thousands of entries each at national scale), no
        # Path per entry: this runs before every build, the no-op included
        for step in _subfolders(paths.cache):
            for d in _subfolders(step):
                if os.path.basename(d).startswith("."):
                    shutil.rmtree(d, ignore_errors=True)


def _subfolders(folder: str | Path) -> list[str]:
    """The folders in ``folder`` (not symbolic links to folders), as paths."""
    try:
        with os.scandir(folder) as it:
            return [e.path for e in it if e.is_dir(follow_symlinks=False)]
    except OSError:
        return []


def _build(paths: Paths, opts: BuildOptions) -> BuildReport:
    from .cache import library_digest

    publishes = opts.until is None
    check_folders(paths, site=publishes)
    if not opts.dry_run:
        clean_leftovers(paths, site=publishes)
    full = opts.until is None and opts.only_profiles is None and not opts.notebook_params
    if opts.until is not None:
        from .steps import BuildRun

        return BuildRun(paths, opts).run()
    # the project's inputs are digested once, here, for every use of the build's keys; only
    # files whose stat changed since the last build are read (InputStats)
    lib = library_digest()
    stats = input_stats(paths)
    digests = input_digests(paths, stats)
    if not opts.dry_run and paths.cache.is_dir():  # under the project lock; a dry run writes none
        stats.save()
    fingerprint = build_fingerprint(paths, opts, lib, digests)
    last = last_build(paths)
    if not opts.force and last is not None:
        steps = last.up_to_date(fingerprint, paths.root)
        if steps is not None:
            if opts.cache_limit != DEFAULT_LIMIT:  # a limit asked for is kept even now
                from .cache import USED_FILE, prune

                try:
                    used = {tuple(x) for x in json.loads(
                        (paths.cache / USED_FILE).read_text(encoding="utf-8"))}
                except (OSError, ValueError):
                    used = set()
                prune(paths.cache, opts.cache_limit, keep=used)
            return _skip_all(steps)
    from .steps import BuildRun

    notebook_inputs = notebook_inputs_digest(paths, opts, lib, digests)
    run = BuildRun(paths, opts, library=lib,
                   expect_notebooks=notebooks_expected(last, notebook_inputs))
    run.state.data.pop(State.BUILD, None)  # an older version's record: build-record.json now
    report = run.run()
    if not opts.dry_run:
        if stats.changed:  # a first build: the cache folder exists only now
            stats.save()
        if full:  # a complete build: the next may skip everything
            record_build(paths, fingerprint, notebook_inputs, [s.name for s in report.steps])
    return report


# Parts of a build, for tests and scripts that need the tables only (imported lazily: the
# pipeline pulls in pandas and the reader, which an up-to-date build never needs).

def run_extract(paths: Paths, progress: Callable[[str], None] | None = None) -> ExtractResult:
    """The build's extraction steps (cached per report; unreadable reports are skipped and
    listed): figures.csv/.parquet and corpus_problems.csv are written as one set."""
    from .pipeline import ExtractResult

    rep = build(paths, BuildOptions(until="extract", keep_going=True, progress=(
        (lambda label, done, total: progress(label)) if progress else None)))
    assert rep.figures is not None
    return ExtractResult(figures=rep.figures, problems=rep.problems, n_documents=rep.n_documents)


def run_indicators(paths: Paths) -> IndicatorResult:
    """The build's steps as far as the indicators (cached): indicators, panel, conflicts and
    friends written as one set, and returned as read back from those files."""
    from .pipeline import IndicatorResult

    t = build(paths, BuildOptions(until="indicators", keep_going=True)).frames
    assert t is not None
    return IndicatorResult(t.mapping, t.indicators, t.panel, t.conflicts, t.crosschecks,
                           t.rejects)
