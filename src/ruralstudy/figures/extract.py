"""Extracting figures from cleaned report text, with provenance, role and place.

A figure is a numeric expression that carries a unit, a percent sign or a magnitude: written
with Arabic digits (1,246名, 1 586名, 13.65 万元, 5万4千6百元), with Chinese numerals and a
measure word (四十二个, 两千余名, 近万名), as a share in words (三成, 九成以上, 百分之六十二点五)
or as a fraction (三分之一, 2/3). Changes (从5万元增长到12万元) and growth (较上届降低4岁,
缩小5%) are one figure each. Durations in 年 are figures only after a duration cue (驻村时间为3年,
干了48年).

Not figures: dates and periods (2022年, 近3年来, 三年行动), ordinals (第1期, 第一书记), bare
numbers without a unit, set phrases in short quotes ("2168"标准体系, "6个100%") and set
phrases written with numerals (两委, 一肩挑, 三会一课, 五个一, 十三五, 一是, 一村一品, 1+N,
一事一议; :data:`ruralstudy.language.vocab.SET_PHRASES`), including a small Chinese numeral with a
measure word but no qualifier (三个等次, 四项基本制度), which names a list, not a count.

Each figure has a ``role``: ``condition`` when an open-ended figure defines a group (35岁以下
in 35岁以下年轻干部共685人, 60岁以上 in 60岁以上占比3.2%), ``rule`` (每村至少, 不得超过, 原则上,
控制在), ``target`` (力争, 到2025年, 计划) or ``observed``. Targets and rules are never
observed values. All regular expressions come from :mod:`ruralstudy.language.vocab` (through
:mod:`ruralstudy.language.numparse`), so the parser and the extractor share one grammar.
"""

from __future__ import annotations

import bisect
import re
from array import array
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from ..texts.corpus import CleanLine, Document, ManifestEntry, Region
from ..errors import NumberParseError
from ..language.numparse import AMOUNT_AR, AR_NUM, CN_NUM_RE, ParsedNumber, parse_number
from ..language.vocab import (BARE_MAGNITUDE_PREFIXES, CHANGE_CHAINS, CHANGE_OPENERS, CHANGE_VERBS,
                              CONDITION_FOLLOWERS, DURATION_BLOCKERS, DURATION_CUES, GROWTH_BASES,
                              GROWTH_DOWN, GROWTH_FILLERS, GROWTH_NEEDS_BASE, GROWTH_PARTICLE, GROWTH_UP,
                              NORM_MODIFIER, NOUN_UNITS, PLACE_STOP, PLACE_SUFFIXES, PREFIX_QUALIFIERS,
                              RANGE_SEPARATORS, REGION_SUFFIXES, ROLE_CONDITION, ROLE_OBSERVED, ROLE_RULE,
                              ROLE_TARGET, RULE_CUES,
                              SET_PHRASE_NOUNS, SET_PHRASES, TARGET_CUES, TARGET_PLAN, TARGET_YEAR, year_number,
                              TEXT_EXCLUDED_UNITS, TRAILING_SUFFIXES, UNITS, alternation)

FIGURE_COLUMNS = ["figure_id", "doc_id", "region", "province", "admin_level", "year", "start",
                  "end", "line", "raw", "value", "value_high", "value_before", "unit",
                  "qualifier", "kind", "sentence", "sent_offset", "place", "role", "lead",
                  "sent_length", "ocr_confidence"]
#: Characters of the paragraph before a figure's sentence kept as its ``lead`` (the subject of a
#: list stated in an earlier sentence of the paragraph, 新一届村“两委”成员中……；大专以上……).
LEAD_CHARS = 300

_PREFIX = alternation(list(PREFIX_QUALIFIERS))
_SUFFIX = alternation(list(TRAILING_SUFFIXES))
_SEP = rf"(?:{alternation(list(RANGE_SEPARATORS))})"
_MEASURE_UNITS = alternation([u.surface for u in UNITS
                              if u.measure_word and u.surface not in TEXT_EXCLUDED_UNITS])
#: A Chinese-numeral amount: the measure word is required (四十二个, 两千余名, 三点五万元).
_CN_AMOUNT = rf"{CN_NUM_RE}(?:余|多)?(?:万|亿)?(?:{_MEASURE_UNITS})"
#: A bare 万/千 after 近/逾/超/上/约 (近万名, 逾千人).
_BARE_MAG = (rf"(?<=[{''.join(sorted({p[-1] for p in BARE_MAGNITUDE_PREFIXES}))}])"
             rf"[万千](?:余|多)?(?:{_MEASURE_UNITS})")
_AMOUNT = rf"(?:{AMOUNT_AR}|{_CN_AMOUNT}|{_BARE_MAG})"
_RANGE = rf"{_AMOUNT}(?:{_SEP}{_AMOUNT})?"
_CN = "零〇一二两三四五六七八九十百千壹贰叁肆伍陆柒捌玖拾佰仟"
_CHENG = (r"(?:\d+(?:\.\d+)?|[一二两三四五六七八九十半](?:点[一二三四五六七八九])?)成"
          r"(?:[一二三四五六七八九半](?![\u4e00-\u9fff]{0,1}[个名人户项件]))?"
          r"(?![员为立果本功效绩就长交熟型年品不绩份])")
_SPECIAL = (rf"百分之[{_CN}\d.点]+|[{_CN}]+分之[{_CN}点]+|\d+/\d+(?![\d/])|{_CHENG}")
#: A bound written a few characters before its number (至少储备两名, 至少配备1名).
_SEPARATED_BOUND = re.compile(
    r"(至少|不少于|不低于|不得低于|不超过|不得超过|最多)(?:[\u4e00-\u9fff]{1,4}|[^\d,。;、:]{1,16}的)$")
_BOUND_QUALIFIER = {"至少": "at_least", "不少于": "at_least", "不低于": "at_least",
                    "不得低于": "at_least", "不超过": "at_most", "不得超过": "at_most",
                    "最多": "at_most"}
_BASES = alternation(list(GROWTH_BASES))
_ALL_VERBS = alternation(list(GROWTH_UP + GROWTH_DOWN))
_FREE_VERBS = alternation([v for v in GROWTH_UP + GROWTH_DOWN if v not in GROWTH_NEEDS_BASE])
_GROWTH = (rf"(?:(?:{_BASES})(?:平均)?(?:{_ALL_VERBS})|(?:平均)?(?:{_FREE_VERBS}))"
           rf"(?:{GROWTH_PARTICLE})?(?:{alternation(list(GROWTH_FILLERS))})?")

CHANGE_RE = re.compile(
    rf"(?:{alternation(list(CHANGE_OPENERS))})(?:(?:\d{{4}}年(?:底|末|初)?|上年|去年|前年|上届|换届前|上一届|年初)的)?(?:{_PREFIX})?{_AMOUNT}"
    rf"(?:{alternation(list(CHANGE_VERBS))})(?:(?:\d{{4}}年(?:底|末|初)?|今年|目前|现在)的)?(?:{_PREFIX})?{_AMOUNT}"
    rf"(?:(?:{alternation(list(CHANGE_CHAINS))}){_AMOUNT})*")
LEVEL_RE = re.compile(
    rf"(?P<growth>{_GROWTH})?(?P<pre>{_PREFIX})?(?<![\d.A-Za-z])(?<!\d,)(?<!\d/)(?<!\d )"
    rf"(?P<body>{_SPECIAL}|{_RANGE})(?!/\d|\+)(?P<post>{_SUFFIX})?")
#: The same grammar, scanned body first (fast): a cheap first-character test, then the body;
#: the prefix and growth words are found by looking back from the body (see find_figure_spans).
_BODY_START = "\\d百零〇一二两三四五六七八九十壹贰叁肆伍陆柒捌玖拾佰仟廿卅半万千负\\-"
BODY_RE = re.compile(
    rf"(?=[{_BODY_START}])(?<![\d.A-Za-z])(?<!\d,)(?<!\d/)(?<!\d )"
    rf"(?P<body>{_SPECIAL}|{_RANGE})(?!/\d|\+)(?P<post>{_SUFFIX})?")
_PRE_BACK = re.compile(rf"(?:{_PREFIX})$")
_GROWTH_BACK = re.compile(rf"(?:{_GROWTH})$")
DURATION_RE = re.compile(
    rf"(?:{alternation(list(DURATION_CUES))})(?P<pre>{_PREFIX})?"
    rf"(?P<body>(?:{AR_NUM}|{CN_NUM_RE})(?:余|多)?年(?:以上|左右)?)"
    rf"(?!{alternation(list(DURATION_BLOCKERS))})")
_BARE = re.compile(r"^-?[\d.,]+(?:[—–\-~～至到][\d.,]+)?$")
_QUOTE_OPEN = "“\"「『‘"
_QUOTE_CLOSE = "”\"」』’"
_SENTENCE_END = "。!?;\n"
_CLAUSE_END = "。!?;\n,:、"
_TARGET_YEAR = re.compile(TARGET_YEAR)
_TARGET_PLAN = re.compile(TARGET_PLAN)
_YEAR = re.compile(r"(?<![\d到至])((?:19|20)\d\d)年")
#: A clause that sets a quota per unit (每名县级干部联系1个乡镇, 每季度开展1次督查).
_PER_NORM = re.compile(r"^[^\d]{0,4}每(?:名|个|村|人|户|镇|乡|嘎查)")
_PER_OBSERVED = re.compile("实现|增收|达到|完成|共|累计|平均|获得|增加")
_ADJACENT_DIGITS = re.compile("[一二两三四五六七八九][一二两三四五六七八九]")
_NOUNS_LONGEST_FIRST = tuple(sorted(NOUN_UNITS, key=len, reverse=True))
_RE_YEAR_BODY = re.compile(r"(19|20)\d\d年")
_OPEN_PREFIXES = ("超过", "不足", "不到", "低于", "高于")
_RE_STRONG_RULE = re.compile(r"不得|控制在|原则上|每村至少|每个村至少")
_RE_PER = re.compile("每[个村户年人]")
_RE_WAN_YI = re.compile("[万亿]")
_RE_CLAUSE_PUNCT = re.compile("[,。;、]")
_COUNTED_SUBSET = re.compile(r"\d+个(?:行政)?(?:村|嘎查|社区)")
_CN_START = re.compile(rf"^(?:负)?[{_CN}]")


@dataclass(frozen=True)
class Figure:
    """One figure found in a document, with its provenance (raw span, line and sentence),
    the finest place its sentence names and its role (observed, condition, target, rule)."""

    figure_id: str
    doc_id: str
    region: str
    province: str
    admin_level: str
    year: int | None
    start: int
    end: int
    line: int
    raw: str
    value: float
    value_high: float | None
    value_before: float | None
    unit: str
    qualifier: str
    kind: str
    sentence: str
    sent_offset: int
    place: str = ""
    role: str = ROLE_OBSERVED
    lead: str = ""
    #: Length of the figure in ``sentence`` (its cleaned span; an English phrase is rewritten
    #: shorter than its raw words).
    sent_length: int = 0
    #: 0-100 when the figure was read by OCR (the weakest word it came from), else None
    ocr_confidence: float | None = None


def _in_short_quote(text: str, start: int, end: int, limit: int = 12) -> bool:
    """True when [start, end) sits inside a short quoted set phrase such as “2168”."""
    left = max((text.rfind(q, max(0, start - limit), start) for q in _QUOTE_OPEN), default=-1)
    if left < 0:
        return False
    close = [text.find(q, end, end + limit) for q in _QUOTE_CLOSE]
    close = [c for c in close if c >= 0]
    if not close:
        return False
    inner = text[left + 1:min(close)]
    return len(inner) <= limit and not any(c in inner for c in _QUOTE_OPEN + _QUOTE_CLOSE)


def _in_set_phrase(text: str, start: int, end: int) -> bool:
    """True when a set phrase (两委, 五个一, 十四五 …) overlaps [start, end)."""
    window = text[max(0, start - 6):end + 6]
    base = max(0, start - 6)
    for phrase in SET_PHRASES:
        i = window.find(phrase)
        while i >= 0:
            a = base + i
            if a < end and a + len(phrase) > start:
                return True
            i = window.find(phrase, i + 1)
    return False


def _is_figure_body(body: str, text: str, start: int, end: int, has_qualifier: bool,
                    has_growth: bool = False) -> bool:
    if _BARE.match(body):  # no unit, no percent, no magnitude: dates, years, codes
        return False
    if start > 0 and text[start - 1] == "第":
        return False
    if _in_short_quote(text, start, end):
        return False
    if start >= 2 and text[start - 1] == "个" and text[start - 2] in _CN:
        return False  # 六个100%: a slogan
    if _CN_START.match(body) and not body.startswith(("百分之",)) and "分之" not in body:
        if _in_set_phrase(text, start, end):
            return False
        if _ADJACENT_DIGITS.search(body.split("点")[0]):  # 一点四二亿: decimals are digits
            return False  # 两三个, 五六十人, 十七八个: an approximation, not a value
        if text[end:end + 4].startswith(SET_PHRASE_NOUNS):
            return False  # 十二条措施, 五个一, 六个100%
        if not body.endswith("成"):
            try:
                small = abs(parse_number(body).value) < 10
            except NumberParseError:
                return False
            bound = _SEPARATED_BOUND.search(text[max(0, start - 8):start])
            if (small and not (has_qualifier or has_growth or bound)
                    and "余" not in body and "多" not in body):
                return False  # 三个等次, 四项基本制度: a list named, not a count
    return True


def sentence_bounds(text: str, start: int, end: int) -> tuple[int, int]:
    """Return the cleaned-text bounds of the sentence containing [start, end).

    A line break ends a sentence, so each search stays within the figure's line: a sentence
    end that never occurs in the file (say ``;``) does not send a search over the whole file
    for every figure, which made one large file quadratic."""
    line_a = text.rfind("\n", 0, start) + 1
    nl = text.find("\n", end)
    line_b = nl if nl >= 0 else len(text)
    a = max(text.rfind(c, line_a, start) for c in _SENTENCE_END) + 1
    a = max(a, line_a)
    ends = [i for i in (text.find(c, end, line_b) for c in _SENTENCE_END) if i >= 0]
    b = min(ends) + 1 if ends else (nl + 1 if nl >= 0 else len(text))
    return a, b


def _mark(taken: bytearray, a: int, b: int) -> None:
    taken[a:b] = b"\x01" * (b - a)


def find_figure_spans(text: str) -> list[tuple[int, int]]:
    """Return cleaned-text spans of candidate figures, change phrases first, no overlaps."""
    spans: list[tuple[int, int]] = []
    taken = bytearray(len(text) + 1)
    for m in CHANGE_RE.finditer(text):
        spans.append((m.start(), m.end()))
        _mark(taken, m.start(), m.end())
    for m in DURATION_RE.finditer(text):
        b0, b1 = m.span("body")
        if any(taken[b0:b1]) or _RE_YEAR_BODY.match(m["body"]):
            continue
        start = m.start("pre") if m["pre"] else b0
        spans.append((start, b1))
        _mark(taken, start, b1)
    last_end = 0
    for m in BODY_RE.finditer(text):
        b0, b1 = m.span("body")
        if any(taken[b0:b1]):
            continue
        pm = _PRE_BACK.search(text, max(last_end, b0 - 8), b0)
        start = pm.start() if pm else b0
        gm = _GROWTH_BACK.search(text, max(last_end, start - 14), start)
        if not _is_figure_body(m["body"], text, b0, b1, bool(pm or m["post"]), bool(gm)):
            continue
        start = gm.start() if gm else start
        end = m.end("post") if m["post"] else b1
        spans.append((start, end))
        last_end = end
    spans.sort()
    return spans


def reference_year(text: str, year: int | None = None) -> int:
    """The year a document reports on: its manifest year, else the latest year it names that
    is not a deadline (到2025年); 0 if none."""
    if year:
        return year
    years = [int(y) for y in _YEAR.findall(text)]
    return max(years) if years else 0


def figure_role(text: str, start: int, end: int, parsed: ParsedNumber,
                sent_start: int, ref_year: int = 0) -> str:
    """The role of a figure: condition, target, rule or observed (see the module docstring)."""
    raw = text[start:end]
    after = text[end:end + 6]
    clause_start = max(text.rfind(c, sent_start, start) for c in _CLAUSE_END) + 1
    clause_before = text[max(clause_start, sent_start):start]
    if parsed.unit == "年" and text[max(0, start - 2):start] == "连续" and "的" in text[end:end + 12]:
        return ROLE_CONDITION  # 连续两年排名末位的: a duration defining a group
    open_ended = raw.endswith(("以上", "以下", "以内")) or raw.startswith(_OPEN_PREFIXES)
    if parsed.kind == "level":
        if (open_ended and after.startswith(CONDITION_FOLLOWERS)
                and not after.startswith(("的标准", "的要求", "的原则"))
                and not (parsed.unit in ("个", "名", "家", "支", "人", "户", "所", "座")
                         and not after.startswith("的"))):  # 超过300个村: the counted noun
            return ROLE_CONDITION
        if raw.startswith(_OPEN_PREFIXES) and _COUNTED_SUBSET.search(clause_before):
            return ROLE_CONDITION  # 32个村收入超过200万元: the threshold of a counted subset
        if clause_before.endswith(("排名前", "排名后")) and after.startswith("的"):
            return ROLE_CONDITION  # 排名后10%的乡镇
    # a norm the action follows (按照每村不少于3名的标准储备……286名) is a modifier of the clause:
    # the figure after it is what was done, not the norm
    clause_before = NORM_MODIFIER.sub("", clause_before)
    clause = clause_before + raw
    if _RE_STRONG_RULE.search(clause):
        return ROLE_RULE  # an explicit norm in the figure's own clause
    before = text[sent_start:start]
    # a target stated at the head of a sentence carries over its ；-separated parts
    # (力争到2027年，…；…村达到50个); the search stays within the line (see sentence_bounds)
    line_start = text.rfind("\n", 0, start) + 1
    full_start = max(max(text.rfind(c, line_start, start) for c in "。!?！？") + 1, line_start)
    head = re.split(r"[,，:：;；]", text[full_start:start], maxsplit=1)[0]
    if full_start < sent_start and (any(cue in head for cue in TARGET_CUES) or
                                    _TARGET_PLAN.search(head)):
        return ROLE_TARGET
    if any(cue in before for cue in TARGET_CUES) or _TARGET_PLAN.search(before):
        return ROLE_TARGET
    for m in _TARGET_YEAR.finditer(before):
        if year_number(m[1] or m[2]) > ref_year:
            return ROLE_TARGET
    if (any(cue in clause for cue in RULE_CUES) or raw.startswith("不得")
            or (_PER_NORM.match(clause_before) and not _PER_OBSERVED.search(clause_before))
            or (parsed.qualifier in ("at_least", "at_most") and _RE_PER.search(clause))
            or after.startswith(("的标准", "的要求"))):
        return ROLE_RULE
    return ROLE_OBSERVED


_PLACE_RE = re.compile(
    rf"(?P<name>[\u4e00-\u9fff]{{2,4}})(?P<suffix>{alternation([s for s, _ in PLACE_SUFFIXES])})"
    r"(?![党级干民务委组部长书主庄镇乡区县村])")
_PLACE_RANK = dict(PLACE_SUFFIXES)
#: Characters after which a place name starts (punctuation, function words, a coarser place).
_NAME_BREAKS = set("的了是在和与及对把将为从由向以于共其等个们这那有到让给被使如像经至即")
#: Characters a place name in these reports does not contain (verbs of the surrounding prose).
_NOT_IN_NAME = set("的了是在和与及对把将为从由向以于共其等个们这那有到让给被使推进动展施升评获"
                   "导覆盖根据撤并配选培育扶持帮包联抓促深化实现开创办组织建设提高加强全该各每"
                   "已储备发挥结规范严格领航振兴定期下上更多周边引企业完成新届市特色产业示范"
                   "名户人元年月日合返融通过壮强弱富美迁派驻力争按照学扩宽效")
_NOT_NAME_END = ("示范", "文明", "薄弱", "建制", "行政", "重点", "特色", "中心", "美丽", "和美",
                 "宜居", "先进", "富裕", "贫困", "脱贫", "空壳", "后进", "软弱", "涣散", "农村",
                 "城市", "集体", "经济", "试点", "省级", "市级", "县级", "国家级", "乡村", "新型",
                 "全国", "民族", "团结", "卫生", "旅游", "生态", "样板", "明星", "红色", "相对")


#: A sentence that speaks of the whole region (全县, 全市 …) names no sub-place.
_WHOLE_REGION = re.compile("全(" + "|".join(REGION_SUFFIXES) + ")")
def _speaks_of_whole_region(sentence: str, region: str) -> bool:
    """Does the sentence speak of the document's whole region (全县 in a county's report)? In a
    prefecture's report 全县 means the county its paragraph is about."""
    for m in _WHOLE_REGION.finditer(sentence):
        if not region or region.endswith(m[1]) or (m[1] == "市" and region.endswith("州")):
            return True
    return False


#: A paragraph that opens with a place as its heading: （一）浏阳市。 / 2. 攸县：
_HEADING_PLACE = re.compile(r"^(?:[(（]?[一二三四五六七八九十\d]{1,3}[)）、.．]\s*)?"
                            r"((?![全本该我各每])[\u4e00-\u9fff]{1,6}?(?:自治县|自治旗|市|县|区|旗))\s*[。:：]")


def _place_candidates(sentence: str) -> tuple[tuple[int, int, str], ...]:
    out: list[tuple[int, int, str]] = []
    for m in _PLACE_RE.finditer(sentence):
        a = m.start("suffix")
        k = a
        while (k > 0 and sentence[k - 1] not in _NAME_BREAKS and a - k < 7
               and "\u4e00" <= sentence[k - 1] <= "\u9fff"):
            k -= 1
        if sentence[k:a].endswith(("乡", "嘎查", "苏木")) or sentence[a - 1:a + 1] in ("乡村", "农村"):
            continue
        name = sentence[k:a]
        for stop in ("全", "该", "各", "本", "每", "我"):
            if name.startswith(stop):
                name = name[1:]
        if "市" in name[:-1]:  # 绥化市望奎县 -> 望奎县
            name = name[name.rfind("市") + 1:]
        # a name right after a coarser place: 达拉特旗王爱召镇 -> 王爱召镇
        for suffix, _ in PLACE_SUFFIXES:
            i = name.rfind(suffix)
            if 0 < i < len(name) - 1 and len(name) - i - len(suffix) >= 2:
                name = name[i + len(suffix):]
                break
        if not 2 <= len(name) <= 4 or any(c in _NOT_IN_NAME for c in name):
            continue
        if name in PLACE_STOP or name.endswith(_NOT_NAME_END):
            continue
        out.append((_PLACE_RANK[m["suffix"]], a, name + m["suffix"]))
    return tuple(out)


def finest_place(sentence: str, pos: int,
                 candidates: tuple[tuple[int, int, str], ...] | None = None) -> str:
    """The finest place the sentence names (village < township < county), nearest before
    ``pos`` among equals; empty if none. ``candidates`` may pass the sentence's places
    when they are already known."""
    cands = _place_candidates(sentence) if candidates is None else candidates
    if not cands:
        return ""
    best = min(c[0] for c in cands)
    same = [c for c in cands if c[0] == best]
    before = [c for c in same if c[1] < pos]
    return (before[-1] if before else same[0])[2]


def attribute_region(regions: tuple[Region, ...], text: str, pos: int,
                     mentions: list[tuple[int, int]]) -> Region | None:
    """The region whose latest mention precedes ``pos`` (the first region if none does)."""
    if not regions:
        return None
    i = bisect.bisect_right(mentions, (pos, len(regions))) - 1
    return regions[mentions[i][1]] if i >= 0 else regions[0]


def region_mentions(regions: tuple[Region, ...], text: str) -> list[tuple[int, int]]:
    """Positions where each region (by full name or its name without the prefecture) appears."""
    from ..language.regions import name_variants

    found: list[tuple[int, int]] = []
    for idx, reg in enumerate(regions):
        for variant in name_variants(reg.name):
            for m in re.finditer(re.escape(variant), text):
                found.append((m.start(), idx))
    return sorted(set(found))



def figures_frame(figures: list[Figure]) -> pd.DataFrame:
    """Tidy frame of figures with :data:`FIGURE_COLUMNS`, sorted by document and offset."""
    df = pd.DataFrame([vars(f) for f in figures], columns=FIGURE_COLUMNS)
    df = df.sort_values(["doc_id", "start"], kind="mergesort").reset_index(drop=True)
    df["year"] = df["year"].astype("Int64")
    for col in ("value", "value_high", "value_before", "ocr_confidence"):
        df[col] = df[col].astype("float64")
    for col in ("start", "end", "line", "sent_offset", "sent_length"):
        df[col] = df[col].astype("int64")
    for col in ("place", "role", "lead"):
        df[col] = df[col].astype(str)
    return df


#: Cleaned characters of a piece of text extracted at once (whole lines; a longer line is one
#: piece by itself): the memory of a streamed extraction is bounded by this, not by the file.
PIECE_CHARS = 1 << 18
#: Characters of context a piece carries on either side: every test the grammar makes looks at
#: most 22 characters before a figure and 12 after it, and no pattern spans a line break.
CONTEXT_CHARS = 64


@dataclass(frozen=True)
class Piece:
    """A bounded run of whole cleaned lines (the core, ``text[core_start:core_end]``) with up
    to :data:`CONTEXT_CHARS` of the text before and after it, and the raw lines of the core.

    ``start`` is the offset of ``text[0]`` in the whole cleaned text; ``offsets`` maps each
    character of ``text`` to its raw index; ``raw_lines`` holds, for each core line in order,
    its raw index, raw text and 1-based raw line number."""

    text: str
    offsets: Sequence[int]
    start: int
    core_start: int
    core_end: int
    raw_lines: tuple[tuple[int, str, int], ...]


def iter_pieces(lines: Iterable[CleanLine], piece_chars: int = PIECE_CHARS) -> Iterator[Piece]:
    """Group cleaned lines into pieces of about ``piece_chars`` characters (never splitting a
    line, so never a sentence), each with the context either side it needs. At most one piece
    and the lines of the next piece's first :data:`CONTEXT_CHARS` characters are held."""
    left_text, left_offs = "", array("q")
    pos = 0  # cleaned offset of the core's first character
    core: list[CleanLine] = []
    core_len = 0
    ahead: list[CleanLine] = []
    ahead_len = 0

    def piece(core: list[CleanLine], ahead: list[CleanLine]) -> Piece:
        right = "".join(cl.text for cl in ahead)[:CONTEXT_CHARS]
        right_offs = array("q")
        for cl in ahead:
            right_offs.extend(cl.offsets[:CONTEXT_CHARS - len(right_offs)])
        body = "".join(cl.text for cl in core)
        offs = array("q", left_offs)
        for cl in core:
            offs.extend(cl.offsets)
        offs.extend(right_offs)
        return Piece(text=left_text + body + right, offsets=offs, start=pos - len(left_text),
                     core_start=len(left_text), core_end=len(left_text) + len(body),
                     raw_lines=tuple((cl.raw_start, cl.raw, cl.line) for cl in core))

    for cl in lines:
        if core_len < piece_chars:
            core.append(cl)
            core_len += len(cl.text)
            continue
        ahead.append(cl)
        ahead_len += len(cl.text)
        if ahead_len < CONTEXT_CHARS:
            continue
        p = piece(core, ahead)
        yield p
        left_text = p.text[:p.core_end][-CONTEXT_CHARS:]
        left_offs = array("q", p.offsets[p.core_end - len(left_text):p.core_end])
        pos += core_len
        core, core_len, ahead, ahead_len = ahead, ahead_len, [], 0
    if core or ahead:
        yield piece(core + ahead, [])


def document_lines(doc: Document) -> Iterator[CleanLine]:
    """The cleaned lines of a document already read, with their raw lines and line numbers
    (what :func:`ruralstudy.texts.corpus.iter_clean_lines` gives for a file read line by line)."""
    text, offsets, raw = doc.clean.text, doc.clean.offsets, doc.raw.text
    a, line, counted = 0, 1, 0
    while a < len(text):
        nl = text.find("\n", a)
        b = nl + 1 if nl >= 0 else len(text)
        ra = offsets[a]
        rb = offsets[nl] if nl >= 0 else offsets[b - 1] + 1
        line += raw.count("\n", counted, ra)
        counted = ra
        yield CleanLine(text[a:b], offsets[a:b], ra, raw[ra:rb], line)
        a = b


def iter_figures(entry: ManifestEntry, lines: Iterable[CleanLine], ref_year: int,
                 piece_chars: int = PIECE_CHARS) -> Iterator[Figure]:
    """Extract the figures of a document from its cleaned lines, one piece at a time (see
    :func:`iter_pieces`), in text order, each with its raw span and region.

    ``ref_year`` is the document's reference year (:func:`reference_year` of its whole cleaned
    text). What a figure depends on beyond its own line is carried from piece to piece: the
    region mentioned last before it; offsets, figure ids and line numbers refer to the whole
    raw text. The result does not depend on ``piece_chars``."""
    last_mention: tuple[int, int] | None = None  # (cleaned offset, region index)
    for piece in iter_pieces(lines, piece_chars):
        core_mentions = [(piece.start + i, r) for i, r in region_mentions(entry.regions, piece.text)
                         if piece.core_start <= i < piece.core_end]
        mentions = ([last_mention] if last_mention else []) + core_mentions
        if core_mentions:
            last_mention = core_mentions[-1]
        yield from _piece_figures(entry, piece, ref_year, mentions)


def _piece_figures(entry: ManifestEntry, piece: Piece, ref_year: int,
                   mentions: list[tuple[int, int]]) -> Iterator[Figure]:
    """The figures whose span starts in the core of ``piece``."""
    text = piece.text
    raw_starts = [r[0] for r in piece.raw_lines]
    places: dict[tuple[int, int], tuple[tuple[int, int, str], ...]] = {}  # per sentence
    cells = table_cells(text)
    taken = [(c.start, c.end) for c in cells]
    spans: list[tuple[int, int, TableCell | None]] = [(c.start, c.end, c) for c in cells]
    spans += [(cs, ce, None) for cs, ce in find_figure_spans(text)
              if not any(a < ce and cs < b for a, b in taken)]
    spans.sort(key=lambda x: (x[0], x[1]))
    for cs, ce, cell in spans:
        if not piece.core_start <= cs < piece.core_end:
            continue
        if cell is not None:
            yield _cell_figure(entry, piece, raw_starts, cell, mentions)
            continue
        rs, re_ = piece.offsets[cs], piece.offsets[ce - 1] + 1
        k = bisect.bisect_right(raw_starts, rs) - 1
        line_start, line_raw, line_no = piece.raw_lines[k]
        raw_str = line_raw[rs - line_start:re_ - line_start]
        try:
            parsed = parse_number(text[cs:ce])
        except NumberParseError:
            continue  # candidate the grammar rejects (counted as not-a-figure)
        if parsed.kind == "change" and not parsed.unit and not _RE_WAN_YI.search(text, cs, ce):
            continue  # a ratio without unit (收入比由1.86缩小至1.79) is a bare number
        qualifier = parsed.qualifier
        unit = parsed.unit
        if not unit and parsed.kind == "level":
            noun = next((n for n in _NOUNS_LONGEST_FIRST if text.startswith(n, ce)), None)
            unit = NOUN_UNITS[noun] if noun else ""  # 11.2万农户: the unit comes from the noun
        bound = _SEPARATED_BOUND.search(text[max(0, cs - 20):cs])
        if qualifier == "exact" and bound and not _RE_CLAUSE_PUNCT.search(bound.group(0)):
            qualifier = _BOUND_QUALIFIER[bound[1]]
        sa, sb = sentence_bounds(text, cs, ce)
        region = attribute_region(entry.regions, text, piece.start + cs, mentions)
        sent = text[sa:sb]
        if (sa, sb) not in places:
            places[(sa, sb)] = _place_candidates(sent)
        lead = len(sent) - len(sent.lstrip())
        place = finest_place(sent, cs - sa, places[(sa, sb)])
        if not place:
            # a paragraph under a place heading: （一）浏阳市。村均…… (全县 then means that county);
            # or one that opens with its place, unless the sentence speaks of the whole region
            para = text[text.rfind("\n", 0, sa) + 1:sa].strip()
            head = _HEADING_PLACE.match(para)
            opening = [c for c in _place_candidates(para[:12]) if c[1] <= 8] if para else []
            if head:
                place = head[1]
            elif opening and not _speaks_of_whole_region(sent, region.name if region else ""):
                place = opening[0][2]
        yield Figure(
            figure_id=f"{entry.doc_id}-{rs:06d}", doc_id=entry.doc_id,
            region=region.name if region else "", province=region.province if region else "",
            admin_level=region.level if region else "", year=entry.year,
            start=rs, end=re_, line=line_no, raw=raw_str,
            value=parsed.value, value_high=parsed.value_high, value_before=parsed.value_before,
            unit=unit, qualifier=qualifier, kind=parsed.kind,
            sentence=sent.strip(), sent_offset=cs - sa - lead,
            place=place,
            role=figure_role(text, cs, ce, parsed, sa, ref_year),
            lead=text[max(text.rfind("\n", 0, sa) + 1, sa - LEAD_CHARS):sa + lead].strip(),
            sent_length=ce - cs)


@dataclass(frozen=True)
class TableCell:
    """One value of a table flattened into text: a row label with its unit in brackets, then
    one value per column (行政村数(个) 580 580 …), each column a year of the header row."""

    start: int
    end: int
    label: str
    unit: str
    factor: float
    surface: str
    year: int | None
    #: "change" for a column of changes against the previous round (增减, 变化), else ""
    column: str = ""
    #: the table's caption (the line above its header), which may name the rows' body
    caption: str = ""


#: A row of a flattened table: label (unit) value value … (after NFKC: ASCII brackets, spaces).
_TABLE_ROW = re.compile(r"^[ \t]*(?P<label>(?:[^\d\n]|\d{2}岁)[^\n]*?[\u4e00-\u9fff”\")])[ \t]*"
                        r"\((?P<unit>万元|亿元|元|个|人|名|%|岁|户|家|支|处|所|‰)\)"
                        r"(?P<cells>(?:[ \t]+-?\d[\d,]*(?:\.\d+)?){2,})[ \t]*$", re.M)
#: A row of a table whose unit is a column of its own (指标 单位 2017 2018 …): label, unit, values;
#: read only below a header row of years, one value per year.
_TABLE_ROW_UNIT_COLUMN = re.compile(
    r"^[ \t]*(?P<label>[^\d\n][^\n]*?[\u4e00-\u9fff”\")])[ \t]+"
    r"(?P<unit>万元|亿元|元|个|人|名|%|岁|户|家|支|处|所|‰)"
    r"(?P<cells>(?:[ \t]+-?\d[\d,]*(?:\.\d+)?){2,})[ \t]*$", re.M)
_TABLE_UNITS = {"万元": ("元", 1e4), "亿元": ("元", 1e8)}


_YEAR_COLUMN = re.compile(r"((?:19|20)\d\d)年?(?:末|底|年末|年底)?")


#: Columns of a table comparing two election rounds (项目 本届 上届 增减).
_ROUND_NOW = re.compile(r"本届|新一届|换届后|本次换届")
_ROUND_BEFORE = re.compile(r"上届|上一届|换届前")
_ROUND_CHANGE = re.compile(r"(比上届|较上届)?(增减|变化|增减变化|增加|减少|升降)(情况)?")
_ROUND_YEAR = re.compile(r"上(一)?届[^\n,;。]{0,4}?((?:19|20)\d\d)年")


def _round_header(tokens: list[str], above: str) -> list[int | str | None] | None:
    """The value columns of a header that names election rounds (本届 上届 增减): None for the
    current round (the text's year), the previous round's year when a line above states it
    (上届为2018年换届数据), else "skip", and "change" for the column of changes."""
    kinds = ["now" if _ROUND_NOW.fullmatch(t) else "before" if _ROUND_BEFORE.fullmatch(t) else
             "change" if _ROUND_CHANGE.fullmatch(t) else "" for t in tokens]
    if "now" not in kinds or "before" not in kinds:
        return None
    first = min(k for k, x in enumerate(kinds) if x)
    if any(not x for x in kinds[first:]):
        return None
    y = _ROUND_YEAR.search(above)
    return [None if x == "now" else (int(y[2]) if y else "skip") if x == "before" else "change"
            for x in kinds[first:]]


def _table_headers(text: str) -> list[tuple[int, list]]:
    """Header rows of tables flattened into text: (offset, one entry per value column: its year,
    or None for a column that is no year, e.g. 增长(%) after the years). A header names at least
    two years as columns of their own; its columns start at the first year. A header of election
    rounds (本届 上届 增减) gives :func:`_round_header`'s columns."""
    out: list[tuple[int, list]] = []
    pos = 0
    lines = text.split("\n")
    for i, line in enumerate(lines):
        tokens = line.split()
        rounds = _round_header(tokens, "\n".join(lines[max(0, i - 2):i]))
        if rounds:
            out.append((pos, rounds))
            pos += len(line) + 1
            continue
        is_year = [bool(_YEAR_COLUMN.fullmatch(t)) for t in tokens]
        if sum(is_year) >= 2 and not any(re.search(r"\d", t) for t, y in zip(tokens, is_year)
                                         if not y and not re.search(r"[%‰]", t)):
            first = is_year.index(True)
            out.append((pos, [int(_YEAR_COLUMN.fullmatch(t)[1]) if y else None
                              for t, y in zip(tokens[first:], is_year[first:])]))
        pos += len(line) + 1
    return out


def table_cells(text: str) -> list[TableCell]:
    """The values of tables flattened into text (a yearbook's 指标名称 2019年 2020年 … header,
    then rows): each value with its row label, unit and column year (None when the header does
    not give one per column)."""
    out: list[TableCell] = []
    headers = _table_headers(text)
    rows = list(_TABLE_ROW.finditer(text)) if "(" in text else []
    if headers:
        bracketed = {m.start() for m in rows}
        rows += [m for m in _TABLE_ROW_UNIT_COLUMN.finditer(text) if m.start() not in bracketed
                 and any(pos < m.start() for pos, _ in headers)]
        rows.sort(key=lambda m: m.start())
    for m in rows:
        hdr = next(((pos, ys) for pos, ys in reversed(headers) if pos < m.start()), (0, []))
        years = hdr[1]
        caption = ""
        if any(isinstance(y, str) for y in years):  # a table of rounds: its caption names the body
            before = text[:hdr[0]].rstrip("\n").split("\n")
            # a bracketed note of the caption (行政村口径，上届为2018年…) states base and years
            caption = re.sub(r"\([^()]*\)", "", before[-1]).strip() if before else ""
        values = list(re.finditer(r"-?\d[\d,]*(?:\.\d+)?", m.group("cells")))
        if years and len(years) != len(values):
            if m.re is _TABLE_ROW_UNIT_COLUMN:
                continue
            years = []
        unit, factor = _TABLE_UNITS.get(m["unit"], (m["unit"], 1.0))
        label = re.sub(r"\s+", "", m["label"])
        rounds = any(isinstance(y, str) for y in years)
        for k, v in enumerate(values):
            if years and years[k] is None and not rounds:
                continue  # a column that is no year (增长%, 比上年增减): not a value of the row's unit
            if rounds and years[k] == "skip":
                continue  # the previous round's column, its year not stated: read as prose
            a = m.start("cells") + v.start()
            y = years[k] if years else None
            out.append(TableCell(a, a + len(v.group(0)), label, unit, factor, m["unit"],
                                 y if isinstance(y, int) else None,
                                 column="change" if y == "change" else "", caption=caption))
    return out


def _cell_figure(entry: ManifestEntry, piece: Piece, raw_starts: list[int], cell: TableCell,
                 mentions: list[tuple[int, int]]) -> Figure:
    """A figure of one table cell: read as the sentence ``label value unit``, in the column's
    year."""
    text = piece.text
    rs, re_ = piece.offsets[cell.start], piece.offsets[cell.end - 1] + 1
    k = bisect.bisect_right(raw_starts, rs) - 1
    line_start, line_raw, line_no = piece.raw_lines[k]
    raw_str = line_raw[rs - line_start:re_ - line_start]
    number = text[cell.start:cell.end].replace(",", "")
    region = attribute_region(entry.regions, text, piece.start + cell.start, mentions)
    unit, kind, surface, label = cell.unit, "level", cell.surface, cell.label
    if cell.column == "change":
        # a change against the previous round: of a share in points, of an age in years; a
        # change of a count is read as a plain change (no round is said in its sentence)
        kind = "growth"
        if cell.unit == "%":
            unit, surface, label = "pp", "个百分点", f"{cell.label}较上届"
        elif cell.unit == "岁":
            label = f"{cell.label}较上届"
        else:
            label = f"{cell.label}增减"
    return Figure(
        figure_id=f"{entry.doc_id}-{rs:06d}", doc_id=entry.doc_id,
        region=region.name if region else "", province=region.province if region else "",
        admin_level=region.level if region else "", year=cell.year or entry.year,
        start=rs, end=re_, line=line_no, raw=raw_str, value=float(number) * cell.factor,
        value_high=None, value_before=None, unit=unit, qualifier="exact", kind=kind,
        sentence=f"{label}{text[cell.start:cell.end]}{surface}",
        sent_offset=len(label), place="", role=ROLE_OBSERVED, lead=cell.caption,
        sent_length=cell.end - cell.start)


def extract_figures(doc: Document, piece_chars: int = PIECE_CHARS) -> list[Figure]:
    """Extract every figure of a document, in text order, each with its raw span and region
    (:func:`iter_figures` over the document's lines)."""
    ref_year = reference_year(doc.clean.text, doc.entry.year)
    figures = list(iter_figures(doc.entry, document_lines(doc), ref_year, piece_chars))
    if getattr(doc.extracted, "ocr", None) is not None:  # read by OCR: its confidence
        from dataclasses import replace

        from ..texts.ocr import figure_confidence

        figures = [replace(f, ocr_confidence=figure_confidence(doc.extracted, f.start, f.end))
                   for f in figures]
    return figures


def streams_as_text(path: str | Path) -> bool:
    """Is ``path`` a text report, read line by line by :func:`iter_file_figures`? A file that a
    registered input format reads (:data:`ruralstudy.registry.FORMATS`: web pages, PDF and Word
    files, pictures of pages; by suffix or first bytes, as
    :func:`ruralstudy.texts.formats.read_report` picks its reader) is not, nor is what
    ``read_report`` refuses (an old Word binary, an unknown zip-based format)."""
    from .. import registry
    from ..texts.formats import OLE2_MAGIC

    p = Path(path)
    suffix = p.suffix.lower()
    if suffix == ".doc" or not p.is_file():
        return False
    with p.open("rb") as f:
        head = f.read(16)  # as much as read_report looks at
    if head.startswith(OLE2_MAGIC) or registry.format_for(suffix, head) is not None:
        return False
    return not (suffix and suffix not in registry.suffixes() and head.startswith(b"PK\x03\x04"))


def iter_file_figures(path: str | Path, doc_id: str = "file",
                      piece_chars: int = PIECE_CHARS) -> Iterator[Figure]:
    """The figures of a single report outside the corpus (``ruralstudy figures FILE``), as
    :func:`extract_figures` of :func:`ruralstudy.texts.corpus.document_from_file` gives them.

    A text file is read twice, line by line, never whole: once to check its encoding and find
    its reference year, once to extract. Memory is then bounded by ``piece_chars`` (and the
    longest line), not by the file. A web page, PDF or Word file is read whole (its text must
    be extracted from the whole file first). Errors (:class:`ruralstudy.errors.CorpusError`)
    are raised before the first figure is yielded."""
    from .. import iorw
    from ..texts.corpus import document_from_file, iter_clean_lines

    if not streams_as_text(path):
        yield from extract_figures(document_from_file(path, doc_id=doc_id), piece_chars)
        return
    codec = iorw.text_file_codec(path)
    entry = ManifestEntry(doc_id=doc_id, file=str(path), title="", source="", published="",
                          year=None, regions=(), notes="", line=0)
    ref_year = max((reference_year(cl.text) for cl in
                    iter_clean_lines(iorw.iter_text_lines(path, codec))), default=0)
    yield from iter_figures(entry, iter_clean_lines(iorw.iter_text_lines(path, codec)),
                            ref_year, piece_chars)


def iter_figures_csv(figures: Iterable[Figure], batch: int = 2000) -> Iterator[str]:
    """CSV text of figures (the header, then rows), ``batch`` figures at a time: the same
    text as :func:`ruralstudy.iorw.frame_to_csv_bytes` of :func:`figures_frame` of them all
    when they come in (document, offset) order, as :func:`iter_figures` yields them."""
    from ..iorw import frame_to_csv_bytes

    def chunk(figs: list[Figure], header: bool) -> str:
        out = frame_to_csv_bytes(figures_frame(figs)).decode("utf-8")
        return out if header else out.split("\n", 1)[1]

    buf: list[Figure] = []
    header = True
    for f in figures:
        buf.append(f)
        if len(buf) >= batch:
            yield chunk(buf, header)
            buf, header = [], False
    if buf or header:
        yield chunk(buf, header)
