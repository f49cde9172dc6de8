"""The static report site: nbconvert bodies in one layout, source pages with every figure
highlighted and anchored, the data page, search index and build stamp.

Page bodies are built by pure functions returning HTML strings; :func:`publish` writes the
whole site to a new folder and swaps a symlink onto it, so readers see the old site or the
new one, never a mix.
"""

from __future__ import annotations

import functools
import html
import json
import re
import shutil
import tempfile
from dataclasses import dataclass
from html.parser import HTMLParser
from importlib import resources
from pathlib import Path
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

import jinja2
import pandas as pd

from ..findings.links import (CITE, CODEBOOK, COMPARABILITY, INDEX_CITE, LICENCE, cjk_lang,
                              figure_anchor, human_number, line_anchor, page_href, report_page,
                              sheet_page, table_html)
from ..paths import pause_point, site_builds, swap_in_site
from ..registry import nav

FINDINGS_TAG = "findings"
FINDINGS_MIME = "application/vnd.ruralstudy.findings+json"

# the pages (and the navigation) and the download tables are entries of ruralstudy.registry


@dataclass
class Page:
    """One page of the site: its path relative to the site root, title and body HTML."""

    path: str
    title: str
    body: str
    code_toggle: bool = False
    index_text: str = ""
    region: str = ""  # the region a profile page describes (its pinyin is searchable)
    sections: tuple | None = None  # page_sections(body) when already known (rendered pages)


def _templates_dir() -> Path:
    return Path(str(resources.files("ruralstudy.site").joinpath("templates")))


def _static_dir() -> Path:
    return Path(str(resources.files("ruralstudy.site").joinpath("static")))


def split_findings(nb: dict) -> tuple[dict, list[dict]]:
    """Remove cells tagged ``findings`` from a notebook and return their payloads."""
    found, keep = [], []
    for c in nb["cells"]:
        if FINDINGS_TAG in c.get("metadata", {}).get("tags", []):
            for o in c.get("outputs", []):
                if FINDINGS_MIME in o.get("data", {}):
                    found.append(o["data"][FINDINGS_MIME])
        else:
            keep.append(c)
    out = dict(nb)
    out["cells"] = [_readable_parameters(c) for c in keep]
    return out, found


_U_ESCAPE = re.compile(r"(?<!\\)\\u([0-9a-fA-F]{4})")


def _readable_parameters(cell: dict) -> dict:
    """Papermill writes injected string parameters with \\u escapes ("\\u516d..."); show the
    characters instead (only printable non-ASCII ones: quotes and controls stay escaped)."""
    if "injected-parameters" not in cell.get("metadata", {}).get("tags", []):
        return cell
    src = "".join(cell.get("source", ""))

    def char(m: re.Match) -> str:
        ch = chr(int(m.group(1), 16))
        return ch if ord(ch) >= 0xA0 and ch.isprintable() and not 0xD800 <= ord(ch) <= 0xDFFF \
            else m.group(0)

    return {**cell, "source": _U_ESCAPE.sub(char, src)}


_EXPORTER: Any = None


_IMG_WITHOUT_ALT = re.compile(r"<img\b(?![^>]*\balt=)")
NO_ALT_TEXT = "No description has been provided for this image"  # nbconvert's own words


def _page_exporter() -> Any:
    """nbconvert's HTML exporter with the ruralstudy template, without its final pass.

    Why by hand: ``HTMLExporter.from_notebook_node`` ends by parsing the whole page with
    BeautifulSoup to give JupyterLab's cell wrappers a ``tabindex`` (the ruralstudy template
    has none: its tables' wrappers carry their own) and images without alt text nbconvert's
    placeholder, then serialises it again. That pass was 60-75 % of rendering a page (the
    quality page 0.95 -> 0.24 s, the corpus page 0.60 -> 0.20 s, a region profile 0.115 ->
    0.050 s at 1,000 regions): 3,000 region profiles are rendered in a cold build. The same
    filters are registered as nbconvert registers them; the placeholder alt text is added
    with a pattern; the page differs only in serialisation (attribute order, ``hidden`` for
    ``hidden=""``, blank lines), which browsers read alike."""
    from nbconvert import HTMLExporter
    from nbconvert.exporters.templateexporter import TemplateExporter

    class PageExporter(HTMLExporter):
        def from_notebook_node(self, nb: Any, resources: Any = None, **kw: Any) -> Any:
            from nbconvert.filters.highlight import Highlight2HTML
            from nbconvert.filters.widgetsdatatypefilter import WidgetsDataTypeFilter

            langinfo = nb.metadata.get("language_info", {})
            lexer = langinfo.get("pygments_lexer", langinfo.get("name", None))
            self.register_filter("highlight_code", self.filters.get(
                "highlight_code", Highlight2HTML(pygments_lexer=lexer, parent=self)))
            resources = self._init_resources(resources)
            self.register_filter("filter_data_type", WidgetsDataTypeFilter(
                notebook_metadata=self._nb_metadata, parent=self, resources=resources))
            html, resources = TemplateExporter.from_notebook_node(self, nb, resources, **kw)
            return _IMG_WITHOUT_ALT.sub(f'<img alt="{NO_ALT_TEXT}"', html), resources

    exporter = PageExporter(template_name="ruralstudy",
                            extra_template_basedirs=[str(_templates_dir() / "nbconvert")])
    exporter.exclude_input_prompt = True
    exporter.exclude_output_prompt = True
    return exporter


def render_notebook(nb_json: str) -> tuple[str, list[dict]]:
    """nbconvert body HTML of an executed notebook (ruralstudy template) and its findings."""
    import nbformat

    nb = json.loads(nb_json)
    nb, findings = split_findings(nb)
    node = nbformat.reads(json.dumps(nb), as_version=4)  # joins multi-line sources
    global _EXPORTER
    if _EXPORTER is None:  # one per process: building it compiles the templates (0.1 s)
        _EXPORTER = _page_exporter()
    body, _ = _EXPORTER.from_notebook_node(node)
    # the notebook's own first heading becomes the page title; drop it from the body
    body = re.sub(r"<h1[^>]*>.*?</h1>", "", body, count=1, flags=re.S)
    return body, findings


# --- escaping ------------------------------------------------------------------------------

_SAFE_SCHEMES = ("http", "https")


def safe_url(url: str) -> bool:
    """Whether a URL from data may become a link: only absolute http(s) URLs (no
    ``javascript:``, ``data:`` or scheme-relative ones; browsers ignore tabs, newlines and
    leading spaces in a scheme, so those are refused as well)."""
    from urllib.parse import urlsplit

    u = str(url)
    if u != u.strip() or any(ord(c) < 32 or c == "\x7f" for c in u):
        return False
    try:
        parts = urlsplit(u)
    except ValueError:
        return False
    return parts.scheme.lower() in _SAFE_SCHEMES and bool(parts.netloc)


_SCRIPT_ESCAPES = (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026"), ("'", "\\u0027"),
                   ("\u2028", "\\u2028"), ("\u2029", "\\u2029"))


def _script_safe(text: str) -> str:
    """JSON text with the characters that could end or break out of a script \\u-escaped.
    Each is escaped on its own (none is part of another's escape), so escaping pieces of a
    JSON text one by one gives the same characters as escaping it whole."""
    for ch, esc in _SCRIPT_ESCAPES:
        text = text.replace(ch, esc)
    return text


def script_json(obj) -> str:
    """JSON safe to embed in a script (inline or a .js file): '<', '>', '&' and quotes are
    \\u-escaped inside strings, so data can neither close the script nor break out of it."""
    return _script_safe(json.dumps(obj, ensure_ascii=False, separators=(",", ":"),
                                   sort_keys=False))


FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")


def neutralise_cell(cell: str) -> str:
    """A CSV cell a spreadsheet will not run as a formula (OWASP's CSV injection advice): a
    cell starting with =, +, -, @, tab or carriage return gets a leading single quote. A cell
    that is just a number (-3.5, +2) is left alone: no spreadsheet reads it as a formula."""
    if cell.startswith(FORMULA_START) and not _PLAIN_NUMBER.fullmatch(cell):
        return "'" + cell
    return cell


def neutralise_csv(data: bytes) -> bytes:
    """CSV bytes (UTF-8) with every formula-leading cell neutralised (see
    :func:`neutralise_cell`); used for the site's downloads only, never for data/processed."""
    import csv
    import io

    text = data.decode("utf-8")
    # the processed tables are ours: a long cell (a report line with no 。, a conflict listing
    # many sources) is data, not an attack on the csv module's 131,072-character default
    csv.field_size_limit(max(csv.field_size_limit(), len(text) + 1))
    rows = list(csv.reader(io.StringIO(text, newline="")))
    if not any(neutralise_cell(c) != c for row in rows for c in row):
        return data
    out = io.StringIO(newline="")
    w = csv.writer(out, lineterminator="\n")
    for row in rows:
        w.writerow([neutralise_cell(c) for c in row])
    return out.getvalue().encode("utf-8")


# --- source pages --------------------------------------------------------------------------

def _num(v: float) -> str:
    """146000000 -> '146,000,000'; 98.31 -> '98.31'."""
    from ..findings.links import human_number

    return human_number(v)


_SENT_END = re.compile(r"[。！？!?；;]+[”’」』）)]*")


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of each sentence of a cleaned text: it ends after 。！？； (and a closing
    quote) or at a line break; line breaks are never inside a sentence."""
    out = []
    for line in re.finditer(r"[^\n]+", text):
        a = line.start()
        for m in _SENT_END.finditer(line.group(0)):
            b = line.start() + m.end()
            if b > a:
                out.append((a, b))
            a = b
        if a < line.end():
            out.append((a, line.end()))
    return out


def _marked_paragraphs(text: str, spans: list) -> str:
    """Paragraphs of escaped text, each sentence in a ``span.sent`` and each figure in a
    ``mark``; the sentence holding the figure a link points to is marked by CSS
    (``.sent:has(:target)``). Sentences a figure would straddle are joined."""
    sents: list[list[int]] = []
    figs = sorted(spans)
    k, reach = 0, -1  # reach: the furthest end of the figures starting before the cut
    for a, b in sentence_spans(text):
        while sents and k < len(figs) and figs[k][0] < sents[-1][1]:
            reach = max(reach, figs[k][1])
            k += 1
        if sents and reach > a:  # a figure crosses the cut between them (linear, not a
            sents[-1][1] = b     # scan of every figure per sentence)
        else:
            sents.append([a, b])
    paras: list[list[str]] = []
    fi, prev_end = 0, None
    for a, b in sents:
        if prev_end is None or "\n" in text[prev_end:a]:
            paras.append([])
        prev_end = b
        parts, pos = [], a
        while fi < len(figs) and figs[fi][0] < b:
            cs, ce, sid, tip, mapped, *read_by_ocr = figs[fi]
            fi += 1
            if cs < pos:  # overlaps the previous figure: left as plain text
                continue
            parts.append(html.escape(text[pos:cs]))
            cls = ("fig mapped" if mapped else "fig") + (" ocr" if any(read_by_ocr) else "")
            attr = html.escape(tip).replace("\n", "&#10;")  # newlines must not split paragraphs
            parts.append(f'<mark id="{html.escape(figure_anchor(sid))}" class="{cls}" tabindex="0" '
                         f'data-tip="{attr}" title="{attr}">'
                         f"{html.escape(text[cs:min(ce, b)])}</mark>")
            pos = min(ce, b)
        parts.append(html.escape(text[pos:b]))
        paras[-1].append(f'<span class="sent">{"".join(parts)}</span>'.replace("\n", " "))
    return "".join(f'<p id="p-{k + 1}">{"".join(p)}</p>' for k, p in enumerate(paras))


#: Raw files whose browser rendering could run the file's own scripts on the site's origin:
#: they are copied with ``.txt`` added (served as plain text) and downloaded under their name.
_RENDERED_SUFFIXES = (".html", ".htm", ".xhtml", ".svg", ".xml", ".shtml")


def site_raw_name(file: str) -> str:
    """Where a raw report is copied in the site, under data/raw/ (a saved web page gets .txt
    added, so that opening it shows its source and never runs its scripts)."""
    return file + ".txt" if file.lower().endswith(_RENDERED_SUFFIXES) else file


def site_text_name(doc_id: str) -> str:
    """Where the text extracted from a web page, PDF or Word file is copied in the site."""
    return f"{doc_id}.txt"


# the columns of the mapping table a source page shows (document_body); the build keys each
# report's cached body by these columns of its rows (ruralstudy.build.sitecache.SourceBodies:
# hashing every column, the sentences among them, took 0.25 s at 1,000 reports, these 0.04 s)
# and hands document_body only these, so a column used and not listed fails loudly
SOURCE_BODY_COLUMNS = ("source_id", "doc_id", "start", "end", "value", "value_high",
                       "value_before", "unit", "qualifier", "kind", "indicator_id", "reason",
                       "confidence", "status", "ocr_confidence")


def source_body_rows(mapping: pd.DataFrame) -> pd.DataFrame:
    """The columns of ``mapping`` a source page shows (:data:`SOURCE_BODY_COLUMNS`)."""
    return mapping[[c for c in SOURCE_BODY_COLUMNS if c in mapping.columns]]


def document_body(doc, mapping: pd.DataFrame) -> str:
    """A report's cleaned text with every figure highlighted, anchored and explained on hover,
    with a link to the raw file as downloaded (and, for a web page, PDF or Word file, to the
    extracted text the offsets refer to; each figure's tip says where it sits in the raw file)."""
    from urllib.parse import quote

    ex = getattr(doc, "extracted", None)
    text = doc.clean.text
    raw_to_clean: dict[int, int] = {}
    for ci, ri in enumerate(doc.clean.offsets):
        raw_to_clean.setdefault(ri, ci)
    rows = mapping[mapping["doc_id"] == doc.doc_id].sort_values("start")
    spans = []
    for r in rows.to_dict("records"):
        cs = raw_to_clean.get(int(r["start"]))
        ce = raw_to_clean.get(int(r["end"]) - 1)
        if cs is None or ce is None:
            continue
        tip = (f"value: {_num(r['value'])} {r['unit']}".rstrip() +
               (f" (to {_num(r['value_high'])})" if pd.notna(r["value_high"]) else "") +
               (f" (before: {_num(r['value_before'])})" if pd.notna(r["value_before"]) else "") +
               f"\nqualifier: {r['qualifier']}\nkind: {r['kind']}\nindicator: " +
               (r["indicator_id"] or f"none ({r['reason']})"))
        if ex is not None:
            where = ex.where(int(r["start"]), int(r["end"]))
            tip += f"\nin the raw file: {where or 'not located'}"
        tip += "\nchecked: " + {"reviewed": "reviewed by a person",
                                 "published": f"machine-read (confidence {r['confidence']:.2f})",
                                 "waiting": f"waiting for review (confidence "
                                            f"{r['confidence']:.2f}, not published)"}.get(
            r["status"], r["status"])
        ocr = r.get("ocr_confidence")
        if pd.notna(ocr):  # read by OCR: marked, and said in the tip
            tip = f"read by OCR (confidence {ocr:.0f} of 100): check it against the scan\n" + tip
        spans.append((cs, ce + 1, r["source_id"], tip, r["status"] in ("published", "reviewed"),
                      pd.notna(ocr)))
    paras = _marked_paragraphs(text, spans)
    e = doc.entry
    regions = "; ".join(r.name for r in e.regions) or "none named"
    meta = (f"<p class='note'>Document {html.escape(e.doc_id)} · regions: {html.escape(regions)} · "
            f"year described: {e.year or 'unknown'} · published: {html.escape(e.published or 'unknown')} · "
            f"source: {html.escape(e.source)} · file <code>data/raw/reports/{html.escape(e.file)}</code> "
            f"({html.escape(doc.raw.encoding)}). {len(spans)} figures highlighted "
            f"(green: a published or reviewed indicator value; each figure's tip says whether a "
            f"person reviewed it or it is machine-read). ")
    raw_href = "../data/raw/" + quote(site_raw_name(e.file))
    links = (f"<a href='{html.escape(raw_href)}' download='{html.escape(Path(e.file).name)}' "
             f"class='raw-link'>The raw file as downloaded</a>")
    if ex is not None:
        text_href = "../data/text/" + quote(site_text_name(e.doc_id))
        meta += ("Offsets in the data refer to the text extracted from the raw file (the article "
                 "of a web page, the text layer of a PDF, the paragraphs of a Word file); each "
                 "figure's tip says where it sits in the raw file. This page shows that text "
                 "cleaned.</p>")
        if getattr(ex, "ocr", None) is not None:
            meta += (f"<p class='note ocr-note'>Read by OCR: {html.escape(ex.ocr.summary())}. "
                     f"Figures read by OCR carry a small “OCR” mark and a dashed underline; their "
                     f"tip gives the confidence (0-100) of the weakest word they were read from "
                     f"and their box on the page.</p>")
        links += f" · <a href='{html.escape(text_href)}' class='text-link'>the extracted text</a>"
    else:
        meta += ("Offsets in the data refer to the raw file; this page shows the cleaned text "
                 "(menus, repeated captions and editor lines removed).</p>")
    return meta + f"<p class='note'>{links}</p>" + f'<div class="doc-text" lang="zh">{paras}</div>'


def sheet_body(file: str, mapping: pd.DataFrame, rejects: pd.DataFrame) -> str:
    """A figure sheet's rows, each anchored by line, with its mapping or rejection reason."""
    rows = mapping[(mapping["source_type"] == "sheet") & (mapping["file"] == file)]
    rej = rejects[rejects["file"] == file]
    recs = [{"line": int(r["line"]), "region": r["region"], "admin_level": r["admin_level"],
             "year": "" if pd.isna(r["year"]) else int(r["year"]), "label": r["context"],
             "raw": r["raw"], "value": r["value"], "unit": r["unit"], "status": r["status"],
             "indicator / reason": r["indicator_id"] or r["reason"],
             "period": r.get("period", "") or "", "source": r.get("source", "") or "",
             "url": r["url"]}
            for r in rows.to_dict("records")]
    recs += [{"line": int(r["line"]), "region": "", "admin_level": "", "year": "", "label": "",
              "raw": r["raw"], "value": None, "unit": "", "status": "rejected",
              "indicator / reason": r["reason"], "period": "", "source": "", "url": ""}
             for r in rej.to_dict("records")]
    recs.sort(key=lambda r: r["line"])
    body = []
    for r in recs:
        cells = []
        for k, v in r.items():
            if k == "url" and v and safe_url(v):
                cells.append(f'<td><a href="{html.escape(v)}" rel="noreferrer">{html.escape(v[:60])}</a></td>')
            elif k == "url" and not v and r.get("source"):
                cells.append("<td class='note'>no URL: the source column is the pointer</td>")
            elif k == "value":
                cells.append(f"<td>{'' if v is None or pd.isna(v) else human_number(v)}</td>")
            elif k == "year":
                cells.append(f"<td>{v if v != '' else 'year unknown'}</td>")
            else:
                cells.append(f"<td{cjk_lang(str(v))}>{html.escape(str(v))}</td>")
        body.append(f'<tr id="{line_anchor(r["line"])}">{"".join(cells)}</tr>')
    head = "".join(f"<th>{html.escape(k)}</th>" for k in (recs[0] if recs else {}))
    return (f"<p class='note'>Sheet <code>data/raw/sheets/{html.escape(file)}</code>: "
            f"{len(recs)} rows (n = {len(recs)}); line numbers count the header as line 1. "
            "<em>source</em> is the original publisher and date as the page names them (many "
            "pages are reprints); where <em>url</em> is empty the page sat on an unrelated mirror "
            "and the source is the only pointer.</p>"
            f'<div class="table-wrap" role="region" tabindex="0" aria-label="Sheet rows">'
            f'<table class="data"><thead><tr>{head}</tr></thead><tbody>{"".join(body)}</tbody></table></div>')


# --- pages built from data -----------------------------------------------------------------

def _finding_item(block_page: str, f: dict) -> str:
    """One finding on the front page: its sentence, n, level, round, years, its sources (each a
    link) and where it is shown. The anchor is the finding's own id."""
    from ..findings.links import source_href

    href = page_href(block_page, f["anchor"])
    meta = [f"n = {f['n']}", f"level: {f.get('level') or '—'}", f"round: {f.get('round') or '—'}"]
    if f.get("year") and f["year"] != "—":
        meta.append(f"years: {f['year']}")
    srcs = list(f.get("sources") or [])
    shown = srcs[:6]
    links = ", ".join(f"<a class='src' href='{html.escape(source_href(s))}'>{html.escape(s)}</a>"
                      for s in shown)
    more = f" and {len(srcs) - len(shown)} more" if len(srcs) > len(shown) else ""
    src_html = (f" <span class='sources'>Sources ({len(srcs)}): {links}{more}.</span>"
                if srcs else "")
    return (f"<li><span class='finding-text'>{glossary_marks(html.escape(f['text']))}</span> "
            f"<span class='meta'>({html.escape(meta[0])})" + "".join(
                f" · {html.escape(m)}" for m in meta[1:]) + "</span>" + src_html +
            f" <a class='shown' href='{html.escape(href)}'>Where this is shown</a></li>")


def index_body(t, findings: list[dict], citation: str) -> str:
    """Overview: first what these data can and cannot estimate (and the n that would be
    needed), with a chart; then the findings the data support, each with n, admin level,
    round, years and its sources, and a link to the place that shows its numbers; the corpus
    at a glance; how to cite. The comparability rule is stated once, on the methods page."""
    limits, items, figures = [], [], []
    for block in findings:
        for f in block["findings"]:
            item = _finding_item(block["page"], f)
            (limits if f.get("kind") == "limits" else items).append(item)
            if f.get("figure"):
                figures.append(f["figure"])
    # counted, not selected: a selection copies every column of the mapping table (its
    # sentences among them; 0.2 s at 1,000 reports)
    n_rep = int((t.mapping.source_type == "report").sum())
    n_sheet = int((t.mapping.source_type == "sheet").sum())
    reviewed = int((t.indicators["status"] == "reviewed").sum()) if "status" in t.indicators else 0
    cards = [("report texts", len(t.manifest)), ("figures in reports", n_rep),
             ("sheet figures", n_sheet),
             ("regions named by a figure" + (" (全国 among them)" if "全国" in set(t.mapping.region)
                                              else ""), t.mapping.region.nunique()),
             (f"indicator values ({reviewed:,} checked by a person)", len(t.indicators)),
             ("independent releases behind them", t.indicators["source_key"].nunique()
              if "source_key" in t.indicators else 0),
             ("panel cells (region × round × indicator)", len(t.panel))]
    card_html = "".join(f"<div class='card'><b>{n:,}</b>{html.escape(k)}</div>" for k, n in cards)
    return (
        "<p>ruralstudy turns Chinese Party organisation reports and hand-gathered figure sheets into "
        "clean figures on village Party branches (<span lang='zh'>组织力</span>), village cadres "
        "(<abbr lang='zh' title='" + html.escape(GLOSSARY_TITLES["两委"], quote=True) + "'>两委</abbr>) "
        "and village collective income (<span lang='zh'>村集体经济</span>), each traceable to the "
        "sentence or sheet row it came from.</p>"
        "<h2 id='can-and-cannot'>What these data can and cannot tell</h2>"
        f"<ul class='findings limits'>{''.join(limits)}</ul>{''.join(figures)}"
        "<p class='note'>Almost every figure here originates with the Party committees and "
        "governments whose work it describes (organisation departments' <span lang='zh'>组工</span> "
        "releases, and Party and state media relaying them), published because someone chose to "
        "publish it: read the <a href='methods.html'>methods and "
        "limitations</a> (common-source bias, selective publication, bodies and bases, periods, "
        "election rounds, reprints, and how to grow n with your own corpus) before citing a "
        "number.</p>"
        f"<h2 id='key-findings'>What the data show</h2><ul class='findings'>{''.join(items)}</ul>"
        "<p class='note'>Values are set side by side only under one rule, stated on the "
        f"<a href='{COMPARABILITY.href()}'>methods page</a>. How well the figures are "
        "extracted and mapped is on the <a href='quality.html'>Data quality</a> page; terms such as "
        "<span lang='zh'>一肩挑</span> and <span lang='zh'>空壳村</span> are explained in the "
        "<a href='glossary.html'>Glossary</a>.</p>"
        f"<h2 id='corpus'>The corpus at a glance</h2><div class='cards'>{card_html}</div>"
        "<p><a href='sources.html'>Read the sources</a> · <a href='regions.html'>Browse regions</a> · "
        "<a href='data.html'>Download the data</a></p>"
        + INDEX_CITE.heading_html() + citation_html(citation))


def methods_body(t=None) -> str:
    """Methods and limitations: the comparability rule (stated once for the whole site), the
    election rounds and their calendar, periods, bodies and bases, reprints, the statistics,
    the biases of the sources, and how a researcher grows n with their own corpus."""
    from ..findings.analysis import PRIMARY_INDICATORS, PRIMARY_RULE
    from ..tables.comparability import RULE_TEXT, calendar_windows

    cal_rows = []
    for w in calendar_windows():  # one row per window, with the page it comes from
        where = w["province"] or "all others (national default)"
        page = (f" <a href=\"{html.escape(w['url'])}\" rel=\"noreferrer\">page</a>" if w["url"] else "")
        status = "confirmed by the page" if w["checked"] else "not confirmed: " + w["note"]
        cal_rows.append(f"<tr><td>{html.escape(w['round'])}</td><td{cjk_lang(where)}>"
                        f"{html.escape(where)}</td><td>{html.escape(w['start'])}–"
                        f"{html.escape(w['end'])}</td><td{cjk_lang(w['source'])}>"
                        f"{html.escape(w['source'])}{page}</td><td{cjk_lang(status)}>"
                        f"{html.escape(status)}</td></tr>")
    n_rounds = ""
    if t is not None and len(t.panel):
        vc = t.panel["round"].replace("", "unknown").value_counts()
        n_rounds = ("<p>Panel cells by round in this build: " + ", ".join(
            f"{html.escape(k)} {v}" for k, v in sorted(vc.items())) + ".</p>")
    prim = ", ".join(f"{html.escape(k.replace('_', ' '))}: <code>{html.escape(v)}</code>"
                     for k, v in PRIMARY_INDICATORS.items())
    drift = ""
    if t is not None and len(t.panel):
        from ..findings.analysis import choose_primary

        now = choose_primary(t.panel)
        moved = [(k, v) for k, v in now.items() if PRIMARY_INDICATORS.get(k) != v]
        if moved:
            drift = (" On this build's panel the same rule would pick " + ", ".join(
                f"<code>{html.escape(v)}</code> for {html.escape(k.replace('_', ' '))}"
                for k, v in moved) + " (coverage changed as figures were added); the fixed "
                "indicators stay, because choosing them again once results can be seen would "
                "undo fixing them in advance.")
    return (
        "<p>How the figures on this site are made comparable, what the statistics can and cannot "
        "say, and where the data are biased. Read this before citing a number.</p>"
        + COMPARABILITY.heading_html() +
        f"<p class='rule'>{html.escape(RULE_TEXT)}</p>"
        "<p>It is one function in the code (<code>ruralstudy.tables.comparability.comparable</code>, and "
        "its vectorised key), used by the front page, the indicators and links pages, the region "
        "pages and their peer tables. A chart never ranks regions of different levels or rounds "
        "side by side; a national figure beside a county's is listed for reference with the "
        "reason it is not compared.</p>"
        "<h2 id='rounds'>Election rounds</h2>"
        "<p>Village cadres are elected in rounds (<span lang='zh'>村“两委”换届</span>): figures from "
        "different rounds describe different cohorts. Each value is filed under the round whose "
        "cadres were in office at its date, from the province's election calendar below and the "
        "figure's own words: a value dated before the province's election was over belongs to the "
        "earlier round, unless its text says it is that election's result (<span lang='zh'>换届后, "
        "新一届, 新当选, 较上届</span>). The calendar year alone never decides. A value with neither a "
        "year nor a publication date has no round and is never compared.</p>"
        "<div class='table-wrap'><table class='data'><thead><tr><th>round</th><th>province</th>"
        "<th>window</th><th>source</th><th>checked</th></tr></thead><tbody>"
        + "".join(cal_rows) + "</tbody></table></div>" + n_rounds +
        "<p>Changes a region states against its previous round (<span lang='zh'>较上届</span>) are "
        "indicators of their own (ids ending in <code>_change</code>): a region compared with "
        "itself, on its own count. Two levels from different sources in different rounds are never "
        "differenced into a change: a share of all secretaries in post in one year and a share of "
        "those elected in the next round are different bases, and the change is the one the "
        "source itself states.</p>"
        "<h2 id='periods'>Periods</h2><p>A figure describes a whole year, a year to date "
        "(<span lang='zh'>截至目前, 今年以来, 截至6月</span>), part of a year (<span lang='zh'>上半年, "
        "一季度</span>), several years (<span lang='zh'>近年来, 近三年累计, 十三五以来</span>), or a stock "
        "at the report's date. Only whole years and stocks enter the panel; the rest stay in the "
        "indicators table with their period. A publication date is not the year a figure "
        "describes.</p>"
        "<h2 id='bodies'>Bodies and bases</h2><p>An indicator fixes what is counted: "
        "<span lang='zh'>村“两委”</span> members are not <span lang='zh'>村委会</span> members nor "
        "<span lang='zh'>村干部</span> of an unnamed body; <span lang='zh'>行政村</span> is not "
        "<span lang='zh'>村(社区)</span> (most election reports count villages and urban communities "
        "together); a programme's villages (<span lang='zh'>结对帮扶村, 中心村</span>), one township or "
        "one village are not the region; operating, total and net collective income are three "
        "indicators. A value is published only when its label or sentence says exactly what the "
        "indicator counts.</p>"
        "<h2 id='reprints'>Reprints count once</h2><p>Copies of one release — the same figures "
        "on another site, or the same publisher and date — share a source key. Two pages that "
        "give the same figure for the same region, indicator and year are treated as one release: "
        "a public page cannot tell a copy from an independent count, so agreement is echo, not "
        "corroboration. Conflicts are reported between independent releases only; a disagreement "
        "inside one release is a misprint or a mapping error.</p>"
        "<h2 id='statistics'>Statistics</h2>"
        f"<p>Primary pairs, fixed before any result was seen: {PRIMARY_RULE} Fixed indicators "
        f"(recorded in the codebook, each construct's <code>primary</code>): {prim}.{drift}</p><p>Each primary pair is tested only within one admin level and round, and "
        "only when at least the minimum n of regions hold both values: Spearman's rank "
        "correlation with an exact permutation p-value (every permutation up to n = 8, a seeded "
        "Monte Carlo beyond), a 95% Fisher-z interval with the Bonett-Wright standard error, and Holm's adjustment across the pairs tested. "
        "Beside each pair stand the power of that test at the present n for a true ρ of 0.3 and "
        "0.5 (simulated) and the n needed for 80% power. There is no imputation (counties publish "
        "selectively, so values are not missing at random), no regression at small n, and no "
        "score that averages different indicators for different regions. Scatter plots, with each "
        "region labelled, are drawn only from the minimum n.</p>"
        "<h2 id='bias'>Biases of the sources</h2><ul>"
        "<li><strong>Common source.</strong> Almost every figure originates with the Party "
        "committees and governments whose work it describes: organisation departments' "
        "(<span lang='zh'>组工</span>) news, work reviews and speeches, and the Party and state "
        "papers, county media centres and reprint sites that relay them (a sheet row's "
        "<em>source</em> names the publisher, rarely the office that counted). The same office "
        "reports branch strength, cadre renewal and collective income, and reports them as "
        "achievements; an association across such figures shares that source's slant and is not "
        "evidence from independent measurements.</li>"
        "<li><strong>Selective publication.</strong> A county publishes the figures it is proud "
        "of, in the years it is proud of them; weak counties and bad years are missing, and not "
        "at random. Absence is not zero.</li>"
        "<li><strong>Campaign timing.</strong> Within one round, values from different years can "
        "order regions by year rather than by anything else (the front page flags such sets).</li>"
        "<li><strong>Targets and rules</strong> are not achievements; they are kept apart.</li></ul>"
        "<h2 id='grow-n'>Growing n with your own corpus</h2><p>Public pages alone do not reach the "
        "n a test needs within one level and round (the front page gives the n reached and the n "
        "needed). A researcher with their own reports (a county's archive, a province's "
        "bulletins, one round's election reports for every county of a prefecture) adds them, "
        "reviews what the machine read, and reruns the analysis:</p>"
        "<pre>ruralstudy add ~/reports/ --meta reports.csv   # metadata CSV: file, region, province, level, year, title, source, published\n"
        "ruralstudy review                               # accept, reject or correct each value waiting for a person\n"
        "ruralstudy build                                # extraction, mapping, panel, notebooks, site\n"
        "ruralstudy run notebooks/04_links.ipynb -p min_n=8 \\\n"
        "    -p 'primary={\"branch_strength\": \"branches_standardised_share\", \"cadre_structure\": \"cadre_mean_age\", \"collective_income\": \"villages_income_over_10w_share\"}'</pre>"
        "<p>Hand-gathered figures go in a sheet (CSV or XLSX) in <code>data/raw/sheets/</code>, one "
        "figure per row with <code>region, province, admin_level, year, indicator_label_zh, "
        "raw_value, url</code> and, where the page is a copy, <code>source</code> (the original "
        "publisher and date); <code>ruralstudy build</code> reads it with the same cleaner. "
        "A machine-read value whose calibrated confidence is below the publishing threshold "
        "waits for review and does not enter the panel (see <a href='quality.html'>Data "
        "quality</a>): n grows with what is reviewed, not with what is added. Choose the primary "
        "indicators for your corpus with the rule above (coverage only, "
        "<code>ruralstudy.findings.analysis.choose_primary</code>) and write them down before "
        "running the links notebook with them; it then tests the three pairs in every level and "
        "round they reach, states the n, the power and the n needed beside each, and draws "
        "labelled scatter plots once a level and round reach the minimum.</p>")


# --- citation ----------------------------------------------------------------------------

def _cff(citation: str) -> dict:
    data, _ = _cff_read(citation)
    return data


@functools.lru_cache(maxsize=4)
def _cff_read(citation: str) -> tuple[dict, str]:
    """CITATION.cff's mapping and '' ; or {} and why it was not read (a sentence naming the
    file: not YAML, or over a YAML limit -- 509 bytes of nested aliases once grew past 6 GB)."""
    import yaml

    from ..texts.limits import LimitError, load_yaml

    try:
        data = load_yaml(citation, "CITATION.cff") if citation.strip() else {}
    except LimitError as exc:
        return {}, str(exc)
    except yaml.YAMLError as exc:
        return {}, f"CITATION.cff: not valid YAML ({str(exc).splitlines()[0]})"
    return (data, "") if isinstance(data, dict) else ({}, "")


_BIBTEX_SPECIAL = {"\\": r"\textbackslash{}", "{": r"\{", "}": r"\}", "&": r"\&", "%": r"\%",
                   "$": r"\$", "#": r"\#", "_": r"\_", "~": r"\textasciitilde{}",
                   "^": r"\textasciicircum{}"}


def _bibtex(value: str) -> str:
    """``value`` as literal text in a BibTeX field: LaTeX's special characters escaped, so a
    title cannot run ``\\input{...}`` in a citer's LaTeX, and ``&``, ``%``, ``_`` compile."""
    return "".join(_BIBTEX_SPECIAL.get(c, c) for c in str(value))


def _authors(cff: dict) -> list[str]:
    out = []
    for a in cff.get("authors") or []:
        if not isinstance(a, dict):
            continue
        if a.get("family-names"):
            out.append((str(a["family-names"]), str(a.get("given-names", ""))))
        elif a.get("name"):
            out.append((str(a["name"]), ""))
    return out or [("ruralstudy developers", "")]


def _apa_authors(cff: dict) -> str:
    """CITATION.cff's authors as APA writes them (Li, H. M., & Wang, F.)."""
    names = []
    for fam, giv in _authors(cff):
        initials = " ".join(f"{p[0]}." for p in giv.split() if p)
        names.append(f"{fam}, {initials}" if initials else fam)
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + ", & " + names[-1]


def _bibtex_authors(cff: dict) -> str:
    """CITATION.cff's authors as one BibTeX author field, each name escaped."""
    return " and ".join(f"{{{_bibtex(fam)}}}" if not giv else f"{_bibtex(fam)}, {_bibtex(giv)}"
                        for fam, giv in _authors(cff))


def citation_apa(citation: str, url: str = "") -> str:
    """An APA (7th) reference built from CITATION.cff."""
    cff = _cff(citation)
    who = _apa_authors(cff)
    year = str(cff.get("date-released", ""))[:4] or "n.d."
    ver = f" (Version {cff['version']})" if cff.get("version") else ""
    kind = " [Computer software]" if cff.get("type", "software") == "software" else " [Data set]"
    title = str(cff.get("title", "ruralstudy"))
    tail = f" {url}" if url else ""
    return f"{who} ({year}). {title}{ver}{kind}.{tail}".strip()


def citation_bibtex(citation: str, url: str = "") -> str:
    """A BibTeX @software entry built from CITATION.cff."""
    cff = _cff(citation)
    authors = _bibtex_authors(cff)
    date = _bibtex(str(cff.get("date-released", "")))
    fields = [("author", authors),
              ("title", "{" + _bibtex(str(cff.get("title", "ruralstudy"))) + "}"),
              ("year", date[:4]), ("version", _bibtex(str(cff.get("version", "")))),
              ("date", date), ("license", _bibtex(str(cff.get("license", "")))),
              ("url", re.sub(r"[{}\\\s]", "", url)),
              ("note", "Data licence: CC BY 4.0")]
    body = ",\n".join(f"  {k} = {{{v}}}" for k, v in fields if v)
    key = "ruralstudy" + (date[:4] or "")
    return f"@software{{{key},\n{body}\n}}"


def _doi(cff: dict) -> str:
    doi = str(cff.get("doi") or "").strip()
    for ident in cff.get("identifiers") or []:
        if not doi and isinstance(ident, dict) and ident.get("type") == "doi":
            doi = str(ident.get("value") or "").strip()
    return doi


def dataset_citation_apa(citation: str, stamp: dict) -> str:
    """An APA (7th) data-set reference: the same authors as the software (CITATION.cff is the
    one place they are set), the data version (release + commit) and the access date (the
    build's date, so a rebuild of one commit gives the same text). The DOI is CITATION.cff's
    ``doi`` once the user has deposited the data; until then the text says so."""
    cff = _cff(citation)
    who = _apa_authors(cff)
    date = str(stamp.get("date", ""))[:10]
    year = date[:4] or str(cff.get("date-released", ""))[:4] or "n.d."
    version = f"{cff.get('version', '')}, commit {str(stamp.get('commit', ''))[:12]}".strip(", ")
    title = str(cff.get("title", "ruralstudy")).split(":")[0] + " data tables"
    doi = _doi(cff)
    where = f"https://doi.org/{doi}" if doi else "[DOI: add `doi:` to CITATION.cff once deposited]"
    return f"{who} ({year}). {title} (Version {version}) [Data set]. Accessed {date}. {where}"


def dataset_citation_bibtex(citation: str, stamp: dict) -> str:
    """A BibTeX @dataset entry (biblatex) matching :func:`dataset_citation_apa`."""
    cff = _cff(citation)
    authors = _bibtex_authors(cff)
    date = _bibtex(str(stamp.get("date", ""))[:10])
    title = _bibtex(str(cff.get("title", "ruralstudy")).split(":")[0])
    fields = [("author", authors), ("title", "{" + title + " data tables}"),
              ("year", date[:4]),
              ("version", _bibtex(f"{cff.get('version', '')}+{str(stamp.get('commit', ''))[:12]}")),
              ("urldate", date), ("doi", _bibtex(_doi(cff))), ("note", "Data licence: CC BY 4.0")]
    body = ",\n".join(f"  {k} = {{{v}}}" for k, v in fields if v)  # each value escaped once
    return f"@dataset{{ruralstudy_data{date[:4]},\n{body}\n}}"


def citation_html(citation: str, stamp: dict | None = None) -> str:
    """APA and BibTeX citations of the software and (with a build stamp) of the data set, each
    with a copy button, and the CFF file for download."""
    if not citation.strip():
        return "<p class='note'>No CITATION.cff in the project.</p>"
    parts = []
    problem = _cff_read(citation)[1]
    if problem:  # named on the page (and the defaults used), not silently dropped
        parts.append(f"<p class='note'>{html.escape(problem)}</p>")
    blocks = [("apa", "APA (software)", citation_apa(citation)),
              ("bibtex", "BibTeX (software)", citation_bibtex(citation))]
    if stamp is not None:
        blocks += [("data-apa", "APA (data set)", dataset_citation_apa(citation, stamp)),
                   ("data-bibtex", "BibTeX (data set)", dataset_citation_bibtex(citation, stamp))]
    for key, label, text in blocks:
        parts.append(f"<div class='cite-block'><h3 id='cite-{key}'>{label}</h3>"
                     f"<pre class='citation' id='citation-{key}'>{html.escape(text)}</pre>"
                     f"<button type='button' data-copy='citation-{key}'>Copy {label}</button>"
                     f"<span class='copied' role='status'></span></div>")
    return ("".join(parts) + "<p class='note'>From <a href='data/CITATION.cff' download>"
            f"CITATION.cff</a>. The data are under <a href='{LICENCE.href()}'>CC BY 4.0</a>: "
            "cite them as above.</p>")


# --- glossary ----------------------------------------------------------------------------

#: Terms of the field: (term, pinyin, English, explanation).
GLOSSARY: list[tuple[str, str, str, str]] = [
    ("两委", "liǎng wěi", "the two village committees",
     "The village Party branch committee (村党支部委员会) and the villagers' committee (村民委员会); "
     "两委 members are the village's cadres. Both are elected in the same round, every five years "
     "since 2018 (before: three)."),
    ("换届", "huànjiè", "election round",
     "The periodic election of the 两委. Figures from different rounds describe different cadre "
     "cohorts; this site compares like with like only within one round."),
    ("一肩挑", "yī jiān tiāo", "one shoulder carries both",
     "The village Party secretary also chairs the villagers' committee (and often the collective "
     "economic organisation)."),
    ("村党组织书记", "cūn dǎng zǔzhī shūjì", "village Party secretary",
     "Head of the village Party branch (支部) or general branch (总支)."),
    ("第一书记", "dì yī shūjì", "first secretary",
     "A cadre sent by a higher-level unit to live in a village for a term and lead its Party work, "
     "often with a village work team (驻村工作队)."),
    ("驻村工作队", "zhù cūn gōngzuò duì", "village work team",
     "Cadres stationed in a village by higher-level units, usually with a first secretary."),
    ("软弱涣散", "ruǎnruò huànsàn", "weak and lax (Party organisation)",
     "An official label for a village Party branch that functions poorly; such branches are "
     "identified each year and 'rectified' (整顿)."),
    ("空壳村", "kōngké cūn", "hollow-shell village",
     "A village whose collective earns no income at all."),
    ("薄弱村", "bóruò cūn", "weak village",
     "A village whose collective income is below a line set locally (often 5万元 a year)."),
    ("村集体经济", "cūn jítǐ jīngjì", "village collective economy",
     "Income and assets owned by the village collective (rents, shares, services, operations), "
     "not by households."),
    ("村(社区)", "cūn (shèqū)", "village (community)",
     "Reports often count villages and urban communities together; a 村(社区) count is not a "
     "count of villages alone."),
    ("行政村", "xíngzhèng cūn", "administrative village",
     "The village as a unit of administration, often several natural villages (自然村)."),
    ("组织力", "zǔzhī lì", "organisational strength",
     "The capacity of the Party branch to organise and lead: here measured by standardised, "
     "star-rated or rectified branches and election completion."),
    ("星级", "xīng jí", "star rating",
     "Branches graded by stars (e.g. 五星); top-rated branches are counted as star branches."),
    ("标准化规范化", "biāozhǔnhuà guīfànhuà", "standardised and regularised",
     "A branch meeting the official standard for organisation, activities and facilities."),
    ("党群服务中心", "dǎng qún fúwù zhōngxīn", "Party-and-public service centre",
     "The village's building for Party activities and public services."),
    ("万", "wàn", "ten thousand",
     "1万 = 10,000; 1亿 = 100,000,000. 15.84万元 is 158,400 yuan."),
]
GLOSSARY_TITLES = {t: f"{en}: {expl}" for t, _, en, expl in GLOSSARY}


def glossary_marks(escaped: str) -> str:
    """Escaped text with the first use of each glossary term given a hover title and a link to
    its entry (one pass over the text; the terms are fixed strings without markup, so the text
    stays escaped)."""
    terms = sorted((g[0] for g in GLOSSARY if len(g[0]) >= 2), key=len, reverse=True)
    seen: set[str] = set()

    def mark(m: re.Match) -> str:
        term = m.group(0)
        if term in seen:
            return term
        seen.add(term)
        title = html.escape(GLOSSARY_TITLES[term], quote=True)
        href = page_href("glossary.html", glossary_slug(term))
        return (f"<a class='term' href='{href}'><abbr lang='zh' "
                f"title='{title}'>{term}</abbr></a>")

    return re.sub("|".join(re.escape(t) for t in terms), mark, escaped)


def glossary_slug(term: str) -> str:
    import hashlib

    return "term-" + hashlib.sha1(term.encode("utf-8")).hexdigest()[:8]


def glossary_body() -> str:
    """The glossary page: each term in Chinese, pinyin and English, with a hover title."""
    items = []
    for term, py, en, expl in GLOSSARY:
        items.append(f"<dt id='{glossary_slug(term)}'><dfn lang='zh' title='{html.escape(en + ': ' + expl, quote=True)}'>"
                     f"{html.escape(term)}</dfn> <span class='note'>{html.escape(py)}</span> · "
                     f"{html.escape(en)}</dt><dd>{html.escape(expl)}</dd>")
    return ("<p>Terms of the field as this site uses them. Hover a term (or tap it) for a short "
            "explanation; indicator labels are given in Chinese and English on the "
            f"<a href='{CODEBOOK.href()}'>Data</a> page.</p>"
            f"<dl class='glossary'>{''.join(items)}</dl>")


class PeerIndex:
    """The panel grouped once for :func:`peer_comparison` by the comparability key (same admin
    level, round and indicator; whole periods), shares, means and per-village values only.
    Without it each region's comparison scanned the whole panel."""

    def __init__(self, panel: pd.DataFrame) -> None:
        from ..measures.codebook import load_codebook
        from ..tables.comparability import comparability_key

        scale_free = {i.id for i in load_codebook().indicators if i.scale_free}
        rows = panel[panel["indicator_id"].isin(scale_free)]
        rows = rows.assign(ckey=comparability_key(rows))
        self.own = dict(tuple(rows.groupby("region", sort=False)))
        self.by_key = {k: g for k, g in rows[rows["ckey"] != ""].groupby("ckey", sort=False)}
        self.empty = rows.iloc[0:0]

    def peers(self, key: str, region: str) -> pd.DataFrame:
        """Other regions' rows with the same comparability key ('' is nobody's key)."""
        if not key:
            return self.empty
        g = self.by_key.get(key, self.empty)
        return g[g["region"] != region]


def peer_comparison(region: str, panel: pd.DataFrame, index: PeerIndex | None = None) -> str:
    """How a region's values compare with other regions under the site's one comparability
    rule (:func:`ruralstudy.tables.comparability.comparable`: same admin level, election round and
    indicator, whole periods); a value without a known level or round has no peers.

    Built when the site is assembled (not inside the region's notebook), so adding a report
    for one region re-executes only that region's profile, while every page still shows the
    current comparison. Pass ``index`` (:class:`PeerIndex` of the same panel) when comparing
    many regions."""
    from ..tables.comparability import round_label

    index = index or PeerIndex(panel)
    own = index.own.get(region, index.empty)
    head = "<h2 id='compared-with-other-regions'>Compared with other regions</h2>"
    if own.empty:
        return (head + "<p class='note'>This region has no share, mean or per-village value to "
                "compare (n = 0); totals and counts grow with a region's size and are not "
                "ranked.</p>")
    rows = []
    for r in own.itertuples():
        p = index.peers(r.ckey, region)
        vals = p["value"].tolist()
        all_vals = sorted(vals + [r.value], reverse=True)
        rows.append({"indicator_zh": r.indicator_zh, "indicator_en": r.indicator_en,
                     "value": r.value, "unit": r.unit, "year": r.year,
                     "round": round_label(r.round), "peers_n": len(vals),
                     "peer_median": float(pd.Series(vals).median()) if vals else None,
                     "peer_min": min(vals) if vals else None, "peer_max": max(vals) if vals else None,
                     "rank (1 = highest)": f"{all_vals.index(r.value) + 1} of {len(all_vals)}"
                     if vals else "",
                     "peers": ", ".join(sorted(p["region"])),
                     "not_compared_because": "" if r.ckey else
                     ("round unknown" if not r.round else "admin level unknown")})
        rows[-1]["source_id"] = "; ".join([r.source_id, *p["source_id"]])
    df = pd.DataFrame(rows)
    n_with = int((df["peers_n"] > 0).sum())
    level = own["admin_level"].iloc[0] or "unknown-level"
    return (head.replace("other regions", f"other {html.escape(level)} regions") +
            f"<p class='note'>{n_with} of {len(df)} values have at least one other region of "
            "the same admin level with a value of the same indicator in the same election round "
            f"(the site's <a href='{COMPARABILITY.href(depth=1)}'>comparability rule</a>). Only "
            "shares, means and per-village values are compared: totals and counts grow with a "
            "region's size. A rank describes these figures, it does not rate the region.</p>" +
            table_html(df, depth=1, region_col=None, caption=f"{region} and other {level} regions"))


def regions_body(t) -> str:
    """The Regions page: every region with a profile page."""
    g = (t.mapping.groupby("region").agg(admin_level=("admin_level", "first"),
                                         province=("province", "first"),
                                         region_code=("region_code", "first"),
                                         figures=("source_id", "size")).reset_index())
    n_ind = t.panel.groupby("region").size()
    g["indicators"] = g["region"].map(n_ind).fillna(0).astype(int)
    g = g.sort_values(["admin_level", "region"])
    return ("<p>One page per region with data: its figures by construct, their sources, and national "
            "reference figures where the data hold them.</p>" +
            table_html(g, caption="Regions", source_col="none"))


def sources_body(t, documents, corpus_body: str) -> str:
    """The Sources page: the list of source pages, then the corpus overview notebook."""
    rows = []
    counts = t.figures["doc_id"].value_counts()  # [scale] counted once, not once per report
    for d in documents:
        e = d.entry
        n = int(counts.get(e.doc_id, 0))
        href = html.escape(report_page(e.doc_id))
        rows.append(f"<li><a href='{href}'>{html.escape(e.doc_id)} · "
                    f"{html.escape(e.title)}</a> ({n} figures)</li>")
    for file in sorted(set(t.mapping.loc[t.mapping.source_type == "sheet", "file"]) |
                       set(t.rejects["file"])):
        n = int((t.mapping.file == file).sum())
        rows.append(f"<li><a href='{sheet_page(file)}'>Sheet {html.escape(file)}</a> "
                    f"({n} figures)</li>")
    return f"<h2>Source pages</h2><ul>{''.join(rows)}</ul>{corpus_body}"


UTF8_BOM = b"\xef\xbb\xbf"
DATA_LICENCE = (
    "The data tables published with ruralstudy (figures, indicators, panel, conflicts, mapping, "
    "cross-checks, rejects and the codebook) are licensed under the Creative Commons "
    "Attribution 4.0 International licence (CC BY 4.0, "
    "https://creativecommons.org/licenses/by/4.0/): you may share and adapt them for any "
    "purpose, provided you give appropriate credit (see How to cite), link to the licence and "
    "say what you changed. The figures quote public reports and pages; each row names its "
    "source, whose own terms apply to the quoted text. The code is under the MIT licence.")


def csv_formula_cells(df: pd.DataFrame) -> bool | None:
    """Whether the CSV of ``df`` (as :func:`ruralstudy.iorw.frame_to_csv_bytes` writes it) has
    a cell :func:`neutralise_cell` would change, told from the frame's columns without parsing
    the CSV: True or False, or None when a column's cells cannot be told apart from their
    type (an object column). Reading every cell of the CSV back took 2.5 s for the figures
    table of 1,000 reports at every build; the string columns are searched here in Arrow."""
    import numpy as np

    if any(neutralise_cell(str(c)) != str(c) for c in df.columns):
        return True
    for name in df.columns:
        s = df[name]
        if pd.api.types.is_bool_dtype(s.dtype) or pd.api.types.is_integer_dtype(s.dtype):
            continue  # digits, an optional minus: a plain number (or empty)
        if pd.api.types.is_float_dtype(s.dtype):
            if bool((s.to_numpy(dtype="float64", na_value=np.nan) == -np.inf).any()):
                return True  # written "-inf": not a plain number
            continue
        if isinstance(s.dtype, pd.StringDtype):
            hits = s[s.str.match(r"[=+\-@\t\r]", na=False)]
            if any(neutralise_cell(v) != v for v in hits):
                return True
            continue
        return None
    return False


@dataclass(frozen=True)
class FileDownload:
    """A download that is a file on disk, published as it is after ``prefix`` (a CSV table: the
    processed file after a UTF-8 byte-order mark; a raw report: the file itself), copied file
    to file and never held in memory: at 3,000 reports the two largest CSV tables were 280 MB,
    held twice (as processed, and again with the mark), and the raw reports 9 MB more.
    ``len()`` is its size in bytes, as for a download given as bytes."""

    path: Path
    prefix: bytes = b""

    def __len__(self) -> int:
        return len(self.prefix) + self.path.stat().st_size

    def copy_into(self, out: Any) -> None:
        """Write the download into the open binary file ``out``."""
        out.write(self.prefix)
        with open(self.path, "rb") as src:
            shutil.copyfileobj(src, out, 1 << 20)

    def write_to(self, target: Path) -> None:
        with open(target, "wb") as out:
            self.copy_into(out)


def excel_file_download(path: Path, frame: pd.DataFrame | None) -> bytes | FileDownload:
    """:func:`excel_csv` of the CSV file ``path`` written from ``frame``: when the frame shows
    no cell to neutralise, the file after a byte-order mark, copied when the site is written
    (not read now); else the neutralised bytes."""
    with open(path, "rb") as fh:
        has_bom = fh.read(len(UTF8_BOM)) == UTF8_BOM
    if frame is not None and csv_formula_cells(frame) is False:
        return FileDownload(path, b"" if has_bom else UTF8_BOM)
    return excel_csv(path.read_bytes())


def excel_csv(data: bytes, frame: pd.DataFrame | None = None) -> bytes:
    """A download CSV for spreadsheets: formula cells neutralised (:func:`neutralise_csv`) and
    a UTF-8 byte-order mark in front, so Excel on Windows reads the Chinese as UTF-8.
    ``frame``: the frame ``data`` was written from; when it shows no cell to neutralise
    (:func:`csv_formula_cells`), the CSV is not read again."""
    out = data if frame is not None and csv_formula_cells(frame) is False \
        else neutralise_csv(data)
    return out if out.startswith(UTF8_BOM) else UTF8_BOM + out


ZIP_LEVEL = 3


def write_data_zip(files: Mapping[str, bytes | FileDownload], out: Any) -> None:
    """One zip of every download into the open binary file ``out`` (fixed timestamps: same
    files, same bytes); a :class:`FileDownload` is streamed into it from its file."""
    import zipfile

    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as z:
        for name in sorted(files):
            info = zipfile.ZipInfo(f"ruralstudy-data/{name}", date_time=(2026, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            # zlib level 3: half the time of the default 6 on the tables' CSV (0.6 s against
            # 1.2 s for the 93 MB of figures and mapping at 1,000 reports), 13 % larger; the
            # attribute is public (compress_level) from Python 3.13, private before
            setattr(info, "compress_level" if hasattr(info, "compress_level")
                    else "_compresslevel", ZIP_LEVEL)
            info.external_attr = 0o644 << 16
            data = files[name]
            if isinstance(data, FileDownload):
                info.file_size = len(data)  # as writestr sets it: the same header
                with z.open(info, "w") as dest:
                    data.copy_into(dest)
            else:
                z.writestr(info, data)


def data_zip(files: Mapping[str, bytes | FileDownload]) -> bytes:
    """:func:`write_data_zip` as bytes."""
    import io

    buf = io.BytesIO()
    write_data_zip(files, buf)
    return buf.getvalue()


def data_zip_file(files: Mapping[str, bytes | FileDownload], target: Path) -> FileDownload:
    """:func:`write_data_zip` into the file ``target`` (written aside, then renamed): the zip
    as a download copied when the site is written, the same bytes as :func:`data_zip`.

    [scale] as bytes the zip was built in memory, copied out of it, and held from the
    notebooks (where the downloads are made) to the end of the site: 15 MB at 1,000 reports,
    twice while it was made."""
    from ..iorw import atomic_path

    with atomic_path(target) as tmp, open(tmp, "wb") as out:
        write_data_zip(files, out)
    return FileDownload(target)


def _size(n: int) -> str:
    return f"{n / 1024:,.0f} KB" if n >= 1024 else f"{n} bytes"


def download_frames(t) -> dict[str, pd.DataFrame]:
    """The tables offered as downloads, by name (the registered tables with ``download``)."""
    from ..registry import tables

    return {tb.name: t.frame(tb.name) for tb in tables(download=True)}


def table_column_docs(t) -> dict[str, dict[str, str]]:
    """Every download table's columns, documented from their one declaration
    (:mod:`ruralstudy.tables.datapackage`)."""
    from ..tables.datapackage import column_docs

    return {name: column_docs(name, list(df.columns)) for name, df in download_frames(t).items()}


def described_downloads(t, stamp: dict, citation: str) -> dict[str, bytes]:
    """``datapackage.json`` (Frictionless) for the CSV downloads, and ``panel.dta`` and
    ``indicators.dta`` (Stata 118, Chinese variable labels), from the tables' declarations."""
    from ..tables import datapackage as D

    cff = _cff(citation)
    when = D.stamp_datetime(stamp.get("date", ""))
    version = f"{cff.get('version', '0')}+{stamp.get('commit', 'unknown')[:12]}"
    out = {"datapackage.json": D.datapackage(download_frames(t), version=version,
                                             created=when.strftime("%Y-%m-%dT%H:%M:%SZ"))}
    from ..registry import tables

    for name in [tb.name for tb in tables(download=True) if tb.stata]:
        out[f"{name}.dta"] = D.stata_bytes(name, t.frame(name), stamp=when,
                                           data_label=f"ruralstudy {name} {version}")
    return out


def reuse_html(names: list[str]) -> str:
    """How to read the downloads in R and Stata, and the Data Package that describes them."""
    from ..tables.datapackage import R_SNIPPET, STATA_SNIPPET

    if "datapackage.json" not in names:
        return ""
    return ("<h3 id='datapackage'>Machine-readable description</h3><p><a href='data/datapackage.json' "
            "download>datapackage.json</a> is a <a href='https://specs.frictionlessdata.io/"
            "data-package/'>Frictionless Data Package</a>: every CSV's columns with their types, "
            "descriptions, units, what an empty cell means, and the keys between tables. Check it "
            "with <code>frictionless validate datapackage.json</code>.</p>"
            "<h3 id='stata-r'>Stata and R</h3><p><code>panel.dta</code> and "
            "<code>indicators.dta</code> are Stata 14+ files (format 118) with Chinese and English "
            "variable labels and value labels.</p>"
            f"<pre class='snippet' id='snippet-stata'>{html.escape(STATA_SNIPPET)}</pre>"
            f"<pre class='snippet' id='snippet-r'>{html.escape(R_SNIPPET)}</pre>")


def data_body(t, files: list[str] | Mapping[str, bytes | FileDownload]) -> str:
    """The Data page: the licence, downloads (CSV for spreadsheets, Parquet, one zip) and a
    description of every column; the codebook with labels in Chinese and English."""
    sizes = files if isinstance(files, Mapping) else {}
    names = sorted(files)
    tables = sorted({f.rsplit(".", 1)[0] for f in names if f.endswith((".csv", ".parquet"))})
    rows = []
    for tb in tables:
        cells = []
        for ext in ("csv", "parquet"):
            f = f"{tb}.{ext}"
            if f in names:
                size = f" ({_size(len(sizes[f]))})" if f in sizes else ""
                cells.append(f"<a href='data/{html.escape(f)}' download>{ext.upper()}</a>{size}")
            else:
                cells.append("—")
        rows.append(f"<tr><td><code>{html.escape(tb)}</code></td><td>{cells[0]}</td><td>{cells[1]}</td></tr>")
    others = "".join(f"<li><a href='data/{html.escape(f)}' download>{html.escape(f)}</a></li>"
                     for f in names if not f.endswith((".csv", ".parquet", ".zip")))
    zips = [f for f in names if f.endswith(".zip")]
    zip_link = (f"<p><a class='download-all' href='data/{html.escape(zips[0])}' download>Download all "
                f"data as one zip</a>{' (' + _size(len(sizes[zips[0]])) + ')' if zips[0] in sizes else ''}: "
                "every CSV, Parquet file, the codebook, the licence and the citation.</p>" if zips else "")
    docs = []
    for table, cols in table_column_docs(t).items():
        body = "".join(f"<tr><td><code>{html.escape(c)}</code></td><td>{html.escape(d)}</td></tr>"
                       for c, d in cols.items())
        docs.append(f"<h3 id='columns-{html.escape(table)}'>{html.escape(table)}</h3>"
                    f"<div class='table-wrap'><table class='data'><tbody>{body}</tbody></table></div>")
    cb = t.codebook
    keep = [c for c in ("indicator_id", "label_zh", "label_en", "construct", "measure", "unit",
                        "scale_free") if c in cb.columns]
    cb = cb[keep] if keep else cb
    return ("<p>All tables are built from <code>data/raw</code> by <code>make site</code>; the same "
            "inputs give byte-identical files.</p>"
            f"<h2 id='downloads'>Downloads</h2>{zip_link}"
            "<div class='table-wrap'><table class='data'><thead><tr><th>table</th><th>CSV (Excel)</th>"
            f"<th>Parquet</th></tr></thead><tbody>{''.join(rows)}</tbody></table></div>"
            f"<ul>{others}</ul>"
            + reuse_html(names) +
            "<p id='csv-excel'>CSV files are UTF-8 with a byte-order mark, so Excel (also on Windows) "
            "shows the Chinese correctly when the file is opened by double-click; pandas, R and "
            "LibreOffice read them as UTF-8 too (<code>encoding='utf-8-sig'</code> drops the mark). "
            "Parquet files keep every value exactly as read, with column types.</p>"
            "<p id='csv-formulas'>Spreadsheet safety: in the CSV files offered here, a cell that "
            "begins with <code>=</code>, <code>+</code>, <code>-</code>, <code>@</code>, a tab or a "
            "carriage return (and is not simply a number such as <code>-3.5</code>) is prefixed with "
            "a single quote <code>'</code>, as OWASP recommends against CSV injection, so that a "
            "spreadsheet shows it as text instead of running it as a formula. Only these downloads "
            "are changed: <code>data/processed/</code> and the Parquet files keep every value exactly "
            "as read.</p>"
            + LICENCE.heading_html() + f"<p>{html.escape(DATA_LICENCE)}</p>"
            "<p>The licence text is in <a href='data/LICENSE-DATA.txt' download>LICENSE-DATA.txt</a>; "
            f"how to cite is on the <a href='{CITE.href()}'>About</a> page.</p>"
            f"<h2 id='columns'>Columns</h2>{''.join(docs)}"
            + CODEBOOK.heading_html()
            + "<p>Every indicator with its label in Chinese and English.</p>"
            + table_html(cb, caption="Indicators", region_col=None, source_col="none"))


def about_body(stamp: dict, citation: str) -> str:
    """About: method, honesty rules, build stamp, citation."""
    return (
        "<h2>Method</h2><ol><li>Report texts are read (UTF-8, UTF-8 with BOM, GB18030), web debris is "
        "removed with a map back to the raw characters, and every numeric expression with a unit is "
        "parsed by one parser (Chinese numerals, 万/亿, ranges, qualifiers such as 余, 近, 不低于).</li>"
        "<li>Each figure is read for what it measures (entity, property, conditions, scope, statement) and is a value of an indicator only when all match its definition exactly; hand-gathered "
        "sheets are mapped by their label. Researchers' overrides are applied last and audited.</li>"
        "<li>A panel keeps one value per region, election round and indicator by an explicit rule (same definition only; whole periods; latest date; exact over approximate; most agreed by independent releases; report over sheet); "
        "conflicts between sources are listed, not hidden.</li>"
        "<li>Notebooks, executed with papermill, describe and, where n allows, test fixed primary "
        "pairs with exact permutation tests, Holm's correction and the power at the present n "
        "(see <a href='methods.html'>Methods</a>).</li></ol>"
        "<h2>Honesty rules</h2><ul><li>Every chart and table states its n.</li><li>No p-value without "
        "its test named.</li><li>No causal wording: associations across regions are not effects.</li>"
        f"<li>Comparisons follow one rule (<a href='{COMPARABILITY.href()}'>Methods</a>): same "
        "admin level, election round and indicator; every point shows its level, round and "
        "year.</li></ul>"
        f"<h2>Build</h2><ul><li>git commit: <code>{html.escape(stamp['commit'])}</code></li>"
        f"<li>SHA-256 of data/raw: <code>{html.escape(stamp['raw_sha256'])}</code></li>"
        f"<li>built: {html.escape(stamp['date'])}</li><li>{html.escape(stamp['versions'])}</li></ul>"
        + CITE.heading_html() + citation_html(citation, stamp))


# --- search ------------------------------------------------------------------------------

class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag, attrs):  # noqa: D401 - HTMLParser API
        if tag in ("script", "style"):
            self._skip += 1

    def handle_endtag(self, tag):
        if tag in ("script", "style") and self._skip:
            self._skip -= 1

    def handle_data(self, data):
        if not self._skip:
            self.parts.append(data)


def visible_text(fragment: str) -> str:
    """Text a reader sees in an HTML fragment."""
    p = _Text()
    p.feed(fragment)
    return " ".join(p.parts)


_CJK_RUN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]+")
_WORD = re.compile(r"[a-z0-9][a-z0-9_.%-]*")


def tokens(text: str) -> set[str]:
    """Search tokens: CJK character bigrams (and single characters of one-character runs) plus
    lower-cased Latin words and numbers. Mirrors ``tokens`` in static/site.js."""
    out: set[str] = set()
    for m in _CJK_RUN.finditer(text):
        run = m.group(0)
        if len(run) == 1:
            out.add(run)
        out.update(run[i:i + 2] for i in range(len(run) - 1))
    out.update(_WORD.findall(text.lower()))
    return out


class _Sections(HTMLParser):
    """Visible text of a page body split into sections: a new section starts at every h2/h3
    with an id (and at every paragraph with an id on source pages); hidden code is skipped."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.sections: list[list] = [["", "", []]]  # [anchor, heading, parts]
        self._skip = 0
        self._div_depth: list[bool] = []
        self._heading: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag in ("script", "style"):
            self._skip += 1
        if tag == "div":
            hidden = "code-input" in (a.get("class") or "")
            self._div_depth.append(hidden)
            if hidden:
                self._skip += 1
        if tag in ("h2", "h3") and a.get("id"):
            self.sections.append([a["id"], "", []])
            self._heading = []
        elif tag == "p" and (a.get("id") or "").startswith("p-"):
            self.sections.append([a["id"], "", []])

    def handle_endtag(self, tag):
        if tag in ("script", "style") and self._skip:
            self._skip -= 1
        if tag == "div" and self._div_depth and self._div_depth.pop():
            self._skip -= 1
        if tag in ("h2", "h3") and self._heading is not None:
            self.sections[-1][1] = " ".join("".join(self._heading).split()).rstrip("¶ ")
            self._heading = None

    def handle_data(self, data):
        if not self._skip:
            self.sections[-1][2].append(data)
            if self._heading is not None:
                self._heading.append(data)


def page_sections(body: str) -> list[tuple[str, str, str]]:
    """(anchor, heading, text) of each section of a page body; the first has no anchor."""
    p = _Sections()
    p.feed(body)
    out = []
    for anchor, heading, parts in p.sections:
        text = " ".join(" ".join(parts).split())
        if text or anchor == "":
            out.append((anchor, heading, text))
    return out


def append_sections(sections: list, extra: str) -> list[tuple[str, str, str]]:
    """``page_sections(body + extra)`` from ``page_sections(body)`` and ``extra`` alone (the
    body is parsed once, in the render step): text of ``extra`` before its first section joins
    the body's last section, as one parse would have it."""
    out = [tuple(s) for s in sections]
    more = page_sections(extra)
    if more and not more[0][0]:
        lead = more.pop(0)[2]
        if lead:
            if out:
                a, h, text = out[-1]
                out[-1] = (a, h, " ".join(f"{text} {lead}".split()))
            else:
                out.append(("", "", lead))
    return out + more


def pinyin_keys(name: str) -> str:
    """Latin spellings a reader may type for a Chinese place name: '达拉特旗' -> 'dalateqi
    dalate da la te qi'. Empty when pypinyin is not installed."""
    try:
        from pypinyin import lazy_pinyin
    except ImportError:  # pragma: no cover - pypinyin is a dependency
        return ""
    from ..language.regions import strip_suffix

    full = lazy_pinyin(name)
    short = lazy_pinyin(strip_suffix(name))
    return " ".join(dict.fromkeys(["".join(full), "".join(short), " ".join(full)]))


def search_sections(pages: Iterable[Page]) -> Iterator[dict]:
    """The entries of :func:`search_index`, one section at a time."""
    for p in pages:
        if p.path.startswith("data/"):
            continue
        keys = pinyin_keys(p.region) if p.region else ""
        for anchor, heading, text in (p.sections if p.sections is not None
                                      else page_sections(p.body)):
            if p.index_text and not anchor:
                text = p.index_text
            title = p.title + (f" › {heading}" if heading else "")
            yield {"url": page_href(p.path, anchor), "title": title,
                   "text": text[:4000], **({"keys": keys} if keys and not anchor else {})}


def search_index(pages: list[Page]) -> dict:
    """Sections of every page (url with its anchor, title, text) for in-browser search with
    snippets and deep links; region pages carry the pinyin of the region's name."""
    return {"sections": list(search_sections(pages))}


SEARCH_INDEX_VAR = "window.RURALSTUDY_SEARCH = "


def write_search_index(target: Path, pages: list[Page]) -> None:
    """Write ``assets/search-index.js``: the same characters as
    ``SEARCH_INDEX_VAR + script_json(search_index(pages)) + ";\\n"``, made a section at a time.

    [scale] made whole, the index was a list of a dict per section, one JSON text of it, a
    copy per escape and one more with the ``window.`` around it, and its UTF-8 bytes: at 1,000
    regions (a 16 MB file) publishing peaked 100 MB above what it started with, traced; made
    a section at a time, what is held is one section and at most a megabyte of its text.
    JSON with these separators is the concatenation of its parts, and the script escapes are
    per character (:func:`_script_safe`), so the pieces give the same file."""
    with open(target, "w", encoding="utf-8") as out:
        out.write(SEARCH_INDEX_VAR + '{"sections":[')
        chunk: list[str] = []
        size, first = 0, True
        for sec in search_sections(pages):
            part = json.dumps(sec, ensure_ascii=False, separators=(",", ":"), sort_keys=False)
            chunk.append(part)
            size += len(part)
            if size >= 1 << 20:
                out.write(("" if first else ",") + _script_safe(",".join(chunk)))
                chunk, size, first = [], 0, False
        if chunk:
            out.write(("" if first else ",") + _script_safe(",".join(chunk)))
        out.write("]};\n")


# --- stamp and publishing ----------------------------------------------------------------

def build_stamp(root: Path, raw_dir: Path) -> dict:
    """Git commit, SHA-256 over data/raw, package versions and the build's date: the commit's
    (or ``$SOURCE_DATE_EPOCH``), never the clock, so that two builds of one commit are
    byte-identical (:func:`ruralstudy.iorw.source_date`)."""
    import hashlib
    from importlib.metadata import PackageNotFoundError, version

    from ..iorw import source_commit, source_date

    commit = source_commit(root)
    h = hashlib.sha256()
    for p in sorted(raw_dir.rglob("*")):
        if p.is_file():
            h.update(p.relative_to(raw_dir).as_posix().encode())
            h.update(hashlib.sha256(p.read_bytes()).digest())
    vers = []
    for pkg in ("ruralstudy", "pandas", "statsmodels", "matplotlib", "papermill", "nbconvert"):
        try:
            vers.append(f"{pkg} {version(pkg)}")
        except PackageNotFoundError:
            vers.append(f"{pkg} ?")
    return {"commit": commit, "raw_sha256": h.hexdigest(),
            "date": source_date(root),
            "versions": ", ".join(vers)}


# what of the build stamp every page's footer shows (layout.html.j2): the digest of data/raw is
# on the About page only, so new data change only the pages they change
FOOTER_STAMP = ("commit", "date", "versions")


def footer_stamp(stamp: dict) -> dict:
    """The part of a build stamp that every page's layout shows."""
    return {k: stamp.get(k) for k in FOOTER_STAMP}


_TEXT_BETWEEN_TAGS = re.compile(r">([^<]+)<")
_CJK_RUN_PUNCT = re.compile(r"[\u3400-\u9fff\uf900-\ufaff][\u3400-\u9fff\uf900-\ufaff\u3000-\u303f\uff00-\uffef“”‘’·]*")


def lang_spans(fragment: str) -> str:
    """Escaped HTML with every run of Chinese text outside an element marked ``lang="zh"``
    wrapped in ``<span lang="zh">`` (text only: tags and attributes are not touched)."""
    def text(m: re.Match) -> str:
        return ">" + _CJK_RUN_PUNCT.sub(lambda r: f'<span lang="zh">{r.group(0)}</span>', m.group(1)) + "<"

    if "<" not in fragment:
        return _CJK_RUN_PUNCT.sub(lambda r: f'<span lang="zh">{r.group(0)}</span>', fragment)
    # leave the contents of elements that already say lang="zh" alone
    out, pos = [], 0
    for m in re.finditer(r'<(\w+)[^>]*\slang=["\']zh["\'][^>]*>', fragment):
        if m.start() < pos:
            continue
        out.append(_TEXT_BETWEEN_TAGS.sub(text, fragment[pos:m.end()]))
        tag = m.group(1)
        close = _matching_close(fragment, m.end(), tag)
        out.append(fragment[m.end():close])
        pos = close
    out.append(_TEXT_BETWEEN_TAGS.sub(text, fragment[pos:]))
    return "".join(out)


def _matching_close(fragment: str, start: int, tag: str) -> int:
    depth, pat = 1, re.compile(rf"<(/?){tag}\b[^>]*>")
    for m in pat.finditer(fragment, start):
        depth += -1 if m.group(1) else 1
        if depth == 0:
            return m.start()
    return len(fragment)


@functools.lru_cache(maxsize=1)
def _layout() -> jinja2.Template:
    """The site layout, compiled once per process (compiling it took 6 ms a page)."""
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(_templates_dir())),
                             autoescape=jinja2.select_autoescape(["html", "j2"]))
    return env.get_template("layout.html.j2")


def wrap(page: Page, stamp: dict) -> str:
    """The full HTML of a page in the site layout."""
    tpl = _layout()
    depth = page.path.count("/")
    title = jinja2.utils.markupsafe.Markup(lang_spans(html.escape(page.title)))
    return tpl.render(title=title, title_text=page.title,
                      body=jinja2.utils.markupsafe.Markup(lang_spans(page.body)),
                      up="../" * depth, nav=nav(), active=page.path, stamp=footer_stamp(stamp),
                      licence_href=LICENCE.href(depth),
                      show_code_toggle=page.code_toggle)


def publish(pages: list[Page], stamp: dict, downloads: Mapping[str, bytes | FileDownload],
            site: Path, reuse: Any = None) -> Path:
    """Write the whole site into a fresh folder, then atomically point ``site`` at it.

    ``site`` is a symlink into ``.site-builds/``: the switch is one rename, so a crash leaves
    the previous site in place. Older builds are removed afterwards (only the build's own:
    see :func:`ruralstudy.paths.site_builds` and :func:`ruralstudy.paths.swap_in_site`).
    """
    builds = site_builds(site)  # the project's own folder, never a link or someone else's
    tmp = Path(tempfile.mkdtemp(prefix="tmp-", dir=builds))
    for p in pages:
        out = tmp / p.path
        out.parent.mkdir(parents=True, exist_ok=True)
        # [scale] an unchanged page is linked from the published site, not laid out again
        # (ruralstudy.build.sitecache.PageReuse)
        if reuse is None or not reuse.link(p, out):
            out.write_text(wrap(p, stamp), encoding="utf-8")
    pause_point("publish")  # a test's control point (inert unless set)
    assets = tmp / "assets"
    assets.mkdir(exist_ok=True)
    for f in _static_dir().iterdir():
        if f.is_file():
            shutil.copyfile(f, assets / f.name)
    write_search_index(assets / "search-index.js", pages)
    (tmp / "data").mkdir(exist_ok=True)
    for name, data in downloads.items():  # bytes, or a file copied as it is
        (tmp / "data" / name).parent.mkdir(parents=True, exist_ok=True)
        if isinstance(data, FileDownload):
            data.write_to(tmp / "data" / name)
        else:
            (tmp / "data" / name).write_bytes(data)
    return swap_in_site(tmp, site)
