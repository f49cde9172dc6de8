"""The command line: parse, figures, extract, add, score.

The commands run in process (conftest.cli); ``--help`` runs the real ``python -m ruralstudy``
once, for the entry point (the project-lock tests in test_hostile start it as well)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pandas as pd

from conftest import cli as run

EXE = [sys.executable, "-m", "ruralstudy"]


def run_process(args, cwd=None, env=None):
    e = dict(os.environ, **(env or {}))
    return subprocess.run(EXE + args, capture_output=True, text=True, cwd=cwd, env=e, timeout=300)


def test_help_on_every_subcommand():
    top = run_process(["--help"])  # the real entry point, once
    assert top.returncode == 0 and "Usage" in top.stdout, top.stderr
    for cmd in ("parse", "figures", "extract", "indicators", "score", "add", "build", "site", "run"):
        r = run([cmd, "--help"])
        assert r.returncode == 0 and "Usage" in r.stdout, (cmd, r.stderr)


def test_parse_prints_json_lines_and_errors():
    r = run(["parse", "15.84万元", "近10万元", "不是数字"])
    lines = [json.loads(x) for x in r.stdout.splitlines()]
    assert lines[0]["value"] == 158400 and lines[0]["unit"] == "元" and lines[0]["kind"] == "level"
    assert lines[1]["qualifier"] == "less_than"
    assert lines[2]["raw"] == "不是数字" and "error" in lines[2]
    assert r.returncode == 1


def test_figures_on_any_file(tmp_path):
    f = tmp_path / "note.txt"
    f.write_bytes("全县培训村干部300余名,村均收入15.84万元。".encode("gb18030"))
    r = run(["figures", str(f)])
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    assert lines[0].startswith("figure_id,doc_id,region")
    assert len(lines) == 3 and "300余名" in lines[1] and "158400" in lines[2]
    assert ",place,role," in lines[0] + ","


def test_figures_streams_a_large_file_with_the_whole_documents_csv(tmp_path):
    """`figures FILE` writes rows as it finds them (a text file is read line by line and
    extracted a piece at a time) and prints byte for byte the whole document's CSV."""
    from pathlib import Path

    from ruralstudy.texts.corpus import document_from_file
    from ruralstudy.figures.extract import extract_figures, figures_frame
    from ruralstudy.iorw import frame_to_csv_bytes

    reports = sorted((Path(__file__).resolve().parents[1] / "data/raw/reports").glob("*.txt"))
    unit = "\n".join(p.read_text(encoding="utf-8-sig") for p in reports) + "\n"
    f = tmp_path / "big.txt"
    f.write_text(unit * 6, encoding="utf-8")
    r = subprocess.run(EXE + ["figures", str(f)], capture_output=True, timeout=300)
    assert r.returncode == 0, r.stderr
    want = frame_to_csv_bytes(figures_frame(extract_figures(document_from_file(f, "big"))))
    assert r.stdout == want and r.stdout.count(b"\n") > 1000


def test_figures_on_bad_file_names_it(tmp_path):
    f = tmp_path / "page.txt"
    f.write_text("<html><body>x</body></html>", encoding="utf-8")
    r = run(["figures", str(f)])
    assert r.returncode == 1 and "page.txt" in r.stderr and "HTML" in r.stderr


def test_add_then_extract(project, tmp_path):
    new = tmp_path / "new_report.txt"
    new.write_text("某县2023年共有村党组织156个,村“两委”干部平均年龄41.2岁。", encoding="utf-8")
    r = run(["add", str(new), "--region", "某县", "--province", "某省", "--level", "county",
             "--year", "2023", "--title", "test", "--root", str(project.root)])
    assert r.returncode == 0, r.stderr
    m = pd.read_csv(project.manifest, dtype=str, keep_default_na=False)
    assert list(m["doc_id"])[-1] == "005" and m.iloc[-1]["regions"] == "某县"
    again = run(["add", str(new), "--region", "某县", "--province", "某省", "--level", "county",
                 "--root", str(project.root)])
    assert again.returncode == 1 and "same content" in again.stderr
    r = run(["extract", "--root", str(project.root)])
    assert r.returncode == 0, r.stderr
    figs = pd.read_csv(project.processed / "figures.csv", dtype={"doc_id": str})
    new_figs = figs[figs.doc_id == "005"]
    assert list(new_figs["raw"]) == ["156个", "41.2岁"] and set(new_figs["region"]) == {"某县"}


def test_score_prints_figures(project):
    r = run(["score", "--root", str(project.root)])
    assert r.returncode == 0, r.stderr
    assert "extraction (seeds): precision" in r.stdout and "recall" in r.stdout
    assert "extraction (unseen-dev): precision" in r.stdout
    assert "extraction (unseen-holdout): precision" in r.stdout
