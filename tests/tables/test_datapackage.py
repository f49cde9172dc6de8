"""The Data Package, the Stata files and the data-set citation (issue 22)."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from pandas.io.stata import StataReader

from ruralstudy.tables import datapackage as D
from ruralstudy import registry
from ruralstudy.site import site as S


def _frames() -> dict[str, pd.DataFrame]:
    codebook = pd.DataFrame({"indicator_id": ["secretary_mean_age", "villages"],
                             "label_zh": ["村党组织书记平均年龄", "行政村数"],
                             "label_en": ["Mean age of secretaries", "Villages"]})
    panel = pd.DataFrame({"region": ["达拉特旗", "固始县"], "round": ["2020-21", ""],
                          "indicator_id": ["secretary_mean_age", "villages"],
                          "value": [45.4, 608.0], "year": pd.array([2021, None], dtype="Int64"),
                          "construct": ["cadre_structure", "context"], "source_id": ["a", "b"],
                          "income_concept": ["", ""]})
    indicators = panel.assign(source_id=["a", "b"])
    return {"codebook": codebook, "panel": panel, "indicators": indicators}


def _write(tmp_path, frames, pkg: bytes):
    for name, df in frames.items():
        (tmp_path / f"{name}.csv").write_bytes(S.excel_csv(df.to_csv(index=False).encode("utf-8")))
    (tmp_path / "datapackage.json").write_bytes(pkg)
    return tmp_path / "datapackage.json"


def test_datapackage_validates_and_describes_every_column(tmp_path):
    from frictionless import validate

    frames = _frames()
    pkg = D.datapackage(frames, version="0.1.0+abc", created="2026-01-01T00:00:00Z")
    report = validate(str(_write(tmp_path, frames, pkg)))
    assert report.valid, report.flatten(["type", "message"])
    desc = json.loads(pkg)
    panel = next(r for r in desc["resources"] if r["name"] == "panel")
    fields = {f["name"]: f for f in panel["schema"]["fields"]}
    assert fields["year"]["type"] == "integer" and fields["value"]["type"] == "number"
    assert "unknown" in fields["year"]["missing"] and fields["region"]["title"] == "地区"
    assert panel["schema"]["primaryKey"] == ["region", "round", "indicator_id", "income_concept"]
    assert {"fields": "indicator_id", "reference": {"resource": "codebook", "fields": "indicator_id"}} \
        in panel["schema"]["foreignKeys"]


def test_datapackage_validator_catches_a_broken_foreign_key(tmp_path):
    """The keys are checked, not decoration: a panel indicator missing from the codebook fails."""
    from frictionless import validate

    frames = _frames()
    frames["panel"].loc[1, "indicator_id"] = "no_such_indicator"
    pkg = D.datapackage(frames, version="x", created="2026-01-01T00:00:00Z")
    report = validate(str(_write(tmp_path, frames, pkg)))
    assert not report.valid
    assert "foreign-key" in {e[0] for e in report.flatten(["type"])}


def test_an_undeclared_column_is_an_error_naming_it():
    frames = _frames()
    frames["panel"]["mystery"] = 1
    with pytest.raises(D.UndeclaredColumn, match="'mystery' of table 'panel'"):
        D.datapackage(frames, version="x", created="2026-01-01T00:00:00Z")


def test_datapackage_bytes_are_deterministic():
    a = D.datapackage(_frames(), version="x", created="2026-01-01T00:00:00Z")
    assert a == D.datapackage(_frames(), version="x", created="2026-01-01T00:00:00Z")


def test_stata_file_reads_back_with_chinese_labels(tmp_path):
    frames = _frames()
    when = D.stamp_datetime("2026-11-22 10:00 UTC")
    data = D.stata_bytes("panel", frames["panel"], stamp=when, data_label="ruralstudy panel")
    assert data == D.stata_bytes("panel", frames["panel"], stamp=when, data_label="ruralstudy panel")
    f = tmp_path / "panel.dta"
    f.write_bytes(data)
    back = pd.read_stata(f)
    assert list(back["region"]) == ["达拉特旗", "固始县"]
    assert back["value"].tolist() == [45.4, 608.0]
    assert back["year"].iloc[0] == 2021 and pd.isna(back["year"].iloc[1])
    with StataReader(f) as r:
        labels = r.variable_labels()
        values = r.value_labels()
    assert labels["region"].startswith("地区 / ") and labels["year"].startswith("年份")
    assert set(values["construct"].values()) == {"cadre_structure", "context"}


def test_dataset_citation_takes_authors_version_and_access_date_from_one_place():
    cff = ('cff-version: 1.2.0\ntitle: "ruralstudy: figures"\ntype: software\n'
           'authors:\n  - family-names: "Li"\n    given-names: "Hua Ming"\nversion: 1.2.0\n')
    stamp = {"date": "2026-11-30 08:00 UTC", "commit": "0123456789abcdef"}
    apa = S.dataset_citation_apa(cff, stamp)
    assert apa.startswith("Li, H. M. (2026). ruralstudy data tables (Version 1.2.0, commit 0123456789ab) [Data set]. Accessed 2026-11-30.")
    assert "add `doi:` to CITATION.cff" in apa
    with_doi = S.dataset_citation_apa(cff + "doi: 10.5281/zenodo.123\n", stamp)
    assert with_doi.endswith("https://doi.org/10.5281/zenodo.123")
    bib = S.dataset_citation_bibtex(cff + "doi: 10.5281/zenodo.123\n", stamp)
    assert bib.startswith("@dataset{ruralstudy_data2026,") and "urldate = {2026-11-30}" in bib


@pytest.mark.slow  # reads the seed build
def test_built_site_offers_a_valid_datapackage_and_stata_files(built, tmp_path):
    import shutil

    from frictionless import validate

    data = built.site.resolve() / "data"
    for f in data.glob("*.csv"):
        shutil.copy(f, tmp_path / f.name)
    shutil.copy(data / "datapackage.json", tmp_path / "datapackage.json")
    report = validate(str(tmp_path / "datapackage.json"))
    assert report.valid, report.flatten(["type", "message"])[:5]
    names = {r["name"] for r in json.loads((data / "datapackage.json").read_bytes())["resources"]}
    assert names == {t.name for t in registry.tables(download=True)}
    panel = pd.read_stata(data / "panel.dta")
    csv = pd.read_csv(data / "panel.csv", encoding="utf-8-sig", keep_default_na=False)
    assert len(panel) == len(csv) and list(panel["region"]) == list(csv["region"])
    with StataReader(data / "indicators.dta") as r:
        assert r.variable_labels()["indicator_zh"].startswith("指标（中文）")
    page = (built.site.resolve() / "data.html").read_text(encoding="utf-8")
    assert "data/datapackage.json" in page and "use &quot;panel.dta&quot;" in page
    about = (built.site.resolve() / "about.html").read_text(encoding="utf-8")
    assert "[Data set]. Accessed " in about


def test_panel_key_keeps_income_concepts_apart(tmp_path):
    """A band of villages by operating income and the band by total income of one region and
    round are two panel cells: the Data Package's key accepts both, and refuses a true
    duplicate."""
    from frictionless import validate

    frames = _frames()
    row = dict(region="固始县", round="2020-21", indicator_id="villages", value=9.0,
               year=2021, construct="context", source_id="c", income_concept="total")
    frames["panel"] = pd.concat([frames["panel"], pd.DataFrame([row, {**row, "source_id": "d",
                                 "income_concept": "operating"}])], ignore_index=True)
    frames["indicators"] = frames["panel"].copy()
    pkg = D.datapackage(frames, version="0.1.0+abc", created="2026-01-01T00:00:00Z")
    assert validate(str(_write(tmp_path, frames, pkg))).valid
    frames["panel"].loc[3, "income_concept"] = "total"
    pkg = D.datapackage(frames, version="0.1.0+abc", created="2026-01-01T00:00:00Z")
    report = validate(str(_write(tmp_path, frames, pkg)))
    assert not report.valid and "primary-key" in str(report.flatten(["type"]))
