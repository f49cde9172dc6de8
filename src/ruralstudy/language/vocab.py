"""The one vocabulary of numeric expressions, shared by the number parser and the extractor.

Everything a figure can be written with lives here: numeral characters, magnitudes, units
(each with its base unit and kind), qualifiers, range and thousands separators, change and
growth verbs, the cues that give a figure its role (condition, target, rule) and the set
phrases that look like numbers but name programmes. :mod:`ruralstudy.language.numparse` and
:mod:`ruralstudy.figures.extract` build their regular expressions from these tables only, so the
expressions the parser understands are the ones the extractor finds in running text.
Matching runs on normalised text (simplified script, NFKC); see :func:`normalise_char`.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

# --- numerals ---------------------------------------------------------------------------------

#: Chinese digits, including financial capitals (壹贰叁…), 〇, 幺 and 两.
CN_DIGITS: dict[str, int] = {
    "零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7,
    "八": 8, "九": 9, "壹": 1, "贰": 2, "叁": 3, "肆": 4, "伍": 5, "陆": 6, "柒": 7, "捌": 8,
    "玖": 9, "幺": 1, "俩": 2,
}
#: 十/百/千 and their financial capitals.
CN_SMALL_UNITS: dict[str, int] = {"十": 10, "百": 100, "千": 1000, "拾": 10, "佰": 100,
                                  "仟": 1000}
CN_BIG_UNITS: dict[str, int] = {"万": 10_000, "亿": 100_000_000, "兆": 10**12}
#: 廿 (twenty) and 卅 (thirty), old forms still in cn2an's tests.
CN_TENS: dict[str, int] = {"廿": 20, "卅": 30}
#: 几 in 二十几万: an unknown digit, read as 0 (the value is a lower bound).
CN_UNKNOWN_DIGIT = "几"
CN_NUMERAL_CHARS = "".join(CN_DIGITS) + "".join(CN_SMALL_UNITS) + "".join(CN_BIG_UNITS) + \
    "".join(CN_TENS)
#: Characters that may start a Chinese numeral in running text (not a bare 百/千/万).
CN_LEADING_CHARS = "".join(c for c in CN_DIGITS if c not in "零〇幺") + "十拾廿卅"
NEGATIVE_SIGNS = ("负", "-", "−", "﹣")
DECIMAL_POINT_CN = "点"
#: Magnitudes written after a number (13.65 万元, 1.46亿元, 5千万).
MAGNITUDES: dict[str, int] = {"万亿": 10**12, "千万": 10**7, "百万": 10**6, "万": 10**4,
                              "亿": 10**8, "千": 10**3}

# --- units --------------------------------------------------------------------------------------

KINDS_OF_UNIT = ("count", "people", "money", "area", "length", "weight", "time", "age", "share")


@dataclass(frozen=True)
class Unit:
    """A unit as written (``surface``), the base unit it is reported in, and its kind.

    ``factor`` converts a value in the surface unit to the base unit (1 for all but a few).
    ``measure_word`` marks units that may follow a Chinese numeral in running text
    (四十二个, 二百一十名); symbols such as % may not.
    """

    surface: str
    base: str
    kind: str
    factor: float = 1.0
    measure_word: bool = True


_U = Unit
UNITS: tuple[Unit, ...] = (
    # counts of things
    *(_U(u, u, "count") for u in (
        "个", "件次", "件", "支", "期", "家", "起", "条", "处", "项", "枚", "套", "次", "场次",
        "场", "所", "头", "种", "类", "批", "篇", "座", "辆", "本", "张", "间", "栋", "块",
        "份", "组", "队", "户次", "把", "对", "台", "只", "株", "棵", "口", "眼", "艘", "架",
        "部", "册", "幅", "轮", "届", "期次", "门", "盏")),
    _U("余次", "次", "count"),
    _U("个村", "个", "count"), _U("个嘎查", "个", "count"), _U("个行政村", "个", "count"),
    _U("个省", "个", "count"), _U("个社区", "个", "count"),
    # people
    *(_U(u, u, "people") for u in ("名", "人次", "人", "户", "位")),
    # money
    _U("元", "元", "money"), _U("圆", "元", "money"), _U("块钱", "元", "money"),
    _U("打", "个", "count", 12.0, measure_word=False),
    # area, length, weight
    _U("亩", "亩", "area"), _U("平方公里", "平方公里", "area"),
    _U("平方千米", "平方公里", "area"), _U("平方米", "平方米", "area"),
    _U("公顷", "公顷", "area"),
    _U("公里", "公里", "length"), _U("千米", "公里", "length"), _U("米", "米", "length"),
    _U("吨", "吨", "weight"), _U("公斤", "公斤", "weight"), _U("千克", "公斤", "weight"),
    _U("斤", "斤", "weight"),
    # time (durations; 年 only after a duration cue, see DURATION_CUES)
    _U("个工作日", "天", "time"), _U("工作日", "天", "time"), _U("天", "天", "time"),
    _U("个月", "月", "time"), _U("小时", "小时", "time"), _U("学时", "学时", "time"),
    _U("日内", "天", "time", measure_word=False),
    # age
    _U("岁", "岁", "age"), _U("周岁", "岁", "age"),
    # shares
    _U("%", "%", "share", measure_word=False), _U("‰", "‰", "share", measure_word=False),
    _U("个百分点", "pp", "share"), _U("百分点", "pp", "share"),
    _U("倍", "倍", "share"),
)
#: Units recognised only after a duration cue (驻村时间为3年, 干了48年).
YEAR_UNIT = Unit("年", "年", "time")
UNIT_BY_SURFACE: dict[str, Unit] = {u.surface: u for u in UNITS + (YEAR_UNIT,)}
#: Surfaces longest first, so that 人次 wins over 人 and 个工作日 over 个.
UNIT_SURFACES: tuple[str, ...] = tuple(sorted((u.surface for u in UNITS), key=len, reverse=True))
#: Units that stop before their noun in running text (655个村集体收入 -> 655个).
TEXT_EXCLUDED_UNITS = ("个村", "个嘎查", "个行政村", "个省", "个社区", "打", "圆")
#: Words that may follow a Chinese-numeral measure word and make the phrase a programme name.
SET_PHRASE_NOUNS = ("措施", "举措", "意见", "规定", "禁令", "要求", "机制", "工程", "行动",
                    "制度", "清单", "原则", "方面", "步骤", "标准", "环节", "关口", "关",
                    "维护", "确立", "自信", "意识", "代表", "务必", "统筹", "一", "二", "三",
                    "百分百", "100%")
#: Nouns after a magnitude-only amount that give its unit (11.2万农户 -> 户).
NOUN_UNITS: dict[str, str] = {"农户": "户", "脱贫户": "户", "家庭": "户", "户": "户",
                              "群众": "人", "农民": "人", "人口": "人", "村民": "人",
                              "党员": "名", "干部": "名"}
#: Set phrases written with numerals that are names, not figures (checked as substrings).
SET_PHRASES = ("两委", "一肩挑", "三会一课", "五个一", "十三五", "十四五", "十二五", "十五五",
               "第一书记", "一村一品", "一事一议", "一村一策", "一人一策", "两学一做",
               "三严三实", "四个意识", "四个自信", "两个维护", "两个确立", "一对一",
               "一肩挑", "一站式", "一张网", "一盘棋", "一把手", "一线", "一体", "三农",
               "三资", "三乡", "四化", "百千万", "千企联千村")

# --- qualifiers ---------------------------------------------------------------------------------

QUALIFIER_MORE = "more_than"
QUALIFIER_LESS = "less_than"
QUALIFIER_AT_LEAST = "at_least"
QUALIFIER_AT_MOST = "at_most"
QUALIFIER_ABOUT = "about"
QUALIFIER_EXACT = "exact"
QUALIFIERS = (QUALIFIER_EXACT, QUALIFIER_MORE, QUALIFIER_LESS, QUALIFIER_AT_LEAST,
              QUALIFIER_AT_MOST, QUALIFIER_ABOUT)

PREFIX_QUALIFIERS: dict[str, str] = {
    "不低于": QUALIFIER_AT_LEAST, "不少于": QUALIFIER_AT_LEAST, "至少": QUALIFIER_AT_LEAST,
    "不得低于": QUALIFIER_AT_LEAST, "不得少于": QUALIFIER_AT_LEAST, "最少": QUALIFIER_AT_LEAST,
    "不超过": QUALIFIER_AT_MOST, "最多": QUALIFIER_AT_MOST, "不得超过": QUALIFIER_AT_MOST,
    "不高于": QUALIFIER_AT_MOST, "不多于": QUALIFIER_AT_MOST, "最高": QUALIFIER_AT_MOST,
    "超过": QUALIFIER_MORE, "突破": QUALIFIER_MORE, "多达": QUALIFIER_MORE, "超": QUALIFIER_MORE,
    "逾": QUALIFIER_MORE, "高于": QUALIFIER_MORE, "大于": QUALIFIER_MORE,
    "近": QUALIFIER_LESS, "不足": QUALIFIER_LESS, "不到": QUALIFIER_LESS, "少于": QUALIFIER_LESS,
    "低于": QUALIFIER_LESS, "将近": QUALIFIER_LESS, "接近": QUALIFIER_LESS,
    "小于": QUALIFIER_LESS,
    "约": QUALIFIER_ABOUT, "大约": QUALIFIER_ABOUT,
}
SUFFIX_QUALIFIERS: dict[str, str] = {
    "及以上": QUALIFIER_AT_LEAST, "以上": QUALIFIER_MORE, "及以下": QUALIFIER_AT_MOST,
    "以下": QUALIFIER_AT_MOST, "以内": QUALIFIER_AT_MOST, "左右": QUALIFIER_ABOUT,
    "多": QUALIFIER_MORE, "余": QUALIFIER_MORE,
}
#: Suffixes written after the unit (the others, 余/多, sit between number and unit).
TRAILING_SUFFIXES = ("及以上", "及以下", "以上", "以下", "以内", "左右")
#: Words that introduce a value without qualifying it (均达100%).
FILLERS = ("均达到", "均达", "达到", "均为", "达", "为", "共", "计", "合计", "累计", "占比", "占")
#: Qualifiers that may stand before a bare 万/千 (近万名, 逾千人).
BARE_MAGNITUDE_PREFIXES = ("近", "逾", "超", "上", "约", "将近", "超过")

# --- separators ---------------------------------------------------------------------------------

RANGE_SEPARATORS = ("—", "–", "-", "~", "～", "至", "到")
#: Thousands separators as they appear after NFKC (full-width comma -> ",", U+3000 -> " ").
THOUSANDS_SEPARATORS = (",", " ")

# --- change and growth --------------------------------------------------------------------------

CHANGE_OPENERS = ("从", "由")
#: Verbs between the two ends of a change (从5万元增长到12万元).
CHANGE_VERBS = tuple(sorted((
    "调整为", "调整到", "调整至", "降至", "降到", "降低到", "降低至", "降低为", "下降到", "下降至",
    "下降为", "减少到", "减少为", "减少至", "增加到", "增加至", "增加为", "扩大到", "扩大至",
    "扩大为", "提高到", "提高至", "提高为", "提升到", "提升至", "提升为", "升至", "上升到",
    "上升至", "上升为", "增至", "增长到", "增长至", "增长为", "缩小到", "缩小至", "缩小为",
    "缩减到", "缩减至", "压缩到", "压缩至", "达到", "变为", "到", "至", "为"), key=len, reverse=True))
CHANGE_CHAINS = ("再到", "再增至", "再增加到")
GROWTH_UP = ("增长", "增加", "提高", "提升", "上升", "增幅", "增收", "扩大", "年长", "高")
GROWTH_DOWN = ("降低", "下降", "减少", "减幅", "降幅", "缩小", "缩减", "压缩", "年轻", "低")
#: Growth verbs that are a growth only after a base (较上届低2.5岁; 高 alone is too vague).
GROWTH_NEEDS_BASE = ("高", "低", "年轻", "年长")
GROWTH_BASES = tuple(sorted((
    "较上一年度", "较上年度", "比上一届", "比上一年", "较上一年", "较上届", "比上届", "较上年",
    "比上年", "同比", "环比", "较去年", "比去年", "年均", "较换届前", "比换届前", "较2020年",
    "较2021年", "较2022年", "比2020年", "比2021年", "比2022年"), key=len, reverse=True))
GROWTH_PARTICLE = "了"
GROWTH_FILLERS = ("为", "达到", "达")

# --- roles --------------------------------------------------------------------------------------

ROLE_OBSERVED = "observed"
ROLE_CONDITION = "condition"
ROLE_TARGET = "target"
ROLE_RULE = "rule"
ROLES = (ROLE_OBSERVED, ROLE_CONDITION, ROLE_TARGET, ROLE_RULE)
#: Cues earlier in the clause that make a figure a target (力争到2025年…达到…).
TARGET_CUES = ("力争", "确保到", "目标是", "目标为", "计划到", "预计到", "计划新增", "计划培养",
               "计划选派", "计划发展", "计划用", "计划利用", "年底前", "年内将", "将达到",
               "目标任务", "预期", "规划到", "争取到", "努力实现", "计划投入", "拟")
#: A year written as a deadline (到2025年, 2025年底前); a target only when it lies after every
#: other year the document names (到2023年底 in a 2023 retrospective is observed).
TARGET_YEAR = (r"(?<![截止])(?:到|至)(20[2-4]\d|二[〇零○][二三四][〇零○一二三四五六七八九])年|"
               r"(20[2-4]\d|二[〇零○][二三四][〇零○一二三四五六七八九])年(?:底|末)?前")
_CN_YEAR_DIGITS = str.maketrans("〇零○一二三四五六七八九", "00012345678" + "9")


def year_number(y: str) -> int:
    """A year written in digits or Chinese numerals (二〇二七) as an int (0 if it is neither)."""
    d = y.translate(_CN_YEAR_DIGITS)
    return int(d) if d.isdigit() else 0
#: 计划 as a verb (计划利用三年时间, 2023年计划新培育), not a programme name (倍增计划。).
TARGET_PLAN = r"计划(?![”\"」、,。;)\s])"
#: Cues that make a figure a rule (每村至少, 不得超过, 原则上, 比例控制在).
RULE_CUES = ("不得超过", "不得低于", "不得少于", "原则上", "控制在", "每村至少", "每个村至少",
             "比例不低于", "比例不超过", "至少", "不少于", "不低于", "不超过",
             "每村不少于", "应当", "须", "必须", "一般不超过", "最高不超过", "标准为")
#: The reader's clause-level cues (:mod:`ruralstudy.measures.measure`), in the figure's own clause: the
#: extractor's cues above plus single words that make that clause a target (确保, 预计, 目标)
#: or a rule (每村, 原则上). One vocabulary: the extractor's phrases are part of these.
TARGET_CLAUSE_WORDS = (r"力争|确保|争取(?!资金|项目|到位)|预计|(?<![倍增人才培养振兴行动工程])计划|目标|"
                       r"(?<!截)(?:到|至)20\d\d年|将(?:达到|实现|突破)|拟|要达到|努力实现|任务")
TARGET_CLAUSE_PATTERN = TARGET_CLAUSE_WORDS + "|" + "|".join(
    re.escape(w) for w in sorted(TARGET_CUES, key=len, reverse=True))
RULE_CLAUSE_WORDS = (r"每村(至少|不少于|配备|选派|按|落实|安排)?|每个(村|嘎查)|每年倒排|不得(超过|少于|低于)|"
                     r"原则上|控制在|应当|须|必须|不少于|不低于|至少|标准(为|是)|/村|按照?每")
RULE_CLAUSE_PATTERN = RULE_CLAUSE_WORDS + "|" + "|".join(
    re.escape(w) for w in sorted(RULE_CUES, key=len, reverse=True))
#: A norm an action follows (按照每村不少于3名的标准储备……): a modifier of its clause, whose figure
#: after it is what was done (the extractor's role and the reader's statement skip it).
NORM_MODIFIER = re.compile(r"(按照|依照|根据|按)[^,，;；。]{0,24}?的?(标准|要求|原则|规定)(?=[^,，;；。]{2,})")
#: Words after an open-ended figure that show it defines a group (35岁以下年轻干部, 60岁以上占比).
CONDITION_FOLLOWERS = ("的", "占", "年轻", "村", "人员", "党员", "干部", "群众", "学历",
                       "青年", "女性", "农民", "老人", "老年", "嘎查", "集体", "成员", "比例",
                       "书记", "后备", "人才", "大学生", "农户", "家庭", "脱贫", "经营性")
#: Cues before a figure + 年 that make it a duration (驻村时间为3年, 干了48年).
DURATION_CUES = ("时间为", "时间达", "为期", "长达", "干了", "工作了", "任职", "坚守了", "扎根",
                 "当了", "做了", "担任了", "连续", "累计",
                 "服务了", "坚持了", "奋斗了", "守护了", "任期为", "期限为", "年限为")
#: What may follow a duration in 年 without making it a date or a period (近3年来 is not).
DURATION_BLOCKERS = ("来", "以来", "前", "后", "度", "级", "底", "初", "末", "内", "间", "行动",
                     "计划", "规划", "代", "月", "中", "起", "至", "到", "-", "—")

# --- places -------------------------------------------------------------------------------------

#: Suffixes of a region's name that ``全`` + suffix speaks of as a whole (全县, 全市, 全旗 …).
REGION_SUFFIXES = ("县", "市", "区", "旗", "省", "州", "盟")
#: Place suffixes from finest to coarsest (for the ``place`` column).
PLACE_SUFFIXES = (("村", 0), ("嘎查", 0), ("社区", 0), ("镇", 1), ("乡", 1), ("街道", 1),
                  ("苏木", 1), ("县", 2), ("旗", 2), ("市", 2))
#: Words that end in a place suffix but name no place (全县, 该村, 行政村 …).
PLACE_STOP = ("全", "该", "各", "本", "每", "此", "行政", "建制", "空壳", "薄弱", "后进", "贫困",
              "脱贫", "重点", "示范", "试点", "农", "乡", "城", "强", "弱", "合", "涉改", "中心",
              "特色", "集镇", "我", "市", "县", "区", "镇", "村", "两", "一", "多", "个", "少",
              "民族", "融合", "产业", "社区", "边境", "偏远", "经济", "先进", "达标",
              "相对", "软弱", "涣散", "所有", "乡镇", "新", "大", "小", "远", "近", "扶贫")

# --- normalisation ------------------------------------------------------------------------------

#: Pinyin glosses printed after a character on some mirror sites: 萬(wàn), 個(gè).
PINYIN_GLOSS = re.compile(r"(?<=[\u3400-\u9fff])\([a-zāáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜü]{1,6}\)")
@lru_cache(maxsize=None)
def _opencc():  # pragma: no cover - trivial
    from opencc import OpenCC  # opencc-python-reimplemented: traditional -> simplified

    return OpenCC("t2s")


@lru_cache(maxsize=65536)
def normalise_char(ch: str) -> str:
    """Normalise one character for matching: NFKC, U+3000 to space, traditional to simplified.

    Returns one character (or '' for characters NFKC drops) so that an offset map built
    character by character stays aligned with the raw text. Conversions that would change the
    length are not applied.
    """
    norm = unicodedata.normalize("NFKC", ch)
    if norm == "\u3000" or norm in ("\u00a0", "\u2009", "\u202f"):
        return " "
    if len(norm) != 1:
        return norm
    if "\u3400" <= norm <= "\u9fff":
        simp = _opencc().convert(norm)
        if len(simp) == 1:
            return simp
    return norm


_TABLE: dict[int, str] = {}
_SEEN: set[str] = set()
_ODD: set[str] = set()  # characters whose normal form is not exactly one character


def _learn(chars: set[str]) -> None:
    for ch in chars - _SEEN:
        norm = normalise_char(ch)
        if len(norm) != 1:
            _ODD.add(ch)
        elif norm != ch:
            _TABLE[ord(ch)] = norm
        _SEEN.add(ch)


def normalise_with_offsets(text: str, base: int = 0) -> tuple[str, list[int]]:
    """Normalise ``text`` character by character; return it with the raw index of each char.

    Pinyin glosses (萬(wàn)) are dropped from the normalised text; ``base`` is added to
    every offset (the position of ``text`` in its raw file).
    """
    chars = set(text)
    _learn(chars)
    if chars & _ODD:
        out: list[str] = []
        offsets: list[int] = []
        for k, ch in enumerate(text):
            norm = normalise_char(ch)
            out.append(norm)
            offsets.extend([base + k] * len(norm))
        s = "".join(out)
    else:  # every character maps to exactly one: translate, offsets are the identity
        s = text.translate(_TABLE)
        offsets = list(range(base, base + len(text)))
    if "(" in s:
        keep = [True] * len(s)
        for m in PINYIN_GLOSS.finditer(s):
            for k in range(m.start(), m.end()):
                keep[k] = False
        if not all(keep):
            s = "".join(c for c, k in zip(s, keep) if k)
            offsets = [o for o, k in zip(offsets, keep) if k]
    if is_english(s):
        s, offsets = english_to_reading(_en_quotes(s), list(offsets))
    return s, offsets


# --- English-language reports ---------------------------------------------------------------------

_NUM = r"(\d[\d,]*(?:\.\d+)?)"
_EN_WORDS = {"one": "1", "two": "2", "three": "3", "four": "4", "five": "5", "six": "6",
             "seven": "7", "eight": "8", "nine": "9", "ten": "10", "eleven": "11", "twelve": "12",
             "thirteen": "13", "fourteen": "14", "fifteen": "15", "sixteen": "16",
             "seventeen": "17", "eighteen": "18", "nineteen": "19", "twenty": "20"}
_EN_WORD_NUM = r"(\d[\d,]*|" + "|".join(sorted(_EN_WORDS, key=len, reverse=True)) + r")"


def _en_int(word: str) -> str:
    return _EN_WORDS.get(word.lower(), word.replace(",", ""))


def _en_band(m: re.Match) -> str:
    """139 villages earn more than 50万元 -> 139个村集体收入超过50万元 (the band's words in Chinese)."""
    word = {"more than": "超过", "over": "超过", "at least": "达到", "less than": "不足",
            "under": "不足", "below": "不足"}[re.sub(r"\s+", " ", m["cmp"].lower())]
    tail = "以上" if word == "达到" else ""
    return f"{m['n']}个村集体收入{word}{m['money']}{tail}"


def _en_band_rules() -> list[tuple[str, str]]:
    """N villages earned more than / at least / less than X -> N个村集体收入超过X (each group keeping
    its own offsets); a bound on the count (More than 300 villages) kept as its qualifier; 'and 45
    earned over X' (villages understood from the list) too."""
    verb = (r"(?:now\s+)?(?:(?:had|have|has)\s+(?=earned))?(?:earn|earned|earning|have|had|with)\s+"
            r"(?:an?\s+)?(?:annual\s+)?(?:collective\s+)?(?:income\s+of\s+)?")
    money = r"\s+([\d.,]+万?元)(?:\s+a\s+year)?"
    cmps = ((r"(?:more\s+than|over|above)", "超过{m}"), (r"at\s+least", "达到{m}以上"),
            (r"(?:less\s+than|under|below)", "不足{m}"))
    bounds = ((r"\b(?:more\s+than|over)\s+", "超过"), (r"\b(?:nearly|almost)\s+", "近"),
              (r"\b(?:about|around|some)\s+", "约"), ("", ""))
    rules = []
    for cmp_rx, cmp_zh in cmps:  # 143 of the county's 331 villages now earn more than X
        rules.append((_NUM + r"\s+of\s+(?:the\s+|its\s+|their\s+)?(?:[\w-]+'s\s+)?" + _NUM + r"\s+villages\s+"
                      + verb + cmp_rx + r"\s+([\d.,]+万?元)(?:\s+a\s+year)?",
                      r"\2个村中,\1个村集体收入" + cmp_zh.format(m=r"\3")))
    for bound_rx, bound_zh in bounds:
        for cmp_rx, cmp_zh in cmps:
            rules.append((bound_rx + _NUM + r"\s+villages\s+" + verb + cmp_rx + money,
                          bound_zh + r"\1个村集体收入" + cmp_zh.format(m=r"\2")))
    for cmp_rx, cmp_zh in cmps:  # ..., and 45 earned over 1 million yuan
        rules.append((r"(?<=and\s)" + _NUM + r"\s+(?:of\s+them\s+)?(?:earned|earn|had)\s+" + cmp_rx + money,
                      r"\1个村集体收入" + cmp_zh.format(m=r"\2")))
    return rules


_EN_BAND_RULES = _en_band_rules()


def _en_quotes(text: str) -> str:
    """Straight double quotes as opening and closing quotation marks, in turn (same length)."""
    out, open_ = [], True
    for ch in text:
        if ch == '"':
            out.append("“" if open_ else "”")
            open_ = not open_
        else:
            out.append(ch)
    return "".join(out)


def _en_yuan(n: str) -> str:
    value = float(n.replace(",", ""))
    return f"{value / 1e4:g}万元" if value >= 1e4 and value % 1000 == 0 else f"{n}元"


def _en_money(m: re.Match) -> str:
    value = float(m["n"].replace(",", "")) * {"billion": 1e9, "million": 1e6}[m["mag"].lower()]
    return f"{value / 1e8:g}亿元" if value >= 1e8 else f"{value / 1e4:g}万元"


#: English report phrases rewritten as the Chinese the reader knows (one vocabulary): each
#: (pattern, replacement), applied in order, case-insensitive, on lines that are mostly Latin
#: letters. The figures keep their digits; the offsets map each rewritten character back into
#: the English phrase it came from, so a figure's raw span is the English words (``45.6 years``).
ENGLISH_PHRASES: tuple[tuple[str, object], ...] = (
    (r"(?<=\w)\.(?=\s+[A-Z\"“]|\s*$)", "。"),  # sentence ends
    (r"\s*--\s*", ","),
    (rf"(?P<n>{_NUM})\s+(?P<mag>billion|million)\s+yuan", _en_money),
    (rf"{_NUM}\s+yuan", lambda m: _en_yuan(m[1])),
    (rf"{_NUM}\s+years\s+younger\s+than\s+(?:in\s+)?the\s+previous\s+(?:round|term|election)",
     r"较上届下降\1岁"),
    (rf"{_NUM}\s+years\s+older\s+than\s+(?:in\s+)?the\s+previous\s+(?:round|term|election)",
     r"较上届提高\1岁"),
    # the level of an earlier year (up from 23.1万元 a year earlier): 上年为…, never this year's value
    (r"\b(?:up|down|rising|falling|increasing|decreasing)\s+from\s+([\d.,]+(?:万|亿)?元)\s+"
     r"(?:a\s+year\s+(?:earlier|before|ago)|the\s+(?:previous|prior)\s+year|last\s+year|in\s+20\d\d)",
     r"上年为\1"),
    (r"\b(?:up|down|rising|falling|increasing|decreasing)\s+from\s+" + _NUM + r"\s+percent\s+"
     r"(?:a\s+year\s+(?:earlier|before|ago)|the\s+(?:previous|prior)\s+year|last\s+year|in\s+20\d\d)",
     r"上年为\1%"),
    (rf"\bup\s+{_NUM}\s+percentage\s+points?", r"提高\1个百分点"),
    (rf"\bdown\s+{_NUM}\s+percentage\s+points?", r"下降\1个百分点"),
    (rf"\bup\s+{_NUM}\s+percent\s+year\s+on\s+year", r"同比增长\1%"),
    (rf"(?<!make\s)(?<!makes\s)(?<!making\s)(?<!made\s)(?<!add\s)(?<!adds\s)(?<!added\s)\bup\s+{_NUM}\s+percent(?!age)", r"增长\1%"),
    (rf"\b(?:rose|increased|grew|was\s+up)\s+(?:by\s+)?{_NUM}\s+percent(?!age)(?:\s+year[\s-]+on[\s-]+year)?",
     r"同比增长\1%"),
    (rf"{_NUM}\s+percentage\s+points?", r"\1个百分点"),
    # periods: part of a year, the year so far, several years (kind 7)
    (r"\b(?:in\s+)?the\s+first\s+half\s+of\s+(?:this|the|last)\s+year|\bin\s+the\s+first\s+half\b|"
     r"\b(?:in\s+)?the\s+first\s+six\s+months(?:\s+of\s+(?:this|the)\s+year)?", "上半年"),
    (r"\b(?:in\s+)?the\s+first\s+(?:three|nine)\s+months(?:\s+of\s+(?:this|the)\s+year)?|"
     r"\b(?:in\s+)?the\s+first\s+(?:quarter|three\s+quarters)(?:\s+of\s+(?:this|the)\s+year)?",
     "前三季度"),
    (r"\b(?:by|as\s+of|at)\s+the\s+end\s+of\s+(January|February|March|April|May|June|July|August|"
     r"September|October|November)(?:\s+(?:this|the)\s+year)?",
     lambda m: "截至" + str(["january", "february", "march", "april", "may", "june", "july", "august",
                            "september", "october", "november"].index(m[1].lower()) + 1) + "月底"),
    (r"\bso\s+far\s+this\s+year|\bsince\s+the\s+(?:start|beginning)\s+of\s+(?:this|the)\s+year|"
     r"\bas\s+of\s+(?:now|today|this\s+month)|\bto\s+date\b", "今年以来"),
    (r"\b(?:in\s+recent\s+years|over\s+the\s+(?:past|last)\s+(?:few|several|\w+)\s+years)", "近年来"),
    # who the figures are about (kinds 1, 6, 9)
    (rf"{_NUM}\s+members\s+of\s+(?:the\s+)?(?:new\s+)?\W?two\s+committees\W?\s+(?:across|in|of)\s+"
     r"(?:the\s+)?(?:[\w-]+'s\s+)?villages\s+and\s+(?:urban\s+)?communities",
     r"村(社区)“两委”成员\1名"),
    (rf"{_NUM}\s+members\s+(?:newly\s+)?elected\s+to\s+(?:the\s+)?village\s+and\s+(?:urban\s+)?community\s+"
     r"\W?two\s+committees\W?", r"村(社区)“两委”成员\1名"),
    (rf"{_NUM}\s+members\s+(?:newly\s+)?elected\s+to\s+(?:the\s+)?(?:village\s+)?\W?two\s+committees\W?",
     r"“两委”成员\1名"),
    (rf"{_NUM}\s+members\s+of\s+(?:the\s+)?(?:new\s+)?\W?two\s+committees\W?", r"“两委”成员\1名"),
    (rf"\bIn\s+{_NUM}\s+percent\s+of\s+(?:the\s+)?villages\s+and\s+(?:urban\s+)?communities,\s+(?:one\s+person|"
     r"the\s+same\s+person|the\s+Party\s+secretary)\s+(?:now\s+)?(?:also\s+)?(?:serves|acts)\s+as\s+(?:both\s+)?"
     r"(?:the\s+)?(?:village\s+)?Party\s+(?:branch\s+)?secretary\s+and\s+(?:the\s+)?(?:villagers'?\s+)?"
     r"committee\s+(?:director|head|chair)", r"村(社区)书记、主任“一肩挑”比例为\1%"),
    (rf"{_NUM}\s+villages\s+and\s+(?:urban\s+)?communities", r"\1个村(社区)"),
    (r"\bMembers\s+(?:holding|with)\s+(?=a\s+(?:junior\s+)?college|(?:junior\s+)?college)", "其中"),
    (rf"\b(?:are|is|were|was)\s+(?:on\s+average|an\s+average\s+of)\s+{_NUM}\s+years(?:\s+old)?|"
     rf"\bon\s+average\s+{_NUM}\s+years\s+old", lambda m: f"平均年龄{m[1] or m[2]}岁"),
    (r"(?<![A-Za-z] )(?<![A-Za-z])\b(?:Among|Of)\s+(?:the\s+)?" + _NUM + r"\s+(?:new\s+)?village\s+Party\s+(?:branch\s+)?secretaries",
     r"\1名村党组织书记中"),
    (r"\b(?:no\s+villages?|none\s+of\s+the\s+villages)\s+(?:now\s+)?(?:(?:earned|earns|earn)\s+|"
     r"(?:has|had|have)\s+an?\s+(?:annual\s+)?(?:collective\s+)?income\s+of\s+)less\s+than|"
     r"\b(?:every|each|all\s+(?:the\s+)?)\s*villages?\s+(?:now\s+)?(?:(?:earned|earns|earn)\s+|"
     r"(?:has|had|have)\s+an?\s+(?:annual\s+)?(?:collective\s+)?income\s+of\s+)at\s+least",
     "所有村收入均不低于"),
    (r"\b(?:the\s+)?new\s+(?:\W?two\W?\s+)?committees\s+(?:have|had|comprise)\s+" + _NUM + r"\s+members",
     r"新一届“两委”成员\1名"),
    (_EN_WORD_NUM + r"\s+(?:of\s+them\s+)?(?:also\s+)?(?:serve|serves|served)\s+(?:also\s+)?as\s+"
     r"(?:the\s+)?(?:director|head|chair)(?:man|woman|person)?s?\s+of\s+(?:the\s+)?villagers'?\s+committees?",
     lambda m: f"兼任村委会主任的{_en_int(m[1])}名"),
    (_EN_WORD_NUM + r"\s+(?:of\s+them\s+)?(?:were|are|was)\s+also\s+(?:elected|serving\s+as|appointed)\s+(?:as\s+)?"
     r"(?:the\s+)?(?:director|head|chair)(?:man|woman|person)?s?\s+of\s+(?:the\s+)?villagers'?\s+committees?",
     lambda m: f"兼任村委会主任的{_en_int(m[1])}名"),
    (_EN_WORD_NUM + r"\s+of\s+(?:the|these|them|those)\s+(?:\d+\s+)?(?:village\s+Party\s+)?secretaries\s+"
     r"(?:are|were)\s+(?:women|female)", lambda m: f"书记中女性{_en_int(m[1])}名"),
    (_EN_WORD_NUM + r"\s+weak\s+(?:or|and)\s+lax\s+village\s+Party\s+(?:branches|organi[sz]ations)",
     lambda m: f"软弱涣散村党组织{_en_int(m[1])}个"),
    (r"\b(?:had\s+)?identified\b", "排查出"),
    # a band with its share put in between (1,204 villages, or 54.7 percent of the total, earned more
    # than 50万元): the groups reordered, each keeping its own offsets
    (_NUM + r"\s+villages,\s+or\s+" + _NUM + r"\s+percent(?:\s+of\s+(?:the\s+|all\s+)?(?:total|villages))?,\s+"
     r"(?:now\s+)?(?:earned|earn|earning|had|have)\s+(?:an?\s+)?(?:annual\s+)?(?:collective\s+)?(?:income\s+of\s+)?"
     r"(?:more\s+than|over|above)\s+([\d.,]+万?元)", r"\1个村集体收入超过\3,占\2%"),
    (_NUM + r"\s+villages,\s+or\s+" + _NUM + r"\s+percent(?:\s+of\s+(?:the\s+|all\s+)?(?:total|villages))?,\s+"
     r"(?:now\s+)?(?:earned|earn|earning|had|have)\s+(?:an?\s+)?(?:annual\s+)?(?:collective\s+)?(?:income\s+of\s+)?"
     r"(?:less\s+than|under|below)\s+([\d.,]+万?元)", r"\1个村集体收入不足\3,占\2%"),
    # a share of villages defined by their income, the villages left unsaid (and 61.4 percent
    # earned more than 10万元): the band's share, the amount a threshold
    (_NUM + r"\s+percent\s+(?:of\s+(?:the\s+|all\s+|these\s+)?villages\s+)?(?:now\s+)?(?:earned|earn|earning|had|have|"
     r"reported)\s+(?:an?\s+)?(?:annual\s+)?(?:collective\s+)?(?:income\s+of\s+)?(?:more\s+than|over|above)\s+"
     r"([\d.,]+万?元)", r"\1%的村收入超过\2"),
    (_NUM + r"\s+percent\s+(?:of\s+(?:the\s+|all\s+|these\s+)?villages\s+)?(?:now\s+)?(?:earned|earn|earning|had|have|"
     r"reported)\s+(?:an?\s+)?(?:annual\s+)?(?:collective\s+)?(?:income\s+of\s+)?(?:less\s+than|under|below)\s+"
     r"([\d.,]+万?元)", r"\1%的村收入低于\2"),
    # cooperatives that village Party branches run (领办): a body of its own
    (_NUM + r"\s+(?:farmers'?\s+)?cooperatives\s+(?:are|were|have\s+been|had\s+been)\s+(?:now\s+)?"
     r"(?:run|led|founded|set\s+up|established|initiated)\s+by\s+(?:the\s+)?(?:village\s+)?Party\s+"
     r"(?:branches|organi[sz]ations)", r"党组织领办合作社\1家"),
    # villages defined by their income (villages with annual collective income below 10万元)
    (r"\bvillages\s+(?:with|whose)\s+(?:an?\s+)?(?:annual\s+)?(?:collective\s+)?income\s+(?:is\s+|was\s+)?"
     r"(?:of\s+)?(?:below|under|less\s+than)\s+([\d.,]+万?元)", r"收入低于\1的村"),
    (r"\bvillages\s+(?:with|whose)\s+(?:an?\s+)?(?:annual\s+)?(?:collective\s+)?income\s+(?:is\s+|was\s+)?"
     r"(?:of\s+)?(?:above|over|more\s+than|exceeding)\s+([\d.,]+万?元)", r"收入超过\1的村"),
    *_EN_BAND_RULES,
    (r"\bour\s+village\b", "我们村"),
    (r",\s+or\s+(?:about\s+)?" + _NUM + r"\s+percent(?!age)", r",占\1%"),
    (rf"\bIn\s+{_NUM}\s+percent\s+of\s+(?:the\s+)?villages,\s+the\s+Party\s+secretary\s+also\s+"
     r"serves\s+as\s+(?:the\s+)?head\s+of\s+the\s+villagers'?\s+committee",
     r"书记、主任“一肩挑”比例为\1%"),
    (rf"{_NUM}\s+percent\s+of\s+them\s+hold\s+a\s+(?:junior\s+)?college\s+degree\s+or\s+above",
     r"大专及以上学历的占\1%"),
    (rf"\bWomen\s+account\s+for\s+{_NUM}\s+percent(?:\s+of\s+the\s+members)?", r"女性占\1%"),
    (rf"{_NUM}\s+percent\s+are\s+aged\s+(\d+)\s+or\s+(?:below|under|younger)", r"\2岁及以下的占\1%"),
    (rf"\baccounting\s+for\s+{_NUM}\s+percent(?:\s+of\s+the\s+total)?", r"占\1%"),
    (rf"{_NUM}\s+percent", r"\1%"),
    (rf"(?:the\s+)?average\s+age\s+of\s+(?:the\s+)?village\s+Party\s+secretaries\s+(?:fell|dropped|rose)\s+to\s+{_NUM}\s+years",
     r"村党组织书记平均年龄为\1岁"),
    (rf"with\s+an\s+average\s+age\s+of\s+{_NUM}\s+years", r"平均年龄\1岁"),
    (rf"average\s+age\s+(?:of\s+)?{_NUM}\s+years", r"平均年龄\1岁"),
    (r"(?:or\s+)?an\s+average\s+of\s+([\d.,]+万?元)\s+per\s+village", r"村均\1"),
    (r"Across\s+villages\s+and\s+communities,\s+the\s+new\s+\W?two\s+committees\W?\s+have\s+"
     rf"{_NUM}\s+members", r"新一届村(社区)“两委”成员\1名"),
    (rf"(?:The\s+election\s+)?covered\s+{_NUM}\s+administrative\s+villages\s+and\s+{_NUM}\s+urban\s+communities",
     r"全省\1个行政村和\2个城市社区"),
    (rf"{_NUM}\s+administrative\s+villages", r"\1个行政村"),
    (rf"{_NUM}\s+villages\s+(?:in\s+the\s+(?:county|city|district|province|prefecture|region|banner)\s+)?"
     r"(?:have\s+|had\s+|now\s+)?(?:earned|earn|earning|reported|recorded|took\s+in)\s+(?:an?\s+)?(?:annual\s+)?"
     r"(?:collective\s+)?(?:income\s+of\s+)?(?:more\s+than|over|above)\s+([\d.,]+万?元)", r"\1个村集体收入超过\2"),
    (rf"{_NUM}\s+villages\s+(?:in\s+the\s+(?:county|city|district|province|prefecture|region|banner)\s+)?"
     r"(?:have\s+|had\s+|now\s+)?(?:earned|earn|earning|reported|recorded|took\s+in)\s+(?:an?\s+)?(?:annual\s+)?"
     r"(?:collective\s+)?(?:income\s+of\s+)?(?:less\s+than|under|below)\s+([\d.,]+万?元)", r"\1个村集体收入低于\2"),
    (r"Voter\s+turnout\s+in\s+the\s+villagers'?\s+committee\s+elections?\s+reached", "村委会选举参选率达到"),
    (r"\bVillages\s+with\s+no\s+collective\s+income", "无集体经营性收入的村"),
    (r"total\s+collective\s+income\s+of\s+[\w']+\s+villages\s+reached", "全省村集体经济总收入达到"),
    (rf"\bIn\s+(20\d\d),", r"\1年,"),
    (rf"More\s+than\s+{_NUM}\s+college\s+graduates", r"超过\1名大学生"),
    (rf"{_NUM}\s+returning\s+migrant\s+workers", r"\1名返乡农民工"),
    (r"were\s+elected\s+to\s+village\s+leadership", "进入村两委班子"),
    (r"each\s+village\s+has\s+at\s+least\s+(one|two|three|four|five|\d+)\s+reserve\s+cadres?",
     lambda m: f"每村至少{_EN_WORDS.get(m[1].lower(), m[1])}名后备干部"),
    (r"plans\s+to\s+raise\s+the\s+share\s+of\s+villages\s+earning\s+over\s+([\d.,]+万?元)\s+to\s+"
     + _NUM + r"%\s+by\s+(20\d\d)", r"计划到\3年将收入超过\1的村的比例提高到\2%"),
    # general words, after the phrases above: what remains of an English sentence
    (r"\b(?:rose|increased|was\s+up|went\s+up)\s+by\s+" + _NUM + r"\s+percentage\s+points?", r"提高\1个百分点"),
    (r"\b(?:fell|dropped|decreased|declined|was\s+down)\s+by\s+" + _NUM + r"\s+percentage\s+points?",
     r"下降\1个百分点"),
    (r"\b(?:fell|dropped|decreased|declined)\s+by\s+" + _NUM + r"\s+years", r"下降\1岁"),
    (_NUM + r"\s+years\s+(?:younger|lower)", r"下降\1岁"),
    (_NUM + r"\s+years\s+(?:older|higher)", r"提高\1岁"),
    (r"\b(?:the\s+)?(?:newly[\s-]+elected|new)\s+(?:committee\s+)?members\b"
     r"(?!\s+of\s+(?:the\s+)?villagers)", "新一届两委成员"),
    (r"(?:compared\s+with|than\s+in|than|from)\s+(?:that\s+of\s+|those\s+of\s+)?(?:the\s+previous\s+(?:round|term|election)|"
     r"(?:their|the)\s+predecessors|the\s+(?:outgoing|last|previous)\s+(?:teams?|committees?))", "较上届"),
    (r"(?:compared\s+with|than\s+in|over|from)\s+(?:the\s+previous|last)\s+year|year[\s-]+on[\s-]+year",
     "同比"),
    (r"\baverage\s+age\s+(?:of\s+|was\s+|is\s+|stood\s+at\s+|reached\s+|fell\s+to\s+|dropped\s+to\s+)*"
     + _NUM + r"(?:\s+years(?:\s+old)?)?", r"平均年龄\1岁"),
    (r"\baverage\s+age\b", "平均年龄"),
    (r"\balso\s+(?:serves?\s+as|served\s+as|heads?|chairs?)\s+(?:the\s+)?(?:heads?\s+of\s+(?:the\s+)?)?"
     r"villagers'?\s+committees?", "兼任村委会主任"),
    (r"\baged\s+(\d+)\s+(?:or|and)\s+(?:below|under|younger)|\b(?:aged\s+)?under\s+(?:the\s+age\s+of\s+)?(\d+)",
     lambda m: f"{m[1] or m[2]}岁及以下的"),  # a group (的), never a value
    (r"\baged\s+(\d+)\s+(?:or|and)\s+(?:above|over|older)", r"\1岁及以上的"),
    (r"(?:a\s+)?(?:junior\s+)?college\s+(?:degree|education|diploma)s?\s+or\s+(?:above|higher)|"
     r"college[\s-]+educated", "大专及以上学历"),
    (r"\bwomen\b|\bfemale\b", "女性"),
    (r"\bvillage\s+Party\s+(?:branch\s+)?secretar(?:y|ies)", "村党组织书记"),
    (r"\bParty\s+(?:branch\s+)?secretar(?:y|ies)", "党组织书记"),
    (r"\b(?:members\s+of\s+(?:the\s+)?(?:village\s+)?\W?two\s+committees\W?|\W?two\s+committees\W?\s+members)",
     "两委成员"),
    (r"\bvillagers'?\s+committee\s+members", "村委会成员"),
    (r"\b(?:heads?|chairs?|directors?)\s+of\s+(?:the\s+)?villagers'?\s+committees?", "村委会主任"),
    (r"\bvillage\s+Party\s+(?:organi[sz]ations|branches)", "村党组织"),
    (r"\bvillages\s+and\s+(?:urban\s+)?communities", "村(社区)"),
    (_NUM + r"\s+(administrative\s+villages|villages|(?:urban\s+)?communities|cooperatives|"
     r"village\s+Party\s+(?:organi[sz]ations|branches))",
     lambda m: m[1] + "个" + {"administrative": "行政村", "villages": "村", "cooperatives": "合作社",
                             "village": "村党组织"}.get(m[2].split()[0].lower(), "社区")),
    (_NUM + r"\s+(rural\s+(?:Party\s+)?members|(?:women|female)\s+Party\s+members)",
     lambda m: m[1] + "名" + ("农村党员" if m[2].lower().startswith("rural") else "女党员")),
    (_NUM + r"\s+(members|secretaries|cadres|Party\s+members|first\s+secretaries|reserve\s+cadres)",
     lambda m: m[1] + "名" + {"members": "成员", "secretaries": "书记", "cadres": "干部",
                             "party": "党员", "first": "第一书记",
                             "reserve": "后备干部"}[m[2].split()[0].lower()]),
    (r"\badministrative\s+villages", "行政村"),
    (r"\bcollective\s+operating\s+income|\boperating\s+income", "集体经营性收入"),
    (r"\bcollective\s+net\s+income|\bnet\s+income", "集体经济纯收入"),
    (r"\b(?:total\s+)?collective\s+income", "村集体经济收入"),
    (r"\bcollective\s+assets", "村集体资产"),
    (r"\bper\s+village|\bon\s+average\s+per\s+village", "村均"),
    (r"\b(?:voter\s+)?turnout", "参选率"),
    (r"\baccount(?:s|ing|ed)?\s+for\s+|\bmak(?:e|es|ing)\s+up\s+", "占"),
    (r"\b(?:more\s+than|over)\s+(?=\d)", "超过"),
    (r"\bat\s+least\s+(?=\d)", "至少"),
    (r"\b(?:nearly|almost)\s+(?=\d)", "近"),
    (r"\b(?:about|around)\s+(?=\d)", "约"),
    (r"\b(?:plans?|aims?)\s+to\b", "计划"),
    (r"\bby\s+(20\d\d)\b", r"到\1年"),
    (r"\bin\s+(20\d\d)\b", r"\1年"),
    # word order: the number after its subject, as the reader expects
    (r"(平均年龄[^。;,]{0,40}?)\s*(?<![A-Za-z])(?:was|is|stood\s+at|reached|fell\s+to|dropped\s+to|rose\s+to)\s+"
     + _NUM + r"\s+years(?:\s+old)?", r"\1为\2岁"),
    (r"([\d.]+%)\s+of\s+(?:the\s+|all\s+)?([\u4e00-\u9fff()“”]+)\s+(兼任村委会主任)", r"\2\3的占\1"),
    (r"([\d.]+%)\s+of\s+(?:the\s+|all\s+)?([\u4e00-\u9fff()“”]+)", r"\2占\1"),
    (r"([\d.,]+万?亿?元)\s*村均(?![\d.])", r"村均\1"),
)
_ENGLISH_RES = tuple((re.compile(p, re.I) if isinstance(p, str) else p, r) for p, r in ENGLISH_PHRASES)
_LATIN = re.compile(r"[A-Za-z]")


def is_english(text: str) -> bool:
    """Is a line written in English (mostly Latin letters, and long enough to tell)?"""
    letters = len(_LATIN.findall(text))
    cjk = sum(1 for c in text if "\u3400" <= c <= "\u9fff")
    return letters >= 20 and letters > 4 * cjk


def english_to_reading(text: str, offsets: list[int]) -> tuple[str, list[int]]:
    """Rewrite an English line with :data:`ENGLISH_PHRASES` into the reader's vocabulary,
    keeping a raw offset for every character (a rewritten phrase's characters point into the
    phrase, spread over it in order)."""
    s, offs = text, list(offsets)
    for rx, repl in _ENGLISH_RES:
        out: list[str] = []
        new: list[int] = []
        last = 0
        for m in rx.finditer(s):
            a, b = m.span()
            if b == a:
                continue
            out.append(s[last:a])
            new.extend(offs[last:a])
            if callable(repl):
                r = repl(m)
                n = len(r)
                spread = [offs[min(a + (i * (b - a)) // max(n, 1), b - 1)] for i in range(n)]
                digits = [i for i, ch in enumerate(r) if ch in "0123456789.,"]
                if digits and m.re.groups and m.start(1) >= 0:
                    # the number's characters point into the phrase's first group (the number
                    # as written: ``Eleven``, ``231``), the words around it over the phrase
                    g0, g1 = m.start(1), m.end(1)
                    for k, i in enumerate(digits):
                        spread[i] = offs[min(g0 + (k * (g1 - g0)) // len(digits), g1 - 1)]
                    spread[digits[-1]] = offs[g1 - 1]
                new.extend(spread)
                if n:
                    new[-1] = offs[b - 1]
            else:  # a group keeps its own offsets; words map next to the group before them
                parts = re.split(r"\\(\d)", repl)
                r, pos = "", a
                for k, part in enumerate(parts):
                    if k % 2:
                        g = int(part)
                        r += m.group(g)
                        new.extend(offs[m.start(g):m.end(g)])
                        pos = max(m.end(g) - 1, a)
                    else:  # the words after the last group point to the phrase's end
                        r += part
                        at = b - 1 if k == len(parts) - 1 and k else min(pos, b - 1)
                        new.extend([offs[at]] * len(part))
            out.append(r)
            last = b
        if last:
            out.append(s[last:])
            new.extend(offs[last:])
            s, offs = "".join(out), new
    return s, offs


def normalise_text(text: str) -> str:
    """Normalised form of ``text`` (as :func:`normalise_with_offsets`, without the map)."""
    return normalise_with_offsets(text)[0]


def alternation(words: tuple[str, ...] | list[str]) -> str:
    """A regex alternation of literal words, longest first."""
    return "|".join(re.escape(w) for w in sorted(set(words), key=len, reverse=True))


# --- English (and mixed) sheet labels -------------------------------------------------------------

def _en_label_money(m: re.Match) -> str:
    """100k yuan -> 10万元, 1 million yuan -> 100万元, 50,000 yuan -> 5万元."""
    n = float(m["n"].replace(",", ""))
    k = {"k": 1e3, "thousand": 1e3, "million": 1e6, "m": 1e6, "": 1.0}[(m["mag"] or "").lower()]
    return f"{n * k / 1e4:g}万元"


_EN_LABEL_MONEY = (r"(?P<n>\d[\d,]*(?:\.\d+)?)\s*(?P<mag>k|thousand|million|m)?\s*(?:yuan|RMB|CNY)")
#: English words of sheet labels, in the order they are rewritten (case-insensitive): each
#: phrase becomes the Chinese the label reader knows; words left over that are not in
#: :data:`EN_LABEL_STOPWORDS` are reported, and the label's figure stays unmapped.
ENGLISH_LABEL_WORDS: tuple[tuple[str, object], ...] = (
    (r"\(\s*(?:10k|10,?000|ten\s+thousand)\s+yuan\s*\)", "(万元)"),
    (r"\(\s*(?:100\s*million|100m)\s+yuan\s*\)", "(亿元)"),
    (r"\(\s*(?:yuan|RMB|CNY)\s*\)", "(元)"),
    (r"\(\s*years?(?:\s+old)?\s*\)", "(岁)"),
    (r"\(\s*(?:persons?|people)\s*\)", "(人)"),
    (r"\(\s*p\.?p\.?\s*\)|\(\s*percentage\s+points?\s*\)", "(个百分点)"),
    (r"\btargets?\b|\bgoals?\b|\bplanned\b", "目标"),
    # the income concept named in brackets after a band (share of 百万村 (operating))
    (r"\(\s*operating(?:\s+income)?\s*\)", "(经营性收入)"),
    (r"\(\s*net(?:\s+income)?\s*\)", "(纯收入)"),
    # income per village: 村均 before the income, as the reader expects (村均集体收入)
    (r"\b((?:total\s+)?(?:village\s+)?(?:net\s+|operating\s+)?collective\s+(?:operating\s+|net\s+)?income|"
     r"income)\s+(?:per|for\s+each|of\s+each|each)\s+village\b", r"村均 \1"),
    (r"\bchange\s+in\b", "变化"),
    (r"\b(?:vs\.?|versus|compared\s+with|against|over|from|than)\s+(?:the\s+)?(?:previous|last|prior|outgoing)\s+"
     r"(?:round|term|election|committees?)", "较上届"),
    (r"\b(?:change|difference)\s+(?:vs\.?|versus|against|from|on|over|compared\s+with)\s+(?:the\s+)?"
     r"(?:previous|last|prior|outgoing)\s+(?:round|term|election|committees?)", "较上届变化"),
    (r"\bvillagers'?\s+committee\s+members?", "村委会成员"),
    (r"\b(?:who\s+)?(?:also\s+)?(?:serve|serves|served|serving|act|acts|double|doubles)\s+as\s+(?:the\s+)?"
     r"(?:villagers'?\s+)?committee\s+(?:director|head|chair)(?:man|woman|person)?s?|"
     r"\b(?:who\s+)?also\s+(?:chair|head)s?\s+(?:the\s+)?villagers'?\s+committees?", "兼任村委会主任"),
    # secretary = committee chair, secretary also (the) villagers' committee head: one person
    # holds both posts (一肩挑), written as a gloss
    (r"\b(?:village\s+)?(?:Party\s+)?(?:branch\s+)?secretar(?:y|ies)\s*(?:=|/|&|\+|\balso\b|\band\b|\bas\b)\s*"
     r"(?:also\s+)?(?:the\s+)?(?:villagers'?\s+)?committee\s+(?:director|head|chair)(?:man|woman|person)?s?\b",
     "书记主任一肩挑"),
    (r"\bsecretar(?:y|ies)\s+(?:who\s+)?(?:also\s+)?(?:chair|head|serve\s+as\s+(?:the\s+)?(?:chair|head|director)"
     r"\s+of)s?\s+(?:the\s+)?villagers'?\s+committees?|\bone[\s-]+shoulder(?:\s+arrangement)?|"
     r"\bsecretary[\s-]+(?:and[\s-]+)?(?:director|chair)\s+(?:in\s+one|combined)", "书记主任一肩挑"),
    (r"\b(?:village\s+)?voter\s+turnout|\bturnout(?:\s+rate)?|\bparticipation\s+rate", "参选率"),
    (r"\bfirst\s+secretar(?:y|ies)(?:\s+(?:stationed|resident|posted)\s+in\s+villages)?", "第一书记"),
    (r"\breserve\s+cadres?", "后备干部"),
    (r"\bvillages?\s+(?:and|&|/)\s+(?:urban\s+)?communit(?:y|ies)", "村(社区)"),
    (r"\b(?:members\s+of\s+(?:the\s+)?)?(?:village\s+)?[\"“'‘]?two[\s-]+committees?[\"”'’]?(?:\s+members?)?",
     "两委成员"),
    (r"\bvillage\s+(?:Party\s+)?(?:branch\s+)?secretar(?:y|ies)|\bParty\s+(?:branch\s+)?secretar(?:y|ies)|"
     r"\bsecretar(?:y|ies)", "村党组织书记"),
    (r"\b(?:village\s+)?cadres?", "村干部"),
    (r"\bParty\s+members?", "党员"),
    (r"\bweak(?:\s+(?:and|or|/)\s+lax)?\s+(?:village\s+)?(?:Party\s+)?(?:branches|organi[sz]ations)",
     "软弱涣散村党组织"),
    (r"\bvillage\s+Party\s+(?:organi[sz]ations|branches)|\bParty\s+branches", "村党组织"),
    (r"\bcooperatives?\s+(?:led|run|founded)\s+by\s+(?:village\s+)?Party\s+(?:branches|organi[sz]ations)|"
     r"\bParty[\s-]+led\s+cooperatives?", "党组织领办合作社"),
    (r"\b(?:Party[\s-]+and[\s-]+public\s+)?service\s+cent(?:re|er)s?", "党群服务中心"),
    (r"\bstandardi[sz]ed", "标准化"),
    (r"\brectified", "整顿转化"),
    (r"\b(?:avg\.?|average|mean)\s+age\b", "平均年龄"),
    (r"\b(?:women|female)\b", "女性"),
    (r"\b(?:a\s+)?(?:junior\s+)?college\s+(?:degree|education|diploma)s?(?:\s+or\s+(?:above|higher))?|"
     r"\bcollege[\s-]+educated|\bcollege\b", "大专以上学历"),
    (r"\b(?:aged\s+)?(?:under|below)\s+35|\b35\s+(?:or|and)\s+(?:under|below|younger)", "35岁以下"),
    # villages with / w/ (operating) income over / > / ≥ X: the band, keeping the income concept
    (r"\bvillages?\s+(?:with|w/|whose|having)\s*(?:an?\s+)?(?:annual\s+)?(?:collective\s+)?(?P<op>operating\s+)?"
     r"(?:collective\s+)?income\s+(?:is\s+)?"
     r"(?:over|above|more\s+than|exceeding|of\s+at\s+least|at\s+least|>=?|≥)\s*" + _EN_LABEL_MONEY,
     lambda m: ("经营性收入" if m["op"] else "集体收入") + _en_label_money(m) + "以上的村"),
    (r"\bvillages?\s+(?:with|w/|whose|having)\s*(?:an?\s+)?(?:annual\s+)?(?:collective\s+)?(?P<op>operating\s+)?"
     r"(?:collective\s+)?income\s+(?:is\s+)?"
     r"(?:under|below|less\s+than|<)\s*" + _EN_LABEL_MONEY,
     lambda m: ("经营性收入" if m["op"] else "集体收入") + _en_label_money(m) + "以下的村"),
    (r"\bvillages?\s+(?:with\s+)?(?:no|zero)\s+(?:collective\s+)?(?:operating\s+)?income", "无集体经营性收入的村"),
    (r"\b(?:village\s+)?collective\s+operating\s+income|\boperating\s+(?:village\s+)?collective\s+income|"
     r"\boperating\s+income", "村集体经营性收入"),
    (r"\b(?:village\s+)?collective\s+net\s+income|\bnet\s+(?:village\s+)?collective\s+income|\bnet\s+income",
     "村集体经济纯收入"),
    (r"\b(?:total\s+)?(?:village\s+)?collective\s+income(?:\s*,?\s*total)?|\bcollective\s+economy\s+income",
     "村集体经济收入"),
    (r"\b(?:village\s+)?collective\s+assets", "村集体资产"),
    (r"\b(?:average\s+)?per[\s-]+village|\bvillage\s+average", "村均"),
    (r"\bvillagers'?\s+committees?", "村委会"),
    (r"\belections?\b", "选举"),
    (r"\b(?:administrative\s+)?villages?\b", "村"),
    (r"\b(?:urban\s+)?communit(?:y|ies)\b", "社区"),
    (r"\bmembers?\b", "成员"),
    (r"\bincome\b", "收入"),
    (r"\b(?:growth|increase)(?:\s+rate)?\b", "增长"),
    (r"\b(?:changes?|difference)\b", "变化"),
    (r"\b(?:share|proportion|percentage|ratio|rate)\b", "占比"),
    (r"\bnumber\b|\bcount\b|\bno\.", "数"),
    (r"\btotal\b", "总"),
)
_ENGLISH_LABEL_RES = tuple((re.compile(p, re.I), r) for p, r in ENGLISH_LABEL_WORDS)
#: English words of a label that restrict nothing.
EN_LABEL_STOPWORDS = frozenset(
    "of the a an in with among who whose and or by for at as to all across whole county city "
    "district province prefecture banner region yuan rmb cny having holding are is were was "
    "new newly elected current serving stationed resident posted village".split())


_ACRONYM = re.compile(r"[A-Z]{2,6}")


def english_label_to_zh(label: str) -> tuple[str, str]:
    """A sheet label with its English words rewritten in the reader's Chinese
    (:data:`ENGLISH_LABEL_WORDS`), and the English words left over that it does not know
    (space-separated; '' when none). A label without Latin words comes back unchanged."""
    if not re.search(r"[A-Za-z]{2,}", label):
        return label, ""
    s = label
    for rx, repl in _ENGLISH_LABEL_RES:
        s = rx.sub(repl, s)
    # an acronym (CRRS, CFPS: a survey or a source) is kept as written for the reader
    left = [w for w in re.findall(r"[A-Za-z][A-Za-z'.-]*", s)
            if w.lower().strip("'.-") not in EN_LABEL_STOPWORDS and not _ACRONYM.fullmatch(w)]
    s = re.sub(r"[A-Za-z][A-Za-z'.-]*", lambda m: m.group(0) if _ACRONYM.fullmatch(m.group(0))
               else " ", s)
    s = re.sub(r"\s*,\s*", "", s)
    return s, " ".join(left)
