"""What a figure measures: entity, property, conditions, scope and statement type.

After SemEval-2021 Task 8 (MeasEval): a quantity has a unit, a measured entity, a measured
property and qualifiers. Here the qualifiers that matter to a researcher are the *conditions*
that restrict the entity to a group (大专及以上, 35岁以下, 10万元以上 …), the *scope* (the whole
region, or a township, village or subset inside it) and the *statement type* (an observed value,
a target, a rule or quota, or a threshold that only defines a group). The vocabulary is the one
of ``data/annotations/MEASUREMENT.md``.

The reading is done with small hand-written lexicons over the figure's clause (report text) or
over a figure-sheet label. No library does this for Chinese administrative prose; the lexicons
are deliberately conservative: when the entity or property cannot be told, the measurement says
so (``""``) and the figure stays unmapped with that reason. All functions here are pure.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import asdict, dataclass
from typing import Any

from ..language.vocab import NORM_MODIFIER, REGION_SUFFIXES, RULE_CLAUSE_PATTERN, TARGET_CLAUSE_PATTERN

# --- vocabulary ----------------------------------------------------------------------------

#: Entity cues, most specific first. Each cue is searched in a window of text; the match closest
#: to the figure wins, and among matches at the same place the longer one.
ENTITY_CUES: tuple[tuple[str, str], ...] = (
    ("first_secretary", r"第一书记"),
    ("work_team_member", r"驻村(干部|队员)|工作队员"),
    ("work_team", r"驻村工作队|帮扶工作队|乡村振兴工作队|工作队"),
    ("reserve_cadre", r"后备(干部|力量|人才)(库|队伍)?"),
    ("township_cadre", r"乡镇(党委|党政|领导|干部|班子)[^,;。]{0,4}?(书记|委员|干部|领导|成员)?|乡镇领导"),
    ("village_committee_chair", r"村(民)?委(员)?会主任|村主任|(?<=女)主任"),
    ("two_committees_member", r"两委(班子)?(成员|干部|班子)?|村级班子成员|两委委员"),
    ("village_committee_member", r"村(民)?委(员)?会(委员|成员)|村委委员"),
    ("branch_committee_member", r"(村)?党(组织|支部)班子(成员)?|支委(委员|成员)?|党(组织|支部)成员"),
    ("branch_secretary", r"(村|嘎查(村)?)(级)?(党(组织|支部|总支|委))?书记|党(组织|支部|总支)书记|支书|"
                         r"村\((社区|居)\)党(组织|支部|总支)书记|"
                         r"(?<![委镇乡])书记"),
    ("village_cadre", r"村(社)?干部|嘎查村干部|村级干部"),
    ("party_member", r"党员"),
    ("village_community_party_org", r"村\((社区|居)\)(级)?党(组织|支部)|村居党(组织|支部)|"
                                    r"城乡基层党组织|村社党组织"),
    ("village_party_org", r"(村|嘎查(村)?)(级)?党(组织|支部|总支|委)|农村(基层)?党(组织|支部)|"
                          r"村党组织|(?<![党总])(?<=星|级|范|旗)支部(?!书记|班子|成员|委员)"),
    ("party_org", r"基层党组织|党组织|党支部|党总支"),
    ("service_centre", r"(党群|便民|综合)服务中心|服务站"),
    ("cooperative", r"合作社"),
    ("collective", r"集体经济|集体(经营性)?收入|集体资产|集体经济组织|村集体"),
    ("village_or_community", r"村\((涉农)?社区\)|(?<!农)村居(?!民)|(?<!农)村社区|城乡社区|村\(居\)|涉农村\(社区\)"),
    ("community", r"社区"),
    ("village_committee", r"村委会|村民委员会"),
    ("admin_village", r"行政村|建制村|嘎查村|嘎查|自然村|(?<![农乡])村(?![党民干委集社级均主书两务镇居改])"),
    ("household", r"农户|户"),
    ("villager_group", r"村民小组|村小组|网格|党小组"),
    ("population", r"人口|农民|村民|居民|群众"),
)
_ENTITY_RES = tuple((e, re.compile(p)) for e, p in ENTITY_CUES)
ENTITIES = tuple(dict.fromkeys(e for e, _ in ENTITY_CUES)) + ("other",)

PROPERTIES = ("count", "share", "mean_age", "income_total", "income_operating",
              "income_per_village", "income_operating_per_village", "income_growth",
              "income_net", "assets", "pay", "per_capita_income", "amount", "rate",
              "mean_age_change", "share_change", "count_change", "change", "other")

#: Conditions: (id, pattern). Order is the canonical order of MEASUREMENT.md.
CONDITION_CUES: tuple[tuple[str, str], ...] = (
    ("college", r"大专|大学(本科|专科)|本科|专科(及|以)上"),
    ("highschool", r"高中|中专"),
    ("women", r"女性|妇女|女(书记|干部|委员|成员|村|党员|主任|同志)"),
    ("under35", r"(35|三十五)(周)?岁(及)?以下|(35|三十五)岁以内|不满(35|三十五)"),
    ("under40", r"(40|四十)(周)?岁(及)?以下"),
    ("under45", r"(45|四十五)(周)?岁(及)?以下"),
    ("over50", r"(50|五十)(周)?岁(及)?以上"),
    ("over60", r"(60|六十)(周)?岁(及)?以上"),
    ("one_shoulder", r"一肩挑|兼任(村|村\((居|社区)\))?(民)?(委员会|委会)主任"),
    ("cross_post", r"交叉任职"),
    ("wealth_leader", r"致富|带富|能人|带头人"),
    ("graduate", r"大学生"),
    ("returnee", r"返乡|回乡|回引|回村"),
    ("veteran", r"退役军人|退伍军人|复员"),
    ("standardised", r"标准化|规范化|达标"),
    ("star", r"(?<![四三二一])星级|五星|最强|一类|示范|先进|明星|红旗|标杆|过硬"),
    ("weak", r"软弱涣散|后进|薄弱(?=.{0,2}党)"),
    ("rectified", r"已整顿|整顿(提升|转化|到位|完成)|完成整顿|(?<!集中)(?<!开展)(?<!确定)(?<!列入)(?<!需要)"
                  r"(?<!需)(?<!确定)(?<!排查)整顿(?!对象|数|工作)|转化|提升(?=.{0,8}(村)?党)"),
    ("election_done", r"完成换届|换届(完成|成功)"),
    ("new", r"新建|新增|新发展|新任|新当选|新成立|新选|新培育|发展(?=.{0,8}党员)|成立"),
    ("eliminated", r"消除|摘帽|清零|销号|消灭"),
    ("branch_led", r"(党(组织|支部|总支)|支部)?(领办|领创|创办|牵头)"),
    ("has_branch", r"已建(立)?党组织"),
    ("no_income", r"空壳|零收入|(无|没有)(集体)?(经济)?(经营性?)?收入|收入为零|收益为零|无收益"),
    ("weak_village", r"薄弱村|经济(相对)?薄弱"),
    ("new_round", r"新一届|换届后|本次换届|新班子"),
    ("with_communities", r"村\((涉农|农村)?社区\)|\((农村)?社区\)|(?<!农)村居(?!民)|村\(居\)|城乡社区|(?<!农)村社区|"
                         r"村\+社区|行政村\(社区\)"),
    ("per_village", r"每(个)?村|每个嘎查"),
    ("other", r"四星|三星|二星|二类|三类|或|乡村两级|乡级|乡镇级|口径|截至\d+年\d+月|农民工|流动|国家级|省级|市级|全国|\d+强|文明|试点|重点|脱贫|贫困|易地|搬迁|专职|兼职|"
              r"村改居|民主法治|特色|龙头|家庭农场|集体经济组织|(?<!以下)(?<!以下的)(?<!以内)(?<!以下的)年轻|"
              r"(?<!以下)(?<!以下的)青年|优秀"),
)
_CONDITION_RES = tuple((c, re.compile(p)) for c, p in CONDITION_CUES)
#: Income thresholds (万元) of the band conditions and indicators (COORD.md): below N, over N,
#: and from A to under B.
INCOME_STEPS = (5, 10, 15, 20, 30, 50, 100)
INCOME_BANDS = tuple(
    [f"income_under{n}w" for n in INCOME_STEPS] + [f"income_over{n}w" for n in INCOME_STEPS] +
    [f"income_{a}_{b}w" for i, a in enumerate(INCOME_STEPS) for b in INCOME_STEPS[i + 1:]])
CONDITION_ORDER = tuple(c for c, _ in CONDITION_CUES) + INCOME_BANDS
#: Conditions that are recorded but do not change what is measured (new committee = the region's
#: committee in the election year).
NEUTRAL_CONDITIONS = frozenset({"new_round"})
#: Conditions that only have their meaning on particular entities; elsewhere they are dropped.
_ENTITY_CONDITIONS: dict[str, frozenset[str]] = {
    "with_communities": frozenset(set(ENTITIES) - {"village_or_community",
                                                   "village_community_party_org", "community"}),
    "standardised": frozenset({"village_party_org", "party_org"}),
    "star": frozenset({"village_party_org", "party_org", "cooperative", "admin_village",
                       "branch_secretary"}),
    "weak": frozenset({"village_party_org", "party_org"}),
    "rectified": frozenset({"village_party_org", "party_org"}),
    "election_done": frozenset({"village_party_org", "party_org", "admin_village",
                                "village_or_community"}),
    "has_branch": frozenset({"admin_village", "village_or_community"}),
    "branch_led": frozenset({"cooperative", "other", "village_party_org"}),
    "one_shoulder": frozenset({"branch_secretary", "village_committee_chair", "admin_village"}),
}

_INCOME_BAND = re.compile(
    r"(?:收入|经营性收入|集体经济)[^,,;;。]{0,8}?(?P<pre>超过|超|突破|达到|达|在|不足|低于|少于|不到)?"
    r"(?:(?P<lo>\d+(?:\.\d+)?|[一二两三四五六七八九十百]+)万?元?[—\-至到~～])?"
    r"(?P<a>\d+(?:\.\d+)?|[一二两三四五六七八九十百]+)(?:万元|万)(?:\(不含\))?"
    r"(?P<post>及以上|及以下|以上|以下|以内|(?:的|及)?以上)?")
_INCOME_BAND_PRE = re.compile(
    r"(?P<pre>超过|超|突破|达到|达|不足|低于|少于|不到)?(?:(?P<lo>\d+(?:\.\d+)?|[一二两三四五六七八九十百]+)万?元?[—\-至到~～])?"
    r"(?P<a>\d+(?:\.\d+)?|[一二两三四五六七八九十百]+)(?:万元|万)(?:\(不含\))?(?P<post>及以上|及以下|以上|以下|以内)?"
    r"(?=[^,,;;。]{0,6}(?:的)?(?:村|嘎查))")

#: The reader's target and rule cues: the extractor's (:data:`ruralstudy.language.vocab.TARGET_CUES`,
#: :data:`ruralstudy.language.vocab.RULE_CUES`) and the clause words of the one vocabulary.
TARGET_CUES = re.compile(TARGET_CLAUSE_PATTERN)
RULE_CUES = re.compile(RULE_CLAUSE_PATTERN)
STATEMENTS = ("observed", "target", "rule", "threshold", "other")
CLAUSE_DELIMS = ",;:。!?\n;,:"


@dataclass(frozen=True)
class Measurement:
    """What one figure measures.

    ``entity`` and ``property`` are ids of MEASUREMENT.md (``""`` when the text does not say);
    ``conditions`` are sorted condition ids; ``scope`` is ``region`` or the place/subset the text
    names; ``statement`` is one of :data:`STATEMENTS`; ``evidence`` says which words decided.
    """

    entity: str
    property: str
    conditions: tuple[str, ...]
    scope: str
    statement: str
    evidence: str = ""
    #: ``year``, ``year_to_date``, ``part_year``, ``several_years`` or ``""`` (a stock at the
    #: report's date, or a flow whose period the text does not state).
    period: str = ""
    #: Words around the figure the vocabulary does not know (reported, never read as a
    #: condition): a figure with unknown words stays unmapped with them as the reason.
    unknown: str = ""
    #: Short flags naming the structure that decided the reading (subject_carried,
    #: fenbie_paired, qizhong_subset, clause_before, bare_share, head_noun, adjacent_noun, label,
    #: quoted, ...), for the calibration of confidence.
    flags: tuple[str, ...] = ()
    #: The year the text gives this figure itself when it differs from the text's (分别 over a
    #: range of years: 2020—2022年…分别为a、b和c), else None.
    year: int | None = None

    @property
    def conditions_str(self) -> str:
        """Conditions as a ``;``-separated string (empty for none)."""
        return ";".join(self.conditions)

    def matching_conditions(self) -> frozenset[str]:
        """The conditions that decide which indicator a figure can belong to."""
        return frozenset(self.conditions) - NEUTRAL_CONDITIONS

    def to_dict(self) -> dict[str, Any]:
        """Plain dict (conditions joined with ``;``)."""
        d = asdict(self)
        d["conditions"] = self.conditions_str
        d["evidence_text"] = self.evidence
        d["evidence"] = ";".join(self.flags)
        return d


def sort_conditions(conds: set[str] | frozenset[str]) -> tuple[str, ...]:
    """Sort condition ids into the canonical order of the vocabulary."""
    order = {c: i for i, c in enumerate(CONDITION_ORDER)}
    return tuple(sorted(conds, key=lambda c: (order.get(c, len(order)), c)))


# --- small readers -------------------------------------------------------------------------

def _band(pre: str | None, lo_s: str | None, a: str, post: str | None) -> str:
    """The income band a threshold (or a range lo-a) defines (万元), or ``other``."""
    def num(x: str) -> float:
        if re.fullmatch(r"[\d.]+", x):
            return float(x)
        from ..language.numparse import parse_cn_numeral  # Chinese numerals (十万元以上)
        return float(parse_cn_numeral(x))

    steps = {float(n): n for n in INCOME_STEPS}
    if lo_s:
        lo, hi = num(lo_s), num(a)
        if lo in steps and hi in steps and lo < hi:
            return f"income_{steps[lo]}_{steps[hi]}w"
        return "other"
    lo = num(a)
    if lo not in steps:
        return "other"
    below = (pre in ("不足", "低于", "少于", "不到")) or (post in ("以下", "以内", "及以下"))
    return f"income_under{steps[lo]}w" if below else f"income_over{steps[lo]}w"


def income_bands(text: str) -> set[str]:
    """Income-band conditions named in a text (集体收入10万元以上, 50万元以上的村)."""
    out = set()
    for rx in (_INCOME_BAND, _INCOME_BAND_PRE):
        for m in rx.finditer(text):
            if rx is _INCOME_BAND and not (m["pre"] or m["lo"] or m["post"]) and \
                    not re.match(r"\s*(的)?(行政村|村|嘎查)", text[m.end():]):
                continue  # 收入总额5132.6万元: an amount, not a band
            out.add(_band(m["pre"], m["lo"], m["a"], m["post"]))
    return out


def find_entity(text: str, anchor: int | None = None) -> tuple[str, str]:
    """The entity named in ``text`` closest to ``anchor`` (end of text when None).

    Returns (entity id, matched words), or ("", "") when the text names none.
    """
    anchor = len(text) if anchor is None else anchor
    best: tuple[int, int, int, str, str] | None = None
    for rank, (ent, rx) in enumerate(_ENTITY_RES):
        for m in rx.finditer(text):
            dist = anchor - m.end() if m.end() <= anchor else m.start() - anchor
            key = (abs(dist), -(m.end() - m.start()), rank, ent, m.group(0))
            if best is None or key < best:
                best = key
    return (best[3], best[4]) if best else ("", "")


def find_conditions(text: str, entity: str) -> set[str]:
    """Condition ids named in ``text`` that make sense for ``entity``."""
    out = set()
    for cond, rx in _CONDITION_RES:
        if rx.search(text):
            allowed = _ENTITY_CONDITIONS.get(cond)
            if allowed is None or entity in allowed:
                out.add(cond)
    out |= income_bands(text)
    if "highschool" in out and not re.search(r"(高中|中专)[^,;。、]{0,6}?(及|或)?以上", text):
        out = (out - {"highschool"}) | {"other"}  # 高中(中专) alone is one level, not 高中以上
    if "college" in out and re.search(r"本科", text) and not re.search(r"大专|专科", text):
        out = (out - {"college"}) | {"other"}  # 本科及以上: a higher level than 大专及以上
    if re.search(r"累计|近\d年|先后|历年", text) and out & {"rectified", "new", "eliminated"}:
        out.add("other")  # a multi-year total of a flow is not the period's flow
    return out


_AGE_MEAN = re.compile(r"平均(年龄)?|年龄")
_MONEY_PROPS: tuple[tuple[str, str], ...] = (
    ("amount", r"价值|资金|投入|投资|金额|补助|奖补|分红|清理|清查|盘活|撬动|(?<!经营)(?<!集体)(?<!集体经济)收益(?=.{0,2}(资金|分红))"),
    ("income_net", r"纯收入|净收入|(?<!经营性)(?<!经营)收益"),
    ("per_capita_income", r"人均(可支配|纯)?收入"),
    ("income_operating_per_village", r"村均(集体)?(经济)?经营性收入|经营性收入.{0,4}村均"),
    ("income_per_village", r"(村均|平均每(个)?村|每村平均)[^,;。、]{0,6}收入|收入[^,;。、]{0,4}村均|^村均$"),
    ("income_operating", r"经营性(总)?收入|经营收入|经营收益"),
    ("assets", r"资产|积累"),
    ("pay", r"报酬|补贴|工资|待遇|薪酬"),
    ("income_total", r"总收入|收入"),
)
_MONEY_RES = tuple((p, re.compile(rx)) for p, rx in _MONEY_PROPS)
_EVENT_UNITS = {"人次", "件次", "场次", "户次", "余次", "次", "场", "期", "件", "起", "项", "篇",
                "批", "套", "本", "张", "份", "组", "辆", "枚"}
_COUNT_UNITS = {"个", "名", "人", "支", "家", "户", "座", "所", "处", "位", "队", ""}


def read_property(unit: str, kind: str, window: str, entity: str) -> tuple[str, str]:
    """The measured property from the unit, the figure's kind and the words around it."""
    if re.search(r"满意(度|率)|知晓率|覆盖率|参与率|入党率|出勤率", window[-12:]):
        return "other", "a rate of something else (satisfaction, coverage)"
    if kind == "growth":
        if re.search(r"年均|年平均|平均每年|每年平均", window[-10:]):
            return "change", "mean annual growth over several years (年均), no year's growth"
        if entity == "collective" and unit == "%" and re.search(r"收入", window) and \
                not re.search(r"经营性|纯收入|净收入|收益", window[-16:]):
            return "income_growth", "growth of income in %"
        return "change", f"{kind} figure"
    if unit == "岁":
        return ("mean_age", "平均年龄") if _AGE_MEAN.search(window) else ("other", "age, not a mean")
    if unit in ("%", "‰"):
        if re.search(r"年均|年平均|平均每年|每年平均", window[-10:]) and \
                re.search(r"增长|增幅|增速|递增", window[-10:]):
            return "change", "mean annual growth over several years (年均), no year's growth"
        if entity == "collective" and re.search(r"增长|增幅|增速", window):
            return "income_growth", "income growth rate"
        return "share", "percent"
    if unit == "pp":
        return "change", "percentage points"
    if unit == "元":
        best: tuple[int, str, str] | None = None
        for prop, rx in _MONEY_RES:
            for m in rx.finditer(window):
                key = (len(window) - m.end(), [p for p, _ in _MONEY_PROPS].index(prop), prop,
                       m.group(0))
                if best is None or key < best:
                    best = key
        if best is None:
            return "amount", "money, no income word"
        if entity == "branch_secretary" and best[2] != "pay":
            return "amount", "money of a person"
        if entity not in ("collective", "admin_village", "village_party_org") and \
                best[2] not in ("pay", "per_capita_income"):
            return "amount", f"money of {entity or 'an unnamed entity'}"
        return best[2], best[3]
    if unit in _EVENT_UNITS:
        return "other", f"unit {unit} counts events"
    if unit in _COUNT_UNITS:
        return "count", f"unit {unit or 'none'}"
    return "other", f"unit {unit}"


def read_statement(before: str, after: str, raw: str, role: str = "") -> tuple[str, str]:
    """Statement type from the words before the figure in its sentence (and the extractor's role)."""
    if role in ("target", "rule"):
        return role, f"extractor role {role}"
    if role == "condition":
        return "threshold", "extractor role condition"
    m = TARGET_CUES.search(before)
    if m:
        return "target", m.group(0)
    tail = before[-14:]
    m = RULE_CUES.search(tail) or RULE_CUES.match(after)
    if m:
        return "rule", m.group(0)
    if re.match(r"\s*/\s*(村|人|户|年)", after):
        return "rule", "per-unit rate"
    return "observed", ""


def find_place(text: str) -> str:
    """The finest sub-region (village, township, county) a text names, or ``""``: the
    extractor's place grammar (one grammar for both), read up to the end of the text."""
    from ..figures.extract import finest_place

    return finest_place(text, len(text))


# --- the two readers -----------------------------------------------------------------------

def clause_bounds(sentence: str, start: int, end: int) -> tuple[int, int]:
    """Bounds of the clause holding [start, end) (delimited by , ; : 。 but not 、)."""
    a = start
    while a > 0 and sentence[a - 1] not in CLAUSE_DELIMS:
        a -= 1
    b = end
    while b < len(sentence) and sentence[b] not in CLAUSE_DELIMS:
        b += 1
    return a, b


def _previous_clause(sentence: str, a: int) -> str:
    if a <= 1:
        return ""
    p = a - 1
    while p > 0 and sentence[p - 1] not in CLAUSE_DELIMS:
        p -= 1
    return sentence[p:a - 1]


def _subject_before(sentence: str, a: int, max_clauses: int = 3) -> tuple[str, str, str]:
    """The entity of the nearest of up to ``max_clauses`` clauses before position ``a`` that
    names one: (entity, words, that clause), or ("", "", the last clause looked at)."""
    prev, back = "", a
    for _ in range(max_clauses):
        prev = _previous_clause(sentence, back)
        if not prev:
            break
        entity, words = find_entity(prev)
        if entity:
            return entity, words, prev
        back -= len(prev) + 1
    return "", "", prev


_GROUP_BEFORE = re.compile(r"(其中|中)[,,]?$")


#: Figures for part of a year (上半年, 前三季度, 1—6月) are not annual values.
_PART_PERIOD = re.compile(r"上半年|下半年|前三季度|[一二三四]季度|前\d+个月|前[一二三四五六七八九十]+个月|"
                          r"1[-—至~～]\d{1,2}月")
#: One item of income (光茶叶一项就收入了27万元) is not the collective's total.
_PART_ITEM = re.compile(r"光|仅|单|一项|其中")
#: A clause that holds only a share word before the figure (占16.1%, 占全旗总数的近2/3).
_BARE_SHARE = re.compile(r"(其中)?(占|占比|比例|比重)?(全(县|市|区|旗|省|镇|乡))?(总数)?(的)?(比例|比重)?"
                         r"(为|达|达到|是)?(近|约|超过|不足)?")
#: Words that may stand between a counted noun and its figure (合作社4160个, 党员总数3901名).
_COUNT_GAP = re.compile(r"(总数|总量|数量|人数|个数|数|一共是|一共有|一共|共有|共计|合计|还有|仅剩|只有|尚有|共|有|达到|达|为|计|"
                        r"约|近|超过|超)*$")
#: Verbs and words around a count that do not change what is counted (选派616支…工作队).
_COUNT_CONTEXT = re.compile(
    r"全市|全县|全区|全旗|全省|全镇|全乡|全国|目前|截至目前|截至|现有|共有|拥有|有|共|累计|合计|总计|已|"
    r"选派|派驻|培育|建立|组建|成立|发展|建成|完成|实现|达到|达|为|计|其中|分别|选优配强|配齐|配备|"
    r"选举产生|产生|选出|全面|全部|均|所有|各类|各级|现|在任|现任|名|个|支|家|户|的|了|和|及|与|等|"
    r"年底|年末|以来|今年|去年|当年|年|月|日|底|\d+|[-—~～%.]|建设|标准化|规范化|达标|成员|总数|数量|"
    r"乡村振兴|农民|农村|村级|嘎查村|储备|相对|聚焦|排查出|排查|摸排出|摸排|摸底|确定|评定|命名|表彰|选|集体经济|"
    r"集体收入|经济收入|收入|超过|突破|不足|以上|以下|万元|元|我旗|我县|我市|我区|全体|队伍|先后|成功|"
    r"专业|农牧民|牧民|派出|共派出|队员|学历|文化程度|年轻干部|干部|人员|仅剩|还有|尚有|只有|评出|"
    r"经营性|乡镇|街道|社区|辖|(行政村|建制村|嘎查村|村|嘎查)(?=共有|有)|驻村(?=第一书记)|县里|"
    r"从[^,;。]{1,8}?(?=选派|选拔|派出)|由|减少到零|减少到|增加到|下降到|提高到|"
    r"行政|驻村|集体|薄弱|\(不含\)|不含|单看|同步|依法|通过法定程序|法定程序|超?[百千]万元?|"
    r"[一二两三四五六七八九十百千]+(?=万)|在岗|在职|排查整顿|整顿|人数|一共是|一共有|一共|我们")
_PERSON_OR_ORG = frozenset({
    "first_secretary", "work_team_member", "work_team", "reserve_cadre", "township_cadre",
    "village_committee_chair", "two_committees_member", "village_committee_member",
    "branch_committee_member", "branch_secretary", "village_cadre", "party_member",
    "village_community_party_org", "village_party_org", "party_org", "service_centre",
    "cooperative", "population", "household"})


def _last_item(text: str) -> str:
    """The part of a clause's left side after the previous list item (、) or figure."""
    item = re.split(r"[、]", text)[-1]
    parts = re.split(r"\d[\d.]*(?:万|亿)?(?:余|多)?(?:个|名|人|支|家|户|处|%|元|岁|件|项|次)"
                     r"(?!\(?(及|或)?以[上下内]|周岁)", item)  # 35岁以下 is a group, not a figure
    return parts[-1]


def _adjacent_entity(left_item: str) -> tuple[str, str, int]:
    """The entity that ends right before the figure (合作社4160个), with its start, or ''."""
    gap = _COUNT_GAP.search(left_item)
    end = gap.start() if gap else len(left_item)
    best = None
    for rank, (ent, rx) in enumerate(_ENTITY_RES):
        for m in rx.finditer(left_item[:end]):
            if m.end() == end:
                key = (m.end() - m.start(), -rank)
                if best is None or key > best[0]:
                    best = (key, ent, m.group(0), m.start())
    return (best[1], best[2], best[3]) if best else ("", "", -1)


def _head_entity(right: str) -> tuple[str, str, int]:
    """The noun a measure word counts when it follows the figure (922个农村党支部): an entity
    starting within four characters; the one ending last (head of the compound) wins."""
    np_ = re.split(r"[、,;。的]", right, maxsplit=1)[0]
    best = None
    for rank, (ent, rx) in enumerate(_ENTITY_RES):
        for m in rx.finditer(np_):
            if m.start() <= 4 or (ent == "admin_village" and m.start() <= 8):
                key = (m.end(), m.end() - m.start(), -rank)
                if best is None or key > best[0]:
                    best = (key, ent, m.group(0), m.end())
    return (best[1], best[2], best[3]) if best else ("", "", -1)


def _count_residual(text: str, entity_words: str) -> str:
    """Words around a counted noun that no vocabulary explains (联户交心, 环境整治责任示范区)."""
    rest = text.replace(entity_words, " ", 1)
    for _, rx in _CONDITION_RES:
        rest = rx.sub(" ", rest)
    rest = _COUNT_CONTEXT.sub(" ", rest)
    return "".join(re.findall(r"[\u4e00-\u9fff]{2,}", rest))


# --- the structure of the prose --------------------------------------------------------------

_THOUSANDS = re.compile(r"(?<=\d),(?=\d{3})")
_QUOTE_PAIRS = (("“", "”"), ("「", "」"), ("『", "』"), ("‘", "’"))
_QUOTE_CHARS = "\"“”‘’「」『』"
#: Words that introduce quoted speech (一位村支书说:“今年村里集体收入有了三十多万”).
_SPEECH = re.compile(r"(说|表示|介绍|告诉|坦言|感慨|谈到|讲道|笑道|算账)[^,。;]{0,6}[::,]?\s*$")
#: List markers that open an item (一是, (一), 一、, 1.): not part of what the item says.
_LIST_MARKER = re.compile(r"^\s*(?:[一二三四五六七八九十]+是|\([一二三四五六七八九十\d]{1,3}\)|"
                          r"[一二三四五六七八九十]{1,3}、|\d{1,2}[.、)]|第[一二三四五六七八九十]+[,,、]?)")
#: 其中 opening a clause: what follows are parts of the whole stated before.
_QIZHONG = re.compile(r"^\s*其中")
#: Period cues (COORD.md): a whole year, the year to date, part of a year, several years.
_PERIOD_PART = re.compile(r"上半年|下半年|前三季度|[一二三四1-4]季度|前\d+个月|前[一二三四五六七八九十]+个月|"
                          r"1[-—至~～]\d{1,2}月|\d{1,2}月份以来")
_PERIOD_YTD = re.compile(r"截[至止]目前|截[至止]今年|今年以来|年初以来|本年以来|"
                         r"截[至止](?:20\d\d年)?(?:\d{1,2}月(?!底|末)|(?<!\d)(?:[1-9]|1[01])月(?:底|末))")
_PERIOD_YEAR_STRONG = re.compile(r"全年|当年|年度|上年|去年")
_PERIOD_SEVERAL = re.compile(r"近年来|近几年|近[\d一二两三四五六七八九十]+年|多年来|历年|累计|先后|"
                             r"十[二三四]五(?:以来|期间)|(?<!\d)20\d\d年以来|\d+年来")
_PERIOD_YEAR = re.compile(r"(?<!\d)20\d\d年(?!以来|\d)")
#: "now" before a flow (目前, 当前, 现阶段): the flow so far, not a whole period (in a text's
#: sentence and in a sheet label alike).
_NOW = re.compile(r"目前|当前|现阶段")
#: Flows (things that happen over a period) as opposed to stocks counted at a date.
_FLOW_PROPERTIES = frozenset({"income_total", "income_operating", "income_per_village",
                              "income_operating_per_village", "income_growth", "income_net"})
_FLOW_CONDITIONS = frozenset({"new", "rectified", "eliminated"})
_FLOW_VERBS = re.compile(r"新建|新增|新发展|发展|选派|培育|消除|转化|整顿|成立|组建|创建|培养|招录|回引|"
                         r"排查|新排查|倒排|新评定|新认定")
#: A head clause short enough to frame the clauses after it (力争到2025年,…): a longer one
#: (确保农村党组织定有标尺、干有方向) is a statement of its own.
_FRAME_CHARS = 12


def in_quoted_speech(sentence: str, offset: int) -> bool:
    """Is the figure at ``offset`` inside quoted speech (a quotation longer than a name, or one
    opened after 说/表示)? A quoted name (“空白村”) is not speech."""
    for o, c in _QUOTE_PAIRS:
        i = sentence.rfind(o, 0, offset)
        if i < 0 or c in sentence[i + 1:offset]:
            continue
        j = sentence.find(c, offset)
        j = len(sentence) if j < 0 else j
        if j - i - 1 > 12 or _SPEECH.search(sentence[max(0, i - 12):i]):
            return True
    # a quotation opened in an earlier sentence: the figure stands before its closing mark
    # (“……。去年超过了120万元,”陈书记说), with no opening mark between
    j = sentence.find("”", offset)
    if j > 12 and "“" not in sentence[:j] and re.search(
            r"(说|表示|介绍|said|says|told)", sentence[j:j + 16]):
        return True
    return False


def _strip_quotes(text: str, offset: int = 0, length: int = 0) -> tuple[str, int, int]:
    """``text`` without quotation marks, with ``offset`` and ``length`` moved to match."""
    n_before = sum(text[:offset].count(q) for q in _QUOTE_CHARS)
    n_inside = sum(text[offset:offset + length].count(q) for q in _QUOTE_CHARS)
    return ("".join(c for c in text if c not in _QUOTE_CHARS), offset - n_before,
            length - n_inside)


def split_clauses(text: str) -> list[tuple[int, int]]:
    """Spans of the clauses of ``text`` (delimited by , ; : 。 ! ? and line breaks)."""
    out, a = [], 0
    for k, ch in enumerate(text):
        if ch in CLAUSE_DELIMS:
            out.append((a, k))
            a = k + 1
    out.append((a, len(text)))
    return [(x, y) for x, y in out if y > x]


def period_of(text: str) -> str:
    """The period a text states for its figures: ``part_year``, ``year_to_date``, ``year``,
    ``several_years`` or ``""``."""
    if _PERIOD_PART.search(text):
        return "part_year"
    if _PERIOD_YTD.search(text):
        return "year_to_date"
    if _PERIOD_YEAR_STRONG.search(text):
        return "year"
    if _PERIOD_SEVERAL.search(text):
        return "several_years"
    if _PERIOD_YEAR.search(text):
        return "year"
    return ""


def _carried_subject(full: str, a: int, max_clauses: int = 16) -> tuple[str, str, str, int]:
    """The subject a list carries to the clause starting at ``a``: the entity of the nearest
    clause before it (in its sentence or earlier in the paragraph) that names one, until a new
    subject appears. Returns (entity, words, that clause, its start) or ("", "", "", -1)."""
    back = a
    crossed = False  # a ; or 。 lies between the clause and the figure
    for _ in range(max_clauses):
        if back <= 1:
            break
        crossed = crossed or full[back - 1] in ";。!?\n"
        p = back - 1
        while p > 0 and full[p - 1] not in CLAUSE_DELIMS:
            p -= 1
        clause = full[p:back - 1]
        body = _LIST_MARKER.sub("", clause)
        if "书记" in full[max(0, p - 40):back]:
            body = _SEC_ALSO_CHAIR.sub("", body)  # 书记……,兼任村委会主任的90名: not a new subject
        entity, words = find_entity(body)
        if entity and crossed and _QIZHONG.match(body) and \
                _carried_subject(full, p, 3)[0] not in ("", entity):
            back = p  # 其中党组织书记……; another body named as a subset does not carry past its part
            continue
        if entity:
            return entity, words, clause, p
        back = p
    return "", "", "", -1


def _sentence_head(full: str, pos: int) -> tuple[str, int]:
    """The first clause of the full sentence (up to 。!?) holding ``pos``, and its start."""
    start = max(full.rfind(c, 0, pos) for c in "。!?\n") + 1
    k = start
    while k < len(full) and full[k] not in CLAUSE_DELIMS:
        k += 1
    return full[start:k], start


#: 分别 before the items it pairs (分别占村、社区两委成员的): the items, then the noun they share.
_AFTER_FENBIE = re.compile(r"分别(?:占|为|是)(?P<items>(?:行政村|建制村|嘎查村|村|嘎查|(?:城市|城镇)?社区|居)"
                           r"(?:[、和及与](?:行政村|建制村|嘎查村|村|嘎查|(?:城市|城镇)?社区|居))+)"
                           r"(?P<tail>[^\d,;。]{0,12}?的?)(?=$|[\d百])")


_YEAR_RANGE = re.compile(r"((?:19|20)\d\d)(?:年)?(?:—|-|–|~|～|至|到)((?:19|20)\d\d)年")
_YEAR_LIST = re.compile(r"((?:19|20)\d\d)年(?:、|和|及)((?:19|20)\d\d)年(?:(?:、|和|及)((?:19|20)\d\d)年)?"
                        r"(?:(?:、|和|及)((?:19|20)\d\d)年)?")


_HEAD_YEAR = re.compile(r"^\s*(?:到|至|截至|截止|截至到)?((?:19|20)\d\d)年(?:底|末|年底|年末|度)?"
                        r"(?![\d—\-–~～至到以、])")


def _clause_year(full: str, sent_start: int, a: int, off: int, year: int | None = None) -> int | None:
    """The year a figure's sentence files it under: the last clause from the sentence's start up
    to the figure's own clause that opens with a year (2015年，…; 到2020年，…; 2021年换届以后,…),
    not a range, a list or a 以来 span; 去年/上年/前年 at a clause's head count back from the
    report's ``year`` when it is known; None when no clause opens with one."""
    found = None
    k = sent_start
    for x, y in split_clauses(full[sent_start:off]):
        clause = full[sent_start + x:sent_start + y]
        m = _HEAD_YEAR.match(clause)
        if m and not re.match(r"以来|起|开始", full[sent_start + x + m.end():sent_start + x + m.end() + 2]):
            found = int(m[1])
        m_rel = re.match(r"\s*(去年|上年|上一年|前年)(?:底|末|年底|年末|全年)?(?!以来|同期|的)", clause)
        if m_rel and year:
            found = int(year) - (2 if m_rel[1] == "前年" else 1)
        k = sent_start + y
    return found


def _fenbie_years(full: str, a: int, fb: int, off: int, b: int) -> int | None:
    """分别 over years: the sentence (or its clause before 分别) names a range or a list of years
    (2020—2022年, 2020年、2021年和2022年) as many as the figures after 分别; the year of the k-th
    figure. None when they do not pair one to one, or the items before 分别 name anything but
    the measured thing (a list of items pairs with :func:`_pair_fenbie`)."""
    if re.search(r"[、]", full[a:fb]):
        return None
    head_start = max(full.rfind(c, 0, fb) for c in "。!?\n") + 1
    before = full[head_start:fb]
    years: list[int] = []
    for m in _YEAR_RANGE.finditer(before):
        y0, y1 = int(m[1]), int(m[2])
        if 0 < y1 - y0 <= 6:
            years = list(range(y0, y1 + 1))
    for m in _YEAR_LIST.finditer(before):
        years = [int(y) for y in m.groups() if y]
    if not years:
        return None
    figs = [x for x in re.split(r"[、]|和(?=[\d一二三四五六七八九十])", full[fb + 2:b])
            if re.search(r"[\d一二三四五六七八九十]", x)]
    k = full[fb + 2:off].count("、") + len(re.findall(r"和(?=[\d一二三四五六七八九十])",
                                                      full[fb + 2:off + 1]))
    if len(figs) != len(years) or k >= len(years):
        return None
    return years[k]


def _pair_fenbie(full: str, a: int, fb: int, off: int, b: int) -> str | None:
    """分别: the item of the list before 分别 that pairs with the figure at ``off`` (the k-th
    figure after 分别 takes the k-th item), written as a clause of its own (the list's shared
    prefix and head noun kept): 100万元以上、50万元以上、10万元以上的村分别占… -> 50万元以上的村.
    None when the items and figures do not pair one to one."""
    items_text = full[a:fb]
    if not re.search(r"[\u4e00-\u9fff]", re.sub(r"^(并|且|其中|和|又)", "", items_text.strip())):
        # 分别为99个、50个、47个,分别占50.5%、…: the second 分别 pairs with the first one's items
        pc = _previous_clause(full, a)
        pfb = pc.rfind("分别")
        if pfb <= 0:
            return None
        items_text = pc[:pfb]
    figs = [x for x in re.split(r"[、和]", full[fb + 2:b]) if re.search(r"[\d一二三四五六七八九十]", x)]
    k = full[fb + 2:off].count("、") + len(re.findall(r"和(?=[\d一二三四五六七八九十])",
                                                      full[fb + 2:off + 1]))
    items = [x for x in items_text.split("、") if x]
    if len(items) != len(figs):
        items = [x for x in re.split(r"[、和及与]", items_text) if x]
    if len(items) != len(figs) or len(items) < 2 or k >= len(items):
        return None
    num = re.compile(r"(?:不足|低于|少于|不到|超过|突破|达到)?[\d.一二三四五六七八九十百]+(?:万元|万|元|岁|%)"
                     r"(?:[-—至到~～][\d.一二三四五六七八九十百]+(?:万元|万|元|岁|%))?(?:及以上|以上|以下|以内)?")
    first = num.search(items[0])
    prefix = items[0][:first.start()] if first else ""
    core = items[k][len(prefix):] if k == 0 else items[k]
    last = num.search(items[-1])
    tail = items[-1][last.end():] if last else ""
    if k == len(items) - 1:
        tail = ""
    return prefix + core + tail


#: A group inside a body named in the same clause: 村党组织书记中女性…, 村“两委”中35岁以下的…
#: A list item that is only an income band (5万元至10万元的41个, 其中50万元以上的12个).
_BARE_BAND = re.compile(r"(不足|低于|少于|不到|超过|突破|达到|在)?[\d.一二三四五六七八九十百]+万?元?"
                        r"([-—至到~～][\d.一二三四五六七八九十百]+万元?)?(\(不含\))?(及以上|以上|及以下|以下|以内)?的?")
_IN_GROUP = re.compile(r"^(.*?(?:书记|成员|两委|干部|委员|班子|党员))(?:中|里|当中)(.+)$")
#: Villages of one kind: what is said of them is a part of the region.
_SUBSET_VILLAGES = re.compile(r"(中心|示范|脱贫|帮扶|重点|试点|贫困|样板|美丽|红色|旅游|省级|市级|先进)"
                              r"(嘎查村|嘎查|行政村|村|社区)")
#: Villages counted by what they do (159个村通过委托管理……增收): a part, not the number of villages.
_VILLAGES_DOING = re.compile(r"(已|均)?(通过|采取|利用|依托|借助|探索|实施|开展|引进|参与|以[^,;。]{0,6}方式|"
                             r"盘活|发展(?!党员)|创办|领办|入股|流转|出租)")
#: A sentence about one group of villages (对11个集体经济相对薄弱的嘎查村,选派……): every figure
#: after its first clause speaks of that group.
_GROUP_FRAME = re.compile(r"^\s*(对|为|向|给|针对)[^,;。]{0,20}?(\d+|[一二三四五六七八九十两百]+)个[^,;。]{0,20}?"
                          r"(薄弱|软弱涣散|后进|脱贫|重点|贫困|困难|示范|偏远|边境|搬迁|空壳)[^,;。]{0,10}"
                          r"(村|嘎查|社区|党组织|党支部)[^,;。]{0,4}$")
#: Bodies of people: counted with 名/人, never with 个.
_PEOPLE = frozenset({"two_committees_member", "branch_secretary", "village_committee_member",
                     "village_cadre", "party_member", "first_secretary", "reserve_cadre",
                     "work_team_member", "village_committee_chair", "branch_committee_member",
                     "township_cadre", "population"})
_CADRES = frozenset({"branch_secretary", "two_committees_member", "village_committee_member",
                     "village_cadre", "village_committee_chair", "branch_committee_member"})
_WITH_COMMUNITIES = re.compile(dict(CONDITION_CUES)["with_communities"])


#: A secretary who also chairs the villagers' committee (the 一肩挑 phrase written out): a
#: predicate of the secretaries, never a new subject.
_SEC_ALSO_CHAIR = re.compile(r"(同时|也|还)?(兼任|担任|当选|出任|兼)(了)?(村|村\((居|社区)\)|嘎查)?(民)?(委员会|委会)主任")
_VILLAGES_NAMED = re.compile(r"行政村|建制村|嘎查村")
_VILLAGE_BASE = re.compile(r"村(“)?(两委|党组织书记|党支部书记|委会|干部|书记)|行政村")
#: A note in brackets that leaves communities out of the base: (不含社区), (不包括城市社区).
_VILLAGES_ONLY_NOTE = re.compile(r"\((不含|不包括|未含|未包括|除)(城市|城镇)?社区(外)?\)")
#: Villages and communities listed together as the base of cadres (142个嘎查村、28个社区的两委,
#: 行政村和社区两委): the base is 村(社区). Read only for cadre bodies.
_VC_LIST = re.compile(r"(村|嘎查)[、和及与](\d+个|[一二三四五六七八九十百]+个)?(城市|城镇)?社区"
                      r"(?![^,;。]{0,3}(党员|居民|群众))")


def _nearest_base_is_vc(text: str) -> bool:
    """Is the last base word of ``text`` 村(社区) (not 行政村/建制村/嘎查村 named after it)?
    (全市村(社区)党组织书记……；行政村党组织书记中,“一肩挑”的有1090名: the village base)."""
    vc = [m.end() for m in _WITH_COMMUNITIES.finditer(text)]
    if not vc:
        return False
    v = [m.end() for m in _VILLAGES_NAMED.finditer(text)]
    return not v or vc[-1] > v[-1]


def _base_before(full: str, a: int, entity: str, max_clauses: int = 12) -> bool:
    """Does the list the clause at ``a`` belongs to count ``entity`` over 村(社区) (villages and
    communities together)? The nearest clause before (in the paragraph) that names the base of
    this body, or of the list within its sentence, decides."""
    back = a
    same_sentence = True
    for _ in range(max_clauses):
        if back <= 1:
            return False
        same_sentence = same_sentence and full[back - 1] not in "。!?\n"
        pc = _previous_clause(full, back)
        back -= len(pc) + 1
        ent = find_entity(_WITH_COMMUNITIES.sub("", pc))[0] if pc else ""
        if not (ent == entity or (same_sentence and ent in _CADRES | {""})):
            continue
        if _WITH_COMMUNITIES.search(pc) or (entity in _CADRES and _VC_LIST.search(pc)):
            return True
        if _VILLAGE_BASE.search(pc):
            return False
    return False


def _whole_region_words(region: str) -> str:
    """The words that speak of the whole region (全县 in a county, 全市 in a prefecture …)."""
    every = "全(" + "|".join(REGION_SUFFIXES) + ")"
    if not region or region[-1] not in REGION_SUFFIXES:
        return every
    return "全州|全市" if region[-1] == "州" else "全" + region[-1]


def _places_in(text: str) -> list[str]:
    """Every place the text names, in order."""
    from ..figures.extract import _place_candidates

    return [c[2] for c in _place_candidates(text)]


#: A place named in English (In Yanchi county, ..., of Dongdai village): a county, township or
#: village other than the region is a part of it.
_EN_PLACE = re.compile(r"\b(?:[Ii]n|[Aa]t|[Oo]f|[Ff]or|[Aa]cross)\s+(?:the\s+)?([A-Z][a-z]+(?:[\s-][A-Z][a-z]+)?)\s+"
                       r"([Cc]ounty|[Tt]ownship|[Tt]own|[Vv]illage|[Dd]istrict|[Bb]anner|[Gg]acha)\b")


def _english_place(text: str, region: str) -> str:
    """The English place a sentence names before the figure, when it is not the region
    (its pinyin differs from the region's name without its level suffix); '' otherwise."""
    m = None
    for m in _EN_PLACE.finditer(text):
        pass
    if m is None:
        return ""
    name = re.sub(r"[\s-]", "", m[1]).lower()
    if region:
        try:
            from pypinyin import lazy_pinyin
        except ImportError:  # pragma: no cover - pypinyin is a dependency
            return ""
        stem = region[:-1] if region[-1] in REGION_SUFFIXES else region
        for k in range(len(stem), 0, -1):  # 达拉特旗 -> dalate; 景东彝族自治县 -> jingdong
            if "".join(lazy_pinyin(stem[:k])).lower() == name:
                return ""
    return f"{m[1]} {m[2]}"


#: A deadline year (到2026年, 到二〇二七年底) in digits or Chinese numerals.
_DEADLINE = re.compile(r"(?<![截止])(?:到|至|力争到|争取到)((?:19|20)\d\d|[二][〇零○][〇零○一二三四五六七八九]{2})年")


def _year_number(y: str) -> int:
    from ..language.vocab import year_number
    return year_number(y)


def measure_text(sentence: str, offset: int, length: int, unit: str, kind: str, raw: str,
                 role: str = "", region: str = "", place: str = "",
                 lead: str = "", year: int | None = None) -> Measurement:
    """Read what the figure at ``sentence[offset:offset+length]`` measures, from the structure
    of the prose: its clause, the subject a list carries to it (from earlier clauses of the
    sentence or of the paragraph, ``lead``), 其中 (a part of the whole before), 分别 (items
    paired with figures in order), 占x% (the share of its clause's count), the period, and
    quoted speech or named places (parts, not the region).

    Counts need their counted noun next to the figure (合作社4160个, 922个农村党支部); a word
    around it the vocabulary does not know is reported in ``unknown`` (the figure stays
    unmapped with it), never read as a condition. Shares, means and money take their subject
    from the clause, or from the subject carried to it (35岁以下的占46.37%)."""
    flags: list[str] = []
    fig_year: int | None = None
    _p = -1
    if raw and "(" in raw:  # the span in the sentence has no pinyin glosses (萬(wàn))
        from ..language.vocab import PINYIN_GLOSS
        length = min(length, len(PINYIN_GLOSS.sub("", unicodedata.normalize("NFKC", raw))))
    quoted = in_quoted_speech(sentence, offset)
    # a bracketed note that leaves communities out (不含社区) says the base is villages; it names
    # no body or place, so it is dropped (the village base is then read as usual)
    cut = sum(len(m.group(0)) for m in _VILLAGES_ONLY_NOTE.finditer(sentence) if m.end() <= offset)
    sentence, offset = _VILLAGES_ONLY_NOTE.sub("", sentence), offset - cut
    lead = _VILLAGES_ONLY_NOTE.sub("", lead)
    if place and _VILLAGES_ONLY_NOTE.fullmatch(f"({place})"):
        place = ""
    sentence, offset, length = _strip_quotes(sentence, offset, length)
    lead = _strip_quotes(lead)[0].strip()
    if lead and lead[-1] not in CLAUSE_DELIMS:
        lead += "。"
    full = _THOUSANDS.sub("'", lead + sentence)  # 8,610: a thousands separator ends no clause
    sentence = full[len(lead):]
    s0 = len(lead)
    off = s0 + offset
    if re.search(r"[A-Za-z]{2,}", raw):
        raw = full[off:off + length]  # an English figure: read the words the reader rewrote it to
    a, b = clause_bounds(full, off, off + length)
    marker = _LIST_MARKER.match(full[a:off])
    if marker:
        a += marker.end()
    left, right = full[a:off], full[off + length:b]
    left = NORM_MODIFIER.sub("", left)  # 按照每村不少于3名的标准储备……286名: the norm is a modifier
    prev_clause = _previous_clause(full, a)
    qizhong = bool(_QIZHONG.match(left)) or prev_clause.strip() == "其中"
    if qizhong:
        flags.append("qizhong_subset")
    unknown: list[str] = []
    fb = left.rfind("分别")
    if fb >= 0:
        paired = _pair_fenbie(full, a, a + fb, off, b)
        after_items = _AFTER_FENBIE.match(left[fb:])
        if paired is None and after_items:
            # 女性成员分别占村、社区“两委”成员的22.5%和41.3%: the items follow 分别占, the k-th
            # figure after them takes the k-th item (with the noun the list shares)
            items = re.split(r"[、和及与]", after_items.group("items"))
            k = len(re.findall(r"(?:\d[\d.]*|百分之[^,;。、和]+?)%?(?:和|及|与|、)", left[after_items.end():]))
            if len(items) >= 2 and k < len(items):
                item = items[k]
                if re.fullmatch(r"(城市|城镇)?社区|居|居委会|社区居委会", item):
                    unknown.append(f"{item} (分别: the figure of communities)")
                left = left[:fb] + "占" + item + after_items.group("tail") + left[after_items.end():]
                fb = -1
                flags.extend(("fenbie_paired", "fenbie_item_base"))
        years_k = _fenbie_years(full, a, a + fb, off, b) if fb >= 0 and paired is None else None
        if years_k:
            # 2020—2022年，全市村集体经济总收入分别为a、b和c: the k-th figure is the k-th year's
            fig_year = years_k
            left = left[:fb] + re.sub(r"^分别", "", left[fb:])
            fb = -1
            flags.extend(("fenbie_paired", "fenbie_years"))
        if fb >= 0 and paired is None:
            unknown.append("分别 (items and figures do not pair)")
        elif fb >= 0 and paired is not None:
            verb = re.match(r"分别[^\d一二三四五六七八九十两百、]*", left[fb:])
            left = paired + (verb.group(0) if verb else left[fb:])  # the earlier figures dropped
            flags.append("fenbie_paired")
    left_item = re.split(r"[和及与](?=$)", _last_item(left).rstrip())[-1]
    if unit == "元":
        # 嘎查村均18.4万元: 嘎查 + 村均 (the mean per 嘎查村), not a count of 嘎查村
        left_item = re.sub(r"嘎查村(均|平均)", r"村\1", left_item)
        left = re.sub(r"嘎查村(均|平均)", r"村\1", left)
    right_item = re.split(r"[、]", right, maxsplit=1)[0].lstrip()
    right_np = re.split(r"[和及与]?\d", right_item, maxsplit=1)[0]
    evidence: list[str] = []
    entity, words, prev = "", "", ""
    counting = unit in _COUNT_UNITS and kind != "growth"
    residual_text = ""
    if counting:
        entity, words, end = _head_entity(right_np) if unit else ("", "", -1)
        m_v = re.match(r"(行政村|建制村|嘎查村|村|嘎查)(?!党|干部|两委|民小组|委会|级党|\(|居|社区)", right_np)
        if m_v and unit == "个":
            entity, words, end = "admin_village", m_v.group(0), m_v.end()
        m_mod = re.match(r"([^,;。的]{2,12})的(行政村|建制村|嘎查村|村|嘎查)(?!党|干部|两委|民小组|委会|级党|\(|居|社区)",
                         right_item)
        if unit == "个" and entity in ("collective", "") and m_mod and \
                find_entity(m_mod.group(1))[0] in ("collective", ""):
            # 11个集体经济相对薄弱的嘎查村: villages, with what is said of them before 的
            entity, words, end = "admin_village", m_mod.group(2), m_mod.end()
            right_np = right_item[:end]
        if entity in _PEOPLE and unit in ("个", "家", "支", "所", "座", "处"):
            # 12个社区“两委”班子成员, 91个村党组织书记: 个 counts the places, not the people named
            # after them, and the places are only the frame of what is said of the people
            unknown.append(f"{right_np[:10]} (个 before a body of people)")
            entity, words, end = "", "", -1
        if entity:
            evidence.append(f"counted noun '{words}'")
            flags.append("head_noun")
            residual_text = left_item + " " + right_np[:max(end, 0)]
            after_head = right_item[max(end, 0):]
            if re.match(r"的[^,;。]{0,12}?(百分之|[\d一二三四五六七八九十]+[^,;。]{0,4}?(以上|以下|以内))", after_head):
                unknown.append(after_head[:12])  # 四十个村的负债率在百分之五十以上: a group defined after the noun
            if entity in ("admin_village", "village_or_community") and \
                    _VILLAGES_DOING.match(after_head):
                unknown.append(after_head[:8])  # 159个村通过委托管理……: villages that did something
            other_body = re.match(r"[和及与、](?![\d一二三四五六七八九十百千两])", after_head) and \
                find_entity(after_head[1:8], 0)[0]
            if other_body and other_body != entity:
                unknown.append(after_head[:8])  # 1849名第一书记和驻村干部: two bodies in one count
        else:
            entity, words, _ = _adjacent_entity(left_item)
            residual_text = left_item + " " + right_item
            if entity:
                evidence.append(f"counted noun '{words}' before the figure")
                flags.append("adjacent_noun")
            elif _IN_GROUP.match(left_item) and find_entity(_IN_GROUP.match(left_item)[1])[0] and \
                    not _count_residual(_IN_GROUP.match(left_item)[2], "") and \
                    find_conditions(_IN_GROUP.match(left_item)[2], "two_committees_member") - {"other"}:
                # 村(社区)党组织书记中女性28名: a group of the body named before 中 in the same clause
                entity, words = find_entity(_IN_GROUP.match(left_item)[1])
                residual_text = _IN_GROUP.match(left_item)[2] + " " + right_item
                evidence.append(f"group of '{words}' named before 中")
                flags.append("group_of_subject")
            elif _SEC_ALSO_CHAIR.search(left_item) and \
                    _carried_subject(full, a)[0] == "branch_secretary":
                # 91个村党组织书记中,担任村委会主任的90名: the secretaries who also chair
                entity, words, prev, _p = _carried_subject(full, a)
                residual_text = _SEC_ALSO_CHAIR.sub(" ", left_item) + " " + right_item
                evidence.append(f"secretaries '{words}' who also chair the committee")
                flags.append("subject_carried")
            elif (left_item.strip() and not _count_residual(left_item, "") and
                  find_conditions(re.split(r"[、]", left)[-1], "two_committees_member") - {"other"}) or \
                    _BARE_BAND.fullmatch(re.sub(r"^其中", "", re.split(r"[、]", left)[-1].strip())):
                # 大专以上学历287人: a group of the subject carried from a clause before
                entity, words, prev, _p = _carried_subject(full, a)
                if entity:
                    evidence.append(f"subject '{words}' carried from a clause before")
                    flags.append("subject_carried")
        around = left_item + " " + right_item
    else:
        entity, words = find_entity(left_item)
        if not entity:
            entity, words = find_entity(left)
        if entity:
            evidence.append(f"subject '{words}'")
            flags.append("subject_in_clause")
        if not entity:
            entity, words, prev, _p = _carried_subject(full, a)
            if entity:
                evidence.append(f"subject '{words}' carried from a clause before")
                flags.append("subject_carried")
        around = left + " " + right_item
    if "subject_carried" in flags and _p < s0:
        flags.append("subject_other_sentence")
    money_window = (prev + "," if prev else "") + left
    if unit == "元" and re.search(r"[\u4e00-\u9fff]{2,}", re.sub(
            r"村均|平均每(个)?村|达到|达|为|共|计|实现|突破|超过|约|近|总计|合计|累计|全年|年|其中|分别|"
            r"全市|全县|全区|全旗", "", left_item)):
        money_window = left_item  # the item names its own subject (产品价值达到500多万元)
    prop, why = read_property(unit, kind, money_window if unit == "元" else money_window + right_item[:6],
                              entity)
    if unit == "元" and re.search(r"村均|平均每(个)?村", left_item) and prop in (
            "income_total", "income_operating"):
        prop = "income_per_village" if prop == "income_total" else "income_operating_per_village"
    if unit == "元" and re.search(_MONEY_PROPS[0][1], left_item):
        prop, why = "amount", "a money flow or other amount named next to the figure"
    if unit == "元" and not entity and re.search(r"村均|平均每(个)?村", left_item):
        operating = re.search(r"经营性|经营收入", left_item)
        entity, why = "collective", "村均: collective income per village"
        prop = "income_operating_per_village" if operating else "income_per_village"
    if unit == "元" and entity == "" and qizhong and re.search(r"收入|收益", left_item):
        entity = "collective"  # 其中:经营性收入2150万元: a part of the collective's income
        prop, why = read_property(unit, kind, left_item, entity)
        why = f"{why}; 其中: a part of the collective's income"
    if unit == "元" and re.search(r"村均|平均每(个)?村", left_item) and \
            not re.search(r"收入|收益", left_item) and re.search(r"收入|收益", prev_clause):
        # 其中,经营性收入4210万元,村均27万元: 村均 of the income the clause before names
        if re.search(r"经营性|经营收入", prev_clause) and not re.search(r"总收入", prev_clause):
            entity, prop = "collective", "income_operating_per_village"
            why = "村均 after the operating income of the clause before"
    if prop == "income_net" and re.search(r"村均|平均每(个)?村", left_item):
        prop, why = "amount", "per-village net income (no indicator)"  # 纯收入…,村均25.3万元
    if prop == "income_per_village" and re.search(r"纯收入|净收入|收益", prev_clause + left_item):
        prop, why = "amount", "per-village net income (no indicator)"
    if prop in _FLOW_PROPERTIES and entity == "admin_village":
        entity = "collective"  # 村的经营性收入: the collective economy's income
    if prop == "income_growth" and re.search(r"经营性|纯收入|净收入|收益", prev_clause):
        prop, why = "change", "growth of the operating or net income named in the clause before"
    if prop in ("income_growth", "change") and re.search(r"年均|年平均|平均每年|每年平均",
                                                      left_item[-6:] + raw):
        prop, why = "change", "mean annual growth over several years (年均), no year's growth"
    if prop == "income_growth" and re.search(r"村均", left_item):
        prop, why = "change", "growth after a per-village mean: of the mean, not of the total"
    if unit == "%" and re.search(r"参选率|参选比例|投票率", left_item):
        entity, prop, why = "population", "rate", "参选率: turnout of the election"
    evidence.append(f"property: {why}")
    cond_text = re.split(r"[、]", left)[-1] + " " + right_item if counting else around
    if "head_noun" in flags:
        # 157个行政村集体经济收入全部达到5万元以上: what follows the counted noun is said of all of
        # them (a predicate), so it defines no income band of the count
        head_part = re.split(r"[、]", left)[-1] + " " + right_np[:max(end, 0)]
        rest = re.split(r"[和及与、](?=[\d一二三四五六七八九十两])", right_item[max(end, 0):])[0]
        if (entity in ("admin_village", "village_or_community") and
                re.search(r"全部|均|都|所有|全面", rest)) or \
                (entity in ("village_party_org", "party_org") and
                 re.match(r"(全部|均|都)[^,;。]{0,4}完成(了)?(村级)?换届", rest) and
                 re.search(_whole_region_words(region), full[a:off])) or \
                (re.match(r"的", rest) and find_entity(rest[1:9], 0)[0]) or re.match(r"(中|里|当中)", rest):
            rest = ""  # 全部完成换届 (said of all of them); 332个村的党组织书记… (said of another body)
        cond_text = head_part + " " + rest
    group_after = re.match(r"的(?:行政村|建制村|嘎查村|村|嘎查)(.{4,})", right_item)
    if group_after and not counting:
        after_bands = income_bands("收入" + group_after.group(1)) - {"other"}
        if after_bands and re.match(r"(集体)?(经济)?(经营性)?收入(不足|低于|少于|不到|超过|突破|达到|在)?"
                                    r"[\d.一二三四五六七八九十百]+万", group_after.group(1)):
            entity = "admin_village"  # 五分之一的村经营性收入低于十万元: a band named after the noun
            flags.append("group_after_noun")
        else:
            group_after = None
            unknown.append(right_item[1:12])  # 约六成的村收入主要依靠补助: a group the words after define
    if prop == "share" and not group_after and _BARE_SHARE.fullmatch(left_item.strip()):
        # 占16.1% after 其中女性1524名: the group is the count of the clause before
        cond_text += " " + prev_clause
        flags.append("bare_share")
    conds = find_conditions(cond_text, entity)
    if entity in ("admin_village", "collective", "") and not (
            income_bands(cond_text) - {"other"}) and \
            re.search(r"收入|集体经济", prev + left) and (counting or prop == "share"):
        # an item of a list of income bands (5万元至10万元的62个) under the subject 村集体经济收入…的村
        item = re.split(r"[、]", left)[-1]
        src = item if re.search(r"\d|[一二三四五六七八九十]", item) else \
            (prev_clause if "bare_share" in flags else item)
        band_text = "收入" + src + ("" if re.search(r"村|嘎查", src) else "的村")
        bands = income_bands(band_text) - {"other"}
        if bands:
            conds |= bands
            flags.append("band_from_subject")
    if ((counting and unit == "个") or prop == "share") and (
            conds & set(INCOME_BANDS) or "no_income" in conds) and entity in ("collective", ""):
        entity = "admin_village"  # villages counted by their income
    if counting and entity and qizhong:
        whole, _w, whole_clause, _q = _carried_subject(full, a)
        narrower_base = bool(_WITH_COMMUNITIES.search(whole_clause)) and \
            bool(_VILLAGE_BASE.search(left_item)) and not _WITH_COMMUNITIES.search(left_item)
        whole_conds = find_conditions(whole_clause, entity) - {"new_round", "other"}
        if _VILLAGES_NAMED.search(left_item) and not _VILLAGES_NAMED.search(whole_clause) and \
                not _WITH_COMMUNITIES.search(left_item):
            narrower_base = True  # 村党组织173个，其中行政村党组织162个: the part names the villages
        if whole == entity and not narrower_base and (conds - {"new_round"}) <= whole_conds:
            unknown.append("其中 (an unnamed part of the whole before)")
            evidence.append("其中: a part of an earlier total")
    if counting and entity and not qizhong and not _VILLAGES_NAMED.search(left_item + right_np):
        nxt = re.split(r"[,;。]", full[b + 1:] if b < len(full) else "", maxsplit=1)[0]
        if re.match(r"\s*其中", nxt) and _VILLAGES_NAMED.search(nxt) and \
                find_entity(nxt)[0] == entity:
            # 全县村党组织173个，其中行政村党组织162个: the whole counts communities as well
            unknown.append("base: 其中 names the villages, so the whole counts communities too")
    if counting and entity:
        residual = _count_residual(residual_text, words)
        if residual:
            unknown.append(residual)
            evidence.append(f"unexplained words '{residual}'")
    one_shoulder = re.compile(dict(CONDITION_CUES)["one_shoulder"])
    if prop == "share" and (one_shoulder.search(left) or (not left_item.strip("比例达到为占是")) and
                            one_shoulder.search(_previous_clause(full, a))) and entity in (
            "", "village_committee_chair", "village_party_org", "admin_village", "branch_secretary",
            "party_org", "village_or_community", "village_community_party_org"):
        entity, conds = "branch_secretary", {c for c in conds if c in ("new_round",
                                                                       "with_communities")}
        if _nearest_base_is_vc(full[_sentence_head(full, off)[1]:off]):
            conds.add("with_communities")
        conds.add("one_shoulder")
        evidence.append("一肩挑: share of secretaries who also chair the committee")
    if counting and ("一肩挑" in left_item or _SEC_ALSO_CHAIR.search(left_item)) and entity in ("branch_secretary", "", "village_committee_chair"):
        entity = "branch_secretary"
        conds = {c for c in conds if c in ("new_round", "with_communities")} | {"one_shoulder"}
        if _nearest_base_is_vc(full[_sentence_head(full, off)[1]:off]):
            conds.add("with_communities")  # 村(社区)党组织书记……“一肩挑”的有149名
    if entity == "party_member" and re.search(r"(农村|农牧民|农村牧区|牧区)(新发展)?党员", left_item + right_np):
        conds.add("other")  # 农村党员: rural members only, not the region's party members
        evidence.append("农村党员: rural members only")
    if prop in ("income_total", "income_operating", "income_per_village", "income_growth",
                "income_net", "income_operating_per_village", "share") and entity in (
            "collective", "admin_village"):
        sub = _SUBSET_VILLAGES.search(full[a:off] + " " + (prev or prev_clause))
        if sub and not re.search(r"全(县|市|区|旗|省)(\d+个)?(行政村|建制村|嘎查村|村|嘎查)", full[a:off]):
            unknown.append(sub.group(0))  # 172个中心村收入总量…, 帮扶村去年集体收入: a kind of village
            evidence.append(f"villages of one kind ({sub.group(0)}): a part of the region")
    if prop == "income_per_village":
        conds.discard("per_village")
    if prop in ("mean_age", "mean_age_change"):
        conds = {c for c in conds if c in ("new_round", "with_communities")}
    own_base = re.search(r"较上届|比上届|与上届相比|较换届前|比换届前|较上一届|比上一届|上届",
                         full[a:off + length] + right_item)
    other_base = re.search(r"上年|去年|同比|20\d\d年", full[a:off + length] + right_item)
    _h, _hs = _sentence_head(full, off)
    carried_base = not own_base and not other_base and kind == "growth" and unit in ("岁", "pp") and \
        bool(re.search(r"较上届|比上届|与上届相比|较换届前|比换届前", full[_hs:a]))
    if kind == "growth" and unit in ("岁", "pp") and (own_base or carried_base):
        prop = "mean_age_change" if unit == "岁" else "share_change"
        if not entity:
            entity, words, prev, _p = _carried_subject(full, a)
        if prop == "share_change" and not (conds - {"new_round", "with_communities"}):
            back = a  # 大专以上1187名,占34.6%,较上届提高17.2个百分点: the group of the clauses before
            for _ in range(3):
                pc = _previous_clause(full, back)
                found = find_conditions(pc, entity) - {"new_round", "other"}
                if found or not pc:
                    conds |= found
                    break
                back -= len(pc) + 1
        if prop == "mean_age_change":
            conds = {c for c in conds if c in ("new_round", "with_communities")}
        evidence.append("change against the previous round")
        flags.append("change_vs_previous_round")
    elif kind == "growth" and unit in ("名", "人") and own_base and not other_base:
        prop = "count_change"  # 与上届相比减少37名: the number of members against the last round
        if not entity:
            entity, words, prev, _p = _carried_subject(full, a)
        conds = {c for c in conds if c in ("new_round", "with_communities")} | (
            find_conditions(left_item, entity) - {"new_round", "other"})
        evidence.append("change of a count against the previous round")
        flags.append("change_vs_previous_round")
    if entity in _CADRES and _VC_LIST.search(full[_sentence_head(full, off)[1]:off]) and \
            "fenbie_item_base" not in flags:
        conds.add("with_communities")  # 142个嘎查村、28个社区的“两委”: villages and communities
        flags.append("base_listed")
    if entity in _CADRES and "fenbie_item_base" not in flags and not _VILLAGE_BASE.search(left_item) and \
            not _WITH_COMMUNITIES.search(left_item) and _base_before(full, a, entity):
        conds.add("with_communities")  # 1,387个村(社区)党组织书记中,…“一肩挑”的有1,352名: the base carries
        flags.append("base_carried")
    if re.search(r"新一届|换届后|本次换届", full[s0:off] + prev):
        conds.add("new_round")
    head, head_start = _sentence_head(full, off)
    period_text = full[a:off] + " " + (prev if prev else "") + " " + \
        (head if head_start < a else "")
    period = period_of(period_text)
    flow = prop in _FLOW_PROPERTIES or bool(conds & _FLOW_CONDITIONS) or bool(
        conds & set(INCOME_BANDS)) or (
        counting and bool(_FLOW_VERBS.search(left_item)))
    if not flow:
        period = ""  # a stock counted at the report's date
    elif not period and _NOW.search(full[s0:off]):
        # 目前,全县村集体经济总收入达2.3亿元: a flow "so far" has no whole period (in a September
        # article it is the year to date); it must not stand in for the year's total
        period = "year_to_date"
    elif _PART_PERIOD.search(full[s0:off]) or _PART_PERIOD.search(full[off:b]):
        period = "part_year"  # 5个村一季度收入超过50万元: the period after the counted villages
    if head_start < a and _GROUP_FRAME.match(head):
        unknown.append(head.strip()[:16])  # 对11个……薄弱的嘎查村,选派第一书记11名: that group only
        evidence.append("the sentence speaks of one group of villages")
    if re.search(r"(上年|去年|上一年|前一年)(同期)?(为|是|的)$", left_item.strip()):
        # 上年为23.1万元 (up from … a year earlier): the earlier year's level, which the text's
        # year would misfile
        unknown.append("the previous year's level")
    if unit == "元" and _PART_ITEM.search(left_item) and not (
            qizhong and prop in ("income_operating", "income_net")) and not (
            re.search(r"总收入[^,;。]{0,2}(仅|仅有|仅为|只有)$", left_item.strip()) and
            not re.search(r"其中|光|单", left_item)):
        # 总收入仅3420万元: 仅 is "only" (a low total), not one item of the income
        unknown.append("one item of the income")
        evidence.append("part of the income")
    statement, st_why = read_statement(full[a:off], full[off + length:], raw, role)
    if statement == "observed" and role not in ("condition",):
        frame = head if head_start < a and len(head) <= _FRAME_CHARS else ""
        m_t = TARGET_CUES.search(frame)
        if m_t:
            statement, st_why = "target", f"{m_t.group(0)} framing the sentence"
        m_y = re.match(r"\s*(20\d\d)年(底|末)?$", head)
        if not m_t and year and m_y and int(m_y[1]) > int(year):
            statement, st_why = "target", f"{m_y[1]}年 after the report's year {year}: a plan"
    if statement == "observed" and role not in ("condition",) and year:
        # 到二〇二六年，村均收入达到60万元，……以上的村占比达到40%: a deadline after the report's
        # year earlier in the sentence makes what follows it a plan
        for m_d in _DEADLINE.finditer(full[_sentence_head(full, off)[1]:off]):
            y_d = _year_number(m_d.group(1))
            if y_d and y_d > int(year):
                statement, st_why = "target", f"{m_d.group(0)} (after the report's year {year}) before it"
    if statement == "observed" and re.search(r"以上|以下|以内", raw + right[:2]) and re.match(
            r"(以上|以下|以内)?的(行政村|建制村|嘎查村|村|嘎查|社区|党组织|合作社)", right):
        # 对集体经济收入增长20%以上的村……: a bound that defines a group of villages
        statement, st_why = "threshold", "a bound that defines a group (…以上的村)"
    if statement == "observed" and unit == "元" and re.search(
            r"超过|以上|以下|不足|低于|突破|不到|高于|少于", raw + right_item[:3]) and (
            re.search(r"((\d+|[一二三四五六七八九十百千两]+)(多|余|来)?(个|家)|分之[一二三四五六七八九十]+|"
                      r"[一二三四五六七八九十]成|%)的?"
                      r"(行政村|建制村|嘎查村|村|嘎查)", re.split(r"[、]", left)[-1]) and
            not re.search(r"总量|总收入|总额|合计|共计|累计|总计", left_item) or
            re.match(r"(及)?(以上|以下)?(的)?(村|嘎查|行政村)", right_item)):
        statement, st_why = "threshold", "a money amount that defines a group of villages"
    if statement == "observed" and unit == "元" and (
            re.search(r"以上|以下|以内", raw) or kind == "range" or re.search(r"[至到—\-~～]", raw)) and \
            re.match(r"(\(不含\))?(的|、)", right):
        statement, st_why = "threshold", "an income band of a list (…的41个, 50万元以上、20万元以上的村)"
    if statement == "observed" and unit == "元" and re.search(r"以上|以下", raw + right[:3]) and (
            re.search(r"全部|均|都|所有", left_item) or re.match(r"(的)?(目标)?(全覆盖|全部覆盖)", right_item)) or (
            statement == "observed" and unit == "元" and
            re.search(r"(全部|(?<![村户人年])均|都|所有)[^,;。]{0,6}(不低于|不少于|超过|达到|在|高于)$",
                      left_item.strip())):
        prop, why = "amount", "a floor said of every village (全部达到3万元以上)"
    if statement != "observed":
        evidence.append(f"statement: {st_why}")
    p_own = find_place(left) or find_place(right)
    p_subject = find_place(_GROUP_BEFORE.sub("", prev)) if prev else ""
    # a place named earlier in the sentence is the sentence's topic (王湾村党支部书记……,村集体经济
    # 收入从3万元增长到65万元) unless a clause from there on speaks of the whole region again
    _h, sent_start = _sentence_head(full, off)
    p_before = ""
    if not p_own and not p_subject:
        before = full[max(sent_start, s0 if s0 <= a else sent_start):a]
        whole = _whole_region_words(region)
        cand = find_place(before)
        if cand and not (whole and re.search(whole, full[max(0, full.rfind(cand, 0, a)):off])):
            p_before = cand
    p_extract = place if place and place not in sentence else ""  # a heading's place
    place = p_own or p_subject or p_before or p_extract
    if re.search(r"全村|全嘎查|该村|本村|村里", full[s0:off]):
        place = place or "one village (全村/该村)"
    m_this = re.search(r"该(市|县|区|旗|镇|乡|州|盟)", left)
    if not place and m_this:
        named = [c for c in _places_in(lead) if not region or c not in region]
        place = named[-1] if named else ""
    # 该镇/该乡 earlier in the sentence, in a region of a higher level: the sentence is about a
    # town or township inside the region (走进石门镇……。该镇18个村……,总收入达到1260万元)
    m_town = re.search(r"(该)(镇|乡|街道)", full[max(_sentence_head(full, off)[1], s0 if s0 <= a else 0):off])
    if not place and m_town and not (region and region.endswith(m_town[2])):
        named = [c for c in _places_in(full[:off]) if c.endswith(m_town[2]) and
                 (not region or c not in region)]
        place = named[-1] if named else m_town.group(0)
    if not place:
        place = _english_place(full[_sentence_head(full, off)[1]:off], region)
    scope = "region"
    if place and (not region or (place not in region and region not in place)):
        scope = place
        evidence.append(f"place '{place}'")
    whole_in_quote = bool(region) and region[-1] in REGION_SUFFIXES and scope == "region" and \
        bool(re.search(_whole_region_words(region) + r"|(我们|我)(县|市|区|旗|州)(?!委|里)",
                       full[_sentence_head(full, off)[1]:off]))
    if quoted and whole_in_quote:
        # 部长：“我们全县有24个乡镇、519个村（社区）……”: an official speaking for the whole
        # region in its own words, not one speaker's part
        evidence.append("quoted speech naming the whole region (全县): the region's figure")
        flags.append("quoted_whole_region")
    elif quoted:
        scope = "quoted speech"
        flags.append("quoted")
        evidence.append("quoted speech: one speaker's part, not the region's figure")
    if period:
        evidence.append(f"period {period}")
    if unknown:
        evidence.append("unknown: " + ", ".join(unknown))
    if fig_year:
        evidence.append(f"year {fig_year} (分别 over the years)")
    elif statement == "observed":
        y_s = _clause_year(full, _sentence_head(full, off)[1], a, off, year)
        if y_s and (not year or y_s < int(year)):
            fig_year = y_s  # 2015年，全区村集体经济总收入仅3420万元 (in a 2020 review): 2015's value
            evidence.append(f"year {y_s} named at the head of its clause")
    return Measurement(entity, prop, sort_conditions(conds), scope, statement,
                       "; ".join(evidence), period=period, unknown=", ".join(unknown),
                       flags=tuple(dict.fromkeys(flags)), year=fig_year)


#: Words a label may hold besides its entity and conditions without changing what is measured.
_LABEL_FILLER = re.compile(
    r"平均年龄|平均|年龄|占比|比例|比重|比率|人数|个数|总数|数量|总量|总收入|收入|总额|数|率|中|的|及|以上|以下|"
    r"以内|全部|所有|总|合计|累计|共|其中|全市|全县|全区|全旗|全省|全国|各类|成员|人员|学历|文化|程度|"
    r"村级|村|级|在任|现任|届|本届|新一届|换届后|达到|实现|占|于|为|有|个|名|人|万元|元|\d+(\.\d+)?|"
    r"[-—~～至到<>%]|周岁|岁|集体|经济|村集体|村均|经营性|经营|资产|积累|报酬|补贴|年|年度|统计|普查|"
    r"、主任|主任|(较|比|与)上届(相比)?(的)?(变化|增减|下降|降低|减少|精简|提高|上升|增加|提升)?|"
    # words that name no group: a state (在岗, 现任), an act that is the indicator's own
    # (储备 reserve cadres, 排查 weak branches, 建设/提档升级 centres), the income concept
    # (收益, 纯收入), growth words (the property is read from them) and a voter (选民)
    r"在岗|在任|驻村|储备|排查|建设|提档升级|提质改造|改造提升|收益|纯收入|净收入|增长|增速|增幅|"
    r"同比|选民|选举|情况|班子|变化|变动|增减")
#: A date at which a stock is counted (截至6月底, 截至2023年末): the period is read from the
#: whole label; the date restricts nothing.
_LABEL_DATE = re.compile(r"截[至止]到?((19|20)\d\d年)?(\d{1,2}月)?(\d{1,2}日)?(底|末|份)?")
#: A year at a label's head (2022年村均, 2021年度村均).
_LABEL_HEAD_YEAR = re.compile(r"^(19|20)\d\d年(度)?(?=\D)")
#: Villages named by the income they pass (百万村, 五十万元村).
_BAND_VILLAGE = re.compile(r"(?<![\d十百千])(十|二十|三十|五十|百)万(元)?(级)?村")
_BAND_VILLAGE_STEP = {"十": 10, "二十": 20, "三十": 30, "五十": 50, "百": 100}
#: Turnout of voters in the villagers' committee election (参选率, 投票率).
_TURNOUT = re.compile(r"参选率|投票率")
_TURNOUT_WORDS = re.compile(r"村(民)?委(员)?会|村民|选民|选举|换届")
#: Parenthesised notes in labels that name a source or a caveat, not what is measured.
_SOURCE_NOTE = re.compile(r"\((?![^)]*(村|社区|居|党|两委|收益|收入|书记|成员|截至|口径|累计|乡|万元|岁|学历))[^)]*\)")


def _residual(body: str, spans: list[tuple[int, int]]) -> str:
    """The words of a label that no vocabulary accounts for (unknown modifiers)."""
    keep = [True] * len(body)
    for a, b in spans:
        for k in range(a, b):
            keep[k] = False
    rest = "".join(c if k else " " for c, k in zip(body, keep))
    rest = _LABEL_FILLER.sub(" ", rest)
    words = re.findall(r"[\u4e00-\u9fff]{2,}", rest)
    # a character standing alone is unknown too (强村, 老党员), unless it is a function word or
    # a word whose sense the rest of the label already holds (村均, 驻村, 已消除)
    words += [c for c in re.findall(r"(?<![\u4e00-\u9fff])[\u4e00-\u9fff](?![\u4e00-\u9fff])", rest)
              if c not in _HARMLESS_CHARS]
    return "".join(words)


#: Single characters of a label that restrict nothing.
_HARMLESS_CHARS = frozenset("均进驻农已比内一占的之及和与共达计约近超余含在任后前中为是有个名人数率总全各本该"
                            "届年月日底末度上下以至到从由元万亿岁其")


#: A release's unit count on the 村(社区) base (村(社区)数, 村（居）数) with no count of villages alone.
_VC_UNIT_LABEL = re.compile(r"^(全(县|市|区|旗))?村\((社区|居)\)(总)?(个)?数")
_V_UNIT_LABEL = re.compile(r"^(全(县|市|区|旗))?(行政村|建制村|嘎查村|村)(总)?(个)?数$")


def release_base_is_vc(labels: list[str]) -> bool:
    """True when the labels of one release (one page's rows) count its units only as 村(社区):
    then a cadre label that says 村“两委” on that page may well be of the 村(社区) base, as most
    换届 reports count (安溪县: 村(社区)数 482, 村“两委”成员数 2969)."""
    norm = [re.sub(r"\s+", "", unicodedata.normalize("NFKC", x)) for x in labels]
    return any(_VC_UNIT_LABEL.match(x) for x in norm) and not any(_V_UNIT_LABEL.match(x) for x in norm)


def measure_label(label: str, unit: str | None, kind: str, region: str = "",
                  release_vc: bool = False) -> Measurement:
    """Read what a figure-sheet row measures from the label a researcher wrote for it.

    The label's head noun (its last entity word) is the entity; words the vocabulary does not
    account for (入社群众, 网格包户) become the condition ``other``, so that a subset never passes
    for the whole. ``release_vc``: the row's release counts its units only as 村(社区)
    (:func:`release_base_is_vc`), so a cadre label on the village base is of an uncertain base."""
    from ..language.vocab import english_label_to_zh

    label, latin_unknown = english_label_to_zh(unicodedata.normalize("NFKC", label))
    text = re.sub(r"\s+", "", unicodedata.normalize("NFKC", label))
    text = re.sub(r"(?<!平)均龄", "平均年龄", text)  # 书记均龄: a mean age
    statement, why = "observed", ""
    if re.match(r"^目标[::]", text) or re.search(r"目标|力争|计划|到20\d\d年", text):
        statement, why = "target", "label says target"
    elif re.search(r"每村至少|不得|不超过|原则上|控制在|标准$|倒排", text):
        statement, why = "rule", "label states a rule"
    body = _SOURCE_NOTE.sub("", re.sub(r"^目标[::]", "", text))
    body = _LABEL_DATE.sub("", body)
    # a year at the label's head (2022年村均) dates the figure (the period is read from the whole
    # label); it is not a word of what is measured
    body = _LABEL_HEAD_YEAR.sub("", body)
    # a bracket that repeats words the label already holds outside it (一肩挑(书记主任一肩挑)占比)
    # is a gloss: it restricts nothing
    # (four characters at least: (社区) after 村 is the base, not a gloss)
    body = re.sub(r"\(([^()]{4,})\)", lambda m: "" if m.group(1) in body[:m.start()] + body[m.end():]
                  else m.group(0), body)
    # a bracket that defines the villages by their income (经济薄弱村(年收入不足10万元)): the
    # head noun is before it, and the band it names is the group
    defined = re.search(r"\(([^()]*)\)$", body)
    head = body
    if defined and (income_bands(defined.group(1) + "的村") - {"other"}) and body[:defined.start()]:
        head = body[:defined.start()]
    spans: list[tuple[int, int]] = []
    best = None
    for rank, (ent, rx) in enumerate(_ENTITY_RES):
        for m in rx.finditer(head):
            key = (m.end(), m.end() - m.start(), -rank)
            if best is None or key > best[0]:
                best = (key, ent, m.group(0), m.span())
    entity, words = ("", "")
    if best:
        entity, words = best[1], best[2]
        spans.append(best[3])
    if head is not body and defined is not None:
        spans.append((defined.start(), len(body)))
    u = unit or ""
    if re.search(dict(CONDITION_CUES)["one_shoulder"], body) and \
            entity in ("", "admin_village", "village_committee_chair", "village_or_community"):
        # 一肩挑比例, 一肩挑村数, 村(社区)一肩挑: the secretaries who also chair the committee
        if entity == "village_or_community":
            body += "(社区)" if "(社区)" not in body else ""
        entity, words = "branch_secretary", words or "一肩挑"
        spans.extend(m.span() for e, rx in _ENTITY_RES if e == "branch_secretary"
                     for m in rx.finditer(body))
    turnout = _TURNOUT.search(body)
    if turnout and entity in ("", "village_committee", "population"):
        entity, words = "population", turnout.group(0)
        spans.extend(m.span() for m in _TURNOUT_WORDS.finditer(body))
        spans.append(turnout.span())
    if not entity and re.search(dict(CONDITION_CUES)["standardised"], body):
        entity, words = "village_party_org", "标准化 (branches)"  # 规范化建设达标率
    if turnout and entity == "population" and u in ("%", ""):
        prop, pwhy = "rate", f"turnout ({turnout.group(0)})"
    elif kind == "growth" or re.search(r"降幅|升幅|增幅|减幅|增速|增长|同比|变化|提高|下降|增加数|减少数",
                                       body):
        prop, pwhy = read_property(u, "growth", body, entity)
    elif u == "" and kind == "level":
        prop, pwhy = _label_property(body, entity)
    elif u == "元":
        prop, pwhy = _money_property_by_priority(body, entity)
    else:
        prop, pwhy = read_property(u, kind, body, entity)
    if prop.startswith("income_") and not entity:
        entity = "collective"  # 经营收入, 村均: the label names the income, not its owner
    conds = find_conditions(body, entity)
    n_entity_spans = len(spans)
    for _, rx in _CONDITION_RES:
        spans.extend(m.span() for m in rx.finditer(body))
    for rx in (_INCOME_BAND, _INCOME_BAND_PRE):
        spans.extend(m.span() for m in rx.finditer(body))
    bv = _BAND_VILLAGE.search(body)
    if bv:  # 百万村: villages whose income passes 100万
        conds.add(f"income_over{_BAND_VILLAGE_STEP[bv.group(1)]}w")
        spans.append(bv.span())
    if not entity and not (conds & set(INCOME_BANDS)) and income_bands(body + "的村") - {"other"}:
        # 50万元以上占比: a band with the villages unsaid
        entity, words = "admin_village", "(villages of a band)"
        conds = find_conditions(body + "的村", entity)
        spans.extend(m.span() for m in _INCOME_BAND_PRE.finditer(body + "的村") if m.end() <= len(body))
    if entity == "collective" and prop == "count" and u in ("个", "个村") and \
            conds & set(INCOME_BANDS):
        # 集体经济收入5万元以下 | 18个: a count in 个 under an income band counts the villages
        entity, words = "admin_village", (words or "") + " (villages of a band, counted in 个)"
        conds = find_conditions(body + "的村", entity)
    if "branch_led" in conds:  # 领办合作社的村党组织: the cooperative is part of the condition
        spans.extend(m.span() for m in re.finditer(r"合作社", body))
    if "weak_village" in conds and (head is not body or any(
            b.startswith("income_under") for b in conds)):
        conds.discard("weak_village")  # the band defines the 薄弱村 of this label
        conds.discard("no_income")
    if "college" in conds and re.search(r"本科", body) and not re.search(r"大专|专科", body):
        conds = (conds - {"college"}) | {"other"}  # 本科及以上: a higher level than 大专及以上
    if entity == "party_member" and re.search(r"农村党员|农民党员", body):
        conds.add("other")  # rural Party members: a part of the region's members
    if entity == "village_or_community" and "涉农" in body:
        conds.add("other")  # 村(涉农社区): villages and only the communities that farm
    if "no_income" in conds and "空壳" in body and not re.search(
            r"零收入|(无|没有)(集体)?(经济)?(经营性?)?收入|收入为零|收益为零|无收益", body):
        conds.add("other")  # 空壳村 has no single definition (no income, or under 5万)
    for ent, rx in _ENTITY_RES:  # other entity words are modifiers the vocabulary knows
        if ent in ("collective", "admin_village", "village_or_community"):
            spans.extend(m.span() for m in rx.finditer(body))
    residual = _residual(body, spans)
    evidence = f"label entity '{words}'; property: {pwhy}"
    # a condition word whose condition has no meaning for the entity (集体收入达标村: 达标 of
    # villages is not branch standardisation) still restricts the group: unknown, not dropped
    misfit = [c for c, rx in _CONDITION_RES if c in _ENTITY_CONDITIONS and c != "with_communities"
              and entity not in _ENTITY_CONDITIONS[c] and c not in conds and rx.search(body)]
    if misfit and entity:
        conds.add("other")
        evidence += f"; condition words of {', '.join(misfit)} do not apply to {entity}"
    if residual:
        conds.add("other")
        evidence += f"; unrecognised words '{residual}'"
    own_base = re.search(r"(较|比|与)上届", body)
    if own_base and prop == "change" and u in ("岁", "pp", "人", "名"):
        # 村“两委”成员平均年龄较上届变化 (岁): the change against the previous round
        prop = {"岁": "mean_age_change", "pp": "share_change"}.get(u, "count_change")
        pwhy = "change against the previous round"
        evidence = f"label entity '{words}'; property: {pwhy}"
        if residual:
            evidence += f"; unrecognised words '{residual}'"
    if prop in ("mean_age", "mean_age_change"):
        conds = {c for c in conds if c in ("new_round", "with_communities", "other")}
    sub = _SUBSET_VILLAGES.search(body)
    if sub and entity in ("admin_village", "collective", "village_or_community", ""):
        conds.add("other")  # 中心村数, 172个中心村收入总量: villages of one kind, a part
        evidence += f"; villages of one kind ({sub.group(0)}): a part of the region"
    if prop == "income_per_village":
        conds.discard("per_village")
    if prop == "assets" and re.search(r"经营性资产|经营性净资产", body):
        prop = "amount"  # 农村集体经营性资产: operating assets are a part of the assets
        evidence += "; operating assets: a part of the collective's assets"
    if prop == "assets" and re.search(r"农村集体", body) and not re.search(r"村级|(?<!农)村集体", body):
        prop = "amount"  # 农村集体资产 (清产核资): town, village and group collectives together
        evidence += "; 农村集体: every level of rural collective, not the villages' own"
    if release_vc and entity in _CADRES and "with_communities" not in conds and \
            not _VILLAGE_BASE.search(body.replace("村“两委", "")) and "行政村" not in body:
        conds.add("other")  # the page counts 村(社区): the 两委 figure's base is not known
        evidence += "; base uncertain: the release counts its units only as 村(社区)"
    if re.search(r"平均每村|每村平均", body) and prop == "count":
        conds.add("per_village")
    if prop.startswith("income_") and entity in ("", "admin_village"):
        entity = "collective"
    if latin_unknown:
        conds.add("other")  # English words the label glossary does not know
        evidence += f"; unknown English words '{latin_unknown}'"
    if prop in ("assets", "income_total", "income_operating") and re.search(r"村均|平均每村", body):
        prop = {"assets": "amount", "income_total": "income_per_village",
                "income_operating": "income_operating_per_village"}[prop]
    place = find_place(body)
    scope = "region"
    if place and bv and place.endswith(bv.group(0)):
        place = ""  # 百万村 is a band of villages, not a village's name
    if place and re.search(r"收入|经济|集体|书记|党|两委|成员", place):
        place = ""  # 济收入村: words of the vocabulary run together, not a place's name
    at = body.rfind(place) if place else -1
    if at >= 0 and any(a < at + len(place) and b > at for a, b in spans[n_entity_spans:]):
        place = ""  # 一肩挑村, 无集体经营收入村: words of the vocabulary, not a place's name
    if place and (not region or place not in region):
        scope = place
    if re.search(r"调查|样本|抽样|CRRS", text):
        scope = "sample"
    elif re.search(r"某村|一个村|单村|该村", text):
        scope = "one_village"
    if why:
        evidence += f"; statement: {why}"
    period = period_of(text)
    if not period and _NOW.search(text):
        period = "year_to_date"  # 集体收益10万元以上村占比(目前): the year so far, not a year's
    if not (prop in _FLOW_PROPERTIES or conds & _FLOW_CONDITIONS or conds & set(INCOME_BANDS)):
        period = ""  # a stock counted at the sheet's date
    if period:
        evidence += f"; period {period}"
    return Measurement(entity, prop, sort_conditions(conds), scope, statement, evidence,
                       period=period)


def _money_property_by_priority(body: str, entity: str) -> tuple[str, str]:
    """Money property of a label: the most specific income word wins (村均 over 收入)."""
    for prop, rx in _MONEY_RES:
        m = rx.search(body)
        if m:
            if entity not in ("collective", "admin_village", "village_party_org", "") and \
                    prop not in ("pay", "per_capita_income"):
                return "amount", f"money of {entity or 'an unnamed entity'}"
            return prop, m.group(0)
    return "amount", "money, no income word"


#: Organisations and places: a bare number under a label naming only them counts them.
ORGANISATION_ENTITIES = frozenset({"village_party_org", "party_org", "village_community_party_org",
                                   "service_centre", "cooperative", "work_team", "admin_village",
                                   "village_or_community", "village_committee", "community"})


def _label_property(body: str, entity: str) -> tuple[str, str]:
    """Property of a bare-number sheet value, from the label alone."""
    if re.search(r"平均年龄", body):
        return "mean_age", "label 平均年龄"
    if re.search(r"占比|比例|比重|比率|率$|占", body):
        return "share", "label names a share"
    if entity in ("admin_village", "village_or_community") and (
            income_bands(body) - {"other"} or re.search(dict(CONDITION_CUES)["no_income"], body)):
        return "count", "label names villages of an income band"
    if re.search(r"收入|资产|报酬|补贴|元", body):
        return _money_property_by_priority(body, entity)
    if re.search(r"数$|人数|个数|数量|总数|数\(", body) or re.search(r"数", body):
        return "count", "label names a count"
    if entity in ORGANISATION_ENTITIES or entity in ("reserve_cadre", "first_secretary"):
        # 软弱涣散村党组织整顿转化 | 14, reserve cadres | 520: a bare number of organisations, or of
        # people no mean or share is kept of, is their count (a cadre body's could be an age)
        return "count", f"bare number of {entity}: a count"
    return "", "bare number, label names no property"
