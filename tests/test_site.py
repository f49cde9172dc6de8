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

from ruralstudy.links import region_slug

CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts"
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
                 "sources/sheet-gathered_2026-11.html", f"regions/{region_slug('六盘水市')}.html",
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
    link = page.locator("a.src", has_text="000-003020").first
    link.click()
    page.wait_for_load_state("load")
    assert page.url.endswith("sources/000.html#fig-000-003020")
    target = page.locator("#fig-000-003020")
    assert target.text_content() == "1.46亿元"
    assert target.is_visible()
    tip = target.get_attribute("data-tip")
    assert "146000000" in tip.replace(",", "") and "collective_income_total" in tip
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
    assert any(h.endswith("sources/000.html") for h in hrefs), hrefs
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


def test_report_text_is_html_escaped():
    from ruralstudy.corpus import Document, ManifestEntry, clean_text
    from ruralstudy.iorw import RawText
    from ruralstudy.site import document_body
    import pandas as pd

    text = "正文<script>alert(1)</script>建成党支部12个。"
    doc = Document(ManifestEntry("x", "x.txt", "t", "", "", None, (), "", 2),
                   RawText("x.txt", text, "utf-8", ""), clean_text(text))
    body = document_body(doc, pd.DataFrame(columns=["doc_id", "start"]))
    assert "<script>" not in body and "&lt;script&gt;" in body


def test_script_in_a_report_shows_as_text_in_the_browser(browser, tmp_path):
    import pandas as pd

    from ruralstudy.corpus import Document, ManifestEntry, clean_text
    from ruralstudy.iorw import decode_bytes
    from ruralstudy.site import Page, document_body, wrap

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
