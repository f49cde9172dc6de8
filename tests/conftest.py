"""Shared fixtures: a throw-away copy of the project's data so tests never touch the real tree."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from ruralstudy.paths import Paths

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def root() -> Path:
    return ROOT


def copy_data(dest: Path) -> Paths:
    """A copy of data/raw, data/annotations and data/manual in a project root ``dest``."""
    for sub in ("data/raw", "data/annotations", "data/manual"):
        src = ROOT / sub
        if src.exists():
            shutil.copytree(src, dest / sub)
    (dest / "data" / "processed").mkdir(parents=True, exist_ok=True)
    return Paths(dest)


@pytest.fixture()
def project(tmp_path: Path) -> Paths:
    """A copy of data/raw, data/annotations and data/manual in a temporary project root."""
    return copy_data(tmp_path)


def copy_project(dest: Path) -> Paths:
    """A full copy of the project's inputs (data, notebooks, citation) under ``dest``."""
    for sub in ("data/raw", "data/annotations", "data/manual", "notebooks"):
        shutil.copytree(ROOT / sub, dest / sub)
    shutil.copyfile(ROOT / "CITATION.cff", dest / "CITATION.cff")
    shutil.copyfile(ROOT / "LICENSE-DATA", dest / "LICENSE-DATA")
    (dest / "data" / "processed").mkdir(parents=True, exist_ok=True)
    return Paths(dest)


@pytest.fixture(scope="session")
def built(tmp_path_factory) -> Paths:
    """A project copy built once for the whole session (real papermill and nbconvert runs)."""
    from ruralstudy.build.build import BuildOptions, build

    paths = copy_project(tmp_path_factory.mktemp("built"))
    report = build(paths, BuildOptions(jobs=2))
    assert report.ran, "a cold build must run steps"
    return paths


# --- a tiny project for build-logic tests (the fast inner loop) ----------------------------------

TINY_REPORTS = {
    "000_tiny.txt": "甲县2023年全县共有行政村86个，村“两委”干部平均年龄41.2岁，村党组织书记平均年龄45.6岁。"
                    "全县村集体经济收入均达到10万元以上，村均集体收入12.5万元。\n",
    "001_tiny.txt": "乙市2022年共有行政村120个，村“两委”成员平均年龄43.5岁，大专以上学历占比38.2%。"
                    "村集体经济收入50万元以上的村有16个。\n",
}
TINY_MANIFEST = (
    "doc_id,file,title,source,published,year,regions,provinces,admin_levels,notes\n"
    "000,000_tiny.txt,甲县报告,test,2023,2023,甲县,测试省,county,\n"
    "001,001_tiny.txt,乙市报告,test,2022,2022,乙市,测试省,prefecture,\n")


def tiny_notebooks() -> dict[str, str]:
    """One one-line notebook per registered notebook page (ruralstudy.registry.PAGES)."""
    from ruralstudy.registry import notebook_pages

    return {p.notebook: (f"print({p.notebook!r}, region)" if p.per_region
                         else f"print({p.notebook!r}, root)") for p in notebook_pages()}


def tiny_notebook(name: str, code: str) -> dict:
    """A notebook with a parameters cell and one code cell (and a markdown title)."""
    import nbformat

    params = 'root = "."\nregion = ""'
    nb = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_markdown_cell(f"# {name}", id=f"{name}-00"),
        nbformat.v4.new_code_cell(params, metadata={"tags": ["parameters"]}, id=f"{name}-01"),
        nbformat.v4.new_code_cell(code, id=f"{name}-02")])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}
    return nb


def tiny_project(dest: Path) -> Paths:
    """Two short reports, a manifest, no sheets, and one-cell notebooks under the names the build
    expects: a whole build (extraction to site) in a few seconds, for build-logic tests."""
    import nbformat

    (dest / "data/raw/reports").mkdir(parents=True)
    (dest / "data/raw/sheets").mkdir()
    for name, text in TINY_REPORTS.items():
        (dest / "data/raw/reports" / name).write_text(text, encoding="utf-8")
    (dest / "data/raw/manifest.csv").write_text(TINY_MANIFEST, encoding="utf-8")
    (dest / "data/manual").mkdir(parents=True)
    (dest / "data/manual/overrides.csv").write_text(
        "target,action,indicator_id,value,region,reason,reviewer\n", encoding="utf-8")
    (dest / "data/annotations").mkdir(parents=True)
    (dest / "data/processed").mkdir(parents=True)
    (dest / "notebooks").mkdir()
    for name, code in tiny_notebooks().items():
        nbformat.write(tiny_notebook(name, code), dest / "notebooks" / f"{name}.ipynb")
    return Paths(dest)


@pytest.fixture(scope="session")
def tiny_built(tmp_path_factory) -> Paths:
    """The tiny project, built once for the session."""
    from ruralstudy.build.build import BuildOptions, build

    paths = tiny_project(tmp_path_factory.mktemp("tiny") / "p")
    with pytest.MonkeyPatch.context() as mp:  # the tiny notebooks import nothing
        mp.setenv("RURALSTUDY_WARM_IMPORTS", "")
        report = build(paths, BuildOptions(jobs=2))
    assert report.ran, "a cold build must run steps"
    return paths


def pytest_collection_modifyitems(items) -> None:
    """Tests that need the full seed build (real notebooks) or drive Chromium are slow."""
    for item in items:
        if {"built", "browser"} & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.slow)


# --- the command line, in process ---------------------------------------------------------------

def cli(args: list[str]) -> subprocess.CompletedProcess:
    """Run ``ruralstudy ARGS`` in this process (typer's CliRunner) and answer like
    ``subprocess.run(..., capture_output=True, text=True)``: returncode, stdout, stderr.

    For tests about what a command does, not about the process it runs in (those, e.g. the
    project lock between processes, still start ``python -m ruralstudy``). An exception the
    command did not turn into an exit code is raised here, where a subprocess would have printed
    a traceback and exited 1."""
    from rich.console import Console
    from typer.testing import CliRunner

    from ruralstudy import cli as C

    with pytest.MonkeyPatch.context() as mp:
        # the console a separate process would have: stderr a pipe, so no terminal and no colour
        # (the module's own was made when stderr may have been a terminal)
        mp.setattr(C, "err", Console(stderr=True, soft_wrap=True, force_terminal=False,
                                     color_system=None))
        r = CliRunner().invoke(C.app, [str(a) for a in args], catch_exceptions=False)
    return subprocess.CompletedProcess(["ruralstudy", *args], r.exit_code, r.stdout, r.stderr)


def clone(built: Paths, dest: Path) -> Paths:
    """A copy of a built project (symlinked site included) to change without touching it."""
    shutil.copytree(built.root, dest, symlinks=True)
    return Paths(dest)


def ran(report) -> list[str]:
    """Names of the steps a build report says ran, sorted."""
    return sorted(s.name for s in report.ran)


def site_files(p: Paths) -> dict[str, bytes]:
    """Every file of a project's current site, by path relative to the site root."""
    site = p.site.resolve()
    return {str(f.relative_to(site)): f.read_bytes() for f in site.rglob("*") if f.is_file()}


# --- comparing two builds' outputs (tests/e2e/test_build.py, tests/build) ---------------------

def output_bytes(root) -> dict[str, bytes]:
    """Every file of data/processed and of the published site, by its path in the project."""
    from pathlib import Path

    out = {}
    for sub in ("data/processed", "reports/site"):
        base = (Path(root) / sub).resolve()
        for f in sorted(base.rglob("*")):
            if f.is_file():
                out[f"{sub}/{f.relative_to(base).as_posix()}"] = f.read_bytes()
    return out


def first_difference(a: dict[str, bytes], b: dict[str, bytes]) -> str | None:
    """None when both builds wrote the same files with the same bytes; else the first file
    (in path order) that differs, with the first differing byte and its surroundings."""
    only = sorted(set(a) ^ set(b))
    if only:
        return f"{only[0]} is in one build only ({len(only)} such files)"
    for name in sorted(a):
        x, y = a[name], b[name]
        if x != y:
            i = next((i for i, (u, v) in enumerate(zip(x, y)) if u != v), min(len(x), len(y)))
            return (f"{name} differs at byte {i} (sizes {len(x)}, {len(y)}): "
                    f"{x[max(0, i - 60):i + 60]!r} vs {y[max(0, i - 60):i + 60]!r}")
    return None
