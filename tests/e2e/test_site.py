"""The static site in a real browser: Debian's Chromium driven by Playwright, served on localhost."""

from __future__ import annotations

import functools
import re
import threading
from html.parser import HTMLParser
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urlparse

import pytest

from ruralstudy.findings.links import region_slug

CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
pytestmark = pytest.mark.browser


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []
        self.ids: set[str] = set()

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if "id" in a:
            self.ids.add(a["id"])
        for k in ("href", "src"):
            if a.get(k):
                self.links.append(a[k])


def _parse(path: Path) -> _Links:
    p = _Links()
    p.feed(path.read_text(encoding="utf-8"))
    return p


@pytest.fixture(scope="module")
def site(built):
    return built.site.resolve()


@pytest.fixture(scope="module")
def server(site):
    handler = functools.partial(_Quiet, directory=str(site))
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    t = threading.Thread(target=httpd.serve_forever, daemon=True)
    t.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/"
    httpd.shutdown()


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, *args):  # keep test output readable
        pass


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    assert Path(CHROMIUM).exists(), "Debian's chromium is required (make setup installs it)"
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=[
            "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
            "--disable-background-networking", "--disable-component-update", "--disable-sync"])
        yield b
        b.close()


def test_expected_pages_exist(site, built):
    for page in ("index.html", "quality.html", "indicators.html", "links.html", "regions.html",
                 "sources.html", "data.html", "about.html", "sources/000.html",
                 "sources/sheet-gathered_2026-11.html", "sources/sheet-counties_2026-12.html",
                 "methods.html", f"regions/{region_slug('六盘水市')}.html",
                 "assets/search-index.js", "data/figures.csv", "data/panel.parquet",
                 "data/codebook.yaml"):
        assert (site / page).is_file(), page
    assert (built.root / "CITATION.cff").is_file()


def test_no_external_resources_and_report_text_is_escaped(site):
    for page in site.rglob("*.html"):
        text = page.read_text(encoding="utf-8")
        for m in re.finditer(r'<(script|link|img|iframe)[^>]+(src|href)="([^"]+)"', text):
            assert not re.match(r"(https?:)?//", m.group(3)), (page, m.group(0))
        assert "require.js" not in text and "mathjax" not in text.lower(), page


def test_every_internal_link_resolves(site):
    broken = []
    parsed = {p: _parse(p) for p in site.rglob("*.html")}
    for page, info in parsed.items():
        for link in info.links:
            u = urlparse(link)
            if u.scheme in ("http", "https", "mailto", "data") or link.startswith("//"):
                continue
            target = (page.parent / unquote(u.path)).resolve() if u.path else page
            if not target.exists():
                broken.append((str(page.relative_to(site)), link))
                continue
            if u.fragment and target.suffix == ".html":
                ids = parsed[target].ids if target in parsed else _parse(target).ids
                if unquote(u.fragment) not in ids:
                    broken.append((str(page.relative_to(site)), link))
    assert not broken, broken[:20]


def test_pages_load_without_errors_or_external_requests(site, server, browser):
    pages = sorted(str(p.relative_to(site)) for p in site.rglob("*.html"))
    ctx = browser.new_context()
    problems = []
    for rel in pages:
        page = ctx.new_page()
        errors, failed, outside = [], [], []
        page.on("console", lambda m, e=errors: m.type == "error" and e.append(m.text))
        page.on("pageerror", lambda exc, e=errors: e.append(str(exc)))
        page.on("requestfailed", lambda r, f=failed: f.append(r.url))
        page.on("request", lambda r, o=outside: not r.url.startswith(server) and
                not r.url.startswith("data:") and o.append(r.url))
        resp = page.goto(server + rel, wait_until="load")
        sizes = page.evaluate("Array.from(document.images).map(i => [i.naturalWidth, i.naturalHeight])")
        if resp is None or resp.status != 200 or errors or failed or outside or \
                any(w == 0 or h == 0 for w, h in sizes):
            problems.append((rel, resp and resp.status, errors, failed, outside, sizes))
        page.close()
    ctx.close()
    assert len(pages) > 50
    assert not problems, problems[:5]


def test_region_figure_click_reaches_source_sentence(server, browser):
    ARTIFACTS.mkdir(exist_ok=True)
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(server + f"regions/{region_slug('六盘水市')}.html")
    page.screenshot(path=str(ARTIFACTS / "region-liupanshui.png"), full_page=True)
    link = page.locator("a.src", has_text="000-003010").first
    link.click()
    page.wait_for_load_state("load")
    assert page.url.endswith("sources/000.html#fig-000-003010")
    target = page.locator("#fig-000-003010")
    assert target.text_content() == "8.05亿元"
    assert target.is_visible()
    tip = target.get_attribute("data-tip")
    assert "805000000" in tip.replace(",", "") and "collective_assets" in tip
    para = target.locator("xpath=..").text_content()
    assert "收入达1.46亿元、村均15.84万元" in para  # the sentence around it
    page.close()


def test_code_toggle(server, browser):
    page = browser.new_page()
    page.goto(server + "links.html")
    code = page.locator(".code-input").first
    assert not code.is_visible()
    page.click("#code-toggle")
    assert code.is_visible()
    page.click("#code-toggle")
    assert not code.is_visible()
    page.close()


def test_search_finds_chinese_term(server, browser):
    page = browser.new_page()
    page.goto(server + "index.html")
    page.fill("#search-box", "一肩挑")
    results = page.locator("#search-results a")
    results.first.wait_for()
    hrefs = [results.nth(i).get_attribute("href") for i in range(results.count())]
    assert any(h.split("#")[0].endswith("sources/000.html") for h in hrefs), hrefs  # deep links
    page.fill("#search-box", "达拉特旗")
    results.first.wait_for()
    titles = [results.nth(i).text_content() for i in range(results.count())]
    assert any("Source 004" in t for t in titles), titles
    page.fill("#search-box", "不存在的词语")
    assert "No page matches" in page.locator("#search-results").text_content()
    page.close()


def test_index_screenshot_and_findings(server, browser):
    ARTIFACTS.mkdir(exist_ok=True)
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(server + "index.html")
    page.screenshot(path=str(ARTIFACTS / "index.png"), full_page=True)
    items = page.locator(".findings li")
    assert items.count() >= 4
    for i in range(items.count()):
        assert re.search(r"\(n = \d+\)", items.nth(i).text_content())
    assert "commit" in page.locator("footer").text_content()
    assert (ARTIFACTS / "index.png").stat().st_size > 10_000
    page.close()


def test_front_page_tells_what_cannot_be_estimated_first(server, browser):
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(server + "index.html")
    assert page.locator("main h2").first.get_attribute("id") == "can-and-cannot"
    limits = page.locator("ul.limits li")
    assert limits.count() >= 1
    text = limits.first.text_content()
    assert "cannot estimate" in text and "80% power needs about" in text and "ρ = 0.3" in text
    # the chart stands in that section, before the findings
    chart = page.locator("figure.chart").first
    assert chart.is_visible() and "n" in chart.locator("img").get_attribute("alt")
    order = page.evaluate("""() => {
        const f = document.querySelector('figure.chart'), k = document.getElementById('key-findings');
        return !!(f.compareDocumentPosition(k) & Node.DOCUMENT_POSITION_FOLLOWING); }""")
    assert order
    assert page.locator("a[href='methods.html']").count() >= 1
    page.close()


def test_rule_stated_once_and_no_chart_ranks_across_levels_or_rounds(site):
    import html as _html

    from ruralstudy.tables.comparability import RULE_TEXT

    words = RULE_TEXT.split(" — ")[0]  # "Two values are compared only when ..."
    assert len(words) > 60
    stated = [p.relative_to(site).as_posix() for p in site.rglob("*.html")
              if _html.escape(words, quote=False) in p.read_text(encoding="utf-8")]
    assert stated == ["methods.html"]
    text = (site / "indicators.html").read_text(encoding="utf-8")
    alts = re.findall(r'<img[^>]*? alt="([^"]*)"', text)
    charts = [a for a in alts if not a.startswith("Coverage")]
    assert charts, "the indicators page draws at least one comparable group"
    for alt in charts:  # "label: n county regions, 2020-21 round"
        assert re.search(r": \d+ (county|prefecture|province|national) regions, \d{4}-\d\d round$", alt), alt
    assert "sorted" not in text.lower() or "never ranked" in text


def test_sheet_page_shows_source_where_url_is_empty(site):
    text = (site / "sources/sheet-counties_2026-12.html").read_text(encoding="utf-8")
    assert "<th>source</th>" in text and "农民日报 2021-03-18" in text
    assert "no URL: the source column is the pointer" in text


def test_report_text_is_html_escaped():
    from ruralstudy.texts.corpus import Document, ManifestEntry, clean_text
    from ruralstudy.iorw import RawText
    from ruralstudy.site.site import document_body
    import pandas as pd

    text = "正文<script>alert(1)</script>建成党支部12个。"
    doc = Document(ManifestEntry("x", "x.txt", "t", "", "", None, (), "", 2),
                   RawText("x.txt", text, "utf-8", ""), clean_text(text))
    body = document_body(doc, pd.DataFrame(columns=["doc_id", "start"]))
    assert "<script>" not in body and "&lt;script&gt;" in body


def test_script_in_a_report_shows_as_text_in_the_browser(browser, tmp_path):
    import pandas as pd

    from ruralstudy.texts.corpus import Document, ManifestEntry, clean_text
    from ruralstudy.iorw import decode_bytes
    from ruralstudy.site.site import Page, document_body, wrap

    text = "报告正文<script>document.title='pwned'</script>建成党支部12个。"
    raw = decode_bytes(text.encode("utf-8"), "x.txt")  # a quoted tag is not an HTML page
    doc = Document(ManifestEntry("x", "x.txt", "t", "", "", None, (), "", 2), raw, clean_text(raw.text))
    stamp = {"commit": "test", "raw_sha256": "0" * 64, "date": "today", "versions": ""}
    html_text = wrap(Page("x.html", "X", document_body(doc, pd.DataFrame(columns=["doc_id", "start"]))), stamp)
    (tmp_path / "x.html").write_text(html_text, encoding="utf-8")
    page = browser.new_page()
    page.goto((tmp_path / "x.html").as_uri())
    assert page.title() == "X · ruralstudy"
    assert "<script>document.title='pwned'</script>" in page.locator(".doc-text").text_content()
    assert page.locator(".doc-text script").count() == 0
    page.close()


# --- issue 13: findings, landing, phones, citing, search, language ------------------------

import csv  # noqa: E402
import io  # noqa: E402

WIDTHS = {"phone": {"width": 390, "height": 844}, "desktop": {"width": 1366, "height": 900}}
_NUM = re.compile(r"\d[\d,]*\.\d+")


def _findings_data():
    import pandas as pd

    base = {"province": "", "region_code": "", "qualifier": "exact", "source_type": "sheet",
            "source_ref": "", "n_sources": 1, "n_copies": 1, "choice_rule": "", "measure": "mean",
            "entity": "", "property": "", "conditions": "", "value_high": None,
            "value_before": None, "kind": "level", "url": "", "rule": "", "confidence": 1.0,
            "audit": "", "period": "", "source": ""}
    rows = [  # region, level, round, year, indicator, value, unit, source id, release
        ("A县", "county", "2017-18", 2018, "cadre_mean_age", 45.5, "岁", "a-1", "r:a1"),
        ("A县", "county", "2020-21", 2021, "cadre_mean_age", 41.25, "岁", "a-2", "r:a2"),
        ("D县", "county", "2020-21", 2021, "cadre_mean_age", 43.75, "岁", "d-1", "r:d1"),
        ("B市", "prefecture", "2020-21", 2022, "cadre_mean_age", 39.0, "岁", "b-1", "r:b1"),
        ("A县", "county", "2020-21", 2021, "cadre_mean_age_change", -4.25, "岁", "a-4", "r:a2"),
        ("A县", "county", "2020-21", 2022, "villages_income_over_10w_share", 60.5, "%", "a-3", "r:a3"),
        ("E省", "province", "2020-21", 2022, "villages_income_over_10w_share", 90.5, "%", "e-1", "r:e1"),
        ("C县", "county", "2020-21", 2022, "villages_income_over_10w_share", 30.0, "%", "c-1", "r:c1"),
        ("C县", "county", "2020-21", 2022, "villages_income_over_10w_share", 33.0, "%", "c-2", "r:c2"),
        ("F县", "county", "2020-21", 2022, "cadre_women_share", 25.8, "%", "f-1", "r:f1"),
        ("F县", "county", "2020-21", 2022, "cadre_women_share", 25.8, "%", "f-2", "r:f1")]
    ind = pd.DataFrame([{**base, "region": r, "admin_level": lv, "round": rnd, "year": y,
                         "indicator_id": i, "construct": "collective_income" if "villages" in i
                         else "cadre_structure", "value": v, "unit": u, "source_id": s,
                         "source_key": k, "indicator_zh": i, "indicator_en": i}
                        for r, lv, rnd, y, i, v, u, s, k in rows])
    ind["year"] = ind["year"].astype("Int64")
    panel = ind.drop_duplicates(["region", "round", "indicator_id"], keep="first")
    return panel, ind


def test_construct_findings_state_n_level_round_sources_and_their_table():
    from ruralstudy.findings.analysis import construct_findings

    panel, ind = _findings_data()
    sf = {"cadre_mean_age", "villages_income_over_10w_share", "cadre_women_share"}
    found = {f["id"]: f for f in construct_findings(panel, ind, scale_free=sf)}
    ch = found["finding-round-changes"]  # a region against its own previous round
    assert ch["n"] == 1 and "A县" in ch["text"] and "-4.25 岁" in ch["text"] and ch["sources"] == ["a-4"]
    sets = found["finding-comparable-sets"]
    # A县 and D县 (county, 2020-21) side by side; B市 (prefecture) and A县's 2017-18 value never
    assert "A县 41.25岁 (2021); D县 43.75岁 (2021)" in sets["text"] and "B市" not in sets["text"]
    assert "45.5" not in sets["text"] and "E省" not in sets["text"]  # no range across levels
    inc = found["finding-income-bands"]
    assert "ranges from" not in inc["text"] and inc["n"] == 3
    src = found["finding-sources"]
    # F县's two pages repeat one release (echo); C县's are independent and disagree
    assert "come from copies of one release" in src["text"] and "1 of them disagree" in src["text"]
    assert "C县" in src["text"] and "F县" not in src["text"].split("disagree")[-1]
    for f in found.values():  # every decimal value a finding states is in its table
        assert f["round"] and f["level"]
        table_text = f["table"].astype(str).to_string()
        for num in _NUM.findall(f["text"]):
            assert str(float(num.replace(",", ""))) in table_text or num in table_text, (f["id"], num)


def test_numbers_for_people_and_years_spelled_out():
    from ruralstudy.findings.links import _fmt, human_number

    assert human_number(25937000.0) == "25,937,000"
    assert human_number(25937000.5) == "25,937,000.5"
    assert human_number(2.5937e7) == "25,937,000"
    assert human_number(0.000123) == "0.000123"
    assert "e" not in human_number(1e-7) and "e" not in human_number(1.5e21)
    assert _fmt(2021.0, "year") == "2021" and _fmt(float("nan"), "year") == "year unknown"


def test_provinces_written_two_ways_count_once():
    from ruralstudy.findings.analysis import count_provinces

    c = count_provinces(["内蒙古", "内蒙古自治区", "四川", "四川省", "广西壮族自治区", "广西", "全国", ""])
    assert c == {"provinces": 3, "national": True, "names": ["内蒙古", "四川", "广西"]}


def test_csv_download_has_bom_and_keeps_formula_neutralisation():
    from ruralstudy.site.site import UTF8_BOM, excel_csv

    raw = "region,raw\n六盘水市,=1+2\n".encode("utf-8")
    out = excel_csv(raw)
    assert out.startswith(UTF8_BOM) and excel_csv(out) == out
    rows = list(csv.reader(io.StringIO(out.decode("utf-8-sig"))))
    assert rows == [["region", "raw"], ["六盘水市", "'=1+2"]]


def test_citations_rendered_from_cff(root):
    from ruralstudy.site.site import citation_apa, citation_bibtex, citation_html

    cff = (root / "CITATION.cff").read_text(encoding="utf-8")
    apa = citation_apa(cff)
    assert apa.startswith("ruralstudy developers (2026). ruralstudy:") and "(Version 0.1.0)" in apa
    bib = citation_bibtex(cff)
    assert bib.startswith("@software{ruralstudy2026,") and "version = {0.1.0}" in bib
    page = citation_html(cff)
    assert "cff-version" not in page and "data-copy='citation-bibtex'" in page


def test_sentences_are_spans_and_figures_stay_whole():
    from ruralstudy.site.site import _marked_paragraphs

    text = "全市共有村12个。其中“两委”干部平均年龄37.6岁；\n第二段<b>。"
    out = _marked_paragraphs(text, [(text.index("37.6"), text.index("37.6") + 5, "x-1", "t", True)])
    assert out.count("<p id=") == 2 and out.count('<span class="sent">') == 3
    assert '<span class="sent">其中“两委”干部平均年龄<mark id="fig-x-1"' in out
    assert "&lt;b&gt;" in out and "<b>" not in out


def test_search_index_has_sections_snippets_and_pinyin():
    from ruralstudy.site.site import Page, search_index

    pages = [Page("regions/r-x.html", "Region profile: 达拉特旗", "<p>intro</p><h2 id='a'>Figures</h2>"
                  "<div class='code-input' hidden><pre>secret_code()</pre></div><p>两委 44.5</p>",
                  region="达拉特旗")]
    idx = search_index(pages)
    secs = idx["sections"]
    assert secs[0]["url"] == "regions/r-x.html" and "dalate" in secs[0]["keys"]
    assert secs[1]["url"] == "regions/r-x.html#a" and secs[1]["title"].endswith("› Figures")
    assert "secret_code" not in json_dumps(idx)


def json_dumps(obj) -> str:
    import json

    return json.dumps(obj, ensure_ascii=False)


def test_no_e_notation_and_lang_set(site):
    for page in site.rglob("*.html"):
        text = page.read_text(encoding="utf-8")
        visible = re.sub(r"<[^>]+>", " ", re.sub(r'src="data:[^"]+"', "", text))
        assert not re.search(r"\d\.\d+e[+-]\d+", visible), page
        assert '<html lang="en">' in text
    src = (site / "sources/000.html").read_text(encoding="utf-8")
    assert '<div class="doc-text" lang="zh">' in src
    assert '<span lang="zh">' in (site / "index.html").read_text(encoding="utf-8")


def test_glossary_and_downloads(site):
    g = (site / "glossary.html").read_text(encoding="utf-8")
    for term in ("一肩挑", "两委", "空壳村", "薄弱村", "软弱涣散", "第一书记", "村(社区)"):
        assert f">{term}</dfn>" in g, term
    assert "<dfn lang='zh' title=" in g
    import zipfile

    z = zipfile.ZipFile(site / "data/ruralstudy-data.zip")
    names = z.namelist()
    assert "ruralstudy-data/figures.csv" in names and "ruralstudy-data/panel.parquet" in names
    assert "ruralstudy-data/LICENSE-DATA.txt" in names
    data = (site / "data.html").read_text(encoding="utf-8")
    assert "CC BY 4.0" in data and "id='licence'" in data


def _header_bottom(page) -> float:
    return page.evaluate("""() => { const h = document.querySelector('.site-header');
        const cs = getComputedStyle(h);
        return (cs.position === 'sticky' || cs.position === 'fixed') ? h.getBoundingClientRect().bottom : 0; }""")


@pytest.mark.parametrize("device", sorted(WIDTHS))
def test_click_through_lands_below_header_marks_sentence_and_back_works(server, browser, device):
    page = browser.new_page(viewport=WIDTHS[device])
    region = server + f"regions/{region_slug('六盘水市')}.html"
    page.goto(region)
    page.locator("a.src", has_text="000-003010").first.click()
    page.wait_for_load_state("load")
    page.wait_for_function("() => location.hash === '#fig-000-003010'")
    assert page.url.endswith("sources/000.html#fig-000-003010")
    box = page.evaluate("() => { const r = document.getElementById('fig-000-003010').getBoundingClientRect();"
                        " return [r.top, r.bottom]; }")
    top_limit = _header_bottom(page)
    assert top_limit <= box[0] and box[1] <= WIDTHS[device]["height"], (box, top_limit)
    marked = page.evaluate("""() => { const s = document.getElementById('fig-000-003010').closest('.sent');
        return [getComputedStyle(s).backgroundColor, s.textContent, s.getClientRects()[0].top]; }""")
    assert marked[2] >= top_limit, (marked, top_limit)  # the sentence starts in view as well
    assert marked[0] not in ("rgba(0, 0, 0, 0)", "transparent"), marked
    assert "8.05亿元" in marked[1]
    page.screenshot(path=str(ARTIFACTS / f"landing-{device}.png"))
    page.go_back()
    page.wait_for_load_state("load")
    assert page.url == region
    page.close()


@pytest.mark.parametrize("device", sorted(WIDTHS))
def test_front_page_findings_link_to_their_numbers(server, browser, device):
    page = browser.new_page(viewport=WIDTHS[device])
    page.goto(server + "index.html")
    items = page.locator(".findings li")
    assert items.count() >= 5
    targets = []
    for i in range(items.count()):
        li = items.nth(i)
        text = li.locator(".finding-text").text_content()
        meta = li.locator(".meta").text_content()
        assert re.search(r"n = \d+", meta) and "level:" in meta and "round:" in meta, meta
        targets.append((text, li.locator("a.shown").get_attribute("href")))
    constructs = " ".join(t for t, _ in targets)
    for word in ("cannot estimate", "previous election round", "Collective income",
                 "Branch strength", "Where sources meet", "copies of one release"):
        assert word in constructs, word
    for withdrawn in ("No other region reports one indicator in two rounds", "ranges from",
                      "0 of them disagree beyond rounding", "before/after figures show change"):
        assert withdrawn not in constructs, withdrawn
    for text, href in targets:
        page.goto(server + href)
        anchor = href.split("#", 1)[1]
        page.locator(f"[id='{anchor}']").first.wait_for(state="attached")
        el = page.locator(f"[id='{anchor}']")
        assert el.count() == 1, href
        assert el.is_visible()
        top = page.evaluate(f"() => document.getElementById({anchor!r}).getBoundingClientRect().top")
        assert top >= _header_bottom(page) - 1, (href, top)
        shown = el.text_content().replace(",", "")
        if anchor.startswith("finding-"):
            table = el.locator("table").text_content().replace(",", "") if el.locator("table").count() else ""
            for num in _NUM.findall(text):  # every measured value is in the table under it
                n = num.replace(",", "")
                assert n in table or n.rstrip("0").rstrip(".") in table, (anchor, num)
        else:
            for num in re.findall(r"\d+", text):
                assert num in page.locator("main").text_content(), (href, num)
        assert shown
    page.close()


@pytest.mark.parametrize("device", sorted(WIDTHS))
def test_tables_readable_and_no_sideways_page(server, browser, device):
    page = browser.new_page(viewport=WIDTHS[device])
    for rel in ("indicators.html", f"regions/{region_slug('六盘水市')}.html", "quality.html", "data.html",
                "about.html", "index.html", "sources/000.html"):
        page.goto(server + rel)
        width = page.evaluate("() => document.documentElement.scrollWidth")
        assert width <= WIDTHS[device]["width"], (rel, width)
    page.goto(server + f"regions/{region_slug('六盘水市')}.html")
    info = page.evaluate("""() => Array.from(document.querySelectorAll('.table-wrap')).map(w => {
        const td = w.querySelector('td');
        return [w.scrollWidth > w.clientWidth, getComputedStyle(w).overflowX,
                td ? getComputedStyle(td).position : 'sticky', parseFloat(getComputedStyle(td || w).fontSize)]; })""")
    assert info and all(ov == "auto" and pos == "sticky" and fs >= 12 for _, ov, pos, fs in info), info
    if device == "phone":
        assert any(wide for wide, *_ in info)  # some tables scroll, inside their box, with a cue
        page.screenshot(path=str(ARTIFACTS / "region-phone.png"), full_page=False)
    # charts: SVG images with a source line, drawn at a legible size
    page.goto(server + "indicators.html")
    charts = page.evaluate("""() => Array.from(document.querySelectorAll('figure.chart')).map(f => {
        const img = f.querySelector('img');
        return [img.src.startsWith('data:image/svg+xml'), img.getBoundingClientRect().width,
                img.naturalWidth, (f.querySelector('figcaption') || {}).textContent || '']; })""")
    assert charts and all(svg and cap.startswith("Source:") for svg, _, _, cap in charts), charts[:2]
    # type of 10 pt at 72 pt/in on a 6.4 in figure: shown at >= 9 px
    assert all(w / nat * 10 * 96 / 72 >= 9 for _, w, nat, _ in charts), charts[:3]
    page.close()


@pytest.mark.parametrize("device", sorted(WIDTHS))
def test_search_lazy_snippets_keys_and_pinyin(server, browser, device):
    page = browser.new_page(viewport=WIDTHS[device])
    requested = []
    page.on("request", lambda r: requested.append(r.url))
    page.goto(server + "index.html")
    page.wait_for_load_state("networkidle")  # every request the page makes by itself is made
    assert not any("search-index" in u for u in requested)  # not loaded until search is used
    page.fill("#search-box", "Dalate")
    results = page.locator("#search-results li[data-href]")
    results.first.wait_for()
    assert any("search-index" in u for u in requested)
    hrefs = [results.nth(i).get_attribute("data-href") for i in range(results.count())]
    assert hrefs[0].endswith(f"regions/{region_slug('达拉特旗')}.html"), hrefs[:3]
    box = page.locator("#search-results").bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= WIDTHS[device]["width"] + 1, box
    page.fill("#search-box", "一肩挑")
    results.first.wait_for()
    marks = page.locator("#search-results .snippet mark")
    assert marks.count() >= 1 and marks.first.text_content() == "一肩挑"
    assert any("#" in results.nth(i).get_attribute("data-href") for i in range(results.count()))
    page.press("#search-box", "ArrowDown")
    page.press("#search-box", "ArrowDown")
    assert results.nth(1).get_attribute("aria-selected") == "true"
    page.press("#search-box", "Escape")
    assert not page.locator("#search-results").is_visible()
    page.fill("#search-box", "达拉特")
    results.first.wait_for()
    target = results.first.get_attribute("data-href")
    page.press("#search-box", "Enter")
    page.wait_for_load_state("load")
    assert page.url == target
    page.close()


def test_citation_copy_button(server, browser):
    ctx = browser.new_context(viewport=WIDTHS["phone"])
    ctx.grant_permissions(["clipboard-read", "clipboard-write"], origin=server.rstrip("/"))
    page = ctx.new_page()
    page.goto(server + "about.html")
    assert "cff-version" not in page.locator("main").text_content()
    page.click("button[data-copy='citation-bibtex']")
    page.wait_for_function("() => document.querySelectorAll('.cite-block')[1]"
                           ".querySelector('.copied').textContent.trim() !== ''")  # answered
    copied = page.evaluate("() => navigator.clipboard.readText()")
    assert copied.startswith("@software{ruralstudy") and "0.1.0" in copied
    assert "Copied" in page.locator(".cite-block").nth(1).locator(".copied").text_content()
    ctx.close()


def test_csv_download_opens_with_the_right_characters(server, browser, tmp_path):
    ctx = browser.new_context(accept_downloads=True)
    page = ctx.new_page()
    page.goto(server + "data.html")
    with page.expect_download() as d:
        page.click("a[href='data/figures.csv']")
    path = tmp_path / "figures.csv"
    d.value.save_as(path)
    data = path.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")  # Excel reads UTF-8 only with the mark
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows and "figure_id" in rows[0]
    assert any(r["region"] == "六盘水市" for r in rows)
    assert any("亿元" in r["raw"] for r in rows)
    ctx.close()


def test_glossary_marks_keep_text_escaped():
    from ruralstudy.site.site import glossary_marks

    out = glossary_marks("&lt;b&gt;两委 and 两委, 一肩挑")
    assert out.count("<abbr") == 2 and "&lt;b&gt;" in out and "<b>" not in out


def test_injected_parameters_show_characters_not_escapes():
    from ruralstudy.site.site import _readable_parameters

    cell = {"metadata": {"tags": ["injected-parameters"]},
            "source": 'region = "\\u516d\\u76d8\\u6c34\\u5e02\\u0022"\n'}
    assert _readable_parameters(cell)["source"] == 'region = "六盘水市\\u0022"\n'
    other = {"metadata": {}, "source": 'x = "\\u516d"'}
    assert _readable_parameters(other) is other


def test_lang_spans_mark_chinese_text_only():
    from ruralstudy.site.site import lang_spans

    out = lang_spans('<p title="两委">Mean age of 两委 &lt;b&gt;</p><td lang="zh">六盘水市</td>')
    assert out == ('<p title="两委">Mean age of <span lang="zh">两委</span> &lt;b&gt;</p>'
                   '<td lang="zh">六盘水市</td>')
