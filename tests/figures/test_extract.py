"""Figure extraction: what is and is not a figure, provenance, regions, gold score, determinism."""

from __future__ import annotations


from ruralstudy.texts.corpus import Document, ManifestEntry, Region, clean_text
from ruralstudy.figures.extract import extract_figures
from ruralstudy.iorw import RawText
from ruralstudy.errors import NumberParseError
from ruralstudy.build.build import run_extract
from ruralstudy.build.pipeline import gold_score

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


def test_gold_score_counts_only_the_annotated_documents(project):
    """A report nobody annotated adds no false positive: the gold lists every figure of the
    documents it names, and only the figures found in those are scored; an extra figure in an
    annotated document still counts against precision."""
    import pandas as pd

    from ruralstudy.build.pipeline import extract_quietly

    figures = extract_quietly(project)
    base, _ = gold_score(project, figures=figures)
    other = figures.assign(doc_id="999", figure_id=figures["figure_id"] + "-x")
    grown, _ = gold_score(project, figures=pd.concat([figures, other], ignore_index=True))
    assert (grown.n_found, grown.n_correct, grown.precision) == \
        (base.n_found, base.n_correct, base.precision)
    extra = figures.iloc[[0]].assign(start=figures["start"].iloc[0] + 100000,
                                     figure_id="extra")
    worse, _ = gold_score(project, figures=pd.concat([figures, extra], ignore_index=True))
    assert worse.n_found == base.n_found + 1 and worse.precision < base.precision


# --- issue 10: one grammar, every style ------------------------------------------------------

import math  # noqa: E402

import pytest  # noqa: E402
from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from ruralstudy.language import vocab  # noqa: E402
from ruralstudy.language.numparse import parse_number  # noqa: E402


def _figs(text: str):
    return [(f.raw, f.value) for f in extract_figures(_doc(text))]


@pytest.mark.parametrize("verb", vocab.CHANGE_VERBS)
def test_every_change_form_is_extracted_whole(verb):
    """Each change verb the parser accepts: the extractor finds the change as ONE figure."""
    phrase = f"从5万元{verb}12万元"
    p = parse_number(phrase)
    assert (p.kind, p.value_before, p.value) == ("change", 50_000, 120_000)
    figs = extract_figures(_doc(f"村集体收入{phrase}。"))
    assert [(f.raw, f.kind, f.value_before, f.value) for f in figs] == [
        (phrase, "change", 50_000, 120_000)]


@pytest.mark.parametrize("verb", vocab.GROWTH_UP + vocab.GROWTH_DOWN)
@pytest.mark.parametrize("base", ["", "较上届", "同比"])
def test_every_growth_form_agrees_between_parser_and_extractor(verb, base):
    phrase = f"{base}{verb}5%"
    sign = -1 if verb in vocab.GROWTH_DOWN else 1
    if not base and verb in vocab.GROWTH_NEEDS_BASE:
        with pytest.raises(NumberParseError):
            parse_number(phrase)
        assert all(f.kind != "growth" for f in extract_figures(_doc(f"收入{phrase}。")))
        return
    assert parse_number(phrase).value == sign * 5 and parse_number(phrase).kind == "growth"
    figs = extract_figures(_doc(f"收入{phrase}。"))
    assert [(f.raw, f.kind, f.value) for f in figs] == [(phrase, "growth", sign * 5)]


@pytest.mark.parametrize("sentence,raw", [
    ("全县现有村党组织四十二个。", "四十二个"), ("选派驻村干部二百一十名。", "二百一十名"),
    ("培训两千余名党员。", "两千余名"), ("办理实事一千二百余件。", "一千二百余件"),
    ("共有十二个村。", "十二个"), ("组织近万名党员参加。", "近万名"),
    ("收入增长的村占近三成。", "近三成"), ("九成以上的村已达标。", "九成以上"),
    ("覆盖率达百分之六十二点五。", "百分之六十二点五"), ("新建1,246名党员档案。", "1,246名"),
    ("新建冷库9,860座。", "9,860座"), ("吸引2,300余名人才。", "2,300余名"),
    ("全县党员1 586名。", "1 586名"), ("新增2 150人。", "2 150人"), ("户均9 860元。", "9 860元"),
    ("村均收入13.65 万元。", "13.65 万元"), ("办理时限20个工作日。", "20个工作日"),
    ("驻村时间为3年。", "3年"), ("他干了48年村支书。", "48年"), ("流转土地120公顷。", "120公顷"),
    ("硬化道路35公里。", "35公里"), ("收储粮食800吨。", "800吨"), ("补贴饲料150公斤。", "150公斤"),
    ("新建阵地12间。", "12间"), ("结成帮扶32对。", "32对"), ("发放扫帚300把。", "300把"),
    ("全區3.8億元，1000萬元，210戶，11個。", "3.8億元"),
    ("每村至少配備兩名以上本土人才。", "兩名以上"), ("较上届提高了三个百分点。", "较上届提高了三个百分点"),
])
def test_new_styles_are_found(sentence, raw):
    assert raw in [r for r, _ in _figs(sentence)], _figs(sentence)


@pytest.mark.parametrize("sentence", [
    "村“两委”班子全面实现“一肩挑”。", "落实三会一课制度。", "开展五个一活动。",
    "十三五期间成效明显。", "十四五规划开局。", "一是抓班子，二是强队伍。", "选派第一书记。",
    "推进一村一品。", "建立1+N机制。", "实行一事一议。", "2022年全面完成。", "近3年来变化很大。",
    "实施三年行动。", "制定十二条措施。", "划分三个等次。", "建立一个信息库。",
    "确定六个100%目标。", "建立两张清单。", "开展第三期培训。",
])
def test_set_phrases_and_dates_stay_non_figures(sentence):
    assert _figs(sentence) == []


def test_adjacent_figures_split():
    assert _figs("全旗141户475人中。") == [("141户", 141), ("475人", 475)]


def test_space_separated_thousands_are_never_read_as_their_tail():
    got = dict(_figs("全县1 586名党员，2 150人参加，户均9 860元。"))
    assert got == {"1 586名": 1586, "2 150人": 2150, "9 860元": 9860}


@pytest.mark.parametrize("text,raw,role,qual", [
    ("35岁以下年轻干部共685人。", "35岁以下", "condition", "at_most"),
    ("60岁以上占比3.2%。", "60岁以上", "condition", "more_than"),
    ("收入10万元以上的村有655个。", "10万元以上", "condition", "more_than"),
    ("非生产性开支不得超过20%。", "不得超过20%", "rule", "at_most"),
    ("每村至少配备1名年轻干部。", "1名", "rule", "at_least"),  # bound apart from its number
    ("力争到2025年村均收入达到20万元。", "20万元", "target", "exact"),
    ("比例控制在40%以内。", "40%以内", "rule", "at_most"),
    ("全县党员2000名。", "2000名", "observed", "exact"),
])
def test_roles(text, raw, role, qual):
    figs = {f.raw: f for f in extract_figures(_doc(text))}
    assert raw in figs, list(figs)
    assert (figs[raw].role, figs[raw].qualifier) == (role, qual)


def test_place_is_the_finest_place_the_sentence_names():
    text = "固始县段集镇汪棚村集体收入达到65万元。全县共有党员2000名。"
    figs = extract_figures(_doc(text))
    assert [(f.raw, f.place) for f in figs] == [("65万元", "汪棚村"), ("2000名", "")]


def test_traditional_script_offsets_are_exact():
    text = "  全區黨員1.2萬(wàn)名，集體收入3.8億元，較上屆下降6.2歲。"
    figs = extract_figures(_doc(text))
    assert [f.raw for f in figs] == ["1.2萬(wàn)名", "3.8億元", "較上屆下降6.2歲"]
    for f in figs:
        assert text[f.start:f.end] == f.raw
    assert [f.value for f in figs] == [12_000, 380_000_000, -6.2]


# --- property tests: random values formatted the way reports write them ----------------------

_CN_DIG = "零一二三四五六七八九"


def _cn(n: int) -> str:
    """Chinese numeral for 1 <= n < 100000 (十二, 一百零五, 三万五千)."""
    out, zero = "", False
    for val, unit in ((10000, "万"), (1000, "千"), (100, "百"), (10, "十"), (1, "")):
        d = n // val % 10
        if d:
            if zero:
                out += "零"
            out += ("" if (val == 10 and d == 1 and not out) else _CN_DIG[d]) + unit
            zero = False
        elif out:
            zero = True
    return out


_TRAD = str.maketrans({"万": "萬", "亿": "億", "个": "個", "户": "戶", "岁": "歲"})


@st.composite
def _styled(draw):
    style = draw(st.sampled_from(["plain", "comma", "space", "wan_space", "cn", "trad",
                                  "cheng", "baifenzhi", "fullwidth"]))
    unit = draw(st.sampled_from(["个", "名", "户", "人", "元", "岁"]))
    n = draw(st.integers(min_value=10, max_value=99_999))
    if style == "comma":
        n = draw(st.integers(min_value=1000, max_value=9_999_999))
        return f"{n:,}{unit}", float(n)
    if style == "space":
        n = draw(st.integers(min_value=1000, max_value=999_999))
        return f"{n:,}".replace(",", " ") + unit, float(n)
    if style == "wan_space":
        d = draw(st.integers(min_value=1, max_value=9999)) / 100
        return f"{d:.2f} 万元", round(d * 10_000, 6)
    if style == "cn":
        return _cn(n) + unit, float(n)
    if style == "trad":
        d = draw(st.integers(min_value=1, max_value=9999)) / 10
        return (f"{d:.1f}万" + unit).translate(_TRAD), round(d * 10_000, 6)
    if style == "cheng":
        k = draw(st.integers(min_value=1, max_value=9))
        return _CN_DIG[k] + "成", float(k * 10)
    if style == "baifenzhi":
        k = draw(st.integers(min_value=1, max_value=99))
        d = draw(st.integers(min_value=0, max_value=9))
        return f"百分之{_cn(k)}点{_CN_DIG[d]}", k + d / 10
    fw = str(n).translate(str.maketrans("0123456789", "０１２３４５６７８９"))
    return fw + unit, float(n)


_FRAMES = ["全县{}。", "截至目前，共有{}，较好完成任务。", "据统计，全乡累计{}；", "該村{}，", "{}"]


@settings(max_examples=300, deadline=None)
@given(_styled(), st.sampled_from(_FRAMES))
def test_styled_figures_are_found_with_span_and_value(styled, frame):
    raw, value = styled
    text = frame.format(raw)
    figs = extract_figures(_doc(text))
    assert len(figs) == 1, [(f.raw, f.value) for f in figs]
    f = figs[0]
    assert text[f.start:f.end] == raw == f.raw
    assert math.isclose(f.value, value, rel_tol=1e-9), (raw, f.value)


@pytest.mark.parametrize("sentence", [
    "推进一乡一业。", "落实四议两公开。", "实施三高四新战略。", "学习党的二十大精神。",
    "实现三级跳。", "走进十八洞村。", "一位驻村书记说。", "过去一年变化大。", "排名全省第1位。",
    "开展第三期培训。", "印发湘组办通〔2023〕9号文件。", "咨询电话0731-84567890。",
    "会议于09:15开始。", "2023年5月12日召开。", "每月5日前上报。", "点击:1283", "一、总体情况",
    "(一)强化组织。", "1.加强领导", "村“两委”换届。", "实施“双培双带”工程。", "评为“五星”支部。",
    "推行“一对一”帮扶。", "两三个村联建。", "五六十人参加。", "十七八个支部。", "坚持两个确立。", "做到两个维护。", "增强四个意识。", "收入比由1.86缩小至1.79。",
])
def test_more_non_figures(sentence):
    assert _figs(sentence) == []


@pytest.mark.parametrize("sentence,raw,value", [
    ("一头牛卖5000元。", "5000元", 5000), ("全县三百二十个村。", "三百二十个", 320),
    ("培训一万二千人次。", "一万二千人次", 12000), ("新建十五座冷库。", "十五座", 15),
    ("选派二十余名干部。", "二十余名", 20), ("流转土地三千五百亩。", "三千五百亩", 3500),
    ("覆盖率达到百分之九十五。", "百分之九十五", 95), ("占比约四分之一。", "约四分之一", 25),
    ("村均收入十五万元以上。", "十五万元以上", 150_000), ("约六成村民。", "约六成", 60),
    ("九成五以上的群众满意。", "九成五以上", 95), ("近千名党员参加。", "近千名", 1000),
    ("用工1.2万余人次。", "1.2万余人次", 12_000), ("收入5万4千6百元。", "5万4千6百元", 54_600),
    ("全县有党员12 345名。", "12 345名", 12345), ("资金1,234.5万元。", "1,234.5万元", 12_345_000),
    ("村均5 132.6万元。", "5 132.6万元", 51_326_000), ("空缺须在30日内补齐。", "30日内", 30),
])
def test_more_figures_both_styles(sentence, raw, value):
    got = dict(_figs(sentence))
    assert raw in got, got
    assert got[raw] == pytest.approx(value)


def test_every_candidate_span_parses_on_texts(root):
    """One grammar, the other way round: every span the extractor proposes in the seeds and
    the unseen dev texts is understood by the parser (nothing silently dropped)."""
    from ruralstudy.texts.corpus import clean_text
    from ruralstudy.figures.extract import find_figure_spans

    files = sorted((root / "data/raw/reports").glob("*.txt"))
    files += sorted((root / "data/annotations/unseen/dev").glob("*.txt"))
    for f in files:
        text = clean_text(f.read_text(encoding="utf-8")).text
        for a, b in find_figure_spans(text):
            parse_number(text[a:b])  # raises NumberParseError naming the span


def test_place_from_a_paragraph_heading_or_opening_but_not_for_the_whole_region():
    text = ("（一）浏阳市。村均集体经济收入86.3万元。\n"
            "王爱召镇大力发展产业。村集体收入达到120万元。\n"
            "王爱召镇大力发展产业。全旗村集体收入达到2800万元。\n")
    figs = {f.raw: f.place for f in extract_figures(_doc(text))}
    assert figs["86.3万元"] == "浏阳市" and figs["120万元"] == "王爱召镇"
    assert figs["2800万元"] == ""


def test_a_target_at_the_head_of_a_sentence_carries_across_semicolons_and_no_further():
    text = ("力争到2027年,全县村级集体经济收入突破7000万元;收入50万元以上的村达到50个。"
            "坚持党建引领,以“两个全覆盖”为目标,拟设立党支部13个;全面推进整顿,“一肩挑”比例达100%。")
    roles = {f.raw: f.role for f in extract_figures(_doc(text))}
    assert roles["50个"] == "target" and roles["13个"] == "target"
    assert roles["100%"] == "observed"


# --- streaming: one large file, a piece at a time ------------------------------------------

def _seed_concatenation(tmp_path, copies: int = 4):
    """The seed reports repeated, with place-heading paragraphs, CRLF line ends, as one file."""
    from pathlib import Path

    reports = sorted((Path(__file__).resolve().parents[2] / "data/raw/reports").glob("*.txt"))
    unit = "\n".join(p.read_text(encoding="utf-8-sig") for p in reports)
    unit += ("\n（一）浏阳市。村均集体经济收入12.5万元，较上年增长8%。\n"
             "2. 攸县：全县35岁以下村干部共685人，占比21.3%。\n浏阳市各村共储备后备力量1,246名。\n")
    f = tmp_path / "big.txt"
    f.write_bytes(((unit + "\n") * copies).replace("\n", "\r\n").encode("utf-8"))
    return f


def test_streamed_extraction_equals_whole_document(tmp_path):
    """A file streamed in small pieces (many piece borders, a figure near each) gives the same
    figures, ids, offsets, lines, places and roles as the whole document, and the same CSV."""
    from ruralstudy.texts.corpus import document_from_file, iter_clean_lines
    from ruralstudy.figures.extract import (figures_frame, iter_figures_csv, iter_file_figures,
                                            iter_pieces)
    from ruralstudy.iorw import frame_to_csv_bytes, iter_text_lines, text_file_codec

    f = _seed_concatenation(tmp_path)
    doc = document_from_file(f, doc_id="big")
    whole = extract_figures(doc, piece_chars=10 ** 9)
    assert len(whole) > 500 and any(x.place == "浏阳市" for x in whole)
    assert [x.start for x in whole] == sorted(x.start for x in whole)
    n_pieces = sum(1 for _ in iter_pieces(iter_clean_lines(iter_text_lines(f, text_file_codec(f))),
                                          300))
    assert n_pieces > 100
    for piece_chars in (1, 300, 5000):
        assert list(iter_file_figures(f, doc_id="big", piece_chars=piece_chars)) == whole
        assert extract_figures(doc, piece_chars=piece_chars) == whole
    csv = "".join(iter_figures_csv(iter_file_figures(f, doc_id="big", piece_chars=300), batch=7))
    assert csv == frame_to_csv_bytes(figures_frame(whole)).decode("utf-8")
    assert "".join(iter_figures_csv([])) == frame_to_csv_bytes(figures_frame([])).decode("utf-8")


def test_streamed_extraction_carries_regions_across_pieces():
    """The region mentioned last before a figure is carried from piece to piece."""
    regions = (Region("浏阳市", "湖南省", "county"), Region("攸县", "湖南省", "county"))
    text = ("浏阳市:村集体收入5万元。\n" + "".join(f"其中{i}个村收入超过10万元。\n" for i in range(5))
            + "攸县:全县共有村干部1,200名。\n" + "".join(f"新增后备力量{i}0名。\n" for i in range(1, 6)))
    doc = _doc(text, regions)
    whole = extract_figures(doc, piece_chars=10 ** 9)
    assert [x.region for x in whole].count("攸县") == 6
    assert [x.region for x in whole].count("浏阳市") >= 6
    for piece_chars in (1, 20, 60):
        assert extract_figures(doc, piece_chars=piece_chars) == whole


def test_text_lines_read_in_chunks_split_as_the_whole_text():
    """Lines read a few bytes at a time split as str.splitlines does (CRLF across a chunk
    border stays one line end); the codec is the one decode_bytes chooses."""
    import tempfile
    from pathlib import Path

    from ruralstudy.iorw import decode_bytes, iter_text_lines, text_file_codec

    text = "第一行\r\n第二行5万元\r\r\n\n第三\u2028行\x0c末行1,246名"
    with tempfile.TemporaryDirectory() as tmp:
        for enc in ("utf-8", "utf-8-sig", "gb18030", "utf-16"):
            p = Path(tmp) / f"{enc}.txt"
            p.write_bytes(text.encode(enc))
            assert decode_bytes(p.read_bytes(), str(p)).text == text
            codec = text_file_codec(p)
            for chunk in (1, 2, 3, 5, 1 << 20):
                assert list(iter_text_lines(p, codec, chunk)) == text.splitlines(keepends=True)


def test_streaming_memory_is_bounded_by_the_piece_size(tmp_path):
    """Structural, not timed: every piece holds at most piece_chars plus one line plus the
    context either side, the cores tile the cleaned text exactly, and the extractor reads at
    most about one piece ahead of the figure it yields, however long the file."""
    from ruralstudy.texts.corpus import clean_text, iter_clean_lines
    from ruralstudy.figures.extract import CONTEXT_CHARS, iter_figures, iter_pieces
    from ruralstudy.iorw import iter_text_lines, text_file_codec

    f = _seed_concatenation(tmp_path, copies=12)
    codec = text_file_codec(f)
    lines = list(iter_clean_lines(iter_text_lines(f, codec)))
    longest = max(len(cl.text) for cl in lines)
    total = sum(len(cl.text) for cl in lines)
    piece_chars = 2000
    assert total > 40 * (piece_chars + longest)
    cores = []
    for p in iter_pieces(lines, piece_chars):
        assert len(p.text) <= piece_chars + longest + 2 * CONTEXT_CHARS
        assert p.core_end - p.core_start <= piece_chars + longest
        cores.append(p.text[p.core_start:p.core_end])
    assert "".join(cores) == clean_text(f.read_bytes().decode("utf-8")).text

    pulled: list = []

    def counted():
        for cl in lines:
            pulled.append(cl)
            yield cl

    entry = ManifestEntry("big", "", "", "", "", None, (), "", 0)
    n = 0
    for fig in iter_figures(entry, counted(), 2024, piece_chars):
        ahead = sum(len(cl.text) for cl in pulled if cl.raw_start > fig.start)
        assert ahead <= piece_chars + 2 * longest + CONTEXT_CHARS
        n += 1
    assert n > 1000 and len(pulled) == len(lines)
