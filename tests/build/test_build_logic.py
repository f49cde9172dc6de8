"""Build logic (incremental, cache, failures, dry run) on the tiny project: the fast inner loop.

The same behaviours are checked on the full seed build in test_build.py (marked slow)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import warnings
from pathlib import Path

import nbformat
import pytest

from conftest import cli, clone, ran, site_files
from ruralstudy.build.build import BuildOptions, build
from ruralstudy.errors import NotebookExecutionError


@pytest.fixture(autouse=True)
def _light_kernels(monkeypatch):
    """The tiny notebooks import nothing: their warm kernels need not import pandas."""
    monkeypatch.setenv("RURALSTUDY_WARM_IMPORTS", "")


def test_tiny_build_has_a_site_and_tables(tiny_built):
    assert (tiny_built.site / "index.html").is_file()
    assert (tiny_built.site / "regions.html").is_file()
    assert (tiny_built.processed / "figures.parquet").is_file()
    assert os.path.islink(tiny_built.site)


def test_noop_rebuild_and_touch_run_nothing(tiny_built, tmp_path):
    p = clone(tiny_built, tmp_path / "p")
    assert ran(build(p, BuildOptions(jobs=2))) == []
    for f in list(p.raw.rglob("*")) + list(p.notebooks.glob("*")):
        os.utime(f)
    assert ran(build(p, BuildOptions(jobs=2))) == []


def test_markdown_edit_rerenders_without_executing(tiny_built, tmp_path):
    p = clone(tiny_built, tmp_path / "p")
    nbp = p.notebooks / "03_indicators.ipynb"
    nb = nbformat.read(nbp, as_version=4)
    nb.cells[0].source += "\n\nAn added sentence."
    nbformat.write(nb, nbp)
    assert ran(build(p, BuildOptions(jobs=2))) == ["render indicators.html", "site"]
    assert "An added sentence." in (p.site / "indicators.html").read_text(encoding="utf-8")


def test_unchanged_pages_are_found_without_making_their_blobs(tiny_built, tmp_path,
                                                             monkeypatch):
    """A page whose notebook did not run and whose source is unchanged is keyed by the blob
    digest the last build kept: no blob is made for it, only for the page whose markdown was
    edited. With every render entry lost from the cache, each page's blob is made again when
    it is rendered again, and the site is the one a build from scratch publishes."""
    import shutil

    from ruralstudy.build import steps as S

    made: list[int] = []
    real = S.page_blob

    def counted(nb_json, source):
        made.append(1)
        return real(nb_json, source)

    monkeypatch.setattr(S, "page_blob", counted)
    p = clone(tiny_built, tmp_path / "p")
    nbp = p.notebooks / "03_indicators.ipynb"

    def edit(sentence: str) -> None:
        nb = nbformat.read(nbp, as_version=4)
        nb.cells[0].source += f"\n\n{sentence}"
        nbformat.write(nb, nbp)

    edit("An added sentence.")
    assert ran(build(p, BuildOptions(jobs=2))) == ["render indicators.html", "site"]
    assert len(made) == 1  # the edited page's blob only
    for entry in (p.cache / "render").iterdir():  # every page's render lost
        shutil.rmtree(entry)
    made.clear()
    edit("Another sentence.")
    names = ran(build(p, BuildOptions(jobs=2)))
    renders = [n for n in names if n.startswith("render ")]
    assert len(renders) > 3 and len(made) == len(renders)
    scratch = clone(tiny_built, tmp_path / "scratch")
    shutil.copyfile(nbp, scratch.notebooks / "03_indicators.ipynb")
    build(scratch, BuildOptions(jobs=2))
    assert site_files(p) == site_files(scratch)


def test_adding_a_report_reruns_only_what_depends_on_it(tiny_built, tmp_path):
    p = clone(tiny_built, tmp_path / "p")
    (p.reports_raw / "002_new.txt").write_text("丙县2023年全县共有行政村40个。\n", encoding="utf-8")
    with open(p.manifest, "a", encoding="utf-8") as fh:
        fh.write("002,002_new.txt,丙县报告,test,2023,2023,丙县,测试省,county,\n")
    before = {f.name: f.read_bytes() for f in p.processed.iterdir()}
    dry = build(p, BuildOptions(jobs=2, dry_run=True))
    reasons = {s.name: (s.run, s.reason) for s in dry.steps}
    assert reasons["extract 002"] == (True, "never built here")
    assert reasons["extract 000"][0] is False
    assert reasons["notebook 01_corpus"][0] and reasons["notebook 01_corpus"][1].startswith("changed: input:")
    # the panel's pages read the panel's tables alone (registry reads=): a report whose value
    # waits for review and states no change leaves them as they are
    assert reasons["notebook 04_links"] == (False, "unchanged (cached)")
    assert reasons["notebook 03_indicators"][0] is False
    assert {f.name: f.read_bytes() for f in p.processed.iterdir()} == before  # nothing written
    names = ran(build(p, BuildOptions(jobs=2)))
    assert [n for n in names if n.startswith("extract")] == ["extract 002"]
    assert [n for n in names if n.startswith("profile")] == ["profile 丙县"]
    assert [n for n in names if n.startswith("notebook")] == ["notebook 01_corpus",
                                                             "notebook 02_quality"]
    # a report that states a change against the previous round is in the changes table the
    # links and indicators pages count: they run again
    (p.reports_raw / "003_change.txt").write_text(
        "丁县2024年换届后，村党组织书记平均年龄较上届下降4.2岁。\n", encoding="utf-8")
    with open(p.manifest, "a", encoding="utf-8") as fh:
        fh.write("003,003_change.txt,丁县报告,test,2024,2024,丁县,测试省,county,\n")
    names = ran(build(p, BuildOptions(jobs=2)))
    assert {"notebook 03_indicators", "notebook 04_links"} <= set(names)


def test_changing_one_override_reruns_that_region_only(tiny_built, tmp_path):
    p = clone(tiny_built, tmp_path / "p")
    with open(p.overrides, "a", encoding="utf-8") as fh:
        fh.write("000-000029,reject,,,,test: under review,tester\n")
    names = ran(build(p, BuildOptions(jobs=2)))
    assert [n for n in names if n.startswith("profile")] == ["profile 甲县"]
    assert "indicators" in names and not any(n.startswith("extract") for n in names)


def test_corrupt_cache_entry_is_detected_and_rebuilt(tiny_built, tmp_path):
    p = clone(tiny_built, tmp_path / "p")
    def region(d: Path) -> str:
        nb = json.loads((d / "notebook.ipynb").read_text(encoding="utf-8"))
        return nb["metadata"]["papermill"]["parameters"].get("region", "")

    victim = next(d for d in (p.cache / "execute").iterdir() if d.is_dir() and region(d) == "乙市")
    (victim / "notebook.ipynb").write_bytes(b"{ truncated")
    # an unchanged project reads nothing from the cache, so nothing corrupt is trusted ...
    assert build(p, BuildOptions(jobs=2)).up_to_date
    # ... and the first build that reads the entry finds it corrupt and re-executes its notebook
    nbp = p.notebooks / "05_region_profile.ipynb"
    nb = nbformat.read(nbp, as_version=4)
    nb.cells[0].source += "\n\nAn added sentence."
    nbformat.write(nb, nbp)
    names = ran(build(p, BuildOptions(jobs=2)))
    assert [n for n in names if n.startswith(("profile", "notebook"))] == ["profile 乙市"]
    assert json.loads((victim / "notebook.ipynb").read_text(encoding="utf-8"))["cells"]


def test_unchanged_project_is_known_from_its_fingerprint(tiny_built, tmp_path):
    p = clone(tiny_built, tmp_path / "p")
    rep = build(p, BuildOptions(jobs=2))
    assert rep.up_to_date and rep.steps and ran(rep) == []
    # a missing output defeats the fingerprint: the graph is planned and the site rebuilt
    page = next((p.site / "regions").glob("*.html"))
    page.unlink()
    rep = build(p, BuildOptions(jobs=2))
    assert not rep.up_to_date and page.is_file()
    assert build(p, BuildOptions(jobs=2)).up_to_date
    # so does a changed input: the report's extraction step would run
    report = sorted(p.reports_raw.glob("*.txt"))[0]
    report.write_text(report.read_text(encoding="utf-8") + "\n全县共有行政村7个。\n", encoding="utf-8")
    rep = build(p, BuildOptions(jobs=2, dry_run=True))
    assert not rep.up_to_date
    assert [s.name for s in rep.ran if s.name.startswith("extract")] == ["extract 000"]


def _settle(monkeypatch) -> None:
    """Trust a stat recorded a moment ago (no racy-clean margin), so that the stat cache's
    trusted path is what the next build takes; the margin itself is tested in test_graph.py."""
    import time

    from ruralstudy.build import graph

    monkeypatch.setattr(graph, "RACY_MARGIN_NS", 0)
    time.sleep(0.02)  # more than a timestamp tick: the files' ctimes are older than the cache


def _count_hashes(monkeypatch) -> list[str]:
    """Record every input file the stat cache reads and hashes."""
    from ruralstudy.build import graph

    hashed: list[str] = []
    real = graph.InputStats.digests

    def digests(self, files):
        out = real(self, files)
        hashed.extend(self.hashed)
        return out

    monkeypatch.setattr(graph.InputStats, "digests", digests)
    return hashed


def test_noop_reads_no_unchanged_input_and_not_the_state(tiny_built, tmp_path, monkeypatch):
    """An unchanged project is known from the stat cache and build-record.json alone: no input
    file is read again and state.json (which grows with the corpus) is not parsed."""
    from ruralstudy.build import graph

    p = clone(tiny_built, tmp_path / "p")
    _settle(monkeypatch)
    assert build(p, BuildOptions(jobs=2)).up_to_date  # a copy: new inodes, every file hashed
    _settle(monkeypatch)
    hashed = _count_hashes(monkeypatch)

    def no_state(self, path):
        raise AssertionError(f"a no-op parsed {path}")

    monkeypatch.setattr(graph.State, "__init__", no_state)
    rep = build(p, BuildOptions(jobs=2))
    assert rep.up_to_date and rep.steps and ran(rep) == []
    assert hashed == []


def test_an_edit_keeping_size_and_mtime_is_rebuilt(tiny_built, tmp_path, monkeypatch):
    """The stat cache never hides an edit: one that keeps the file's size and restores its
    mtime (os.utime) moves its ctime, so the report is hashed and extracted again."""
    p = clone(tiny_built, tmp_path / "p")
    _settle(monkeypatch)
    assert build(p, BuildOptions(jobs=2)).up_to_date
    _settle(monkeypatch)
    hashed = _count_hashes(monkeypatch)
    assert build(p, BuildOptions(jobs=2)).up_to_date and hashed == []
    report = p.reports_raw / "000_tiny.txt"
    st = report.stat()
    data = report.read_bytes()
    edited = data.replace("86个".encode(), "87个".encode())
    assert edited != data and len(edited) == len(data)
    with open(report, "r+b") as fh:
        fh.write(edited)
    os.utime(report, ns=(st.st_atime_ns, st.st_mtime_ns))
    assert report.stat().st_size == st.st_size and report.stat().st_mtime_ns == st.st_mtime_ns
    rep = build(p, BuildOptions(jobs=2, dry_run=True))
    assert not rep.up_to_date and hashed == ["data/raw/reports/000_tiny.txt"]
    assert [s.name for s in rep.ran if s.name.startswith("extract")] == ["extract 000"]
    rep = build(p, BuildOptions(jobs=2))
    assert "extract 000" in ran(rep)
    assert build(p, BuildOptions(jobs=2)).up_to_date


def test_a_missing_or_unreadable_record_plans_the_graph(tiny_built, tmp_path):
    """No record (a cache from an older version, or a damaged one) never skips: the graph is
    planned (every step cached, none runs) and the record written for the next build. An
    older version's record inside state.json is dropped."""
    from ruralstudy.build.cache import BUILD_RECORD_FILE

    p = clone(tiny_built, tmp_path / "p")
    record = p.cache / BUILD_RECORD_FILE
    state_file = p.cache / "state.json"
    state = json.loads(state_file.read_text(encoding="utf-8"))
    state["__build__"] = {"fingerprint": "old", "steps": [], "outputs": {}}
    state_file.write_text(json.dumps(state), encoding="utf-8")
    for damage in (record.unlink, lambda: record.write_text("{", encoding="utf-8")):
        damage()
        rep = build(p, BuildOptions(jobs=2))
        assert not rep.up_to_date and ran(rep) == []
        assert record.is_file() and build(p, BuildOptions(jobs=2)).up_to_date
    assert "__build__" not in json.loads(state_file.read_text(encoding="utf-8"))


def test_a_noop_still_removes_a_killed_builds_cache_leftovers(tiny_built, tmp_path):
    """Half-written cache entries (hidden folders in a step's folder) go before any build, the
    no-op included; a linked folder there is not followed."""
    p = clone(tiny_built, tmp_path / "p")
    left = p.cache / "execute" / ".0123456789ab.x1y2"
    (left / "sub").mkdir(parents=True)
    (left / "sub" / "notebook.ipynb").write_text("{", encoding="utf-8")
    target = tmp_path / "theirs"
    target.mkdir()
    (target / "keep.txt").write_text("keep", encoding="utf-8")
    (p.cache / "render" / ".linked").symlink_to(target)
    assert build(p, BuildOptions(jobs=2)).up_to_date
    assert not left.exists()
    assert (target / "keep.txt").is_file()


def test_input_digests_are_those_of_every_input_file_listed_by_rglob(tiny_built, tmp_path):
    """The stat cache and the scandir listing give the digests the build always used: every
    file below data/raw, data/manual and data/annotations, the notebooks, the citation and the
    data licence, each by its content."""
    from ruralstudy.build.build import input_digests
    from ruralstudy.build.graph import file_digests

    p = clone(tiny_built, tmp_path / "p")
    (p.raw / "sheets" / "deep").mkdir(parents=True, exist_ok=True)
    (p.raw / "sheets" / "deep" / ".hidden.csv").write_text("a\n", encoding="utf-8")
    (p.root / "CITATION.cff").write_text("cff-version: 1.2.0\n", encoding="utf-8")
    (p.notebooks / "notes.txt").write_text("not a notebook", encoding="utf-8")
    files = [f for d in (p.raw, p.manual, p.annotations) for f in d.rglob("*") if f.is_file()]
    files += list(p.notebooks.glob("*.ipynb")) + [p.root / "CITATION.cff"]
    want = file_digests(files, p.root)
    assert input_digests(p) == want
    assert input_digests(p) == want  # read back from the cache (when trusted) alike
    assert "data/raw/sheets/deep/.hidden.csv" in want and "notebooks/notes.txt" not in want


def test_a_resized_output_plans_the_graph(tiny_built, tmp_path):
    p = clone(tiny_built, tmp_path / "p")
    table = p.processed / "figures.csv"
    with open(table, "a", encoding="utf-8") as fh:
        fh.write("\n")
    rep = build(p, BuildOptions(jobs=2))
    assert not rep.up_to_date
    assert build(p, BuildOptions(jobs=2)).up_to_date


@pytest.mark.slow  # two notebooks fail: each failed kernel is discarded and a new one started
def test_every_failing_notebook_is_named_and_old_site_kept(tiny_built, tmp_path):
    p = clone(tiny_built, tmp_path / "p")
    before_target = os.readlink(p.site)
    before = site_files(p)
    for name, cell in (("02_quality", "raise ValueError('boom in quality')"),
                       ("04_links", "raise KeyError('boom in links')")):
        nbp = p.notebooks / f"{name}.ipynb"
        nb = nbformat.read(nbp, as_version=4)
        nb.cells.insert(2, nbformat.v4.new_code_cell(cell, id="boom"))
        nbformat.write(nb, nbp)
    with pytest.raises(NotebookExecutionError) as info:
        build(p, BuildOptions(jobs=2))
    msg = str(info.value)
    assert "02_quality" in msg and "cell 3" in msg and "ValueError" in msg
    assert "04_links" in msg and "KeyError" in msg
    for name, text in (("02_quality", "boom in quality"), ("04_links", "boom in links")):
        kept = p.reports / "failed" / f"{name}.ipynb"
        assert kept.exists() and text in kept.read_text(encoding="utf-8")
    assert os.readlink(p.site) == before_target and site_files(p) == before


def test_build_date_is_SOURCE_DATE_EPOCH_or_fixed_never_the_clock(tiny_built, tmp_path,
                                                                    monkeypatch):
    """The site states the date of $SOURCE_DATE_EPOCH; outside git without it, a fixed text.
    A rebuild a minute later is a no-op; a new SOURCE_DATE_EPOCH republishes the site."""
    from ruralstudy.iorw import UNKNOWN_DATE

    p = clone(tiny_built, tmp_path / "p")
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    about = lambda: (p.site / "about.html").read_text(encoding="utf-8")  # noqa: E731
    assert UNKNOWN_DATE in about()  # the tiny project is not a git checkout
    assert ran(build(p, BuildOptions(jobs=2))) == []
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    assert ran(build(p, BuildOptions(jobs=2))) == ["site"]
    assert "2023-11-14 22:13 UTC" in about() and UNKNOWN_DATE not in about()
    assert ran(build(p, BuildOptions(jobs=2))) == []


def test_source_date_is_the_commits_date_and_a_bad_epoch_is_one_sentence(tmp_path,
                                                                         monkeypatch):
    from ruralstudy.errors import RuralStudyError
    from ruralstudy.iorw import UNKNOWN_DATE, source_date

    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    assert source_date(tmp_path) == UNKNOWN_DATE
    env = {**os.environ, "GIT_AUTHOR_DATE": "@1600000000 +0000",
           "GIT_COMMITTER_DATE": "@1600000000 +0000", "GIT_AUTHOR_NAME": "t",
           "GIT_AUTHOR_EMAIL": "t@t", "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@t"}
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    (tmp_path / "a").write_text("a")
    subprocess.run(["git", "add", "a"], cwd=tmp_path, check=True)
    subprocess.run(["git", "commit", "-qm", "a"], cwd=tmp_path, check=True, env=env)
    assert source_date(tmp_path) == "2020-09-13 12:26 UTC"
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "0")
    assert source_date(tmp_path) == "1970-01-01 00:00 UTC"
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "yesterday")
    with pytest.raises(RuralStudyError, match=r"SOURCE_DATE_EPOCH.*whole number"):
        source_date(tmp_path)


@pytest.mark.slow  # a whole build again (--force): every step and every notebook reruns
def test_processed_data_is_byte_identical_across_builds(tiny_built, tmp_path):
    p = clone(tiny_built, tmp_path / "p")
    before = {f.name: f.read_bytes() for f in p.processed.iterdir()}
    build(p, BuildOptions(jobs=1, force=True))
    assert {f.name: f.read_bytes() for f in p.processed.iterdir()} == before
    state = json.loads((p.cache / "state.json").read_text(encoding="utf-8"))
    assert "profile 甲县" in state


@pytest.mark.slow  # waits out a notebook's timeout, then a kernel restart
def test_a_notebook_over_its_timeout_is_named_with_its_cell(tiny_built, tmp_path):
    """A cell that never ends is stopped at the notebook's timeout. The budget (10 s) is far
    above what the other one-line cells take on a loaded machine, so only the endless cell can
    be the one named."""
    p = clone(tiny_built, tmp_path / "p")
    nbp = p.notebooks / "04_links.ipynb"
    nb = nbformat.read(nbp, as_version=4)
    nb.cells.insert(2, nbformat.v4.new_code_cell("import threading\nthreading.Event().wait()",
                                                 id="endless"))
    nbformat.write(nb, nbp)
    with pytest.raises(NotebookExecutionError) as info:
        build(p, BuildOptions(jobs=1, timeout=10))
    msg = str(info.value)
    assert "04_links" in msg and "cell 3" in msg and "timeout" in msg
    assert (p.reports / "failed" / "04_links.ipynb").exists()


@pytest.mark.slow  # starts a new Jupyter kernel for every notebook, then rebuilds on warm ones
def test_fresh_kernels_give_the_same_notebooks_as_warm_ones(tiny_built, tmp_path):
    p = clone(tiny_built, tmp_path / "p")
    build(p, BuildOptions(jobs=2, force=True, fresh_kernels=True))
    fresh = {f.name: _normal(f.read_text(encoding="utf-8")) for f in p.executed.glob("*.ipynb")}
    build(p, BuildOptions(jobs=2, force=True))
    warm = {f.name: _normal(f.read_text(encoding="utf-8")) for f in p.executed.glob("*.ipynb")}
    assert fresh == warm and len(warm) == 6


def _normal(nb_json: str) -> str:
    from ruralstudy.build.steps import without_timings

    return json.dumps(without_timings(json.loads(nb_json)), sort_keys=True)


def test_build_keeps_the_cache_under_its_limit_and_cache_prune(tiny_built, tmp_path):
    from ruralstudy.build.cache import Cache

    p = clone(tiny_built, tmp_path / "p")
    Cache(p.cache).put("execute", "stale", {"notebook.ipynb": b"x" * 100_000})
    os.utime(p.cache / "execute" / "stale" / "MANIFEST.json", (1, 1))
    assert ran(build(p, BuildOptions(jobs=1, cache_limit=50_000))) == []
    assert not (p.cache / "execute" / "stale").exists()  # the oldest, unused entry went first
    assert ran(build(p, BuildOptions(jobs=1))) == []  # this build's own entries stayed
    Cache(p.cache).put("execute", "stale2", {"notebook.ipynb": b"{}"})
    r = cli(["cache", "prune", "--unused", "--root", str(p.root)])
    assert r.returncode == 0 and "removed 1 entries" in r.stderr, r.stderr
    assert ran(build(p, BuildOptions(jobs=1))) == []


def test_extract_and_indicators_commands_run_the_builds_own_steps(tmp_path):
    from conftest import tiny_project

    p = tiny_project(tmp_path / "p")
    for cmd in ("extract", "indicators"):
        r = cli([cmd, "--root", str(p.root)])
        assert r.returncode == 0, r.stderr
    assert (p.processed / "figures.csv").is_file() and (p.processed / "panel.parquet").is_file()
    dry = build(p, BuildOptions(dry_run=True))
    steps = {s.name: s.run for s in dry.steps}
    assert steps["extract 000"] is False and steps["indicators"] is False  # cached by the commands
    assert steps["notebook 01_corpus"] is True


def test_load_reuses_parsed_tables_but_hands_out_copies(tiny_built, tmp_path):
    """A warm kernel keeps the parsed tables between notebooks; one notebook's in-place change
    is not seen by the next, and a rewritten file is read again."""
    from ruralstudy import iorw
    from ruralstudy.findings.nbhelpers import load

    p = clone(tiny_built, tmp_path / "p")
    first = load(p.root)
    n_cols, order = first.panel.shape[1], first.figures.index.tolist()
    first.mapping.loc[:, "region"] = "changed in place"
    first.mapping.iloc[0, 0] = "one cell changed"  # (indicators may be empty: values wait)
    first.panel["added"] = 1
    with warnings.catch_warnings():  # inplace= is deprecated in pandas 3, not yet gone
        warnings.simplefilter("ignore")
        first.panel.drop(columns=[first.panel.columns[0]], inplace=True)
        first.figures.sort_values("start", ascending=False, inplace=True)
    second = load(p.root)
    assert "changed in place" not in set(second.mapping["region"])
    assert "one cell changed" not in set(second.mapping.iloc[:, 0].astype(str))
    assert "added" not in second.panel.columns and second.panel.shape[1] == n_cols
    assert second.figures.index.tolist() == order
    assert second.mapping is not first.mapping
    mapping = second.mapping.iloc[:1]  # (the panel may be empty: every value waits)
    iorw.write_bytes(p.processed / "mapping.parquet", iorw.frame_to_parquet_bytes(mapping))
    assert len(load(p.root).mapping) == 1


def test_load_only_some_tables_holds_only_those(tiny_built, tmp_path):
    """The panel's pages load the panel's tables only: the figures table is not read, any use
    of it says why, and a kernel that loaded every table drops the others when only some are
    asked for (what a warm kernel holds through the region pages)."""
    import pytest

    from ruralstudy.findings import nbhelpers as H
    from ruralstudy.tables.tables import NotLoaded

    p = clone(tiny_built, tmp_path / "p")
    full = H.load(p.root)
    assert len(full.figures) > 0
    some = H.load(p.root, only=H.PANEL_TABLES)
    assert some.panel.shape == full.panel.shape
    # of the mapping table, the rows that state a change, with every column
    assert list(some.frame("changes").columns) == list(full.mapping.columns)
    assert set(some.frame("changes")["source_id"]) <= set(full.mapping["source_id"])
    for name in ("figures", "rejects", "mapping", "manifest"):
        assert isinstance(getattr(some, name), NotLoaded), name
    with pytest.raises(RuntimeError, match="'figures' was not loaded"):
        some.figures.groupby("doc_id")
    with pytest.raises(RuntimeError, match="not loaded"):
        len(some.rejects)
    # the kernel's cache holds the tables last asked for, and nothing else
    assert len(H._LOADED) == 1
    held = next(iter(H._LOADED.values()))
    assert isinstance(held.figures, NotLoaded)
    assert len(H.load(p.root).figures) == len(full.figures)  # asked for again: read again
    with pytest.raises(KeyError, match="no processed table"):
        H.load(p.root, only=["panels"])


def test_rows_where_gives_the_masked_rows_of_a_loaded_table(tiny_built, tmp_path):
    """A region profile's rows come from a positions index made once per loaded table: the
    same rows, order and labels as the mask it replaces, for every region and for a value no
    row has; a frame that is not the loaded one is masked as usual."""
    import pandas as pd

    from ruralstudy.findings import nbhelpers as H

    p = clone(tiny_built, tmp_path / "p")
    T = H.load(p.root, only=H.PROFILE_TABLES)
    regions = list(T.mapping["region"].unique()) + ["全国", "no such region"]
    assert len(regions) > 3
    for name in ("mapping", "indicators", "panel", "conflicts"):
        df = getattr(T, name)
        for r in regions:
            want = df[df["region"] == r]
            got = H.rows_where(T, name, r)
            pd.testing.assert_frame_equal(got, want)
            assert list(got.index) == list(want.index)
    assert any(k[1] == "mapping" for k in H._ROW_INDEX)  # indexed, not masked
    T2 = H.load(p.root, only=H.PROFILE_TABLES)  # the next notebook's copy: the same index
    part = T2.mapping.iloc[::2]  # a frame changed by the notebook: masked
    T3 = type(T2)(**{**T2.__dict__, "mapping": part})
    r = regions[0]
    pd.testing.assert_frame_equal(H.rows_where(T3, "mapping", r), part[part["region"] == r])


def test_kernels_are_started_ahead_only_when_notebooks_are_expected_to_run(tiny_built, tmp_path):
    """Kernels start before extraction only when the notebooks' inputs changed: a markdown
    edit re-renders pages and needs none."""
    from ruralstudy.build.build import input_digests, last_build, notebook_inputs_digest
    from ruralstudy.build.build import notebooks_expected as expected
    from ruralstudy.build.cache import library_digest

    p = clone(tiny_built, tmp_path / "p")

    def notebooks_expected(p, last, opts):  # the project as it is now, against the record
        lib = library_digest()
        return expected(last, notebook_inputs_digest(p, opts, lib, input_digests(p)))

    state = lambda: last_build(p)  # noqa: E731 - read afresh each time
    assert not notebooks_expected(p, state(), BuildOptions(jobs=2))
    nbp = p.notebooks / "04_links.ipynb"
    nb = nbformat.read(nbp, as_version=4)
    nb.cells[0].source += "\n\nMore prose."
    nbformat.write(nb, nbp)
    assert not notebooks_expected(p, state(), BuildOptions(jobs=2))
    nb.cells[-1].source += "\nprint('changed code')"
    nbformat.write(nb, nbp)
    assert notebooks_expected(p, state(), BuildOptions(jobs=2))
    build(p, BuildOptions(jobs=2))
    assert not notebooks_expected(p, state(), BuildOptions(jobs=2))
    with open(sorted(p.reports_raw.glob("*.txt"))[0], "a", encoding="utf-8") as fh:
        fh.write("全县共有行政村9个。\n")
    assert notebooks_expected(p, state(), BuildOptions(jobs=2))


def _wait_for_flag(item: tuple[str, float]) -> bool:
    """Pool task: True once file ``item[0]`` exists (waiting at most ``item[1]`` s)."""
    import time

    flag, seconds = item
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if os.path.exists(flag):
            return True
        time.sleep(0.01)
    return False


def test_meanwhile_runs_once_in_the_callers_thread_while_the_pool_works(tmp_path):
    """Runner.meanwhile runs after the tasks are handed out and before they are awaited: the
    tasks here can only finish once it has run."""
    import threading

    from ruralstudy.execute.execute import Runner

    flag = tmp_path / "flag"
    threads = []

    def meanwhile() -> None:
        threads.append(threading.get_ident())
        flag.write_text("go")

    with Runner(jobs=2) as runner:
        runner.meanwhile = meanwhile
        seen: list[bool] = []
        runner.map(_wait_for_flag, [(str(flag), 600.0)] * 3, name=str, on_done=seen.append)
        assert runner.meanwhile is None
        again = runner.map(_wait_for_flag, [(str(tmp_path / "never"), 0.2)] * 2, name=str)
    assert seen == [True, True, True]  # every task saw the flag ...
    assert threads == [threading.get_ident()]  # ... written once, in this thread
    assert again == {"False": False}  # a second map does not run it again


@pytest.mark.slow  # four builds of the tiny project, in separate processes
def test_outputs_do_not_depend_on_the_folder_the_process_or_the_hash_seed(tmp_path):
    """Notebooks that print a set of strings, warn (ipykernel names the cell's file under a
    folder holding the kernel's pid) and print the project's own folder give byte-identical
    pages when built in two folders by processes with different hash seeds, on warm and on
    fresh kernels."""
    from conftest import tiny_project
    from conftest import first_difference, output_bytes

    code = ("import os, warnings\nprint(sorted(set('abcdefghij')) == list('abcdefghij'), "
            "list({'甲县', '乙市', 'x', 'y', 'z', 'w', 'v'}))\n"
            "warnings.warn('a warning')\nprint(os.getcwd())\nprint(1 / 0 if False else 'ok')")
    outs = []
    for name, seed, extra in (("a/p", "1", []), ("b/other-folder", "2", []),
                              ("c/p", "3", ["--fresh-kernels"])):
        p = tiny_project(tmp_path / name)
        nbp = p.notebooks / "03_indicators.ipynb"
        nb = nbformat.read(nbp, as_version=4)
        nb.cells.append(nbformat.v4.new_code_cell(code, id="unstable"))
        nbformat.write(nb, nbp)
        env = {**os.environ, "PYTHONHASHSEED": seed, "RURALSTUDY_WARM_IMPORTS": ""}
        r = subprocess.run([sys.executable, "-m", "ruralstudy", "build", "--jobs", "1",
                            "--root", str(p.root), *extra], capture_output=True, text=True,
                           env=env, timeout=1800)
        assert r.returncode == 0, r.stderr
        outs.append(output_bytes(p.root))
        page = (p.site / "indicators.html").read_text(encoding="utf-8")
        assert "a warning" in page and "ipykernel/" in page and "ipykernel_" not in page
        assert str(p.root) not in page
    assert first_difference(outs[0], outs[1]) is None
    assert first_difference(outs[0], outs[2]) is None


@pytest.mark.parametrize("fresh", [False, pytest.param(True, marks=pytest.mark.slow)],
                         ids=["warm", "fresh"])
@pytest.mark.parametrize("stop", ["import sys\nsys.exit(0)", "exit()", "quit(keep_kernel=False)"],
                         ids=["sys_exit_0", "exit", "quit"])
def test_F13_F14_a_notebook_that_exits_early_fails_in_its_own_cell(tiny_built, tmp_path, stop,
                                                                    fresh):
    """``sys.exit(0)`` (which papermill lets through) and ``exit()``/``quit()`` (which shut the
    kernel down after the cell, so that the next cell used to be blamed) fail the build, naming
    the cell that called them; the page is not published, nothing is cached."""
    p = clone(tiny_built, tmp_path / "p")
    before, before_target = site_files(p), os.readlink(p.site)
    nbp = p.notebooks / "02_quality.ipynb"
    nb = nbformat.read(nbp, as_version=4)
    nb.cells.insert(2, nbformat.v4.new_code_cell(stop, id="early"))
    nb.cells.append(nbformat.v4.new_code_cell("print('the end')", id="after"))
    nb.cells.append(nbformat.v4.new_code_cell("print('the very end')", id="after2"))
    nbformat.write(nb, nbp)
    for _ in range(2):  # the failure is not cached: a second build fails the same way
        with pytest.raises(NotebookExecutionError) as info:
            build(p, BuildOptions(jobs=1, fresh_kernels=fresh))
        msg = str(info.value)
        assert "02_quality" in msg and "failed in cell 3:" in msg and "SystemExit" in msg, msg
        assert os.readlink(p.site) == before_target and site_files(p) == before


def test_F16_a_patch_in_one_notebook_is_invisible_to_the_next_on_a_warm_kernel(tiny_built,
                                                                               tmp_path,
                                                                               monkeypatch):
    """Every page kind (the four aggregate notebooks, the region profiles) runs on one warm
    kernel (--jobs 1); each one checks what the notebooks before it may have patched, then
    patches it: a helper replaced on a warm-imported module, an attribute added to it, a class
    attribute, and a package module first imported by a notebook. None of it is seen by the
    next notebook, as on a fresh kernel."""
    p = clone(tiny_built, tmp_path / "p")
    code = ("import ruralstudy.findings.nbhelpers as H, ruralstudy.tables.tables as T, ruralstudy.evaluation.gold as G\n"
            "print('seen:', H.say.__name__, hasattr(H, 'PATCHED'), hasattr(T.Tables, 'patched'), "
            "hasattr(G, 'PATCHED'))\n"
            "H.say = lambda *a, **k: None; H.PATCHED = 1; T.Tables.patched = 1; G.PATCHED = 1")
    for nbp in p.notebooks.glob("*.ipynb"):
        nb = nbformat.read(nbp, as_version=4)
        nb.cells.append(nbformat.v4.new_code_cell(code, id="patch"))
        nbformat.write(nb, nbp)
    monkeypatch.setenv("RURALSTUDY_WARM_IMPORTS", "ruralstudy.findings.nbhelpers,ruralstudy.tables.tables")
    build(p, BuildOptions(jobs=1))
    seen = {}
    for f in p.executed.glob("*.ipynb"):
        cell = nbformat.read(f, as_version=4).cells[-1]
        seen[f.name] = "".join(o.get("text", "") for o in cell.outputs).strip()
    assert len(seen) == 6 and set(seen.values()) == {"seen: say False False False"}, seen


_NESTED_RUN_SYNC = '''
import asyncio
from jupyter_core.utils import run_sync
from ruralstudy.execute.execute import Runner


def nested(_=None):
    """run_sync inside a running loop: jupyter_core runs it on its per-thread runner thread
    (as a blocking kernel client's is_alive() does inside the warm kernel's readiness check)."""
    async def inner():
        return 1

    async def outer():
        return run_sync(inner)()

    return asyncio.run(outer())


if __name__ == "__main__":
    nested()  # the parent now has a runner thread, as after running a notebook itself
    with Runner(jobs=2) as runner:
        out = runner.map(nested, [1, 2, 3], name=lambda r: "r")
        print("ok", out)
'''


def test_a_forked_worker_does_not_wait_on_its_parents_event_loop_thread(tmp_path):
    """A pool worker forked after the build's own process used jupyter_core's run_sync inside
    a loop used to inherit that runner without its thread and wait forever (a warm kernel's
    start hung under load). The whole run is one subprocess whose generous timeout only a hang
    reaches."""
    script = tmp_path / "nested.py"
    script.write_text(_NESTED_RUN_SYNC, encoding="utf-8")
    r = subprocess.run([sys.executable, str(script)], capture_output=True, text=True,
                       timeout=300, cwd=tmp_path)
    assert r.returncode == 0 and r.stdout.startswith("ok"), r.stderr


def test_holdout_scores_are_kept_while_library_and_annotations_are_unchanged(tiny_built, tmp_path,
                                                                              monkeypatch):
    """The quality page's scores on the held-out sets come from the build cache while the
    library and data/annotations are unchanged, and are computed again when an annotation
    file changes."""
    from ruralstudy.build import pipeline

    import shutil

    from conftest import ROOT

    p = clone(tiny_built, tmp_path / "p")
    shutil.copytree(ROOT / "data/annotations/unseen6", p.annotations / "unseen6")
    first = pipeline.holdout_scores_now(p)
    assert set(first) == {"unseen6-sheet"} and first["unseen6-sheet"].n_gold_mapped > 100
    calls = []
    real = pipeline.heldout_sheet_evaluation
    monkeypatch.setattr(pipeline, "heldout_sheet_evaluation",
                        lambda paths: calls.append(1) or real(paths))
    assert pipeline.holdout_scores_now(p) == first and calls == []  # from the cache
    (p.annotations / "unseen6" / "note.txt").write_text("changed\n", encoding="utf-8")
    assert pipeline.holdout_scores_now(p) == first and calls == [1]  # keyed by annotations
    # the build marks the entry its quality page uses as used: pruning keeps it
    from ruralstudy.build.build import BuildOptions, build
    from ruralstudy.build.cache import USED_FILE

    build(p, BuildOptions(jobs=1))
    used = {tuple(e) for e in json.loads((p.cache / USED_FILE).read_text(encoding="utf-8"))}
    assert (pipeline.HOLDOUT_MEMO, pipeline.holdout_memo_key(p)) in used


def test_load_some_columns_gives_them_as_read_with_every_column(tiny_built, tmp_path):
    """``columns=`` reads only the columns named, in the table's order, each exactly as a read of
    every column gives it (Parquet and CSV tables alike); the other tables are read whole; an
    unknown column or table is refused; the kernel's cache tells the two loads apart."""
    import pandas as pd

    from ruralstudy.findings import nbhelpers as H

    p = clone(tiny_built, tmp_path / "p")
    full = H.load(p.root)
    mapping_cols = ["status", "region", "doc_id"]  # not in the table's order
    reject_cols = ["reason", "source_id"]  # rejects.csv: a table read from CSV
    some = H.load(p.root, columns={"mapping": mapping_cols, "rejects": reject_cols})
    order = [c for c in full.mapping.columns if c in mapping_cols]
    assert order != mapping_cols
    pd.testing.assert_frame_equal(some.mapping, full.mapping[order])
    pd.testing.assert_frame_equal(
        some.rejects, full.rejects[[c for c in full.rejects.columns if c in reject_cols]])
    pd.testing.assert_frame_equal(some.panel, full.panel)
    assert H.load(p.root).mapping.shape == full.mapping.shape  # asked for whole again
    # what the region profiles and the quality page name exists
    assert set(H.PROFILE_COLUMNS["mapping"]) <= set(full.mapping.columns)
    with pytest.raises(KeyError, match="no column"):
        H.load(p.root, columns={"mapping": ["status", "no_such_column"]})
    with pytest.raises(KeyError, match="no processed table"):
        H.load(p.root, columns={"mappings": ["status"]})


def test_the_build_holds_no_tables_while_notebooks_run_and_gets_the_same_back(tiny_built,
                                                                               tmp_path):
    """While the pool runs notebooks, the build's own process holds neither the parsed tables
    nor the extraction steps' outputs; the site is assembled from the tables parsed again,
    equal to those the indicators step gave."""
    from dataclasses import fields

    import pandas as pd

    from ruralstudy.build import steps as S
    from ruralstudy.tables.tables import Tables

    p = clone(tiny_built, tmp_path / "p")
    held: dict[str, Tables] = {}

    class Run(S.BuildRun):
        def park_tables(self) -> None:
            held["before"] = self.tables
            super().park_tables()

    run = Run(p, BuildOptions(jobs=2, force=True))
    while_running: list[bool] = []
    on_done = run.runner.on_done

    def done(item):
        while_running.append(run.tables is None and run.report.frames is None)
        on_done(item)

    run.runner.on_done = done
    report = run.run()
    assert while_running and all(while_running)
    assert not [pl for pl in run.graph.planned
                if isinstance(pl.step, S.ExtractStep) and pl.outputs is not None]
    before, after = held["before"], report.frames
    assert after is run.tables and after is not before
    for f in fields(Tables):
        if isinstance(getattr(before, f.name), pd.DataFrame):
            pd.testing.assert_frame_equal(getattr(after, f.name), getattr(before, f.name))
    assert set(after.extra) == set(before.extra)
    for name, frame in before.extra.items():
        pd.testing.assert_frame_equal(after.extra[name], frame)
    assert (p.site / "index.html").is_file()
