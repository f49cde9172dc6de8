"""Every claim of the front page, recomputed by hand from the processed tables and compared
with what the built page says (issue 20: "every claim on the front page checked by hand is
true of the data shown"; the record of the hand check is data/manual/FRONT_PAGE_CHECK.md).

Nothing here pins a number: each expected figure is derived from data/processed (pandas on
the panel, indicators and mapping, grouped by the site's one comparability key from
:mod:`ruralstudy.tables.comparability`), so the test holds while reviews, mappings and the
calendar change the data. The findings functions are not used to compute what is expected:
they are what is checked.

:func:`front_page_problems` takes any built project root, so the same check runs on a working
copy after ``ruralstudy build``::

    PYTHONPATH=src python -c "import sys; sys.path.insert(0, 'tests/e2e'); \\
        from test_front_page_claims import front_page_problems as f; print(f('.'))"
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pytest

from ruralstudy.findings.links import human_number, region_slug
from ruralstudy.tables.comparability import comparability_key, group_key

#: The words of a sentence that compares with the previous round, and of a figure that is a
#: change (the definitions the page states; the counts below are made here, by hand).
ROUND_CUE = r"[较比]上[一]?届|与上[一]?届相比|换届前后|换届后"
CHANGE_WORDS = r"[较比]上|提高|提升|上升|增加|增长|下降|降低|减少|降幅|增幅|变化"
BAND_PREFIXES = ("villages_income_", "villages_no_income", "weak_villages")
USED = ("published", "reviewed")  # an indicator value; 'waiting' is not one yet


@dataclass
class Item:
    """One finding of the front page as a reader sees it."""

    anchor: str
    text: str
    meta: str
    sources: int

    def meta_field(self, name: str) -> str:
        m = re.search(rf"{name}: ([^·]*)", self.meta)
        return m.group(1).strip() if m else ""


def _plain(fragment: str) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", "", fragment)).split())


def front_page_items(index_html: str) -> dict[str, Item]:
    """Each finding <li> of the front page by its anchor (the 'Where this is shown' link)."""
    out = {}
    for li in re.findall(r"<li><span class='finding-text'>.*?</li>", index_html, re.S):
        text = re.search(r"<span class='finding-text'>(.*?)</span> <span class='meta'>", li, re.S)
        meta = re.search(r"<span class='meta'>(.*?)</span>", li, re.S)
        href = re.search(r"<a class='shown' href='[^'#]*#([^']+)'", li)
        src = re.search(r"Sources \((\d+)\)", li)
        assert text and meta and href, li[:200]
        out[href.group(1)] = Item(href.group(1), _plain(text.group(1)), _plain(meta.group(1)),
                                  int(src.group(1)) if src else 0)
    return out


def _cards(index_html: str) -> dict[str, int]:
    return {_plain(label): int(num.replace(",", ""))
            for num, label in re.findall(r"<div class='card'><b>([\d,]+)</b>(.*?)</div>",
                                         index_html, re.S)}


def _ids(frame: pd.DataFrame) -> set[str]:
    return {x.strip() for s in frame["source_id"] for x in str(s).split(";") if x.strip()}


def _label(rnd: object) -> str:
    return f"{rnd} round" if isinstance(rnd, str) and rnd else "round unknown"


def front_page_problems(root: str | Path) -> list[str]:
    """Every front-page claim that the processed tables of the built project at ``root`` do not
    bear out, as sentences ('' when all hold)."""
    from ruralstudy.paths import Paths
    from ruralstudy.evaluation import stats
    from ruralstudy.findings.analysis import PRIMARY_INDICATORS
    from ruralstudy.tables.tables import Tables

    paths = Paths(Path(root))
    t = Tables.read(paths)
    page = (paths.site / "index.html").read_text(encoding="utf-8")
    items = front_page_items(page)
    P, I, M = t.panel, t.indicators, t.mapping
    bad: list[str] = []

    def need(anchor: str, cond: bool, what: str) -> None:
        if not cond:
            bad.append(f"{anchor}: {what}")

    expected = {"finding-estimable", "finding-round-changes", "finding-comparable-sets",
                "finding-income-bands", "finding-branch", "finding-sources",
                "finding-change-figures"}
    need("front page", expected <= set(items), f"findings missing: {expected - set(items)}")
    for it in items.values():  # every claim carries n, level, round (and its sources)
        n = re.search(r"n = (\d+)", it.meta)
        need(it.anchor, bool(n) and bool(it.meta_field("level")) and bool(it.meta_field("round")),
             f"n, level or round missing: {it.meta!r}")
        if n and int(n.group(1)) > 0:
            need(it.anchor, it.sources > 0, "no sources beside a claim with n > 0")
    if not expected <= set(items):
        return bad

    scale_free = set(t.codebook.loc[t.codebook["scale_free"].astype(str) == "True", "indicator_id"])

    # 1. what cannot be estimated: the largest n any primary pair reaches in one level and round
    it = items["finding-estimable"]
    g = P.assign(_g=group_key(P))
    g = g[g["_g"] != ""]
    ids = list(PRIMARY_INDICATORS.values())
    pairs = [(a, b) for k, a in enumerate(ids) for b in ids[k + 1:]]
    best = 0
    for x, y in pairs:
        for _, grp in g.groupby("_g"):
            both = set(grp.loc[grp.indicator_id == x, "region"]) & set(grp.loc[grp.indicator_id == y, "region"])
            best = max(best, len(both))
    n3, n5 = stats.n_needed(0.3), stats.n_needed(0.5)
    need(it.anchor, f"Across the {len(pairs)} primary pairs" in it.text or best >= 8,
         "number of primary pairs")
    if best < 8:
        need(it.anchor, "cannot estimate" in it.text and f"the largest is n = {best}" in it.text,
             f"the largest n within one level and round is {best}")
        at_min = stats.spearman_power(0.5, 8, n_sim=2000, seed=0)
        need(it.anchor, f"minimum n = 8 with probability {at_min * 100:.0f}%" in it.text,
             f"power at n = 8 is {at_min:.2f}")
    need(it.anchor, f"needs about {n5} regions for ρ = 0.5 and {n3} for ρ = 0.3" in it.text,
         f"n needed: {n5} (ρ = 0.5), {n3} (ρ = 0.3)")
    need(it.anchor, f"n = {best}" in it.meta, f"meta n should be {best}")
    prim = P[P.indicator_id.isin(ids)]
    need(it.anchor, it.sources == len(_ids(prim)),
         f"{it.sources} sources shown, {len(_ids(prim))} values of the primary indicators")

    # 2. changes against the previous round
    it = items["finding-round-changes"]
    ch = I[I.indicator_id.str.endswith("_change")]
    if len(ch):
        need(it.anchor, f"{ch.region.nunique()} region(s) state {len(ch)} change(s)" in it.text,
             f"{ch.region.nunique()} region(s), {len(ch)} change value(s)")
        for r in ch.itertuples():
            need(it.anchor, f"{r.region} (" in it.text and human_number(r.value) in it.text,
                 f"{r.region} {r.value} not stated")
    else:
        need(it.anchor, "no region's change" in it.text, "no change value, but one is claimed")
    un = M[~M.status.isin(["published", "waiting", "reviewed"]) &
           M.context.fillna("").str.contains(ROUND_CUE) &
           (M.raw.fillna("").str.contains(CHANGE_WORDS) | M.kind.isin(["change", "growth"]))]
    if len(un):
        need(it.anchor, f"{len(un)} further figure(s) in {un.region.nunique()} region(s)" in it.text,
             f"{len(un)} unused round changes in {un.region.nunique()} regions")
        rejected = int(un.reason.fillna("").str.startswith("rejected by reviewer").sum())
        need(it.anchor, not rejected or f"{rejected}: rejected by a reviewer" in it.text,
             f"{rejected} were rejected by a reviewer (not 'no indicator fits')")
        for region, rows in un.groupby("region"):  # "listed on the region pages"
            rp = paths.site / "regions" / f"{region_slug(region)}.html"
            body = rp.read_text(encoding="utf-8") if rp.exists() else ""
            for raw in rows.raw:
                need(it.anchor, raw in _plain(body),
                     f"{region}: {raw} is not listed on its region page")
    need(it.anchor, f"n = {ch.region.nunique()}" in it.meta, "meta n")

    # 3. values set side by side: one comparability key, two or more regions, shares and means
    it = items["finding-comparable-sets"]
    sf = P[P.indicator_id.isin(scale_free)]
    sf = sf.assign(_k=comparability_key(sf))
    sf = sf[sf["_k"] != ""]
    sets = [grp for _, grp in sf.groupby("_k") if grp.region.nunique() >= 2]
    if sets:
        biggest = max(len(s) for s in sets)
        need(it.anchor, f"{len(sets)} set(s), none larger than n = {biggest}" in it.text,
             f"{len(sets)} sets, largest n = {biggest}")
        heads = []
        for s in sets:
            head = (f"{s.indicator_zh.iloc[0]} ({s.admin_level.iloc[0]}, "
                    f"{_label(s['round'].iloc[0])}, n = {len(s)})")
            need(it.anchor, head in it.text, f"set not stated as {head!r}")
            heads.append((it.text.find(head), s))
        heads.sort(key=lambda h: h[0])
        for k, (pos, s) in enumerate(heads):
            seg = it.text[pos:heads[k + 1][0] if k + 1 < len(heads) else len(it.text)]
            for r in s.itertuples():
                need(it.anchor, f"{r.region} {human_number(r.value)}" in seg,
                     f"{r.region} {r.value} not in its set")
            years = set(s.year.dropna().astype(int))
            flagged = "different years" in seg or "order of their years" in seg
            need(it.anchor, flagged == (len(years) > 1),
                 f"set {s.indicator_id.iloc[0]}: years {sorted(years)}, flagged={flagged}")
            need(it.anchor, ("unknown year" in seg) == bool(s.year.isna().any()),
                 f"set {s.indicator_id.iloc[0]}: unknown years not said")
        need(it.anchor, it.sources == sum(len(_ids(s)) for s in sets), "sources of the sets")
        need(it.anchor, f"n = {biggest}" in it.meta, "meta n")
    else:
        need(it.anchor, "no indicator is held by two regions" in it.text, "sets claimed")

    # 4. income bands: every band id (over, under, between lines; none; weak villages)
    it = items["finding-income-bands"]
    bands = P[P.indicator_id.str.startswith(BAND_PREFIXES) &
              ~P.indicator_id.str.endswith(("_eliminated", "_change"))]
    need(it.anchor, f"{bands.region.nunique()} region(s) report" in it.text,
         f"{bands.region.nunique()} regions hold a band value")
    need(it.anchor, f"({len(bands)} value(s) of {bands.indicator_id.nunique()} band" in it.text,
         f"{len(bands)} values of {bands.indicator_id.nunique()} band indicators")
    full = int((bands.indicator_id.str.endswith("_share") & bands.value.eq(100)).sum())
    zero = int(bands.value.eq(0).sum())
    need(it.anchor, not full or f"{full} share(s) of 100%" in it.text, f"{full} shares of 100%")
    need(it.anchor, not zero or f"{zero} value(s) of 0" in it.text, f"{zero} values of 0")
    band_sets = [s for s in sets if s.indicator_id.iloc[0] in set(bands.indicator_id)]
    need(it.anchor, (f"Only {len(band_sets)} set(s)" in it.text) if band_sets else
         "No band is held by two regions" in it.text, f"{len(band_sets)} band sets")
    need(it.anchor, not re.search(r"ranges? from", it.text), "a range across regions")
    need(it.anchor, f"n = {bands.region.nunique()}" in it.meta and it.sources == len(_ids(bands)),
         "meta n or sources")

    # 5. branch strength
    it = items["finding-branch"]
    br = P[P.construct == "branch_strength"]
    if len(br):
        k = br.assign(_k=comparability_key(br))
        per = k[k["_k"] != ""].groupby("_k").region.nunique()
        need(it.anchor, f"{br.indicator_id.nunique()} indicator(s) have a value, in "
                        f"{br.region.nunique()} region(s); no indicator is held by more than "
                        f"{int(per.max()) if len(per) else 0} region(s)" in it.text, "branch counts")
        if len(per) and per.max() >= 2:
            need(it.anchor, "cannot be compared" not in it.text, "comparable, said not to be")

    # 6. where sources meet: copies of one release are echo
    it = items["finding-sources"]
    lv = I[I.kind == "level"]
    cells = [grp for _, grp in lv.groupby(["region", "round", "indicator_id",
                                           lv.year.fillna(-1), "period"]) if len(grp) > 1]
    echo = [c for c in cells if c.source_key.nunique() == 1]
    indep = [c for c in cells if c.source_key.nunique() > 1]
    need(it.anchor, f"{len(cells)} cell(s)" in it.text and
         f"{len(echo)} of them come from copies of one release" in it.text and
         f"{len(indep)} cell(s) have independent releases" in it.text,
         f"{len(cells)} cells, {len(echo)} echo, {len(indep)} independent")
    if indep:
        dis = [c for c in indep if (lambda v: (v.max() - v.min()) / abs(v).max() > 0.005
                                     if abs(v).max() else False)(
            c.groupby("source_key").value.first().astype(float))]
        need(it.anchor, f"{len(dis)} of them disagree" in it.text or
             (not dis and "agree within rounding" in it.text), f"{len(dis)} disagree")

    # 7. change figures: those whose own words state a change
    it = items["finding-change-figures"]
    stated = M[M.kind.isin(["change", "growth"]) |
               (M.context.fillna("").str.contains(ROUND_CUE) & M.raw.fillna("").str.contains(CHANGE_WORDS))]
    used = stated[stated.status.isin(USED)]
    vs_round = used.indicator_id.fillna("").str.endswith("_change")
    ba = int((used.kind.eq("change") & ~vs_round).sum())
    growth = len(used) - ba - int(vs_round.sum())
    need(it.anchor, f"{len(stated)} figure(s) state a change" in it.text and
         f"{len(used)} of them are indicator values: {ba} before/after pair(s)" in it.text and
         f"{int(vs_round.sum())} change(s) against the previous round" in it.text and
         f"{growth} growth rate(s)" in it.text,
         f"{len(stated)} stated, {len(used)} used ({ba} before/after, {growth} growth)")
    why = stated.loc[~stated.status.isin(USED), "reason"].fillna("")
    no_ind = int((why.str.contains("no indicator") & ~why.str.startswith("rejected")).sum())
    need(it.anchor, not no_ind or f"{no_ind} name no indicator" in it.text,
         f"{no_ind} name no indicator")
    need(it.anchor, f"n = {len(used)}" in it.meta and (not len(used) or it.meta_field("round") != "—"),
         "meta n or round")

    # 8. the corpus at a glance
    cards = _cards(page)
    want = {"report texts": len(t.manifest),
            "figures in reports": int((M.source_type == "report").sum()),
            "sheet figures": int((M.source_type == "sheet").sum()),
            "panel cells (region × round × indicator)": len(P),
            "independent releases behind them": I.source_key.nunique()}
    for label, n in want.items():
        need("cards", cards.get(label) == n, f"{label}: page {cards.get(label)}, data {n}")
    regions = [v for k, v in cards.items() if k.startswith("regions named")]
    need("cards", regions == [M.region.nunique()], f"regions: {regions} vs {M.region.nunique()}")
    checked = int((I.status == "reviewed").sum())
    need("cards", cards.get(f"indicator values ({checked:,} checked by a person)") == len(I),
         "indicator values and how many a person checked")

    # withdrawn claims stay withdrawn
    visible = _plain(re.search(r"<main>(.*)</main>", page, re.S).group(1))
    for pat, why in ((r"ranges? from [\d.]+% to", "a range pooling levels or years"),
                     (r"[Nn]o other region reports", "'no other region reports' (false)"),
                     (r"\b0 of them disagree", "disagreement counted over reprints")):
        if re.search(pat, visible):
            bad.append(f"front page: withdrawn claim back: {why}")
    return bad


@pytest.fixture(scope="module")
def built_root(built):
    return built.root


def test_every_front_page_claim_is_true_of_the_processed_tables(built_root):
    assert front_page_problems(built_root) == []


def test_every_chart_of_the_indicators_page_is_one_comparable_group(built_root):
    """Each bar chart on the indicators page draws exactly the regions of one comparability
    key (the function in tables.comparability): its alt text names the level, round and n,
    and the panel holds exactly that many regions of that indicator, level and round."""
    from ruralstudy.paths import Paths
    from ruralstudy.tables.tables import Tables

    paths = Paths(Path(built_root))
    t = Tables.read(paths)
    body = (paths.site / "indicators.html").read_text(encoding="utf-8")
    cb = t.codebook.set_index("indicator_id")
    by_label = {f"{r.label_en} / {r.label_zh}": i for i, r in cb.iterrows()}
    p = t.panel.assign(_k=comparability_key(t.panel))
    alts = [html.unescape(a) for a in re.findall(r'<img[^>]*? alt="([^"]*)"', body)]
    drawn = [a for a in alts if not a.startswith("Coverage")]
    for alt in drawn:
        m = re.fullmatch(r"(.*): (\d+) (\w+) regions, (\d{4}-\d\d) round", alt)
        assert m, alt
        label, n, level, rnd = m.group(1), int(m.group(2)), m.group(3), m.group(4)
        ind = by_label[label]
        assert str(cb.loc[ind, "scale_free"]) == "True", f"{alt}: a count or total is ranked"
        rows = p[(p.indicator_id == ind) & (p.admin_level == level) & (p["round"] == rnd) &
                 (p["_k"] != "")]
        assert rows["_k"].nunique() == 1 and rows.region.nunique() == n >= 2, alt
    # and every comparable group of two or more regions is drawn
    sf = set(cb.index[cb["scale_free"].astype(str) == "True"])
    groups = p[(p["_k"] != "") & p.indicator_id.isin(sf)].groupby("_k").region.nunique()
    assert len(drawn) == int((groups >= 2).sum())


def test_charts_refuse_regions_of_different_comparable_groups():
    """The chart helpers ask the comparability rule itself (tables.comparability) and refuse
    to rank values that differ in level, round, income concept or period."""
    from ruralstudy.findings import charts as C

    C.configure_matplotlib()
    base = pd.DataFrame({"region": ["甲县", "乙县", "丙县"], "admin_level": "county",
                         "round": "2020-21", "indicator_id": "villages_income_over_10w_share",
                         "period": "", "year_label": "2022", "value": [40.0, 60.0, 90.0]})
    fig = C.indicator_chart(base, "集体收入10万元以上村占比", "%", "one group")
    C.close(fig)
    for change, match in (({"admin_level": ["county", "province", "county"]}, "admin_level"),
                          ({"round": ["2017-18", "2020-21", "2020-21"]}, "round"),
                          ({"period": ["", "year_to_date", ""]}, "period"),
                          ({"income_concept": ["total", "operating", "total"]}, "comparable group"),
                          ({"round": ["", "", ""]}, "unknown")):
        with pytest.raises(ValueError, match=match):
            C.indicator_chart(base.assign(**change), "x", "%", "mixed")
    pair = base.drop(columns=["indicator_id"]).assign(b=[1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match="admin_level"):
        C.labelled_scatter(pair.assign(admin_level=["county", "prefecture", "county"]),
                           "value", "b", "x", "y", "mixed")


def test_methods_page_covers_the_limits_and_its_commands_exist():
    """The methods and limitations page names each limit a referee asks about, and every
    command it gives a researcher to grow n is a command of the CLI with those options."""
    from typer.testing import CliRunner

    from ruralstudy.cli import app
    from ruralstudy.site.site import methods_body

    body = methods_body(None)
    text = _plain(body)
    for anchor, words in (("comparability", "same admin level"), ("rounds", "election round"),
                          ("periods", "截至目前"), ("bodies", "村(社区)"),
                          ("reprints", "echo, not corroboration"), ("statistics", "Holm"),
                          ("bias", "Common source"), ("bias", "Selective publication"),
                          ("grow-n", "ruralstudy review")):
        assert f"id='{anchor}'" in body and words in text, (anchor, words)
    for word in ("exact permutation", "power", "n needed", "no imputation", "labelled"):
        assert word in text, word
    pre = html.unescape(re.search(r"<pre>(.*?)</pre>", body.split("id='grow-n'")[1], re.S).group(1))
    runner = CliRunner()
    for line in pre.replace("\\\n", " ").splitlines():
        words = line.split("#")[0].split()
        assert words[0] == "ruralstudy", line
        help_text = runner.invoke(app, [words[1], "--help"], terminal_width=200).output
        assert "Usage" in help_text, line
        for opt in (w for w in words[2:] if w.startswith("-")):
            assert opt in help_text, (line, opt)


def _panel(rows):
    cols = ["region", "admin_level", "round", "year", "indicator_id", "value", "unit", "source_id"]
    d = pd.DataFrame(rows, columns=cols).assign(
        period="", construct="collective_income", source_key=lambda x: x.source_id,
        indicator_zh=lambda x: x.indicator_id, indicator_en=lambda x: x.indicator_id,
        kind="level", status="reviewed", url="")
    d["year"] = d["year"].astype("Int64")
    return d


def test_findings_flag_years_count_every_band_and_only_stated_changes():
    from ruralstudy.findings import analysis as A

    panel = _panel([("甲县", "county", "2020-21", 2022, "villages_income_over_10w_share", 60.0, "%", "a"),
                    ("乙县", "county", "2020-21", 2023, "villages_income_over_10w_share", 100.0, "%", "b"),
                    ("丙县", "county", "2020-21", None, "villages_income_over_10w_share", 80.0, "%", "c"),
                    ("丁县", "county", "2020-21", 2022, "villages_income_5w_10w_share", 20.0, "%", "d"),
                    ("戊县", "county", "2020-21", 2022, "weak_villages_eliminated", 5.0, "个", "e")])
    sf = {"villages_income_over_10w_share", "villages_income_5w_10w_share"}
    found = {f["id"]: f for f in A.construct_findings(panel, panel, scale_free=sf)}
    sets = found["finding-comparable-sets"]
    assert "from different years (and one or more of unknown year)" in sets["text"]
    assert sets["level"] == "county (1 set)" and sets["year"] == "2022–2023 (and year unknown)"
    inc = found["finding-income-bands"]  # a new band id counts; villages lifted out of weakness do not
    assert inc["n"] == 4 and "4 region(s) report" in inc["text"] and "1 share(s) of 100%" in inc["text"]
    assert sorted(inc["sources"]) == ["a", "b", "c", "d"]

    ctx = "换届后，村“两委”成员平均年龄44.5岁，较上届降低4岁"
    mapping = pd.DataFrame([
        {"raw": "44.5岁", "kind": "level", "status": "reviewed", "reason": "", "context": ctx},
        {"raw": "较上届降低4岁", "kind": "growth", "status": "reviewed", "reason": "", "context": ctx},
        {"raw": "较上届提高8.5%", "kind": "level", "status": "unmapped", "context": ctx,
         "reason": "property change: no indicator measures it"},
        {"raw": "下降3.4岁", "kind": "growth", "status": "rejected", "context": ctx,
         "reason": "rejected by reviewer: base unclear"},
        {"raw": "从34个到204个", "kind": "change", "status": "waiting", "reason": "", "context": "x"}])
    c = A.change_figures(mapping)  # a level in a 较上届 sentence is not a change; waiting is not used
    assert (c["all"], c["mapped"], c["against_round"], c["no_indicator"], c["rejected"],
            c["waiting"]) == (4, 1, 1, 1, 1, 1)
    # a year-on-year growth rate is used, but it is not a change against the previous round
    growth = pd.DataFrame([
        {"raw": "较上届降低4岁", "kind": "growth", "status": "reviewed", "reason": "", "context": ctx,
         "indicator_id": "cadre_mean_age_change"},
        {"raw": "同比增长19.4%", "kind": "growth", "status": "reviewed", "reason": "", "context": "x",
         "indicator_id": "collective_income_growth"},
        {"raw": "从34个到204个", "kind": "change", "status": "reviewed", "reason": "", "context": "x",
         "indicator_id": "cooperatives_branch_led"}])
    c = A.change_figures(growth)
    assert (c["mapped"], c["before_after"], c["against_round"], c["growth"]) == (3, 1, 1, 1)
