"""Cost of hostile-sized inputs (issue 24): a 10 MB HTML report and a 1-million-row sheet.

    PYTHONPATH=src python benchmarks/hostile.py            # both, the report's sizes
    PYTHONPATH=src python benchmarks/hostile.py --mb 1 --rows 100000   # a quick look

For the page: ``ruralstudy figures PAGE`` (reading and extraction alone), then ``ruralstudy
build`` of a two-report project (one-cell notebooks) with and without the page, each in its own
process, timed with its peak RSS (``/usr/bin/time``-style, from ``resource.getrusage`` of the
child). The page's build cost is the difference: it should be about the cost of its figures
(linear), where it used to never finish (quadratic in the figures of one indicator cell).
For the sheet: ``read_sheet_frame`` on a 1,000,000-row CSV at the default row limit (refused)
and with ``RURALSTUDY_MAX_SHEET_ROWS`` raised (read), each in its own process.

Measured 2026-12-05 at the branch's final code on the shared 2-core machine (7 agents; CPU
seconds are the fair figure, wall time mostly says how busy the neighbours were):

====================================  =========  =======  =========  =========================
10 MB page, 78,922 paragraphs          wall       CPU      peak RSS   before (adversarial report)
====================================  =========  =======  =========  =========================
``figures PAGE`` (236,766 figures)     81 s       38 s     674 MB     50 MB page: 360 s, 7.1 GB
``add PAGE``                           43 s       21 s     514 MB     14 s, 1.5 GB
``build`` with the page (all steps)    348 s      145 s    3.4 GB     not done after 25 min
``build`` without it                   8 s        3 s      269 MB
====================================  =========  =======  =========  =========================

The page's build cost is linear in its figures: 142 CPU s for 236,766 figures, 0.6 ms a
figure (``figures`` alone: 0.16 ms CPU a figure); a 1 MB page (23,860 figures) built in 60 s,
peak 576 MB. The 3.4 GB peak is the indicator and site steps' frames and pages (236,766
highlighted figures on one source page), not the reading (235 MB after extraction at 1 MB).

1,000,000-row sheet (110 MB CSV): refused at the default limit (100,000 rows) in 3.0 s wall,
1.1 s CPU, 369 MB (was 695 s, 8 GB, then a traceback); read whole with the limit raised in
14 s wall, 6.1 s CPU, 1.23 GB. An XLSX with one cell at XFD1048576 (5 KB): 1.6 s, 139 MB (was
over 9 GB); a PDF of 2 million text operators (4 MB): refused in 1.9 s, 296 MB (was 145 s,
5.4 GB).
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PY = sys.executable


def measured(args: list[str], env: dict | None = None) -> tuple[float, float, int, str]:
    """(seconds, peak RSS in MB of the largest process, exit status, CPU seconds with the
    last stderr line and the number of stdout lines) of ``args``, run from a fresh Python so that the peak RSS
    (``getrusage`` of its children) is this command's own."""
    code = ("import resource,subprocess,sys,time,json,os;t=time.monotonic();"
            "r=subprocess.run(sys.argv[1:],capture_output=True,text=True);"
            "u=resource.getrusage(resource.RUSAGE_CHILDREN);"
            "print(json.dumps([time.monotonic()-t,u.ru_maxrss/1024,r.returncode,"
            "(r.stderr.strip().splitlines() or [''])[-1][:300], r.stdout.count(chr(10)),"
            "u.ru_utime+u.ru_stime]))")
    import json

    r = subprocess.run([PY, "-c", code, *args], capture_output=True, text=True,
                       env={**os.environ, **(env or {})})
    secs, peak, rc, tail, lines, cpu = json.loads(r.stdout)
    # CPU seconds (all the command's processes) as well as wall time: on a shared machine
    # the wall time says more about the neighbours than about the code
    return secs, peak, rc, f"cpu {cpu:.1f} s  {tail} [{lines} stdout lines]"


def make_page(path: Path, mb: float) -> int:
    """A saved county page of about ``mb`` MB: a menu, a footer and an article of varied
    paragraphs, each with three figures (most of one indicator cell, the hard case)."""
    head = ("<!DOCTYPE html><html><head><meta charset='utf-8'><title>仁寿县：村级组织建设"
            "稳步推进</title><meta name='PubDate' content='2024-03-15'></head><body>"
            "<ul class='nav'><li><a href='/'>首页</a></li><li><a href='/dj'>党建动态</a></li></ul>"
            "<div class='article'><h1>仁寿县：村级组织建设稳步推进</h1>")
    tail = "</div><div class='footer'>主办单位：中共仁寿县委组织部</div></body></html>"
    parts, size, i = [head], len(head.encode()), 0
    while size < mb * (1 << 20):
        p = (f"<p>仁寿县第{i}片区共有村党组织{200 + i % 37}个，村“两委”成员平均年龄"
             f"{40 + i % 9}.{i % 10}岁，大专以上学历占比{30 + i % 20}.{i % 10}%。</p>\n")
        parts.append(p)
        size += len(p.encode())
        i += 1
    parts.append(tail)
    path.write_text("".join(parts), encoding="utf-8")
    return i


def page_bench(mb: float) -> None:
    sys.path.insert(0, str(ROOT / "tests"))
    from conftest import tiny_project  # the two-report project of the build-logic tests

    tmp = Path(tempfile.mkdtemp(prefix="hostile-page-"))
    try:
        page = tmp / "big.html"
        n = make_page(page, mb)
        print(f"page: {page.stat().st_size / (1 << 20):.1f} MB, {n:,} paragraphs, "
              f"{3 * n:,} figures in the article")
        env = {"RURALSTUDY_WARM_IMPORTS": "", "PYTHONPATH": str(ROOT / "src")}
        secs, peak, rc, tail = measured([PY, "-m", "ruralstudy", "figures", str(page)], env)
        print(f"  figures PAGE:          {secs:7.1f} s  peak {peak:7.0f} MB  rc {rc}  {tail}")
        base = tiny_project(tmp / "base")
        secs0, peak0, rc0, tail0 = measured([PY, "-m", "ruralstudy", "build", "--jobs", "1",
                                             "--root", str(base.root)], env)
        print(f"  build without the page:{secs0:7.1f} s  peak {peak0:7.0f} MB  rc {rc0}  {tail0}")
        p = tiny_project(tmp / "with")
        shutil.copyfile(page, p.reports_raw / "002_big.html")
        with open(p.manifest, "a", encoding="utf-8") as fh:
            fh.write("002,002_big.html,big,test,,2023,仁寿县,四川省,county,\n")
        secs1, peak1, rc1, tail1 = measured([PY, "-m", "ruralstudy", "build", "--jobs", "1",
                                             "--root", str(p.root)], env)
        print(f"  build with the page:   {secs1:7.1f} s  peak {peak1:7.0f} MB  rc {rc1}  {tail1}")
        print(f"  the page's build cost: {secs1 - secs0:7.1f} s "
              f"({(secs1 - secs0) / max(3 * n, 1) * 1000:.2f} ms a figure; "
              f"`figures` alone {secs / max(3 * n, 1) * 1000:.2f} ms a figure)")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def sheet_bench(rows: int) -> None:
    tmp = Path(tempfile.mkdtemp(prefix="hostile-sheet-"))
    try:
        f = tmp / "million.csv"
        with open(f, "w", encoding="utf-8") as fh:
            fh.write("region,province,admin_level,year,construct,indicator_label_zh,raw_value,url\n")
            for i in range(rows):
                fh.write(f"测试{i % 2000}县,测试省,county,2022,cadre_structure,"
                         f"村党组织书记平均年龄,{40 + i % 20}岁,https://example.org/{i}\n")
        print(f"sheet: {f.stat().st_size / (1 << 20):.0f} MB, {rows:,} rows")
        code = ("import sys,time;from pathlib import Path;from ruralstudy.tables.sheets import "
                "read_sheet_frame;from ruralstudy.errors import SheetError\n"
                "t=time.monotonic()\ntry:\n df=read_sheet_frame(Path(sys.argv[1]));"
                "print(f'read {len(df):,} rows', file=sys.stderr)\n"
                "except SheetError as e: print(f'refused: {e}', file=sys.stderr); sys.exit(1)")
        env = {"PYTHONPATH": str(ROOT / "src")}
        secs, peak, rc, tail = measured([PY, "-c", code, str(f)], env)
        print(f"  default limit:         {secs:7.1f} s  peak {peak:7.0f} MB  rc {rc}  {tail}")
        secs, peak, rc, tail = measured([PY, "-c", code, str(f)],
                                        {**env, "RURALSTUDY_MAX_SHEET_ROWS": str(rows + 1),
                                         "RURALSTUDY_MAX_FILE_BYTES": "2GB"})
        print(f"  limit raised:          {secs:7.1f} s  peak {peak:7.0f} MB  rc {rc}  {tail}")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--mb", type=float, default=10.0, help="size of the HTML page (MB)")
    ap.add_argument("--rows", type=int, default=1_000_000, help="rows of the sheet")
    ap.add_argument("--only", choices=("page", "sheet"), help="run one of the two")
    a = ap.parse_args()
    if a.only != "sheet":
        page_bench(a.mb)
    if a.only != "page":
        sheet_bench(a.rows)


if __name__ == "__main__":
    main()
