"""Incremental, parallel and crash-safe builds on a copy of the built project."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import nbformat
import pytest

from conftest import clone, ran, site_files
from ruralstudy.build.build import BuildOptions, build
from ruralstudy.errors import NotebookExecutionError
from ruralstudy.execute.execute import RunSpec, run_all
from ruralstudy.paths import Paths



def test_noop_rebuild_and_touch_run_nothing(built, tmp_path):
    p = clone(built, tmp_path / "p")
    assert ran(build(p, BuildOptions(jobs=2))) == []
    for f in list(p.raw.rglob("*")) + list(p.notebooks.glob("*")):
        os.utime(f)  # a fresh clone or a touch changes times, not content
    assert ran(build(p, BuildOptions(jobs=2))) == []


def test_markdown_edit_rerenders_without_executing(built, tmp_path):
    p = clone(built, tmp_path / "p")
    nbp = p.notebooks / "03_indicators.ipynb"
    nb = nbformat.read(nbp, as_version=4)
    nb.cells[0].source += "\n\nAn added sentence."
    nbformat.write(nb, nbp)
    names = ran(build(p, BuildOptions(jobs=2)))
    assert names == ["render indicators.html", "site"]
    assert "An added sentence." in (p.site / "indicators.html").read_text(encoding="utf-8")


def test_adding_a_report_reruns_only_what_depends_on_it(built, tmp_path):
    p = clone(built, tmp_path / "p")
    new = tmp_path / "new.txt"
    new.write_text("测试县2023年全县共有行政村86个,村“两委”干部平均年龄41.2岁。", encoding="utf-8")
    r = subprocess.run([sys.executable, "-m", "ruralstudy", "add", str(new), "--region", "测试县",
                        "--province", "测试省", "--level", "county", "--year", "2023",
                        "--root", str(p.root)], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    before = {f.name: f.read_bytes() for f in p.processed.iterdir()}
    dry = subprocess.run([sys.executable, "-m", "ruralstudy", "build", "--dry-run", "--root",
                          str(p.root)], capture_output=True, text=True, timeout=300)
    assert dry.returncode == 0, dry.stderr
    lines = dry.stdout.splitlines()
    assert any(line.startswith("RUN") and "extract 005" in line and "never built here" in line
               for line in lines)
    assert any(line.startswith("RUN") and "notebook 01_corpus" in line and "changed: input:" in line
               for line in lines)
    # the panel's pages read the panel's tables alone: a value waiting for review, no change
    assert any(line.startswith("skip") and "notebook 04_links" in line for line in lines)
    assert any(line.startswith("skip") and "extract 000" in line for line in lines)
    assert {f.name: f.read_bytes() for f in p.processed.iterdir()} == before  # nothing written
    names = ran(build(p, BuildOptions(jobs=2)))
    assert [n for n in names if n.startswith("extract")] == ["extract 005"]
    assert [n for n in names if n.startswith("profile")] == ["profile 测试县"]
    assert {"notebook 01_corpus", "notebook 02_quality", "indicators", "site"} <= set(names)
    assert not {"notebook 03_indicators", "notebook 04_links"} & set(names)


def test_changing_one_override_reruns_that_region_only(built, tmp_path):
    p = clone(built, tmp_path / "p")
    with open(p.overrides, "a", encoding="utf-8") as fh:
        fh.write("000-003029,reject,,,,test: per-village income under review,tester\n")
    names = ran(build(p, BuildOptions(jobs=2)))
    assert [n for n in names if n.startswith("profile")] == ["profile 六盘水市"]
    assert "indicators" in names and not any(n.startswith("extract") for n in names)


def test_corrupt_cache_entry_is_detected_and_rebuilt(built, tmp_path):
    p = clone(built, tmp_path / "p")
    state = json.loads((p.cache / "state.json").read_text(encoding="utf-8"))
    assert "profile 六盘水市" in state
    entries = [d for d in (p.cache / "execute").iterdir() if d.is_dir()]
    victim = None
    for d in entries:
        nb = (d / "notebook.ipynb").read_text(encoding="utf-8")
        if '"region": "六盘水市"' in nb or "region = \"六盘水市\"" in nb:
            victim = d
            break
    assert victim is not None
    (victim / "notebook.ipynb").write_bytes(b"{ truncated")
    assert build(p, BuildOptions(jobs=2)).up_to_date  # nothing read from the cache: none trusted
    nbp = p.notebooks / "05_region_profile.ipynb"  # a build that reads the entry rebuilds it
    nb = nbformat.read(nbp, as_version=4)
    nb.cells[0].source += "\n\nAn added sentence."
    nbformat.write(nb, nbp)
    names = ran(build(p, BuildOptions(jobs=2)))
    assert [n for n in names if n.startswith(("profile", "notebook"))] == ["profile 六盘水市"]


def test_failing_notebook_stops_build_and_keeps_old_site(built, tmp_path):
    p = clone(built, tmp_path / "p")
    before_target = os.readlink(p.site)
    before = site_files(p)
    nbp = p.notebooks / "02_quality.ipynb"
    nb = nbformat.read(nbp, as_version=4)
    nb.cells.insert(3, nbformat.v4.new_code_cell("raise ValueError('boom in quality')", id="boom"))
    nbformat.write(nb, nbp)
    with pytest.raises(NotebookExecutionError) as info:
        build(p, BuildOptions(jobs=2))
    msg = str(info.value)
    assert "02_quality" in msg and "cell 4" in msg and "ValueError" in msg and "boom" in msg
    kept = p.reports / "failed" / "02_quality.ipynb"
    assert kept.exists() and "boom in quality" in kept.read_text(encoding="utf-8")
    assert os.readlink(p.site) == before_target and site_files(p) == before
    r = subprocess.run([sys.executable, "-m", "ruralstudy", "build", "--root", str(p.root)],
                       capture_output=True, text=True, timeout=600)
    assert r.returncode == 1 and "02_quality" in r.stderr and "cell 4" in r.stderr


def wait_for_marker(marker, proc, what: str, timeout: float = 1800) -> None:
    """Wait until the process ``proc`` writes ``marker`` (at a pause point it was started with).

    The timeout is generous on purpose: it fails a build that never gets there, not a slow
    machine. A process that ends before writing the marker fails at once, with its stderr."""
    deadline = time.monotonic() + timeout
    while not os.path.exists(marker):
        if proc.poll() is not None:
            err = proc.stderr.read() if proc.stderr else ""
            pytest.fail(f"{what} ended (status {proc.returncode}) before its pause point:\n{err}")
        if time.monotonic() > deadline:
            pytest.fail(f"{what} did not reach its pause point in {timeout:g} s")
        time.sleep(0.1)


def _default_signals() -> None:
    # A shell without job control starts background jobs with SIGINT and SIGQUIT ignored, and
    # Python keeps an inherited SIG_IGN (no KeyboardInterrupt): give the child the dispositions
    # of a program started from a terminal, whatever context runs the tests.
    for sig in (signal.SIGINT, signal.SIGQUIT):
        signal.signal(sig, signal.SIG_DFL)


def start_paused(args: list[str], phase: str, marker, **kw) -> subprocess.Popen:
    """``ruralstudy ARGS`` in a new process group, told to stop at ``phase`` (see
    :func:`ruralstudy.paths.pause_point`) and write ``marker`` there, with default signal
    dispositions (Ctrl-C raises KeyboardInterrupt even when the tests run in the background)."""
    env = {**os.environ, "RURALSTUDY_TEST_PAUSE_AT": phase, "RURALSTUDY_TEST_MARKER": str(marker)}
    return subprocess.Popen([sys.executable, "-m", "ruralstudy", *args], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                            start_new_session=True, preexec_fn=_default_signals, **kw)


@pytest.mark.slow  # a forced build of the seed project up to the pause point, then a rebuild
@pytest.mark.parametrize("phase", ["notebooks", "publish", "swap"])
def test_sigkill_mid_build_leaves_a_whole_site(built, tmp_path, phase):
    """A build killed (SIGKILL to its process group, as an OOM killer or a closed CI job does)
    while its notebooks run, while the new site is half written, or with the new site whole but
    not yet swapped in, leaves the old site whole; the next build finishes and leaves nothing
    half done."""
    p = clone(built, tmp_path / "p")
    before, before_target = site_files(p), os.readlink(p.site)
    builds = p.reports / ".site-builds"
    marker = tmp_path / "paused"
    proc = start_paused(["build", "--force", "--jobs", "2", "--root", str(p.root)], phase, marker)
    try:
        wait_for_marker(marker, proc, f"build paused at {phase!r}")
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
    assert proc.returncode == -signal.SIGKILL
    assert os.readlink(p.site) == before_target and site_files(p) == before  # the old site, whole
    left = sorted(d.name for d in builds.iterdir()  # the build's folders besides the site's
                  if d.is_dir() and d.name != before_target.split("/")[-1])
    if phase == "notebooks":
        assert left == []
    elif phase == "publish":
        assert len(left) == 1 and left[0].startswith("tmp-")  # killed while writing the site
    else:
        assert len(left) == 1 and left[0].startswith("build-")  # whole, never swapped in
        assert list(p.reports.glob(".site-link-*"))
    build(p, BuildOptions(jobs=2))  # the next build finishes correctly
    assert ran(build(p, BuildOptions(jobs=2))) == []  # and leaves nothing half done
    assert [d.name for d in builds.iterdir() if d.is_dir()] == [os.readlink(p.site).split("/")[-1]]
    assert not list(p.reports.glob(".site-link-*"))
    assert first_difference(site_files(p), before) is None  # the same site, byte for byte


def _tiny_notebook(i: int) -> str:
    nb = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_code_cell("x = 0", metadata={"tags": ["parameters"]}),
        nbformat.v4.new_code_cell("print(x * 2)")])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    return nbformat.writes(nb)


@pytest.mark.slow  # starts a Dask LocalCluster (two worker processes) and a kernel per notebook
def test_runs_on_a_local_dask_cluster(tmp_path):
    from distributed import LocalCluster

    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cl:
        specs = [RunSpec(f"n{i}", _tiny_notebook(i), {"x": i}, cwd=str(tmp_path)) for i in range(3)]
        results = run_all(specs, scheduler=cl.scheduler_address)
    assert [r.ok for r in results] == [True, True, True]
    outs = ["".join(json.loads(r.notebook)["cells"][-1]["outputs"][0]["text"]) for r in results]
    assert outs == ["0\n", "2\n", "4\n"]


@pytest.mark.slow  # a pool of two workers, each starting a new Jupyter kernel
def test_local_pool_reports_failing_cell(tmp_path):
    bad = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("1/0")])
    bad.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    res = run_all([RunSpec("bad", nbformat.writes(bad), {}, cwd=str(tmp_path)),
                   RunSpec("good", _tiny_notebook(1), {"x": 1}, cwd=str(tmp_path))], jobs=2)
    assert not res[0].ok and res[0].ename == "ZeroDivisionError" and res[1].ok


def _normal_nb(nb_json: str) -> str:
    """An executed notebook without timings and kernel process ids (which differ between any two
    kernels, fresh or warm)."""
    import re

    from ruralstudy.build.steps import without_timings

    text = json.dumps(without_timings(json.loads(nb_json)), sort_keys=True, ensure_ascii=False)
    return re.sub(r"ipykernel_\d+", "ipykernel_N", text)


def _executed(p: Paths) -> dict[str, str]:
    return {f.name: _normal_nb(f.read_text(encoding="utf-8")) for f in p.executed.glob("*.ipynb")}


@pytest.mark.slow
def test_warm_kernels_match_fresh_kernels(built, tmp_path):
    """The seed build on warm, reset kernels (the session's build) gives the same executed
    notebooks as one new kernel per notebook."""
    p = clone(built, tmp_path / "p")
    build(p, BuildOptions(jobs=2, force=True, fresh_kernels=True))
    fresh, warm = _executed(p), _executed(built)
    assert len(warm) >= 10 and set(fresh) == set(warm)
    assert [n for n in warm if fresh[n] != warm[n]] == []


@pytest.mark.slow
def test_dask_local_cluster_gives_the_local_pool_results(built, tmp_path):
    """The --scheduler path on a real dask.distributed.LocalCluster (two worker processes)."""
    from distributed import LocalCluster

    p = clone(built, tmp_path / "p")
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                      dashboard_address=None) as cl:
        report = build(p, BuildOptions(force=True, scheduler=cl.scheduler_address))
    assert any(s.name.startswith("profile") for s in report.ran)
    assert _executed(p) == _executed(built)
    assert {f.name: f.read_bytes() for f in p.processed.iterdir()} == \
        {f.name: f.read_bytes() for f in built.processed.iterdir()}


# --- bit-for-bit builds ---------------------------------------------------------------------

# output_bytes and first_difference live in tests/conftest.py (tests/build uses them too)
from conftest import first_difference, output_bytes  # noqa: E402


def git_project(dest) -> Paths:
    """The seed project's inputs in a new git repository under ``dest``, committed with a fixed
    author, committer and date: two such folders hold the same commit, as two clones do."""
    from conftest import copy_project

    p = copy_project(dest)
    (dest / ".gitignore").write_text("/data/processed/\n/reports/\n/.ruralstudy-cache/\n"
                                     "/.ruralstudy.lock\n", encoding="utf-8")
    env = {**os.environ, "GIT_AUTHOR_DATE": "@1700000000 +0000", "GIT_AUTHOR_NAME": "t",
           "GIT_COMMITTER_DATE": "@1700000000 +0000", "GIT_COMMITTER_NAME": "t",
           "GIT_AUTHOR_EMAIL": "t@example.org", "GIT_COMMITTER_EMAIL": "t@example.org"}
    for cmd in (["init", "-q"], ["add", "-A"], ["commit", "-q", "-m", "seed"]):
        subprocess.run(["git", *cmd], cwd=dest, env=env, check=True, capture_output=True)
    return p


@pytest.mark.slow  # two cold builds of the seed project
def test_two_builds_of_one_commit_are_byte_identical(tmp_path):
    """The seed project built in two clones of one commit, in folders of different names, by
    processes with different hash seeds, time zones and numbers of workers: every byte of
    data/processed and of the site is the same, the build date being the commit's."""
    a = git_project(tmp_path / "a" / "p")
    b = git_project(tmp_path / "b" / "another-clone")
    env = {k: v for k, v in os.environ.items() if k != "SOURCE_DATE_EPOCH"}
    for p, seed, tz, jobs in ((a, "1", "UTC", "2"), (b, "2", "Asia/Shanghai", "1")):
        r = subprocess.run([sys.executable, "-m", "ruralstudy", "build", "--jobs", jobs,
                            "--root", str(p.root)], capture_output=True, text=True,
                           env={**env, "PYTHONHASHSEED": seed, "TZ": tz}, timeout=3600)
        assert r.returncode == 0, r.stderr
    first, second = output_bytes(a.root), output_bytes(b.root)
    assert len(first) > 100 and (a.processed / "panel.parquet").is_file()
    assert first_difference(first, second) is None
    assert b"built 2023-11-14 22:13 UTC" in first["reports/site/index.html"]


@pytest.mark.slow  # an incremental build of the seed project and a cold build beside it
def test_incremental_build_equals_build_from_scratch(built, tmp_path, monkeypatch):
    """Adding a report to a built project and rebuilding (per-report pieces recombined, pages
    of unchanged content copied from the published site) gives, byte for byte, the tables and
    site of a cold build of the same inputs; the unchanged reports are not extracted or
    observed again, and pages of untouched regions are not laid out again."""
    from conftest import copy_project
    from ruralstudy.site import site as S

    new = tmp_path / "new.txt"
    new.write_text("测试县2023年全县共有行政村86个,村“两委”干部平均年龄41.2岁。", encoding="utf-8")

    def add(p):
        r = subprocess.run([sys.executable, "-m", "ruralstudy", "add", str(new), "--region",
                            "测试县", "--province", "测试省", "--level", "county", "--year",
                            "2023", "--root", str(p.root)], capture_output=True, text=True,
                           timeout=120)
        assert r.returncode == 0, r.stderr

    inc = clone(built, tmp_path / "inc")
    add(inc)
    laid_out = []
    wrap = S.wrap
    monkeypatch.setattr(S, "wrap", lambda page, stamp: laid_out.append(page.path) or
                        wrap(page, stamp))
    names = ran(build(inc, BuildOptions(jobs=2)))
    monkeypatch.setattr(S, "wrap", wrap)
    assert [n for n in names if n.startswith(("extract", "profile"))] == ["extract 005",
                                                                        "profile 测试县"]
    scratch = copy_project(tmp_path / "scratch")
    add(scratch)
    build(scratch, BuildOptions(jobs=2))
    assert first_difference(output_bytes(inc.root), output_bytes(scratch.root)) is None
    # the new region's page is laid out; an untouched region's page (a city: the new county
    # is no peer of it) is not, though its footer names the new data's digest
    pages = {f.name: f.read_text(encoding="utf-8") for f in (inc.site / "regions").iterdir()}
    city = next(n for n, h in pages.items() if "<title>Region profile: 六盘水市" in h)
    county = next(n for n, h in pages.items() if "<title>Region profile: 测试县" in h)
    assert f"regions/{county}" in laid_out and f"regions/{city}" not in laid_out
    assert len([p for p in laid_out if p.startswith("regions/")]) < len(pages) / 2
