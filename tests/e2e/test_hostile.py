"""Hostile and broken inputs (issue 11): markup, quotes and javascript: URLs in every field a
user controls; paths out of the corpus; formula cells; concurrent runs; unreadable inputs.

Every case below failed on the code before the issue was fixed. The site-building test builds
a small tmp project (two seed reports, a hostile sheet and override) and opens every page in
Debian's Chromium.
"""

from __future__ import annotations

import csv
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pandas as pd
import pytest

from conftest import cli as _cli
from ruralstudy import errors as E
from ruralstudy import iorw
from ruralstudy.paths import Paths

ROOT = Path(__file__).resolve().parents[2]
EXE = [sys.executable, "-m", "ruralstudy"]
CHROMIUM = "/usr/bin/chromium"
X = "<img src=x onerror=alert(1)>\"'"  # markup and both quotes
FORMULA = '=HYPERLINK("http://example.invalid","click")'
SEEDS = ("000_9d22fa4331bb6d63.txt", "004_c57ee54164801b7a.txt")
HEADER = ["doc_id", "file", "title", "source", "published", "year", "regions", "provinces",
          "admin_levels", "notes"]
SHEET_HEADER = ["region", "province", "admin_level", "year", "construct", "indicator_label_zh",
                "raw_value", "url"]


def _write_csv(path: Path, rows: list[list[str]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", newline="", encoding="utf-8") as fh:
        csv.writer(fh, lineterminator="\n").writerows(rows)


def small_project(dest: Path, manifest_rows: list[list[str]] | None = None,
                  sheet_rows: list[list[str]] | None = None,
                  overrides: list[list[str]] | None = None) -> Paths:
    """A tmp project with two seed reports, one sheet and optional overrides."""
    for sub in ("data/annotations", "notebooks"):
        shutil.copytree(ROOT / sub, dest / sub)
    shutil.copyfile(ROOT / "CITATION.cff", dest / "CITATION.cff")
    for f in SEEDS:
        (dest / "data/raw/reports").mkdir(parents=True, exist_ok=True)
        shutil.copyfile(ROOT / "data/raw/reports" / f, dest / "data/raw/reports" / f)
    (dest / "data/processed").mkdir(parents=True)
    _write_csv(dest / "data/raw/manifest.csv", [HEADER] + (manifest_rows or [
        ["000", SEEDS[0], "t0", "s0", "2022", "2022", "六盘水市", "贵州省", "prefecture", ""],
        ["004", SEEDS[1], "t4", "s4", "2022-05-27", "2021", "达拉特旗", "内蒙古自治区", "county", ""]]))
    _write_csv(dest / "data/raw/sheets/s.csv", [SHEET_HEADER] + (sheet_rows or [
        ["普定县", "贵州省", "county", "2022", "cadre_structure", "村党组织书记平均年龄", "47岁",
         "https://example.org/"]]))
    _write_csv(dest / "data/manual/overrides.csv",
               [["target", "action", "indicator_id", "value", "region", "reason", "reviewer"]]
               + (overrides or []))
    return Paths(dest)


def hostile_project(dest: Path, broken: bool = False) -> Paths:
    """Markup, quotes, javascript: URLs and formulas in every field a user controls; with
    ``broken``, also a manifest row to a missing file and a damaged XLSX sheet."""
    missing = [["009", "009_missing.txt", "gone", "", "", "", "", "", "", ""]] if broken else []
    p = small_project(dest, manifest_rows=[
        ["000", SEEDS[0], f"标题{X}", "javascript:alert(1)", "2022", "2022", f"{X}市", f"{X}省",
         "prefecture", f"{FORMULA}{X}"],
        ["004", SEEDS[1], FORMULA, f"@SUM(1+1){X}", "2022-05-27", "2021", "达拉特旗",
         "内蒙古自治区", "county", ""]] + missing,
        sheet_rows=[
            [f"{X}县", f"{X}省", "county", "2022", "cadre_structure", f"村“两委”成员平均年龄{X}",
             "42.5岁", "javascript:alert(1)"],
            [FORMULA, "+贵州省", "county", "2022", "cadre_structure", "-村“两委”成员平均年龄",
             "43.5岁", "https://example.org/a?b=\"'<x>"],
            ["安顺县", "贵州省", "county", "2022", "cadre_structure", "@村党组织书记平均年龄",
             f"{FORMULA}{X}", " javascript:alert(3)"],
            ["普定县", "贵州省", "county", "2022", "cadre_structure", "村党组织书记平均年龄",
             "47岁", "JaVaScRiPt:alert(4)"]],
        overrides=[["sheet:s.csv:5", "set_region", "", "", f"<svg onload=alert(2)>{X}镇",
                    f"reason {X}", f"rev {X}"]])
    if broken:
        (p.sheets / "broken.xlsx").write_bytes(b"PK\x03\x04 this is not a workbook")
    return p


# --- stored XSS -----------------------------------------------------------------------------

def test_narration_shows_data_as_text_never_markdown_or_html():
    from ruralstudy.findings.nbhelpers import narration_html

    out = narration_html("**{region}** · province: **{province}**; {n:,} figures",
                         region=f"**{X}**", province="a*b*c", n=12345)
    assert "<img" not in out and "&lt;img" in out
    assert "<strong>**&lt;img" in out  # the data's ** stays text
    assert "a*b*c" in out and "12,345" in out
    # markup typed into an f-string is escaped too
    assert "<img" not in narration_html(f"**{X}** and *more*")


def test_region_profile_notebook_passes_data_to_narration_separately():
    nb = json.loads((ROOT / "notebooks/05_region_profile.ipynb").read_text(encoding="utf-8"))
    code = "\n".join("".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "code")
    assert 'H.say(f"**{region}**' not in code
    assert "region=region" in code


def test_sheet_url_must_be_http_to_become_a_link():
    from ruralstudy.site.site import safe_url, sheet_body

    for bad in ("javascript:alert(1)", " javascript:alert(1)", "JaVaScRiPt:alert(1)",
                "java\tscript:alert(1)", "data:text/html,<script>alert(1)</script>",
                "//evil.example/x", "vbscript:x", ""):
        assert not safe_url(bad), bad
    assert safe_url("https://example.org/a?b=1") and safe_url("http://example.org")
    mapping = pd.DataFrame([{
        "source_type": "sheet", "file": "s.csv", "line": 2, "region": X, "admin_level": "county",
        "year": 2022, "context": X, "raw": X, "value": 1.0, "unit": "", "status": "mapped",
        "indicator_id": "x", "reason": "", "url": "javascript:alert(1)"}])
    rejects = pd.DataFrame(columns=["file", "line", "raw", "reason"])
    body = sheet_body("s.csv", mapping, rejects)
    assert 'href="javascript' not in body.lower() and "<img" not in body
    assert "javascript:alert(1)" in body  # still shown, as text


def test_search_index_is_script_safe_and_results_are_text():
    from ruralstudy.site.site import script_json

    data = {"pages": [{"url": "x.html", "title": f"</script><script>alert(1)</script>{X}&"}]}
    js = script_json(data)
    assert "<" not in js and ">" not in js and "&" not in js and "'" not in js
    assert json.loads(js) == data
    site_js = (ROOT / "src/ruralstudy/site/static/site.js").read_text(encoding="utf-8")
    assert "innerHTML" not in site_js and "textContent = page.title" in site_js


# --- files outside the corpus ---------------------------------------------------------------

@pytest.mark.parametrize("bad", ["../../../../etc/passwd", "/etc/passwd", "sub/../../x.txt",
                                 "..\\..\\x.txt"])
def test_manifest_path_outside_the_corpus_is_refused_with_its_line(tmp_path, bad):
    from ruralstudy.texts.corpus import read_manifest

    p = small_project(tmp_path, manifest_rows=[
        ["000", SEEDS[0], "t", "", "", "", "", "", "", ""],
        ["001", bad, "t", "", "", "", "", "", "", ""]])
    with pytest.raises(E.ManifestError) as e:
        read_manifest(p.manifest)
    assert e.value.line == 3 and e.value.file == str(p.manifest)
    assert "data/raw/reports" in str(e.value)


def test_symlink_out_of_the_corpus_is_not_read(tmp_path):
    from ruralstudy.texts.corpus import CorpusProblem, read_documents, read_manifest

    outside = tmp_path / "secret.txt"
    outside.write_text("村党组织书记平均年龄45岁。" * 5, encoding="utf-8")
    p = small_project(tmp_path / "p", manifest_rows=[
        ["001", "link.txt", "t", "", "", "", "", "", "", ""]])
    (p.reports_raw / "link.txt").symlink_to(outside)
    (item,) = list(read_documents(read_manifest(p.manifest), p.reports_raw))
    assert isinstance(item, CorpusProblem) and "outside" in item.reason and item.line == 2


# --- CSV injection ----------------------------------------------------------------------------

def test_csv_downloads_neutralise_formula_cells():
    from ruralstudy.site.site import neutralise_cell, neutralise_csv

    for cell in ("=1+1", "+cmd", "-2+3", "@SUM(A1)", "\tx", "\rx", FORMULA):
        assert neutralise_cell(cell) == "'" + cell
    for cell in ("-3.5", "+2", "12", "普定县", "", "a=b"):
        assert neutralise_cell(cell) == cell
    df = pd.DataFrame({"region": [FORMULA, "普定县"], "value": [-3.5, 2.0]})
    raw = iorw.frame_to_csv_bytes(df)
    out = pd.read_csv(__import__("io").BytesIO(neutralise_csv(raw)), dtype=str)
    assert out["region"].tolist() == ["'" + FORMULA, "普定县"]
    assert out["value"].tolist() == ["-3.5", "2"]


# --- lost rows: add and build ---------------------------------------------------------------

def _run(args, **kw):
    """The command as a separate process: for the tests about processes (the project lock)."""
    return subprocess.run(EXE + args, capture_output=True, text=True, timeout=300, **kw)


def _report_text(n: int) -> str:
    return f"测试{n}县2023年全县共有行政村{80 + n}个,村“两委”干部平均年龄4{n}.2岁。"


def test_concurrent_adds_lose_no_row(tmp_path):
    p = small_project(tmp_path / "p")
    files = []
    for n in range(4):
        f = tmp_path / f"new{n}.txt"
        f.write_text(_report_text(n), encoding="utf-8")
        files.append(f)
    procs = [subprocess.Popen(EXE + ["add", str(f), "--region", f"测试{n}县", "--province", "某省",
                                     "--level", "county", "--year", "2023", "--root", str(p.root)],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for n, f in enumerate(files)]
    outs = [pr.communicate(timeout=300) for pr in procs]
    assert all(pr.returncode == 0 for pr in procs), outs
    m = iorw.read_csv(p.manifest)
    assert len(m) == 2 + 4 and m["doc_id"].is_unique
    assert {f"测试{n}县" for n in range(4)} <= set(m["regions"])
    listed = set(m["file"])
    assert {f.name for f in p.reports_raw.iterdir()} == listed  # no orphan file


def test_build_and_add_take_the_project_lock(tmp_path):
    p = small_project(tmp_path / "p")
    new = tmp_path / "new.txt"
    new.write_text(_report_text(1), encoding="utf-8")
    with iorw.project_lock(p.lock, "ruralstudy build"):
        # flock conflicts between open files, not only processes: build may run in process
        r = _cli(["build", "--root", str(p.root)])
        assert r.returncode == 1
        assert "another build/add is running" in r.stderr and f"pid {os.getpid()}" in r.stderr
        r = _run(["add", str(new), "--wait", "0.2", "--root", str(p.root)])  # another process
        assert r.returncode == 1 and "another build/add is running" in r.stderr
        with pytest.raises(E.LockError):
            with iorw.project_lock(p.lock, "ruralstudy add"):
                pass
    assert len(iorw.read_csv(p.manifest)) == 2


def test_add_keeps_every_manifest_column(tmp_path):
    p = small_project(tmp_path / "p")
    m = iorw.read_csv(p.manifest)
    m.insert(3, "checked_by", ["李老师", "王老师"])
    iorw.write_csv(p.manifest, m)
    new = tmp_path / "new.txt"
    new.write_text(_report_text(2), encoding="utf-8")
    r = _cli(["add", str(new), "--region", "测试县", "--province", "某省", "--level", "county",
              "--root", str(p.root)])
    assert r.returncode == 0, r.stderr
    after = iorw.read_csv(p.manifest)
    assert list(after.columns) == list(m.columns)
    assert after["checked_by"].tolist() == ["李老师", "王老师", ""]


@pytest.mark.parametrize("variant", ["gb18030", "crlf-bom"])
def test_add_refuses_the_same_text_reencoded(tmp_path, variant):
    p = small_project(tmp_path / "p")
    text = (p.reports_raw / SEEDS[0]).read_text(encoding="utf-8-sig")
    f = tmp_path / "again.txt"
    if variant == "gb18030":
        f.write_bytes(text.encode("gb18030"))
    else:
        f.write_bytes(b"\xef\xbb\xbf" + text.replace("\r\n", "\n").replace("\n", "\r\n").encode())
    r = _cli(["add", str(f), "--region", "六盘水市", "--province", "贵州省", "--level",
              "prefecture", "--root", str(p.root)])
    assert r.returncode == 1 and "same text as" in r.stderr, r.stderr
    assert len(iorw.read_csv(p.manifest)) == 2


def test_build_counts_a_reencoded_report_once(tmp_path):
    from ruralstudy.texts.corpus import CorpusProblem, Document, read_documents, read_manifest

    p = small_project(tmp_path / "p")
    text = (p.reports_raw / SEEDS[0]).read_text(encoding="utf-8-sig")
    (p.reports_raw / "dup.txt").write_bytes(text.encode("gb18030"))
    m = iorw.read_csv(p.manifest)
    m.loc[len(m)] = ["005", "dup.txt", "t", "", "", "2022", "六盘水市", "贵州省", "prefecture", ""]
    iorw.write_csv(p.manifest, m)
    items = list(read_documents(read_manifest(p.manifest), p.reports_raw))
    assert sum(isinstance(i, Document) for i in items) == 2
    (dup,) = [i for i in items if isinstance(i, CorpusProblem)]
    assert dup.doc_id == "005" and "duplicate of document 000" in dup.reason


# --- unreadable inputs, named before any notebook runs ---------------------------------------

def _build_fails_before_notebooks(p: Paths):
    from ruralstudy.build.build import BuildOptions, build

    with pytest.raises(E.InputError) as e:
        build(p, BuildOptions(jobs=1))
    assert not p.executed.exists() and not (p.reports / "failed").exists()
    assert not (p.processed / "mapping.csv").exists()  # nothing half built
    return e.value


def test_corrupt_xlsx_is_named_before_any_notebook(tmp_path):
    p = small_project(tmp_path / "p")
    (p.sheets / "broken.xlsx").write_bytes(b"PK\x03\x04 this is not a workbook")
    err = _build_fails_before_notebooks(p)
    assert "broken.xlsx" in str(err) and "not a readable XLSX workbook" in str(err)


def test_sheet_missing_a_column_is_named_with_its_line(tmp_path):
    p = small_project(tmp_path / "p")
    _write_csv(p.sheets / "short.csv", [SHEET_HEADER[:-2], ["普定县", "贵州省", "county", "2022",
                                                             "x", "村党组织书记平均年龄"]])
    err = _build_fails_before_notebooks(p)
    assert "short.csv line 1" in str(err) and "raw_value, url" in str(err)


def test_missing_report_exits_non_zero_unless_keep_going(tmp_path):
    p = small_project(tmp_path / "p", manifest_rows=[
        ["000", SEEDS[0], "t0", "s0", "2022", "2022", "六盘水市", "贵州省", "prefecture", ""],
        ["007", "007_gone.txt", "t", "", "", "", "", "", "", ""]])
    r = _cli(["build", "--root", str(p.root)])
    assert r.returncode == 1
    assert "007_gone.txt" in r.stderr and "manifest.csv line 3" in r.stderr
    assert "does not exist" in r.stderr and "--keep-going" in r.stderr
    assert not p.executed.exists()


def test_manifest_with_unbalanced_quote_names_file_and_line(tmp_path):
    from ruralstudy.texts.corpus import read_manifest

    p = small_project(tmp_path / "p")
    text = p.manifest.read_text(encoding="utf-8").splitlines()
    text.insert(2, '005,x.txt,"an unclosed title,,,,,,,')
    p.manifest.write_text("\n".join(text) + "\n", encoding="utf-8")
    with pytest.raises(E.ManifestError) as e:
        read_manifest(p.manifest)
    assert e.value.file == str(p.manifest) and e.value.line == 3 and "quote" in str(e.value)
    r = _cli(["build", "--root", str(p.root)])
    assert r.returncode == 1 and "manifest.csv:3" in r.stderr and "Traceback" not in r.stderr


def test_overrides_with_unbalanced_quote_names_file_and_line(tmp_path):
    from ruralstudy.measures.overrides import read_overrides

    p = small_project(tmp_path / "p", overrides=[
        ["000-000001", "reject", "", "", "", "ok", "me"]])
    with open(p.overrides, "a", encoding="utf-8") as fh:
        fh.write('000-000002,reject,,,,"never closed,me\n000-000003,reject,,,,fine,me\n')
    with pytest.raises(E.OverrideError) as e:
        read_overrides(p.overrides)
    assert e.value.file == str(p.overrides) and e.value.line == 3


@pytest.mark.parametrize("value", ["nan", "inf", "-inf", "NaN"])
def test_override_value_nan_or_inf_names_the_override_line(value):
    from ruralstudy.measures.codebook import load_codebook
    from ruralstudy.measures.overrides import OVERRIDE_COLUMNS, parse_overrides

    df = pd.DataFrame([["a", "reject", "", "", "", "r", "me"],
                       ["b", "correct_value", "", value, "", "r", "me"]], columns=OVERRIDE_COLUMNS)
    with pytest.raises(E.OverrideError) as e:
        parse_overrides(df, load_codebook(), {"a", "b"}, "data/manual/overrides.csv")
    assert e.value.line == 3 and "finite" in e.value.reason


def test_utf16_files_are_read(tmp_path):
    from ruralstudy.texts.corpus import read_manifest
    from ruralstudy.tables.sheets import read_sheet_frame

    text = "测试县2023年全县共有行政村86个。\r\n村“两委”干部平均年龄41.2岁。\r\n"
    for enc, bom in (("utf-16-le", b"\xff\xfe"), ("utf-16-be", b"\xfe\xff")):
        raw = iorw.decode_bytes(bom + text.encode(enc), "r.txt")
        assert raw.text == text and raw.encoding == "utf-16"
    p = small_project(tmp_path / "p")
    p.manifest.write_bytes(p.manifest.read_text(encoding="utf-8").encode("utf-16"))
    assert [e.doc_id for e in read_manifest(p.manifest)] == ["000", "004"]
    sheet = p.sheets / "s.csv"
    sheet.write_bytes(sheet.read_text(encoding="utf-8").encode("utf-16"))
    assert read_sheet_frame(sheet)["region"].tolist() == ["普定县"]
    from ruralstudy.findings.nbhelpers import report_chars

    (p.reports_raw / "u16.txt").write_bytes(text.encode("utf-16"))
    assert report_chars(p, "u16.txt") == len(text)  # the corpus page counts it right


# --- outputs: one set, clear errors -------------------------------------------------------------

def test_processed_tables_are_written_as_one_set(tmp_path, monkeypatch):
    import errno

    folder = tmp_path / "processed"
    old = {f"t{i}.csv": f"old {i}\n".encode() for i in range(4)}
    iorw.write_files_together(folder, old)
    calls = {"n": 0}
    real_fsync = os.fsync

    def full_disk(fd):
        calls["n"] += 1
        if calls["n"] == 3:
            raise OSError(errno.ENOSPC, "No space left on device")
        return real_fsync(fd)

    monkeypatch.setattr(os, "fsync", full_disk)
    with pytest.raises(E.OutputError) as e:
        iorw.write_files_together(folder, {k: v.replace(b"old", b"new") for k, v in old.items()})
    assert "t2.csv" in str(e.value) and "no space left" in str(e.value)
    assert {f.name: f.read_bytes() for f in folder.iterdir()} == old  # all old, no temp left


def test_read_only_processed_folder_is_a_clear_error(tmp_path, monkeypatch):
    import errno
    import tempfile

    from typer.testing import CliRunner

    from ruralstudy.cli import app

    p = small_project(tmp_path / "p")
    real = tempfile.mkstemp

    def mkstemp(*a, **kw):  # root ignores chmod, so a read-only file system is simulated
        if Path(kw.get("dir", "")).resolve() == p.processed.resolve():
            raise OSError(errno.EROFS, "Read-only file system")
        return real(*a, **kw)

    monkeypatch.setattr(tempfile, "mkstemp", mkstemp)
    r = CliRunner().invoke(app, ["build", "--root", str(p.root), "--jobs", "1"])
    assert r.exit_code == 1, r.output
    assert "data/processed" in r.output and "read-only" in r.output
    assert r.exception is None or isinstance(r.exception, SystemExit)


def _waiting_notebook(started: Path) -> str:
    """A notebook whose one cell writes ``started`` and then waits until its kernel is killed."""
    src = (f"open({str(started)!r}, 'w').close()\n"
           "import threading\nthreading.Event().wait()")
    return json.dumps({"cells": [{"cell_type": "code", "execution_count": None, "id": "a",
                                  "metadata": {}, "outputs": [], "source": src}],
                       "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3",
                                                   "language": "python"}},
                       "nbformat": 4, "nbformat_minor": 5})


def _children(pid: int) -> set[int]:
    out = subprocess.run(["ps", "-eo", "pid=,ppid="], capture_output=True, text=True).stdout
    kids = {int(a) for a, b in (line.split() for line in out.splitlines()) if int(b) == pid}
    return kids | {g for k in kids for g in _children(k)}


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    stat = Path(f"/proc/{pid}/stat")
    return not (stat.exists() and stat.read_text().split()[2] == "Z")


def _wait(condition, what: str, proc=None, timeout: float = 1800) -> None:
    """Poll ``condition`` until true. The timeout is generous: it fails a broken run, never a
    slow machine; ``proc`` ending first fails at once."""
    deadline = time.monotonic() + timeout
    while not condition():
        if proc is not None and proc.poll() is not None:
            pytest.fail(f"{what}: the process ended first (status {proc.returncode})")
        if time.monotonic() > deadline:
            pytest.fail(f"{what}: not within {timeout:g} s")
        time.sleep(0.1)


@pytest.mark.slow  # a separate process starts a pool with two Jupyter kernels, then is killed
def test_pool_workers_die_with_a_killed_build(tmp_path):
    """SIGKILL to the process that runs the pool (not to its group): its workers and their
    kernels die with it. It is killed once both kernels are running a notebook (each notebook
    writes a file when it starts), not after a fixed sleep."""
    started = [tmp_path / f"started{i}" for i in range(2)]
    script = tmp_path / "run.py"
    script.write_text(
        "import json, sys\nfrom ruralstudy.execute.execute import RunSpec, run_all\n"
        f"nbs = {[_waiting_notebook(f) for f in started]!r}\n"
        "run_all([RunSpec(f'n{i}', nb, {}, cwd=sys.argv[1]) for i, nb in enumerate(nbs)], jobs=2)\n",
        encoding="utf-8")
    proc = subprocess.Popen([sys.executable, str(script), str(tmp_path)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    workers: set[int] = set()
    try:
        _wait(lambda: all(f.exists() for f in started), "both notebooks start", proc)
        workers = _children(proc.pid)
        assert len(workers) >= 4, workers  # two pool workers, each with its kernel
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        _wait(lambda: not any(_alive(w) for w in workers), "the orphaned workers die")
    finally:
        for w in _children(proc.pid) | workers:
            try:
                os.kill(w, signal.SIGKILL)
            except ProcessLookupError:
                pass


def test_failed_copy_is_removed_when_the_notebook_passes(tmp_path, monkeypatch):
    from ruralstudy.build import steps as S
    from ruralstudy.build.build import BuildOptions
    from ruralstudy.errors import NotebookExecutionError
    from ruralstudy.execute.execute import RunResult, RunSpec

    p = small_project(tmp_path / "p")
    failed = p.reports / "failed"
    failed.mkdir(parents=True)
    (failed / "02_quality.ipynb").write_text("{}", encoding="utf-8")
    nb = json.dumps({"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 5})
    results = {"02_quality": RunResult("02_quality", True, nb),
               "03_indicators": RunResult("03_indicators", False, nb, ename="ValueError",
                                          evalue="x")}
    monkeypatch.setattr(S, "execute_and_render", lambda spec: (results[spec.name], None))
    run = S.BuildRun(p, BuildOptions(jobs=1))
    steps = [S.NotebookStep(f"notebook {name}", RunSpec(name, nb), json.loads(nb), {}, {},
                            f"{name}.html", run.runner) for name in results]
    with pytest.raises(NotebookExecutionError) as err:
        run.execute(steps)
    assert "03_indicators" in str(err.value) and "02_quality" not in str(err.value)
    assert not (failed / "02_quality.ipynb").exists()
    assert (failed / "03_indicators.ipynb").exists()


# --- the whole site in Chromium -----------------------------------------------------------------

@pytest.fixture(scope="module")
def hostile_site(tmp_path_factory):
    from ruralstudy.build.build import BuildOptions, build

    p = hostile_project(tmp_path_factory.mktemp("hostile") / "p")
    build(p, BuildOptions(jobs=2))
    return p


@pytest.mark.slow
def test_keep_going_skips_unreadable_inputs_and_names_them(tmp_path):
    p = hostile_project(tmp_path / "p", broken=True)
    r = _run(["build", "--keep-going", "--jobs", "2", "--root", str(p.root)])
    assert r.returncode == 0, r.stderr
    assert "009_missing.txt (document 009, data/raw/manifest.csv line 4): file does not exist" \
        in r.stderr
    assert "data/raw/sheets/broken.xlsx line" not in r.stderr  # no line for a damaged file
    assert "data/raw/sheets/broken.xlsx: not a readable XLSX workbook" in r.stderr
    problems = iorw.read_csv(p.processed / "corpus_problems.csv")
    assert {Path(f).name for f in problems["file"]} == {"009_missing.txt", "broken.xlsx"}
    assert (p.site / "sources" / "sheet-broken.html").is_file()  # the reject's link resolves
    assert not (p.reports / "failed").exists()


@pytest.mark.slow
def test_hostile_downloads_are_neutralised_and_processed_data_faithful(hostile_site):
    site = hostile_site.site.resolve()
    for f in (site / "data").glob("*.csv"):
        with open(f, newline="", encoding="utf-8") as fh:
            for row in csv.reader(fh):
                for cell in row:
                    assert not cell.startswith(("=", "@", "\t", "\r")), (f.name, cell)
    processed = (hostile_site.processed / "mapping.csv").read_text(encoding="utf-8")
    assert "\n" + FORMULA.replace('"', '""') in processed or FORMULA.replace('"', '""') in processed
    assert "'" + FORMULA.replace('"', '""') in (site / "data/mapping.csv").read_text(encoding="utf-8")
    assert "CSV injection" in (site / "data.html").read_text(encoding="utf-8")


@pytest.mark.slow
@pytest.mark.browser
def test_hostile_names_run_no_script_on_any_page(hostile_site):
    from playwright.sync_api import sync_playwright

    site = hostile_site.site.resolve()
    pages = sorted(site.rglob("*.html"))
    region_pages = [p for p in pages if p.parent.name == "regions"]
    assert len(region_pages) >= 5  # the hostile regions have pages of their own
    assert Path(CHROMIUM).exists(), "Debian's chromium is required (make setup installs it)"
    problems = []
    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, args=[
            "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
            "--disable-component-update", "--no-first-run", "--disable-sync"])
        ctx = b.new_context()
        for f in pages:
            page = ctx.new_page()
            events: list[str] = []
            page.on("dialog", lambda d, ev=events: (ev.append(f"dialog {d.message}"), d.dismiss()))
            page.on("pageerror", lambda exc, ev=events: ev.append(f"pageerror {exc}"))
            page.goto(f.as_uri(), wait_until="load")
            hrefs = page.eval_on_selector_all("a[href]", "els => els.map(e => e.href)")
            bad = [h for h in hrefs if not h.startswith(("file:", "http:", "https:"))]
            # search for a hostile name: results must be text, not markup
            page.fill("#search-box", "img onerror")
            # the results (or "No page matches") are shown: the check below then sees them
            page.wait_for_selector("#search-results li", state="attached", timeout=120_000)
            if page.locator("#search-results img, #search-results svg").count():
                events.append("search results hold markup")
            if events or bad:
                problems.append((str(f.relative_to(site)), events, bad))
            page.close()
        b.close()
    assert not problems, problems[:5]
    # the names are shown, as text
    # (Chinese runs are wrapped in <span lang="zh">, so the text is compared without tags)
    profile = next(p for p in region_pages if "onerror=alert(1)&gt;&quot;&#x27;市" in
                   re.sub(r"</?span[^>]*>", "", p.read_text(encoding="utf-8")))
    assert "<img src=x" not in profile.read_text(encoding="utf-8")


def test_a_forked_child_does_not_hold_the_lock(tmp_path):
    lock = tmp_path / ".ruralstudy.lock"
    with iorw.project_lock(lock, "ruralstudy build"):
        pid = os.fork()
        if pid == 0:  # a pool worker, say, that outlives its build: it lives until killed
            signal.pause()
            os._exit(0)
    try:
        with iorw.project_lock(lock, "ruralstudy build"):  # free as soon as the holder lets go
            pass
    finally:
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)


# --- touch only what the project made (issue 24: F5, F6, F8b, F9, F10, F11, D4, D5, D7, I21) ----

def _tree(folder: Path) -> dict[str, bytes]:
    """Every file under ``folder`` (links not followed), with its bytes."""
    return {str(f.relative_to(folder)): f.read_bytes() for f in sorted(folder.rglob("*"))
            if f.is_file() and not f.is_symlink()}


def _someone_elses(folder: Path) -> dict[str, bytes]:
    """A folder of another project and a folder of photos, as on a shared disk."""
    for rel, text in (("otherproject/src/main.py", "print('mine')\n"),
                      ("otherproject/.git/config", "[core]\n"), ("photos/a.jpg", "jpeg"),
                      ("notes.txt", "keep me\n")):
        (folder / rel).parent.mkdir(parents=True, exist_ok=True)
        (folder / rel).write_text(text, encoding="utf-8")
    return _tree(folder)


def _one_sentence(r, *words: str) -> None:
    assert r.returncode == 1, (r.stdout, r.stderr)
    out = r.stderr.strip()
    assert "Traceback" not in out and out.startswith("error: ") and "\n" not in out, out
    for w in words:
        assert w in r.stderr, (w, r.stderr)


def test_F10_symlinked_site_builds_is_refused_not_followed(tiny_built, tmp_path):
    from conftest import clone, site_files

    p = clone(tiny_built, tmp_path / "p")
    before = site_files(p)
    bigdisk = tmp_path / "bigdisk"
    bigdisk.mkdir()
    theirs = _someone_elses(bigdisk)
    builds = p.reports / ".site-builds"
    for d in builds.iterdir():  # "put the site builds on the big disk"
        shutil.move(str(d), bigdisk / d.name)
    builds.rmdir()
    builds.symlink_to(bigdisk)
    r = _cli(["build", "--force", "--jobs", "1", "--root", p.root])
    _one_sentence(r, str(builds), "symbolic link")
    assert {k: v for k, v in _tree(bigdisk).items() if k in theirs} == theirs
    assert site_files(p) == before  # the old site, through the link, untouched
    # in the build's own folder, what the build did not make is kept too
    builds.unlink()
    shutil.copytree(bigdisk, builds, symlinks=True)
    mine = _someone_elses(builds / "keep")
    assert _cli(["build", "--force", "--jobs", "1", "--root", p.root]).returncode == 0
    assert _tree(builds / "keep") == mine
    assert (builds / "notes.txt").read_text(encoding="utf-8") == "keep me\n"


def test_F9_symlinked_cache_is_refused_not_followed(tiny_built, tmp_path):
    from conftest import clone

    p = clone(tiny_built, tmp_path / "p")
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    theirs = _someone_elses(scratch)
    shutil.copytree(p.cache, scratch, dirs_exist_ok=True)
    shutil.rmtree(p.cache)
    p.cache.symlink_to(scratch)  # "put the cache on the big disk"
    for args in (["build"], ["build", "--force"], ["extract"], ["cache", "prune"],
                 ["cache", "prune", "--unused"]):
        r = _cli([*args, "--root", p.root])
        _one_sentence(r, str(p.cache), "symbolic link")
        assert {k: v for k, v in _tree(scratch).items() if k in theirs} == theirs, args


def test_F9_a_foreign_folder_at_the_cache_is_refused_and_an_unmarked_own_cache_adopted(
        tiny_built, tmp_path):
    from conftest import clone, ran

    from ruralstudy.build.build import BuildOptions, build

    p = clone(tiny_built, tmp_path / "p")
    (p.cache / "CACHEDIR.TAG").unlink()  # a cache from before the tag: adopted as it is
    assert ran(build(p, BuildOptions(jobs=1))) == []
    assert (p.cache / "CACHEDIR.TAG").read_text(encoding="utf-8").startswith(
        "Signature: 8a477f597d28d172789f06886806bc55")
    shutil.rmtree(p.cache)
    theirs = _someone_elses(p.cache)
    r = _cli(["build", "--force", "--jobs", "1", "--root", p.root])
    _one_sentence(r, str(p.cache), "not a folder ruralstudy made", "otherproject")
    assert _tree(p.cache) == theirs


def test_F11_real_folder_at_site_is_refused_and_kept(tiny_built, tmp_path):
    from conftest import clone

    p = clone(tiny_built, tmp_path / "p")
    p.site.unlink()
    p.site.mkdir()  # a gh-pages worktree, say
    (p.site / ".git").write_text("gitdir: elsewhere\n", encoding="utf-8")
    (p.site / "custom.html").write_text("my hand-written page", encoding="utf-8")
    (p.site / "CNAME").write_text("example.org\n", encoding="utf-8")
    theirs = _tree(p.site)
    for args in (["build"], ["build", "--force"]):
        r = _cli([*args, "--jobs", "1", "--root", p.root])
        _one_sentence(r, str(p.site), "real folder", "left untouched")
        assert _tree(p.site) == theirs and not p.site.is_symlink()
    assert _cli(["extract", "--root", p.root]).returncode == 0  # no site: not in the way


def test_F5_symlinked_lock_is_refused_and_its_target_untouched(tiny_built, tmp_path):
    from conftest import clone

    p = clone(tiny_built, tmp_path / "p")
    victim = tmp_path / "victim_lock.txt"
    victim.write_text("IMPORTANT USER DATA\nline2\n", encoding="utf-8")
    p.lock.unlink(missing_ok=True)
    p.lock.symlink_to(victim)
    new = tmp_path / "new.txt"
    new.write_text(_report_text(1), encoding="utf-8")
    for args in (["build"], ["cache", "prune"], ["add", new, "--year", "2023", "--wait", "0"]):
        r = _cli([*args, "--root", p.root])
        _one_sentence(r, str(p.lock), "symbolic link")
        assert victim.read_text(encoding="utf-8") == "IMPORTANT USER DATA\nline2\n", args


def test_F6_lock_that_is_a_folder_is_one_sentence(tiny_built, tmp_path):
    from conftest import clone

    p = clone(tiny_built, tmp_path / "p")
    p.lock.unlink(missing_ok=True)
    p.lock.mkdir()
    new = tmp_path / "new.txt"
    new.write_text(_report_text(1), encoding="utf-8")
    for args in (["build"], ["cache", "prune"], ["add", new, "--year", "2023", "--wait", "0"]):
        _one_sentence(_cli([*args, "--root", p.root]), str(p.lock), "is a folder")


def test_F8b_cache_that_is_a_file_is_one_sentence(tiny_built, tmp_path):
    from conftest import clone

    p = clone(tiny_built, tmp_path / "p")
    shutil.rmtree(p.cache)
    p.cache.write_text("not a cache\n", encoding="utf-8")
    for args in (["extract"], ["build"], ["build", "--force"], ["cache", "prune"]):
        _one_sentence(_cli([*args, "--root", p.root]), str(p.cache), "is not a folder")
    assert p.cache.read_text(encoding="utf-8") == "not a cache\n"


def test_D5_prune_unused_without_a_record_is_refused(tiny_built, tmp_path):
    from conftest import clone

    p = clone(tiny_built, tmp_path / "p")
    (p.cache / "last-build.json").unlink()
    entries = sorted(p.cache.glob("*/*"))
    r = _cli(["cache", "prune", "--unused", "--root", p.root])
    _one_sentence(r, "last-build.json", "nothing was removed")
    assert sorted(p.cache.glob("*/*")) == entries


def test_D7_file_modes_follow_the_umask(tmp_path):
    from conftest import tiny_project

    p = tiny_project(tmp_path / "p")
    os.chmod(p.manifest, 0o664)  # a group-shared project: its mode is kept
    old = os.umask(0o022)
    try:
        new = tmp_path / "new.txt"
        new.write_text(_report_text(1), encoding="utf-8")
        r = _cli(["add", new, "--region", "测试1县", "--province", "某省", "--level", "county",
                  "--year", "2023", "--root", p.root])
        assert r.returncode == 0, r.stderr
        assert p.manifest.stat().st_mode & 0o777 == 0o664
        copied = [f for f in p.reports_raw.iterdir() if not f.name.endswith("_tiny.txt")]
        assert len(copied) == 1 and copied[0].stat().st_mode & 0o777 == 0o644
        assert _cli(["indicators", "--root", p.root]).returncode == 0
        modes = {f.name: f.stat().st_mode & 0o777 for f in p.processed.iterdir()}
        assert len(modes) > 5 and set(modes.values()) == {0o644}, modes
        os.umask(0o002)
        (p.processed / "figures.csv").unlink()
        assert _cli(["indicators", "--root", p.root]).returncode == 0
        assert (p.processed / "figures.csv").stat().st_mode & 0o777 == 0o664
    finally:
        os.umask(old)


@pytest.mark.slow  # `ruralstudy run` starts a fresh kernel, then the tiny project is rebuilt
def test_D4_run_executed_copy_survives_the_next_build(tiny_built, tmp_path):
    from conftest import clone

    p = clone(tiny_built, tmp_path / "p")
    r = _cli(["run", p.notebooks / "04_links.ipynb", "--root", p.root])
    assert r.returncode == 0, r.stderr
    mine = p.executed / "04_links.ipynb"
    assert mine.is_file()
    written = sorted(f.name for f in p.executed.glob("*.ipynb") if f != mine)
    assert _cli(["build", "--force", "--jobs", "1", "--root", p.root]).returncode == 0
    assert mine.is_file()
    assert sorted(f.name for f in p.executed.glob("*.ipynb") if f != mine) == written


def test_D4_a_build_removes_only_the_executed_copies_it_wrote(tiny_built, tmp_path):
    """The build's record names what it wrote: a page it no longer makes loses its copy; a
    notebook it never wrote stays (after an upgrade without a record: only the build's names)."""
    from conftest import clone

    from ruralstudy.build.build import BuildOptions, build

    p = clone(tiny_built, tmp_path / "p")
    record = p.executed / ".ruralstudy-made"
    data = json.loads(record.read_text(encoding="utf-8"))
    data["written"].append("regions-gone.ipynb")
    record.write_text(json.dumps(data), encoding="utf-8")
    for name in ("regions-gone.ipynb", "mine.ipynb", "04_links.ipynb"):
        (p.executed / name).write_text("{}", encoding="utf-8")
    build(p, BuildOptions(jobs=1, force=True))
    names = {f.name for f in p.executed.glob("*.ipynb")}
    assert "regions-gone.ipynb" not in names and {"mine.ipynb", "04_links.ipynb"} <= names


def test_I21_add_refuses_links_out_of_the_folder_and_non_regular_files(tmp_path):
    from conftest import tiny_project

    p = tiny_project(tmp_path / "p")
    secret = tmp_path / "secret" / "notes.txt"
    secret.parent.mkdir()
    secret.write_text("测试县2023年共有行政村9个。数据库密码：hunter2\n", encoding="utf-8")
    folder = tmp_path / "links"
    folder.mkdir()
    (folder / "good.txt").write_text(_report_text(2), encoding="utf-8")
    (folder / "inside.txt").symlink_to("good.txt")  # a link within the folder: the same file
    (folder / "notes.txt").symlink_to(secret)
    (folder / "passwd.txt").symlink_to("/etc/passwd")
    (folder / "zero.txt").symlink_to("/dev/zero")
    os.mkfifo(folder / "fifo.txt")
    before = p.manifest.read_bytes()
    r = _cli(["add", folder, "--year", "2023", "--root", p.root])
    assert r.returncode == 1 and "Traceback" not in r.stderr
    assert "1 added, 0 skipped as duplicate, 4 refused" in r.stderr, r.stderr
    for name in ("notes.txt", "passwd.txt", "zero.txt"):
        assert f"{folder / name}: a symbolic link leading out of the folder" in r.stderr
    assert f"{folder / 'fifo.txt'}: not a regular file (a FIFO)" in r.stderr
    m = iorw.read_csv(p.manifest)
    assert p.manifest.read_bytes().startswith(before) and len(m) == 3  # the tiny two, and one
    texts = [f.read_bytes() for f in p.reports_raw.iterdir()]
    assert not any(b"hunter2" in t or b"root:" in t for t in texts)


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGHUP, signal.SIGINT])
def test_F1_a_signal_during_add_leaves_no_copy_and_no_temp_file(tmp_path, sig):
    """``add`` of a folder is signalled once it has copied its first file (a control point,
    not a delay): the copies are removed, the manifest is as it was, no temporary file is left,
    and the process ends by the signal (Ctrl-C: a non-zero status)."""
    from conftest import tiny_project
    from test_build import start_paused, wait_for_marker

    p = tiny_project(tmp_path / "p")
    folder = tmp_path / "batch"
    folder.mkdir()
    for n in range(6):
        (folder / f"r{n}.txt").write_text(_report_text(n), encoding="utf-8")
    before = _tree(p.raw)
    marker = tmp_path / "paused"
    proc = start_paused(["add", str(folder), "--year", "2023", "--root", str(p.root)], "add",
                        marker)
    try:
        wait_for_marker(marker, proc, "add paused after its first copy")
        assert len(list(p.reports_raw.iterdir())) == 3  # the first copy is there
        proc.send_signal(sig)
        _, err = proc.communicate(timeout=600)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    if sig == signal.SIGINT:
        assert proc.returncode not in (0, None)
    else:
        assert proc.returncode == -sig, err
    assert "Traceback" not in err
    assert _tree(p.raw) == before  # no copy, no temporary file, the manifest unchanged


def test_F10_a_symlinked_executed_folder_is_refused_before_any_step_runs(tiny_built, tmp_path):
    from conftest import clone

    p = clone(tiny_built, tmp_path / "p")
    elsewhere = tmp_path / "elsewhere"
    theirs = _someone_elses(elsewhere)
    shutil.rmtree(p.executed)
    p.executed.symlink_to(elsewhere)
    r = _cli(["build", "--force", "--jobs", "1", "--root", p.root])
    _one_sentence(r, str(p.executed), "symbolic link")
    assert _tree(elsewhere) == theirs
    assert "ran" not in r.stderr
