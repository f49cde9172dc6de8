"""A simulation check of the whole analysis path, through the build, for testing only.

A synthetic corpus of county reports is generated from a *known* joint distribution (a
Gaussian copula with chosen Spearman correlations between indicators of the three
constructs, realistic marginals, and counties that do not publish some figures), written in
the report styles the corpus holds (county news, 换届 result lists, income band lists,
statistical communiqués, speeches with Chinese numerals). Each report is run through the
package's real path: text -> :func:`ruralstudy.figures.extract.extract_figures` ->
:func:`ruralstudy.build.pipeline.build_indicators` (measurement, mapping, indicators, panel, with the
build's validation) -> :func:`ruralstudy.evaluation.stats.spearman_test` over the recovered pairs. The
generator knows every number it printed, so extraction and mapping are scored exactly, and
across replications the intervals and the power can be checked against the truth.

Nothing here is a finding about real regions: the counties, their names and their figures are
invented. Nothing is written into data/ or reports/ (everything runs in memory).
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np
import pandas as pd

from ..evaluation import stats

# --- the known joint distribution -----------------------------------------------------------

#: The generated indicators, in the order of the correlation matrix.
STUDY_INDICATORS: tuple[str, ...] = (
    "secretary_college_share",       # cadre structure
    "cadre_mean_age",                # cadre structure
    "one_shoulder_share",            # cadre structure
    "collective_income_per_village",  # collective income
    "villages_income_over_10w_share",  # collective income
)

#: True Spearman correlations of the copula (population values; the others are 0).
TRUE_SPEARMAN: dict[tuple[str, str], float] = {
    ("secretary_college_share", "collective_income_per_village"): 0.4,
    ("secretary_college_share", "cadre_mean_age"): -0.5,
    ("secretary_college_share", "one_shoulder_share"): 0.2,
    ("secretary_college_share", "villages_income_over_10w_share"): 0.3,
    ("cadre_mean_age", "collective_income_per_village"): -0.2,
    ("cadre_mean_age", "villages_income_over_10w_share"): -0.3,
    ("collective_income_per_village", "villages_income_over_10w_share"): 0.7,
    ("one_shoulder_share", "collective_income_per_village"): 0.0,
}

#: The cross-construct pairs the links check tests: the primary pair (rho 0.4), a negative
#: one (-0.3) and a null one (0).
CHECK_PAIRS: tuple[tuple[str, str], ...] = (
    ("secretary_college_share", "collective_income_per_village"),
    ("cadre_mean_age", "villages_income_over_10w_share"),
    ("one_shoulder_share", "collective_income_per_village"),
)

SCENARIOS = ("complete", "mcar", "selective")
#: Probability that a county publishes a figure it has (scenario mcar), per indicator.
MCAR_PUBLISH = 0.8


def true_spearman(a: str, b: str) -> float:
    """The population Spearman correlation of two generated indicators."""
    if a == b:
        return 1.0
    return TRUE_SPEARMAN.get((a, b), TRUE_SPEARMAN.get((b, a), 0.0))


def latent_correlation() -> np.ndarray:
    """Pearson correlation matrix of the latent normals giving :data:`TRUE_SPEARMAN` (each
    entry 2 sin(pi rho / 6)); positive definite (checked in the tests)."""
    k = len(STUDY_INDICATORS)
    c = np.eye(k)
    for i in range(k):
        for j in range(k):
            if i != j:
                c[i, j] = stats.pearson_for_spearman(
                    true_spearman(STUDY_INDICATORS[i], STUDY_INDICATORS[j]))
    return c


def _marginals(z: np.ndarray) -> dict[str, np.ndarray]:
    """Realistic marginals (values as they would be measured, before printing) from latent
    standard normals, one column per indicator. Each transform is strictly increasing, so the
    Spearman correlations are the copula's."""
    from scipy.stats import beta, norm

    u = norm.cdf(z)
    col = {k: u[:, i] for i, k in enumerate(STUDY_INDICATORS)}
    return {
        # 2021 round: about half of village secretaries have a college degree (大专及以上)
        "secretary_college_share": 100 * beta.ppf(col["secretary_college_share"], 6, 6),
        "cadre_mean_age": 45.0 + 2.5 * norm.ppf(col["cadre_mean_age"]),
        "one_shoulder_share": 100 * beta.ppf(col["one_shoulder_share"], 9, 1.5),
        # per-village collective income in yuan: median 25万元, long right tail
        "collective_income_per_village": np.exp(
            math.log(250_000) + 0.7 * z[:, STUDY_INDICATORS.index("collective_income_per_village")]),
        "villages_income_over_10w_share": 100 * beta.ppf(col["villages_income_over_10w_share"],
                                                         4, 2),
    }


# --- counties, names --------------------------------------------------------------------------

_NAME_FIRST = "安宝昌长崇丹德定东丰福阜高广桂海红华怀嘉建江金靖康乐临隆洛茂美宁平普庆"
_NAME_SECOND = "安昌城川丰河和华江康乐林陵宁平泉山水顺台潭阳源远云泽州溪峰兴"
_PROVINCES = ("河北省", "山西省", "内蒙古自治区", "辽宁省", "吉林省", "黑龙江省", "江苏省", "浙江省",
              "安徽省", "福建省", "江西省", "山东省", "河南省", "湖北省", "湖南省", "广东省",
              "广西壮族自治区", "四川省", "贵州省", "云南省", "陕西省", "甘肃省", "宁夏回族自治区")


@lru_cache(maxsize=1)
def _real_stems() -> frozenset[str]:
    """Stems of every real county, city and district name in cpca's division table (宁阳县 ->
    宁阳), so that no synthetic county shares its name with a real one."""
    from importlib import resources

    from ..language.regions import strip_suffix

    try:
        with resources.files("cpca").joinpath("resources/adcodes.csv").open(encoding="utf-8") as f:
            names = pd.read_csv(f, dtype=str)["name"]
    except (ModuleNotFoundError, FileNotFoundError):  # pragma: no cover - cpca is a dependency
        return frozenset()
    return frozenset(strip_suffix(n) for n in names.dropna())


def county_names(n: int, rng: np.random.Generator) -> list[str]:
    """n distinct invented county names of two characters and 县; none is the name of a real
    county, city or district (with any suffix), and none repeats a character."""
    real = _real_stems()
    pool = [a + b + "县" for a in _NAME_FIRST for b in _NAME_SECOND if a != b and a + b not in real]
    if n > len(pool):
        raise ValueError(f"at most {len(pool)} county names")
    return [pool[i] for i in rng.choice(len(pool), size=n, replace=False)]


# --- printing numbers ---------------------------------------------------------------------------

_CN = "零一二三四五六七八九"


def cn_int(n: int) -> str:
    """An integer below 100,000 in Chinese numerals: 306 -> 三百零六, 15 -> 十五."""
    if n < 0 or n >= 100_000:
        raise ValueError(n)
    if n == 0:
        return "零"
    units = ((10_000, "万"), (1000, "千"), (100, "百"), (10, "十"), (1, ""))
    out, zero = "", False
    for size, name in units:
        d = (n // size) % 10
        if d == 0:
            zero = bool(out)
            continue
        if zero:
            out += "零"
            zero = False
        out += ("" if (d == 1 and size == 10 and not out) else _CN[d]) + name
    return out


def cn_decimal(x: float, places: int = 1) -> str:
    """A decimal in Chinese numerals: 52.3 -> 五十二点三, 45.0 -> 四十五."""
    s = f"{x:.{places}f}"
    whole, _, frac = s.partition(".")
    frac = frac.rstrip("0")
    return cn_int(int(whole)) + ("点" + "".join(_CN[int(c)] for c in frac) if frac else "")


def _fmt(x: float, places: int) -> str:
    return f"{x:,.{places}f}" if abs(x) >= 10_000 else f"{x:.{places}f}"


# --- reports --------------------------------------------------------------------------------------

@dataclass(frozen=True)
class GoldFigure:
    """A number the generator printed: its span in the text, value in the codebook's base unit,
    and the indicator it is a value of ('' when it is none: a township count, a year)."""

    start: int
    end: int
    value: float
    indicator_id: str
    template: str


@dataclass(frozen=True)
class County:
    """One synthetic county: what it is, its true values, what it published, its report."""

    doc_id: str
    name: str
    province: str
    year: int
    style: str
    true_values: dict[str, float]       # every generated value (as measured, unrounded)
    published: dict[str, float]         # the values printed, as printed (codebook units)
    text: str
    gold: tuple[GoldFigure, ...]


class _Text:
    """Builds a report and records the span of every printed number."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.length = 0
        self.gold: list[GoldFigure] = []

    def add(self, s: str) -> None:
        self.parts.append(s)
        self.length += len(s)

    def num(self, printed: str, value: float, indicator: str = "", template: str = "") -> None:
        self.gold.append(GoldFigure(self.length, self.length + len(printed), float(value),
                                    indicator, template))
        self.add(printed)

    def text(self) -> str:
        return "".join(self.parts)


#: Report styles and how often each is drawn.
STYLES: dict[str, float] = {"county_news": 0.3, "election_results": 0.2, "income_bands": 0.2,
                            "communique": 0.2, "speech": 0.1}


def _share(v: float) -> float:
    return round(v, 1)


def _wan(v: float, places: int = 1) -> float:
    """Per-village income rounded as printed in 万元, back in yuan."""
    return round(v / 10_000, places) * 10_000


def _write_report(t: _Text, name: str, year: int, style: str, n_villages: int, n_towns: int,
                  pub: dict[str, float], rng: np.random.Generator) -> None:
    """Write one report in ``style`` with the published values ``pub`` (already rounded as
    printed; money in yuan). Every clause names its own subject, so any subset reads well."""
    month, day = int(rng.integers(1, 13)), int(rng.integers(1, 29))
    over10_count = pub.get("_over10_count")
    S, A, O = (pub.get(k) for k in STUDY_INDICATORS[:3])
    I, B = pub.get("collective_income_per_village"), pub.get("villages_income_over_10w_share")
    age_drop = pub.get("_age_drop")

    def wan(v: float, places: int = 1) -> str:
        return _fmt(v / 10_000, places)

    if style == "county_news":
        t.add(f"{name}：党建引领强基础 集体经济添活力\n\n")
        t.add(f"来源：中共{name}委组织部　　发布时间：{year + 1}年{month}月{day}日\n\n")
        t.add(f"近年来，{name}坚持以党建引领乡村振兴，在全县")
        t.num(f"{n_towns}个", n_towns, "", "news_towns")
        t.add("乡镇、")
        t.num(f"{n_villages}个", n_villages, "villages", "news_villages")
        t.add("行政村深入推进“强村”工程。\n\n")
        cl = []
        if S is not None or O is not None or A is not None:
            t.add("选优配强带头人。2021年村“两委”换届后，")
            if S is not None:
                cl.append(lambda: (t.add("全县村党组织书记中大专及以上学历的占"),
                                   t.num(f"{S:.1f}%", S, "secretary_college_share", "news_S")))
            if O is not None:
                cl.append(lambda: (t.add("书记、主任“一肩挑”比例达"),
                                   t.num(f"{O:.1f}%", O, "one_shoulder_share", "news_O")))
            if A is not None:
                cl.append(lambda: (t.add("村“两委”成员平均年龄"),
                                   t.num(f"{A:.1f}岁", A, "cadre_mean_age", "news_A")))
            _join(t, cl, "，")
            t.add("\n\n")
        if I is not None or B is not None:
            t.add(f"做大集体“蛋糕”。{year}年，")
            cl = []
            if I is not None:
                cl.append(lambda: (t.add("全县村均集体经济收入达到"),
                                   t.num(f"{wan(I)}万元", I, "collective_income_per_village",
                                         "news_I")))
            if B is not None:
                cl.append(lambda: (t.add("集体经济收入"),
                                   t.num("10万元", 100_000, "", "threshold"), t.add("以上的村有"),
                                   t.num(f"{over10_count}个", over10_count,
                                         "villages_income_over_10w", "news_Bcount"),
                                   t.add("，占"),
                                   t.num(f"{B:.1f}%", B, "villages_income_over_10w_share",
                                         "news_B")))
            _join(t, cl, "；")
            t.add("\n\n")
        t.add(f"下一步，{name}将持续深化抓党建促乡村振兴，推动村级集体经济提质增效。\n")

    elif style == "election_results":
        t.add(f"{name}村“两委”换届选举工作圆满完成\n\n")
        t.add(f"2021年，{name}")
        t.num(f"{n_villages}个", n_villages, "villages", "elect_villages")
        t.add("行政村全部按期完成村“两委”换届选举。")
        cl = []
        if S is not None:
            cl.append(lambda: (t.add("村党组织书记大专及以上学历的占"),
                               t.num(f"{S:.1f}%", S, "secretary_college_share", "elect_S")))
        if O is not None:
            cl.append(lambda: (t.add("书记、主任“一肩挑”比例为"),
                               t.num(f"{O:.1f}%", O, "one_shoulder_share", "elect_O")))
        if A is not None:
            cl.append(lambda: (t.add("村“两委”成员平均年龄"),
                               t.num(f"{A:.1f}岁", A, "cadre_mean_age", "elect_A"),
                               t.add("，较上届下降"),
                               t.num(f"{age_drop:.1f}岁", -age_drop, "cadre_mean_age_change",
                                     "elect_Achange")))
        if cl:
            t.add("换届后，")
            _join(t, cl, "；")
        t.add("\n\n")
        if I is not None or B is not None:
            t.add("村级集体经济方面，")
            cl = []
            if I is not None:
                cl.append(lambda: (t.add(f"{year}年全县村均集体经济收入"),
                                   t.num(f"{wan(I)}万元", I, "collective_income_per_village",
                                         "elect_I")))
            if B is not None:
                cl.append(lambda: (t.add("集体经济收入"),
                                   t.num("10万元", 100_000, "", "threshold"), t.add("以上的村占"),
                                   t.num(f"{B:.1f}%", B, "villages_income_over_10w_share",
                                         "elect_B")))
            _join(t, cl, "，")
            t.add("\n")

    elif style == "income_bands":
        t.add(f"{name}{year}年村级集体经济发展情况\n\n")
        t.add(f"截至{year}年底，全县")
        t.num(f"{n_villages}个", n_villages, "villages", "bands_villages")
        t.add("行政村中，")
        cl = []
        if B is not None:
            cl.append(lambda: (t.add("集体经济收入"),
                                   t.num("10万元", 100_000, "", "threshold"), t.add("以上的村"),
                               t.num(f"{over10_count}个", over10_count,
                                     "villages_income_over_10w", "bands_Bcount"),
                               t.add("，占"),
                               t.num(f"{B:.1f}%", B, "villages_income_over_10w_share", "bands_B")))
        if I is not None:
            cl.append(lambda: (t.add("村均集体经济收入"),
                               t.num(f"{wan(I, 2)}万元", I, "collective_income_per_village",
                                     "bands_I")))
        if not cl:
            cl.append(lambda: t.add("村级集体经济稳步发展"))
        _join(t, cl, "；")
        t.add("\n\n")
        if S is not None or A is not None or O is not None:
            t.add("村干部队伍方面，")
            cl = []
            if S is not None:
                cl.append(lambda: (t.add("村党组织书记大专及以上学历占比"),
                                   t.num(f"{S:.1f}%", S, "secretary_college_share", "bands_S")))
            if A is not None:
                cl.append(lambda: (t.add("村“两委”成员平均年龄"),
                                   t.num(f"{A:.1f}岁", A, "cadre_mean_age", "bands_A")))
            if O is not None:
                cl.append(lambda: (t.add("书记、主任“一肩挑”比例"),
                                   t.num(f"{O:.1f}%", O, "one_shoulder_share", "bands_O")))
            _join(t, cl, "，")
            t.add("\n")

    elif style == "communique":
        t.add(f"{name}{year}年国民经济和社会发展统计公报（摘录）\n\n")
        t.add(f"{name}统计局\n{year + 1}年{3 + month % 2}月{day}日\n\n十一、农村基层组织与集体经济\n\n")
        t.add("年末全县辖")
        t.num(f"{n_towns}个", n_towns, "", "comm_towns")
        t.add("乡镇，")
        t.num(f"{n_villages}个", n_villages, "villages", "comm_villages")
        t.add("行政村。")
        if A is not None:
            t.add("村“两委”成员平均年龄")
            t.num(f"{A:.1f}岁", A, "cadre_mean_age", "comm_A")
            t.add("。")
        if S is not None:
            t.add("村党组织书记中大专及以上学历的占")
            t.num(f"{S:.1f}%", S, "secretary_college_share", "comm_S")
            t.add("。")
        if O is not None:
            t.add("书记、主任“一肩挑”比例")
            t.num(f"{O:.1f}%", O, "one_shoulder_share", "comm_O")
            t.add("。")
        t.add("\n\n")
        if I is not None:
            total = I * n_villages
            t.add("全年全县村集体经济收入总额")
            t.num(f"{_fmt(total / 10_000, 1)}万元", round(total / 10_000, 1) * 10_000,
                  "collective_income_total", "comm_total")
            t.add("，村均")
            t.num(f"{wan(I, 2)}万元", I, "collective_income_per_village", "comm_I")
            t.add("。")
        if B is not None:
            t.add("集体经济收入")
            t.num("10万元", 100_000, "", "threshold")
            t.add("以上的村")
            t.num(f"{over10_count}个", over10_count, "villages_income_over_10w", "comm_Bcount")
            t.add("，占")
            t.num(f"{B:.1f}%", B, "villages_income_over_10w_share", "comm_B")
            t.add("。")
        t.add("\n")

    elif style == "speech":
        t.add(f"在全县抓党建促乡村振兴工作会议上的讲话\n\n同志们：\n\n")
        t.add(f"过去一年，全县上下凝心聚力，{name}党建引领乡村振兴取得新成效。")
        cl = []
        if S is not None:
            cl.append(lambda: (t.add("全县村党组织书记大专及以上学历的占到"),
                               t.num(f"百分之{cn_decimal(S)}", S, "secretary_college_share",
                                     "speech_S")))
        if A is not None:
            cl.append(lambda: (t.add("村“两委”成员平均年龄"),
                               t.num(f"{cn_decimal(A)}岁", A, "cadre_mean_age", "speech_A")))
        if O is not None:
            cl.append(lambda: (t.add("书记、主任“一肩挑”比例达到"),
                               t.num(f"百分之{cn_decimal(O)}", O, "one_shoulder_share",
                                     "speech_O")))
        if I is not None:
            cl.append(lambda: (t.add("全县村均集体经济收入达到"),
                               t.num(f"{cn_decimal(I / 10_000)}万元", I,
                                     "collective_income_per_village", "speech_I")))
        if B is not None:
            cl.append(lambda: (t.add("集体经济收入"),
                                   t.num("10万元", 100_000, "", "threshold"), t.add("以上的村占"),
                               t.num(f"百分之{cn_decimal(B)}", B,
                                     "villages_income_over_10w_share", "speech_B")))
        if cl:
            _join(t, cl, "；")
            t.add("\n\n")
        t.add("成绩来之不易，但我们也要清醒看到，发展不平衡的问题依然存在。\n")
    else:  # pragma: no cover - STYLES lists every style
        raise ValueError(style)


def _join(t: _Text, clauses: list, sep: str) -> None:
    for i, c in enumerate(clauses):
        if i:
            t.add(sep)
        c()
    if clauses:
        t.add("。")


@dataclass(frozen=True)
class SyntheticCorpus:
    """Synthetic county reports and the truth they were generated from."""

    counties: tuple[County, ...]
    scenario: str
    seed: int

    def truth(self) -> pd.DataFrame:
        """Region rows, one column per study indicator: the generated (true) values."""
        return pd.DataFrame([{"region": c.name, **c.true_values} for c in self.counties])

    def published(self) -> pd.DataFrame:
        """Region rows, one column per study indicator: the values printed (NaN: not
        published)."""
        rows = [{"region": c.name, **{k: c.published.get(k, np.nan) for k in STUDY_INDICATORS}}
                for c in self.counties]
        return pd.DataFrame(rows, columns=["region", *STUDY_INDICATORS])


def _publish_mask(scenario: str, z: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Which counties publish which study indicator (rows counties, columns indicators)."""
    n, k = z.shape
    if scenario == "complete":
        return np.ones((n, k), dtype=bool)
    if scenario == "mcar":
        return rng.random((n, k)) < MCAR_PUBLISH
    if scenario == "selective":
        # counties publish income figures far more often when income is high (logistic in the
        # latent income, 55% on average), and cadre figures as under MCAR
        from scipy.special import expit

        p = np.full((n, k), MCAR_PUBLISH)
        inc = STUDY_INDICATORS.index("collective_income_per_village")
        p_income = expit(0.3 + 1.8 * z[:, inc])
        p[:, inc] = p_income
        p[:, STUDY_INDICATORS.index("villages_income_over_10w_share")] = p_income
        return rng.random((n, k)) < p
    raise ValueError(f"scenario must be one of {SCENARIOS}")


def generate_corpus(n: int = 300, *, seed: int = 0, scenario: str = "mcar",
                    styles: dict[str, float] | None = None) -> SyntheticCorpus:
    """``n`` synthetic county reports from the known joint distribution (pure, seeded)."""
    rng = np.random.default_rng([seed, SCENARIOS.index(scenario)])
    corr = latent_correlation()
    z = rng.multivariate_normal(np.zeros(len(STUDY_INDICATORS)), corr, size=n, method="cholesky")
    values = _marginals(z)
    mask = _publish_mask(scenario, z, rng)
    styles = styles or STYLES
    style_names = list(styles)
    style_p = np.array([styles[s] for s in style_names], dtype=float)
    style_idx = rng.choice(len(style_names), size=n, p=style_p / style_p.sum())
    names = county_names(n, rng)
    provinces = rng.choice(len(_PROVINCES), size=n)
    counties = []
    for i in range(n):
        true = {k: float(values[k][i]) for k in STUDY_INDICATORS}
        n_villages = int(rng.integers(120, 421))
        n_towns = int(rng.integers(8, 26))
        year = int(rng.choice([2022, 2023]))
        pub: dict[str, float] = {}
        for j, k in enumerate(STUDY_INDICATORS):
            if not mask[i, j]:
                continue
            if k == "collective_income_per_village":
                pub[k] = _wan(true[k], 2)  # re-rounded to 1 place where a style prints 1
            elif k == "villages_income_over_10w_share":
                count = int(round(n_villages * true[k] / 100))
                pub["_over10_count"] = count
                pub[k] = round(100 * count / n_villages, 1)
            else:
                pub[k] = _share(true[k])
        pub["_age_drop"] = round(float(rng.uniform(2.0, 6.0)), 1)
        style = style_names[style_idx[i]]
        if "collective_income_per_village" in pub and style in ("county_news", "election_results",
                                                                "speech"):
            pub["collective_income_per_village"] = _wan(true["collective_income_per_village"], 1)
        t = _Text()
        name = names[i]
        _write_report(t, name, year, style, n_villages, n_towns, pub, rng)
        counties.append(County(
            doc_id=f"sim{i:04d}", name=name, province=_PROVINCES[provinces[i]], year=year,
            style=style, true_values=true,
            published={k: v for k, v in pub.items() if not k.startswith("_")},
            text=t.text(), gold=tuple(t.gold)))
    return SyntheticCorpus(tuple(counties), scenario, seed)


# --- the package's path -----------------------------------------------------------------------

@dataclass(frozen=True)
class Recovered:
    """What the package's path recovered from a synthetic corpus."""

    figures: pd.DataFrame       # extract_figures, as the build's extraction step
    observations: pd.DataFrame  # mapping.csv: every figure, mapped or not, with the reason
    indicators: pd.DataFrame
    panel: pd.DataFrame

    def wide(self, indicators: Sequence[str] = STUDY_INDICATORS) -> pd.DataFrame:
        """Region rows, one column per indicator: the panel's chosen value (NaN: none)."""
        from ..findings.analysis import wide_panel

        return wide_panel(self.panel, list(indicators))


def documents(corpus: SyntheticCorpus) -> list:
    """The corpus as the build reads it: one Document per report, under its county."""
    from ..texts.corpus import Document, ManifestEntry, Region, clean_text
    from ..iorw import RawText

    docs = []
    for i, c in enumerate(corpus.counties):
        entry = ManifestEntry(doc_id=c.doc_id, file=f"{c.doc_id}.txt", title=c.text.split("\n")[0],
                              source="synthetic (ruralstudy.evaluation.simulate)", published=f"{c.year + 1}",
                              year=c.year, regions=(Region(c.name, c.province, "county"),),
                              notes="synthetic; for testing only", line=i + 2)
        raw = RawText(path=f"{c.doc_id}.txt", text=c.text, encoding="utf-8",
                      sha256=hashlib.sha256(c.text.encode("utf-8")).hexdigest())
        docs.append(Document(entry=entry, raw=raw, clean=clean_text(c.text)))
    return docs


def run_path(corpus: SyntheticCorpus, calibration: None | str = None) -> Recovered:
    """Extraction, measurement, mapping, indicators and panel, by the build's own functions
    (no sheets, no overrides, no region codes), in memory. ``calibration=None`` keeps every
    value the mapper maps; ``"committed"`` applies the publishing threshold as a build does."""
    from ..measures.codebook import load_codebook
    from ..figures.extract import extract_figures, figures_frame
    from ..measures.overrides import OVERRIDE_COLUMNS
    from .pipeline import build_indicators
    from ..tables.sheets import REJECT_COLUMNS, SHEET_COLUMNS

    figs = []
    for d in documents(corpus):
        figs.extend(extract_figures(d))
    figures = figures_frame(figs)
    # calibration=None: every value the mapper maps is kept (the simulation measures what the
    # reader recovers, not which values would wait for a person's review)
    res = build_indicators(figures, pd.DataFrame(columns=SHEET_COLUMNS),
                           pd.DataFrame(columns=REJECT_COLUMNS),
                           pd.DataFrame(columns=OVERRIDE_COLUMNS), load_codebook(), {},
                           calibration=calibration)
    return Recovered(figures, res.observations, res.indicators, res.panel)


# --- scoring extraction and mapping ----------------------------------------------------------

def _same_value(a: float, b: float) -> bool:
    return bool(np.isfinite(a) and np.isfinite(b) and abs(a - b) <= 1e-6 * max(1.0, abs(b)))


def gold_frame(corpus: SyntheticCorpus) -> pd.DataFrame:
    """Every printed number with its span, value, indicator ('' if none) and template."""
    rows = [{"doc_id": c.doc_id, "region": c.name, "style": c.style, "start": g.start,
             "end": g.end, "value": g.value, "indicator_id": g.indicator_id,
             "template": g.template} for c in corpus.counties for g in c.gold]
    return pd.DataFrame(rows, columns=["doc_id", "region", "style", "start", "end", "value",
                                       "indicator_id", "template"])


@dataclass(frozen=True)
class RecoveryScore:
    """Extraction and mapping against the generator's own record of what it printed."""

    extraction_precision: float   # extracted figures lying on a printed number
    extraction_recall: float      # printed numbers extracted with their value
    mapping_precision: float      # mapped values that are the printed number's indicator+value
    mapping_recall: float         # printed indicator values mapped to their indicator+value
    study_precision: float        # the same two over the five study indicators only
    study_recall: float
    panel_exact: float            # published study values the panel holds, equal to the print
    n_gold_figures: int
    n_gold_values: int
    n_mapped: int
    n_figures: int                # figures extracted
    n_gold_study: int             # printed values of the five study indicators
    n_study_mapped: int
    by_template: pd.DataFrame = field(repr=False, compare=False)
    misses: pd.DataFrame = field(repr=False, compare=False)     # gold values not recovered
    wrong: pd.DataFrame = field(repr=False, compare=False)      # mapped values not in the gold

    def as_dict(self) -> dict:
        return {k: getattr(self, k) for k in (
            "extraction_precision", "extraction_recall", "mapping_precision", "mapping_recall",
            "study_precision", "study_recall", "panel_exact", "n_gold_figures", "n_gold_values",
            "n_mapped", "n_figures", "n_gold_study", "n_study_mapped")}


def score_recovery(corpus: SyntheticCorpus, rec: Recovered) -> RecoveryScore:
    """Precision and recall of extraction and mapping on the synthetic text (exact: the
    generator knows each number's span, value and indicator)."""
    gold = gold_frame(corpus)
    figs = rec.figures
    by_doc: dict[str, list[GoldFigure]] = {c.doc_id: list(c.gold) for c in corpus.counties}

    def gold_at(doc: str, start: int, end: int) -> list[GoldFigure]:
        return [g for g in by_doc.get(doc, ()) if g.start < end and g.end > start]

    # extraction: a figure is right when it overlaps a printed number and has its value
    # (a change 较上届下降5.9岁 is printed as 5.9 and recorded as -5.9)
    ex_ok = 0
    found_gold: set[tuple[str, int]] = set()
    for doc, start, end, value in zip(figs["doc_id"], figs["start"], figs["end"], figs["value"]):
        hit = [g for g in gold_at(doc, start, end)
               if _same_value(value, g.value) or _same_value(-value, g.value)]
        if hit:
            ex_ok += 1
            found_gold.update((doc, g.start) for g in hit)
    ex_p = ex_ok / len(figs) if len(figs) else float("nan")
    ex_r = len(found_gold) / len(gold) if len(gold) else float("nan")

    # mapping: observation rows (one per figure) that carry an indicator
    obs = rec.observations
    mapped = obs[obs["status"].isin(["published", "waiting", "reviewed"])]
    right_keys: set[tuple[str, int]] = set()
    wrong_rows = []
    for o in mapped.itertuples():
        near = gold_at(o.doc_id, int(o.start), int(o.end))
        ok = [g for g in near if g.indicator_id == o.indicator_id and
              (_same_value(o.value, g.value) or _same_value(-o.value, g.value))]
        if ok:
            right_keys.update((o.doc_id, g.start) for g in ok)
        else:
            wrong_rows.append({"doc_id": o.doc_id, "indicator_id": o.indicator_id,
                               "value": o.value, "raw": o.raw, "context": o.context,
                               "gold": "; ".join(f"{g.indicator_id or '-'}={g.value:g}"
                                                 for g in near)})
    wrong = pd.DataFrame(wrong_rows, columns=["doc_id", "indicator_id", "value", "raw", "context",
                                              "gold"])
    valued = gold[gold["indicator_id"] != ""].copy()
    valued["recovered"] = [(r.doc_id, r.start) in right_keys for r in valued.itertuples()]
    study = valued["indicator_id"].isin(STUDY_INDICATORS)
    study_mapped = mapped["indicator_id"].isin(STUDY_INDICATORS)
    study_wrong = wrong["indicator_id"].isin(STUDY_INDICATORS).sum()
    n_study_mapped = int(study_mapped.sum())

    # the panel: each published study value, held exactly?
    pub = corpus.published().set_index("region")
    wide = rec.wide().set_index("region")
    held = total = 0
    for k in STUDY_INDICATORS:
        for region, v in pub[k].dropna().items():
            total += 1
            if region in wide.index and _same_value(float(wide.at[region, k]), float(v)):
                held += 1
    # misses keep the reason the mapper gave for the figure on that span (if any)
    miss = valued[~valued["recovered"]]
    obs_by_doc = {d: g for d, g in obs.groupby("doc_id")} if len(miss) else {}
    reasons = []
    for r in miss.itertuples():
        o = obs_by_doc.get(r.doc_id, obs.iloc[:0])
        o = o[(o["start"] < r.end) & (o["end"] > r.start)]
        # the county's own name becomes {county}, so that reasons group across counties
        reasons.append(o["reason"].iloc[0].replace(r.region, "{county}") if len(o)
                       else "not extracted")
    misses = miss.assign(reason=reasons)
    by_t = valued.groupby(["template", "indicator_id"]).agg(
        gold=("recovered", "size"), recovered=("recovered", "sum")).reset_index()
    by_t["recall"] = by_t["recovered"] / by_t["gold"]
    nan = float("nan")
    return RecoveryScore(
        extraction_precision=ex_p, extraction_recall=ex_r,
        mapping_precision=(1 - len(wrong) / len(mapped)) if len(mapped) else float("nan"),
        mapping_recall=float(valued["recovered"].mean()) if len(valued) else float("nan"),
        study_precision=(1 - float(study_wrong) / n_study_mapped) if n_study_mapped else nan,
        study_recall=float(valued.loc[study, "recovered"].mean()) if study.any() else float("nan"),
        panel_exact=held / total if total else float("nan"),
        n_gold_figures=len(gold), n_gold_values=len(valued), n_mapped=len(mapped),
        n_figures=len(figs), n_gold_study=int(study.sum()), n_study_mapped=n_study_mapped,
        by_template=by_t, misses=misses, wrong=wrong)


def pooled_recovery(scores: Sequence[RecoveryScore]) -> dict[str, float]:
    """Precision and recall over several corpora, pooled over their figures and values."""
    def ratio(num: float, den: float) -> float:
        return num / den if den else float("nan")

    n_fig = sum(s.n_figures for s in scores)
    n_gold = sum(s.n_gold_figures for s in scores)
    n_map = sum(s.n_mapped for s in scores)
    n_val = sum(s.n_gold_values for s in scores)
    n_sm = sum(s.n_study_mapped for s in scores)
    n_sg = sum(s.n_gold_study for s in scores)
    return {
        "extraction_precision": ratio(sum(s.extraction_precision * s.n_figures for s in scores),
                                      n_fig),
        "extraction_recall": ratio(sum(s.extraction_recall * s.n_gold_figures for s in scores),
                                   n_gold),
        "mapping_precision": ratio(sum(s.mapping_precision * s.n_mapped for s in scores), n_map),
        "mapping_recall": ratio(sum(s.mapping_recall * s.n_gold_values for s in scores), n_val),
        "study_precision": ratio(sum(s.study_precision * s.n_study_mapped for s in scores), n_sm),
        "study_recall": ratio(sum(s.study_recall * s.n_gold_study for s in scores), n_sg),
        "n_figures": n_fig, "n_gold_figures": n_gold, "n_mapped": n_map, "n_gold_values": n_val,
        "n_study_mapped": n_sm, "n_gold_study": n_sg}


# --- the links check across replications ------------------------------------------------------

@dataclass(frozen=True)
class PairCheck:
    """One pair's behaviour across replications."""

    x: str
    y: str
    true_rho: float
    replications: int
    mean_n: float
    mean_rho: float           # mean estimate across replications
    bias: float               # mean_rho - true_rho
    expected_rho: float       # E[sample rho] at each replication's n (Moran 1948), averaged
    sd_rho: float             # SD of the estimates across replications
    coverage: float           # share of 95% intervals holding true_rho
    coverage_se: float
    rejection_rate: float     # share with p <= alpha (power; the size when true_rho = 0)
    stated_power: float       # mean of spearman_power(true_rho, n) at each replication's n
    power_se: float           # Monte Carlo SE of the difference observed - stated

    def as_row(self) -> dict:
        return dict(self.__dict__)


def expected_sample_spearman(rho: float, n: int) -> float:
    """Expected sample Spearman correlation of n draws from a bivariate normal whose population
    Spearman correlation is ``rho`` (Moran 1948): (6 / (pi (n + 1))) (asin r + (n - 2)
    asin(r / 2)), r the Pearson correlation. It lies slightly closer to 0 than rho at small n
    (0.381 for rho = 0.4 at n = 19), so that much "bias" is the estimator's own."""
    r = stats.pearson_for_spearman(rho)
    return 6 / (math.pi * (n + 1)) * (math.asin(r) + (n - 2) * math.asin(r / 2))


def check_links(wides: Sequence[pd.DataFrame], pairs: Sequence[tuple[str, str]] = CHECK_PAIRS,
                *, alpha: float = 0.05, n_perm: int = 999, n_sim: int = 2000,
                seed: int = 0) -> pd.DataFrame:
    """Run :func:`stats.spearman_test` on each pair in each replication's wide table (region
    rows of recovered values) and compare with the truth: interval coverage of the true rho,
    observed rejection rate against :func:`stats.spearman_power` at each replication's n.

    ``n_perm`` permutations per test (the p-value's own Monte Carlo error is small beside the
    replications'; spearman_power uses the default 9,999)."""
    rows = []
    power_cache: dict[tuple[float, int], float] = {}
    for x, y in pairs:
        rho0 = true_spearman(x, y)
        res = [stats.spearman_test(w[x], w[y], n_perm=n_perm, seed=seed + i)
               for i, w in enumerate(wides)]
        res = [r for r in res if r.n >= 4 and np.isfinite(r.rho)]
        if not res:
            continue
        cover = np.array([r.ci_low <= rho0 <= r.ci_high for r in res])
        reject = np.array([r.p_value <= alpha for r in res])
        stated = []
        for r in res:
            key = (rho0, r.n)
            if key not in power_cache:
                power_cache[key] = stats.spearman_power(rho0, r.n, alpha=alpha, n_sim=n_sim,
                                                        seed=seed)
            stated.append(power_cache[key])
        stated = np.array(stated)
        m = len(res)
        # the observed rate is a mean of Bernoulli(stated_i): its SE is sqrt(sum p(1-p)) / m;
        # the stated power's own simulation error (n_sim draws) adds a little
        se = math.sqrt(float(np.sum(stated * (1 - stated))) / m ** 2 +
                       float(np.mean(stated * (1 - stated))) / n_sim)
        rows.append(PairCheck(
            x=x, y=y, true_rho=rho0, replications=m, mean_n=float(np.mean([r.n for r in res])),
            mean_rho=float(np.mean([r.rho for r in res])),
            bias=float(np.mean([r.rho for r in res]) - rho0),
            expected_rho=float(np.mean([expected_sample_spearman(rho0, r.n) for r in res])),
            sd_rho=float(np.std([r.rho for r in res], ddof=1)) if m > 1 else float("nan"),
            coverage=float(cover.mean()), coverage_se=math.sqrt(0.95 * 0.05 / m),
            rejection_rate=float(reject.mean()), stated_power=float(stated.mean()),
            power_se=se).as_row())
    return pd.DataFrame(rows)


def replication_wides(n_corpora: int, *, n_counties: int = 300, n_regions: int = 30,
                      scenario: str = "mcar", seed: int = 0
                      ) -> tuple[list[pd.DataFrame], list[RecoveryScore]]:
    """``n_corpora`` corpora of ``n_counties`` reports (seeds seed, seed+1, ...), each run
    through the path and cut into disjoint samples of ``n_regions`` counties: independent
    replications of a study of n_regions regions, on the recovered values."""
    wides, scores = [], []
    for s in range(seed, seed + n_corpora):
        corpus = generate_corpus(n_counties, seed=s, scenario=scenario)
        rec = run_path(corpus)
        scores.append(score_recovery(corpus, rec))
        w = rec.wide().set_index("region").reindex([c.name for c in corpus.counties])
        for k in range(n_counties // n_regions):
            wides.append(w.iloc[k * n_regions:(k + 1) * n_regions].reset_index())
    return wides, scores


def selection_bias(corpus: SyntheticCorpus, rec: Recovered) -> pd.DataFrame:
    """What the published (and recovered) values say against the whole generated population:
    mean of each study indicator and Spearman's rho of each check pair, with n."""
    truth = corpus.truth()
    wide = rec.wide().set_index("region").reindex(truth["region"]).reset_index()
    rows = []
    for k in STUDY_INDICATORS:
        rows.append({"quantity": f"mean {k}", "population": float(truth[k].mean()),
                     "recovered": float(wide[k].mean()), "n_population": len(truth),
                     "n_recovered": int(wide[k].notna().sum())})
    for x, y in CHECK_PAIRS:
        full = stats.spearman_test(truth[x], truth[y], n_perm=99)
        got = stats.spearman_test(wide[x], wide[y], n_perm=99)
        rows.append({"quantity": f"rho {x} ~ {y} (true {true_spearman(x, y):+.1f})",
                     "population": full.rho, "recovered": got.rho, "n_population": full.n,
                     "n_recovered": got.n})
    return pd.DataFrame(rows)


# --- the same corpus through the build itself -------------------------------------------------

def write_project(corpus: SyntheticCorpus, root) -> None:
    """Write the corpus as a project (data/raw/manifest.csv and data/raw/reports/*.txt) under
    ``root``, which must be an empty or new folder outside this repository (a temporary one)."""
    from pathlib import Path

    root = Path(root).resolve()
    repo = Path(__file__).resolve().parents[3]
    if root == repo or repo in root.parents:
        raise ValueError(f"{root}: synthetic reports are never written into the repository")
    if root.exists() and any(root.iterdir()):
        raise ValueError(f"{root} is not empty")
    reports = root / "data" / "raw" / "reports"
    reports.mkdir(parents=True)
    rows = []
    for c in corpus.counties:
        (reports / f"{c.doc_id}.txt").write_text(c.text, encoding="utf-8")
        rows.append({"doc_id": c.doc_id, "file": f"{c.doc_id}.txt",
                     "title": c.text.split("\n")[0], "source": "synthetic (ruralstudy.evaluation.simulate)",
                     "published": str(c.year + 1), "year": c.year, "regions": c.name,
                     "provinces": c.province, "admin_levels": "county",
                     "notes": "synthetic; for testing only"})
    pd.DataFrame(rows).to_csv(root / "data" / "raw" / "manifest.csv", index=False)


def run_build(corpus: SyntheticCorpus) -> Recovered:
    """The corpus through the build's own steps as far as the indicators (``ruralstudy
    indicators``), in a temporary project folder that is removed afterwards."""
    import tempfile
    from pathlib import Path

    from ..paths import Paths
    from .build import run_indicators

    with tempfile.TemporaryDirectory(prefix="ruralstudy-sim-") as tmp:
        root = Path(tmp) / "project"
        write_project(corpus, root)
        paths = Paths(root)
        res = run_indicators(paths)
        figures = pd.read_parquet(paths.processed / "figures.parquet")
    return Recovered(figures, res.observations, res.indicators, res.panel)
