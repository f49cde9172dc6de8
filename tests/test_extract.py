"""Figure extraction: what is and is not a figure, provenance, regions, gold score, determinism."""

from __future__ import annotations


from ruralstudy.corpus import Document, ManifestEntry, Region, clean_text
from ruralstudy.extract import extract_figures
from ruralstudy.iorw import RawText
from ruralstudy.pipeline import gold_score, run_extract

RECALL_MIN, PRECISION_MIN = 0.97, 0.95


def _doc(text: str, regions=()) -> Document:
    entry = ManifestEntry("t", "t.txt", "", "", "", 2021, tuple(regions), "", 2)
    return Document(entry, RawText("t.txt", text, "utf-8", ""), clean_text(text))


def _raws(text: str, regions=()) -> list[str]:
    return [f.raw for f in extract_figures(_doc(text, regions))]


def test_set_phrases_dates_and_ordinals_are_not_figures():
    text = ("2021年以来,推进“2168”标准体系和“520”专项激励计划,落实“三会一课”和“五个一”,"
            "村“两委”“一肩挑”,做到“6个100%”,2022第1期,发布时间:2022-05-27 17:03 正文,"
            "3年以上工作经历,35岁以下的占46.37%,建成党支部12个。")
    assert _raws(text) == ["35岁以下", "46.37%", "12个"]  # 35岁以下: a condition (role)
    roles = [f.role for f in extract_figures(_doc(text))]
    assert roles == ["condition", "observed", "observed"]


def test_kinds_and_qualifiers_in_text():
    text = "全区建制村从196个调整为124个,减幅为36.73%;平均年龄44.5岁,较上届降低4岁;收入突破2800万元,近10万元。"
    figs = extract_figures(_doc(text))
    got = [(f.raw, f.kind, f.qualifier, f.value, f.value_before) for f in figs]
    assert got == [("从196个调整为124个", "change", "exact", 124, 196),
                   ("减幅为36.73%", "growth", "exact", -36.73, None),
                   ("44.5岁", "level", "exact", 44.5, None),
                   ("较上届降低4岁", "growth", "exact", -4, None),
                   ("突破2800万元", "level", "more_than", 28_000_000, None),
                   ("近10万元", "level", "less_than", 100_000, None)]


def test_offsets_point_into_raw_text_including_fullwidth():
    text = "  标题\n\n  全市建成党支部１２３个,占９８.３１%。"
    for f in extract_figures(_doc(text)):
        assert text[f.start:f.end] == f.raw
    assert [f.value for f in extract_figures(_doc(text))] == [123, 98.31]


def test_region_follows_the_section_in_a_two_region_document():
    regions = (Region("乐山市市中区", "四川省", "county"), Region("德昌县", "四川省", "county"))
    text = "乐山市市中区推进调整。全区建制村124个。\n德昌县全面推进改革。全县减少72个村。\n市中区培训124名。"
    got = [(f.raw, f.region) for f in extract_figures(_doc(text, regions))]
    assert got == [("124个", "乐山市市中区"), ("减少72个", "德昌县"), ("124名", "乐山市市中区")]


def test_seed_figures_have_provenance(project):
    res = run_extract(project)
    df = res.figures
    assert res.n_documents == 5 and not res.problems
    assert set(df["doc_id"]) == {"000", "001", "002", "003", "004"}
    texts = {f.name[:3]: f.read_text(encoding="utf-8") for f in project.reports_raw.glob("*.txt")}
    for r in df.itertuples():
        assert texts[r.doc_id][r.start:r.end] == r.raw
        assert r.raw.strip() and r.sentence
    assert df["figure_id"].is_unique
    lps = df[(df.doc_id == "000") & (df.raw == "1.46亿元")].iloc[0]
    assert (lps.value, lps.unit, lps.region) == (146_000_000, "元", "六盘水市")
    assert set(df[df.doc_id == "001"]["region"]) == {""}
    assert set(df[df.doc_id == "002"]["region"]) == {"乐山市市中区", "德昌县"}


def test_extraction_is_byte_identical_across_runs(project):
    run_extract(project)
    first = [(project.processed / n).read_bytes() for n in ("figures.csv", "figures.parquet")]
    run_extract(project)
    assert first == [(project.processed / n).read_bytes() for n in ("figures.csv", "figures.parquet")]


def test_gold_score_meets_targets(project):
    score, matches = gold_score(project)
    print(score.as_row())
    assert score.n_gold >= 250
    assert score.recall >= RECALL_MIN, matches[~matches["correct"]]
    assert score.precision >= PRECISION_MIN, matches[~matches["correct"]]


def test_gold_score_drops_when_a_figure_is_wrong(project):
    """The scorer itself can fail: corrupt one gold value and the figure no longer counts."""
    import pandas as pd

    g = pd.read_csv(project.annotations / "gold_figures.csv", dtype={"doc_id": str})
    g.loc[0, "value"] = g.loc[0, "value"] + 1
    g.to_csv(project.annotations / "gold_figures.csv", index=False)
    score, _ = gold_score(project)
    assert score.n_correct == score.n_gold - 1
