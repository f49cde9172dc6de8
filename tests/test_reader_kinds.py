"""Issue 19, second round: one test per KIND of misreading found on the spent unseen3 holdout,
each on sentences written here in new wording (never the holdout's sentences). Every case runs
the whole reader (extractor -> measurement -> codebook) on a small text and checks which
indicator each figure is published as, or that it stays unmapped."""

from __future__ import annotations

import pandas as pd
import pytest

from ruralstudy.codebook import load_codebook
from ruralstudy.indicators import observe_figures
from ruralstudy.pipeline import extract_files


def read(tmp_path, text: str, region: str = "某某县", level: str = "county",
         year: int = 2021) -> dict[str, tuple[str, float, str]]:
    """raw figure -> (indicator id or '', value, reason) for every figure of ``text``."""
    f = tmp_path / "doc.txt"
    f.write_text(text, encoding="utf-8")
    regions = pd.DataFrame([{"doc": "doc", "region": region, "province": "某某省",
                             "admin_level": level, "year": year}])
    found = extract_files([f], regions)
    obs = observe_figures(found, load_codebook())
    out: dict[str, tuple[str, float, str]] = {}
    for r in obs.to_dict("records"):
        out.setdefault(str(r["raw"]), (str(r["auto_indicator_id"] or ""), float(r["value"]),
                                       str(r.get("reason", "") or "")))
    return out


def ids(got: dict[str, tuple[str, float, str]]) -> dict[str, str]:
    return {k: v[0] for k, v in got.items()}


# --- kind 8b: a table flattened into text with the unit in a column of its own -------------------

def test_table_with_a_unit_column(tmp_path):
    text = ("表3　全区农村基层组织情况（2018—2020年）\n"
            "项目　计量单位　2018年　2019年　2020年\n"
            "行政村数　个　301　298　290\n"
            "村集体经济总收入　万元　5120　6033.5　7010\n"
            "村均集体经济收入　万元　17.0　20.2　24.2\n"
            "集体经济收入10万元以上村数　个　150　188　243\n")
    got = read(tmp_path, text)
    assert got["298"][:2] == ("villages", 298.0)
    assert got["6033.5"][:2] == ("collective_income_total", 60335000.0)
    assert got["24.2"][0] == "collective_income_per_village"
    assert got["243"][0] == "villages_income_over_10w"


def test_a_unit_column_needs_a_header_of_years(tmp_path):
    # two numbers after a word and a unit, with no header row: not a table
    got = read(tmp_path, "今年新建党支部　个　12　15\n")
    assert not any(v[0] for v in got.values())
