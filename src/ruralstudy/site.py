"""The static report site: nbconvert bodies in one layout, source pages with every figure
highlighted and anchored, the data page, search index and build stamp.

Page bodies are built by pure functions returning HTML strings; :func:`publish` writes the
whole site to a new folder and swaps a symlink onto it, so readers see the old site or the
new one, never a mix.
"""

from __future__ import annotations

import html
import json
import os
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from datetime import datetime, timezone
from html.parser import HTMLParser
from importlib import resources
from pathlib import Path

import jinja2
import pandas as pd

from .links import sheet_slug, table_html

NAV = [("Overview", "index.html"), ("Data quality", "quality.html"),
       ("Indicators", "indicators.html"), ("Links", "links.html"), ("Regions", "regions.html"),
       ("Sources", "sources.html"), ("Data", "data.html"), ("About", "about.html")]
FINDINGS_TAG = "findings"
FINDINGS_MIME = "application/vnd.ruralstudy.findings+json"

COLUMN_DOCS: dict[str, dict[str, str]] = {
    "figures": {
        "figure_id": "Stable id: document id and raw character offset (e.g. 000-003020)",
        "doc_id": "Document id in data/raw/manifest.csv", "region": "Region the passage describes",
        "province": "Province of the region", "admin_level": "national, province, prefecture or county",
        "year": "Year the figures describe (from the manifest)",
        "start": "Start offset (characters) in the raw text file; for a web page, PDF or Word "
                 "file, in the text extracted from it (data/text/<doc_id>.txt, mapped back to "
                 "the raw file in data/processed/text/<doc_id>.map.json)",
        "end": "End offset (exclusive)",
        "line": "Line number in the raw text file (or in the extracted text)",
        "raw": "The figure exactly as written",
        "value": "Parsed value in the base unit (元, %, pp, 个, 名 ...)",
        "value_high": "Upper end of a range", "value_before": "Earlier value of a change (从 A 到 B)",
        "unit": "Base unit", "qualifier": "exact, more_than, less_than, at_least, at_most, about",
        "kind": "level, change (before -> after) or growth (signed)",
        "sentence": "The cleaned sentence the figure comes from",
        "sent_offset": "Offset of the figure within the sentence"},
    "indicators": {
        "region": "Region name (Chinese)", "region_code": "Official division code where known",
        "indicator_id": "Codebook indicator", "indicator_zh": "Indicator label (Chinese)",
        "indicator_en": "Indicator label (English)", "construct": "branch_strength, cadre_structure, collective_income or context",
        "measure": "count, share, mean, money, rate or area", "source_type": "report (text) or sheet",
        "source_id": "Figure id or sheet:file:line", "source_ref": "Where the value came from",
        "url": "Page a sheet figure was copied from", "rule": "Mapping rule that fired",
        "confidence": "Mapper's confidence (1.0 for a reviewer override)",
        "audit": "Overrides applied to this figure"},
    "panel": {"n_sources": "Number of level values for this region and indicator",
              "choice_rule": "How one value was chosen among several"},
    "conflicts": {"values": "The disagreeing values", "source_ids": "Their sources",
                  "max_rel_diff": "(max - min) / max"},
    "mapping": {"status": "mapped, unmapped or rejected", "reason": "Why a figure is not mapped",
                "auto_indicator_id": "Indicator chosen by the mapper before overrides",
                "context": "Sentence (reports) or label (sheets) used for mapping",
                "unit_source": "Where the unit came from"},
    "rejects": {"reason": "Why a sheet row could not be used"},
    "crosschecks": {"implied": "Total income / income per village",
                    "observed": "Reported number of villages (or branches)", "ok": "Within 2%"},
}
DOWNLOADS = ["figures", "indicators", "panel", "conflicts", "mapping"]
CSV_ONLY = ["crosschecks", "rejects", "codebook"]


@dataclass
class Page:
    """One page of the site: its path relative to the site root, title and body HTML."""

    path: str
    title: str
    body: str
    code_toggle: bool = False
    index_text: str = ""


def _templates_dir() -> Path:
    return Path(str(resources.files("ruralstudy").joinpath("templates")))


def _static_dir() -> Path:
    return Path(str(resources.files("ruralstudy").joinpath("static")))


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
    out["cells"] = keep
    return out, found


def render_notebook(nb_json: str) -> tuple[str, list[dict]]:
    """nbconvert body HTML of an executed notebook (ruralstudy template) and its findings."""
    import nbformat
    from nbconvert import HTMLExporter

    nb = json.loads(nb_json)
    nb, findings = split_findings(nb)
    node = nbformat.reads(json.dumps(nb), as_version=4)  # joins multi-line sources
    exporter = HTMLExporter(template_name="ruralstudy",
                            extra_template_basedirs=[str(_templates_dir() / "nbconvert")])
    exporter.exclude_input_prompt = True
    exporter.exclude_output_prompt = True
    body, _ = exporter.from_notebook_node(node)
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


def script_json(obj) -> str:
    """JSON safe to embed in a script (inline or a .js file): '<', '>', '&' and quotes are
    \\u-escaped inside strings, so data can neither close the script nor break out of it."""
    text = json.dumps(obj, ensure_ascii=False, separators=(",", ":"), sort_keys=False)
    for ch, esc in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026"), ("'", "\\u0027"),
                    ("\u2028", "\\u2028"), ("\u2029", "\\u2029")):
        text = text.replace(ch, esc)
    return text


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
    v = float(v)
    return f"{int(v):,}" if v.is_integer() else f"{v:,.6g}"


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
        spans.append((cs, ce + 1, r["source_id"], tip, r["status"] == "mapped"))
    out, pos = [], 0
    for cs, ce, sid, tip, mapped in spans:
        out.append(html.escape(text[pos:cs]))
        cls = "fig mapped" if mapped else "fig"
        attr = html.escape(tip).replace("\n", "&#10;")  # newlines must not split paragraphs
        out.append(f'<mark id="fig-{html.escape(sid)}" class="{cls}" tabindex="0" '
                   f'data-tip="{attr}" title="{attr}">'
                   f"{html.escape(text[cs:ce])}</mark>")
        pos = ce
    out.append(html.escape(text[pos:]))
    paras = "".join(f"<p>{p}</p>" for p in "".join(out).split("\n") if p.strip())
    e = doc.entry
    regions = "; ".join(r.name for r in e.regions) or "none named"
    meta = (f"<p class='note'>Document {html.escape(e.doc_id)} · regions: {html.escape(regions)} · "
            f"year described: {e.year or 'unknown'} · published: {html.escape(e.published or 'unknown')} · "
            f"source: {html.escape(e.source)} · file <code>data/raw/reports/{html.escape(e.file)}</code> "
            f"({html.escape(doc.raw.encoding)}). {len(spans)} figures highlighted "
            f"(green: mapped to an indicator). ")
    raw_href = "../data/raw/" + quote(site_raw_name(e.file))
    links = (f"<a href='{html.escape(raw_href)}' download='{html.escape(Path(e.file).name)}' "
             f"class='raw-link'>The raw file as downloaded</a>")
    if ex is not None:
        text_href = "../data/text/" + quote(site_text_name(e.doc_id))
        meta += ("Offsets in the data refer to the text extracted from the raw file (the article "
                 "of a web page, the text layer of a PDF, the paragraphs of a Word file); each "
                 "figure's tip says where it sits in the raw file. This page shows that text "
                 "cleaned.</p>")
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
             "indicator / reason": r["indicator_id"] or r["reason"], "url": r["url"]}
            for r in rows.to_dict("records")]
    recs += [{"line": int(r["line"]), "region": "", "admin_level": "", "year": "", "label": "",
              "raw": r["raw"], "value": None, "unit": "", "status": "rejected",
              "indicator / reason": r["reason"], "url": ""} for r in rej.to_dict("records")]
    recs.sort(key=lambda r: r["line"])
    body = []
    for r in recs:
        cells = []
        for k, v in r.items():
            if k == "url" and v and safe_url(v):
                cells.append(f'<td><a href="{html.escape(v)}" rel="noreferrer">{html.escape(v[:60])}</a></td>')
            elif k == "value":
                cells.append(f"<td>{'' if v is None or pd.isna(v) else f'{v:g}'}</td>")
            else:
                cells.append(f"<td>{html.escape(str(v))}</td>")
        body.append(f'<tr id="line-{r["line"]}">{"".join(cells)}</tr>')
    head = "".join(f"<th>{html.escape(k)}</th>" for k in (recs[0] if recs else {}))
    return (f"<p class='note'>Sheet <code>data/raw/sheets/{html.escape(file)}</code>: "
            f"{len(recs)} rows (n = {len(recs)}); line numbers count the header as line 1.</p>"
            f'<table class="data"><thead><tr>{head}</tr></thead><tbody>{"".join(body)}</tbody></table>')


# --- pages built from data -----------------------------------------------------------------

def index_body(t, findings: list[dict], citation: str) -> str:
    """Overview: key findings (each with n and a link), the corpus at a glance, how to cite."""
    items = []
    for block in findings:
        for f in block["findings"]:
            href = f"{block['page']}#{f['anchor']}"
            items.append(f"<li>{html.escape(f['text'])} (n = {f['n']}). "
                         f"<a href='{html.escape(href)}'>Where this is shown</a></li>")
    rep = t.mapping[t.mapping.source_type == "report"]
    sheet = t.mapping[t.mapping.source_type == "sheet"]
    cards = [("report texts", len(t.manifest)), ("figures in reports", len(rep)),
             ("sheet figures", len(sheet)), ("regions", t.mapping.region.nunique()),
             ("indicator values", len(t.indicators)), ("panel cells", len(t.panel))]
    card_html = "".join(f"<div class='card'><b>{n}</b>{html.escape(k)}</div>" for k, n in cards)
    return (
        "<p>ruralstudy turns Chinese Party organisation reports and hand-gathered figure sheets into "
        "clean figures on village Party branches (组织力), village cadres (两委) and village collective "
        "income (村集体经济), each traceable to the sentence it came from, and asks how the three move "
        "together. The corpus is small and mixed in level and year: every figure carries its n, and "
        "nothing here is a causal claim.</p>"
        f"<h2 id='key-findings'>Key findings</h2><ul class='findings'>{''.join(items)}</ul>"
        f"<h2 id='corpus'>The corpus at a glance</h2><div class='cards'>{card_html}</div>"
        "<p><a href='sources.html'>Read the sources</a> · <a href='regions.html'>Browse regions</a> · "
        "<a href='data.html'>Download the data</a></p>"
        f"<h2 id='cite'>How to cite</h2><pre class='citation'>{html.escape(citation)}</pre>")


def peer_comparison(region: str, panel: pd.DataFrame) -> str:
    """How a region's values compare with other regions of the same admin level.

    Built when the site is assembled (not inside the region's notebook), so adding a report
    for one region re-executes only that region's profile, while every page still shows the
    current comparison."""
    from .codebook import load_codebook

    cb = load_codebook()
    comparable = {i.id for i in cb.indicators if i.scale_free}
    own = panel[(panel["region"] == region) & panel["indicator_id"].isin(comparable)]
    if own.empty:
        return ("<h2 id='compared-with-other-regions'>Compared with other regions</h2><p class='note'>"
                "This region has no share, mean or per-village value to compare (n = 0); totals and "
                "counts grow with a region's size and are not ranked.</p>")
    level = own["admin_level"].iloc[0]
    peers = panel[(panel["admin_level"] == level) & (panel["region"] != region)]
    rows = []
    from .analysis import comparable_years

    for r in own.itertuples():
        p = peers[peers["indicator_id"] == r.indicator_id]
        p = p[p["year"].map(lambda y, ry=r.year: comparable_years(ry, y)).astype(bool)]  # like with like
        vals = p["value"].tolist()
        all_vals = sorted(vals + [r.value], reverse=True)
        rows.append({"indicator_zh": r.indicator_zh, "value": r.value, "unit": r.unit,
                     "year": r.year, "peers_n": len(vals),
                     "peer_median": float(pd.Series(vals).median()) if vals else None,
                     "peer_min": min(vals) if vals else None, "peer_max": max(vals) if vals else None,
                     "rank (1 = highest)": f"{all_vals.index(r.value) + 1} of {len(all_vals)}"
                     if vals else "", "peer_years": ", ".join(sorted({str(int(y)) for y in p["year"].dropna()})),
                     "source_id": r.source_id})
    df = pd.DataFrame(rows)
    n_with = int((df["peers_n"] > 0).sum())
    return (f"<h2 id='compared-with-other-regions'>Compared with other {html.escape(level or 'unknown-level')} regions</h2>"
            f"<p class='note'>{n_with} of {len(df)} indicators have at least one other {html.escape(level or '')} "
            "region with a value of the same indicator (same body, property and conditions) from a year "
            "within one village election round. Only shares, means and per-village values are "
            "compared: totals and counts grow with a region's size. A rank describes "
            "these figures, it does not rate the region.</p>" +
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
    for d in documents:
        e = d.entry
        n = int((t.figures.doc_id == e.doc_id).sum())
        rows.append(f"<li><a href='sources/{html.escape(e.doc_id)}.html'>{html.escape(e.doc_id)} · "
                    f"{html.escape(e.title)}</a> ({n} figures)</li>")
    for file in sorted(set(t.mapping.loc[t.mapping.source_type == "sheet", "file"]) |
                       set(t.rejects["file"])):
        n = int((t.mapping.file == file).sum())
        rows.append(f"<li><a href='sources/{sheet_slug(file)}.html'>Sheet {html.escape(file)}</a> "
                    f"({n} figures)</li>")
    return f"<h2>Source pages</h2><ul>{''.join(rows)}</ul>{corpus_body}"


def data_body(t, files: list[str]) -> str:
    """The Data page: downloads and a description of every column."""
    links = "".join(f"<li><a href='data/{html.escape(f)}' download>{html.escape(f)}</a></li>"
                    for f in files)
    docs = []
    for table, cols in COLUMN_DOCS.items():
        rows = "".join(f"<tr><td><code>{html.escape(c)}</code></td><td>{html.escape(d)}</td></tr>"
                       for c, d in cols.items())
        docs.append(f"<h3>{html.escape(table)}</h3><table class='data'><tbody>{rows}</tbody></table>")
    return ("<p>All tables are built from <code>data/raw</code> by <code>make site</code>; the same "
            "inputs give byte-identical files. CSV is UTF-8; Parquet holds the same rows.</p>"
            "<p id='csv-formulas'>Spreadsheet safety: in the CSV files offered here, a cell that "
            "begins with <code>=</code>, <code>+</code>, <code>-</code>, <code>@</code>, a tab or a "
            "carriage return (and is not simply a number such as <code>-3.5</code>) is prefixed with "
            "a single quote <code>'</code>, as OWASP recommends against CSV injection, so that a "
            "spreadsheet shows it as text instead of running it as a formula. Only these downloads "
            "are changed: <code>data/processed/</code> and the Parquet files keep every value exactly "
            "as read.</p>"
            f"<h2>Downloads</h2><ul>{links}</ul><h2>Columns</h2>{''.join(docs)}"
            "<h2>Codebook</h2>" + table_html(t.codebook, caption="Indicators", region_col=None,
                                             source_col="none"))


def about_body(stamp: dict, citation: str) -> str:
    """About: method, honesty rules, build stamp, citation."""
    return (
        "<h2>Method</h2><ol><li>Report texts are read (UTF-8, UTF-8 with BOM, GB18030), web debris is "
        "removed with a map back to the raw characters, and every numeric expression with a unit is "
        "parsed by one parser (Chinese numerals, 万/亿, ranges, qualifiers such as 余, 近, 不低于).</li>"
        "<li>Each figure is read for what it measures (entity, property, conditions, scope, statement) and is a value of an indicator only when all match its definition exactly; hand-gathered "
        "sheets are mapped by their label. Researchers' overrides are applied last and audited.</li>"
        "<li>A panel keeps one value per region and indicator by an explicit rule (same definition only; latest year; exact over approximate; most agreed; report over sheet); "
        "conflicts between sources are listed, not hidden.</li>"
        "<li>Notebooks, executed with papermill, describe and, where n allows, test associations with "
        "named tests, seeded bootstraps and robust standard errors.</li></ol>"
        "<h2>Honesty rules</h2><ul><li>Every chart and table states its n.</li><li>No p-value without "
        "its test named.</li><li>No causal wording: associations across regions are not effects.</li>"
        "<li>Levels and years differ across regions: comparisons stay within one admin level, and "
        "every point shows its level and year.</li></ul>"
        f"<h2>Build</h2><ul><li>git commit: <code>{html.escape(stamp['commit'])}</code></li>"
        f"<li>SHA-256 of data/raw: <code>{html.escape(stamp['raw_sha256'])}</code></li>"
        f"<li>built: {html.escape(stamp['date'])}</li><li>{html.escape(stamp['versions'])}</li></ul>"
        f"<h2 id='cite'>How to cite</h2><pre class='citation'>{html.escape(citation)}</pre>")


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


def search_index(pages: list[Page]) -> dict:
    """Inverted index token -> page numbers, built at render time."""
    idx: dict[str, list[int]] = {}
    meta = []
    for i, p in enumerate(pages):
        meta.append({"url": p.path, "title": p.title})
        for tok in sorted(tokens(p.title + " " + (p.index_text or visible_text(p.body)))):
            idx.setdefault(tok, []).append(i)
    return {"pages": meta, "tokens": idx}


# --- stamp and publishing ----------------------------------------------------------------

def build_stamp(root: Path, raw_dir: Path) -> dict:
    """Git commit, SHA-256 over data/raw, package versions and build date."""
    import hashlib
    from importlib.metadata import PackageNotFoundError, version

    try:
        commit = subprocess.run(["git", "rev-parse", "--short=12", "HEAD"], cwd=root,
                                capture_output=True, text=True, timeout=10).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--", "src", "data/raw",
                                "notebooks"], cwd=root, capture_output=True, text=True,
                               timeout=10).stdout.strip()
        commit = (commit or "unknown") + ("+local changes" if dirty and commit else "")
    except (OSError, subprocess.SubprocessError):
        commit = "unknown"
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
            "date": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
            "versions": ", ".join(vers)}


def wrap(page: Page, stamp: dict) -> str:
    """The full HTML of a page in the site layout."""
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(_templates_dir())),
                             autoescape=jinja2.select_autoescape(["html", "j2"]))
    tpl = env.get_template("layout.html.j2")
    depth = page.path.count("/")
    return tpl.render(title=page.title, body=jinja2.utils.markupsafe.Markup(page.body),
                      up="../" * depth, nav=NAV, active=page.path, stamp=stamp,
                      show_code_toggle=page.code_toggle)


def publish(pages: list[Page], stamp: dict, downloads: dict[str, bytes], site: Path) -> Path:
    """Write the whole site into a fresh folder, then atomically point ``site`` at it.

    ``site`` is a symlink into ``.site-builds/``: the switch is one rename, so a crash leaves
    the previous site in place. Older builds are removed afterwards.
    """
    builds = site.parent / ".site-builds"
    builds.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix="tmp-", dir=builds))
    for p in pages:
        out = tmp / p.path
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(wrap(p, stamp), encoding="utf-8")
    assets = tmp / "assets"
    assets.mkdir(exist_ok=True)
    for f in _static_dir().iterdir():
        if f.is_file():
            shutil.copyfile(f, assets / f.name)
    idx = search_index(pages)
    (assets / "search-index.js").write_text(
        "window.RURALSTUDY_SEARCH = " + script_json(idx) + ";\n", encoding="utf-8")
    (tmp / "data").mkdir(exist_ok=True)
    for name, data in downloads.items():
        (tmp / "data" / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp / "data" / name).write_bytes(data)
    os.chmod(tmp, 0o755)  # mkdtemp makes it private; a web server must read it
    final = builds / f"build-{datetime.now(timezone.utc).strftime('%Y%m%dT%H%M%S%f')}"
    os.replace(tmp, final)
    link_tmp = site.parent / f".site-link-{os.getpid()}"
    if link_tmp.is_symlink() or link_tmp.exists():
        link_tmp.unlink()
    os.symlink(os.path.relpath(final, site.parent), link_tmp)
    if site.exists() and not site.is_symlink():  # a plain folder from an older layout
        os.replace(site, builds / f"legacy-{final.name}")
    os.replace(link_tmp, site)
    for old in builds.iterdir():
        if old != final:
            shutil.rmtree(old, ignore_errors=True)
    return final
