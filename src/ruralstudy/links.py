"""Where things live on the site, and HTML tables whose rows link to their sources.

Pages sit at the site root (index.html, links.html, ...), in ``regions/`` and in ``sources/``;
``depth`` is how many folders below the root the linking page sits.
"""

from __future__ import annotations

import hashlib
import html
import re

import pandas as pd

PAGE_NAMES = {"01_corpus": "sources.html", "02_quality": "quality.html",
              "03_indicators": "indicators.html", "04_links": "links.html"}


def region_slug(region: str, code: str = "") -> str:
    """A stable ASCII file name for a region, from its name alone (so every page that names
    the region links to the same file, whether or not it knows the division code)."""
    del code  # kept in the signature for callers that have it; the name decides
    return "r-" + hashlib.sha1(region.encode("utf-8")).hexdigest()[:10]


def sheet_slug(file: str) -> str:
    """File name stem of a sheet's source page."""
    return "sheet-" + re.sub(r"[^A-Za-z0-9_-]+", "-", file.rsplit(".", 1)[0]).strip("-")


def source_href(source_id: str, depth: int = 0) -> str:
    """Relative link to a figure's anchor on its source page.

    ``000-003020`` -> ``sources/000.html#fig-000-003020``;
    ``sheet:gathered.csv:12`` -> ``sources/sheet-gathered.html#line-12``.
    """
    up = "../" * depth
    if source_id.startswith("sheet:"):
        _, file, line = source_id.split(":", 2)
        return f"{up}sources/{sheet_slug(file)}.html#line-{line}"
    doc = source_id.rsplit("-", 1)[0]
    return f"{up}sources/{doc}.html#fig-{source_id}"


def region_href(region: str, code: str = "", depth: int = 0) -> str:
    """Relative link to a region's profile page."""
    return f"{'../' * depth}regions/{region_slug(region, code)}.html"


def _fmt(v: object) -> str:
    if isinstance(v, float):
        if pd.isna(v):
            return ""
        if v.is_integer():
            return f"{int(v):,}"
        if abs(v) >= 100:
            return f"{v:,.2f}".rstrip("0").rstrip(".")
        return f"{v:.4g}"
    if v is None or (not isinstance(v, str) and pd.isna(v)):
        return ""
    return str(v)


def table_html(df: pd.DataFrame, depth: int = 0, source_col: str = "source_id",
               region_col: str | None = "region", code_col: str = "region_code",
               caption: str = "", max_rows: int = 500) -> str:
    """Render a frame as an escaped HTML table; source ids and regions become links."""
    d = df.head(max_rows)
    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in d.columns)
    body = []
    for r in d.to_dict("records"):
        cells = []
        for c in d.columns:
            text = html.escape(_fmt(r[c]))
            if c == source_col and r[c]:
                ids = [s.strip() for s in str(r[c]).split(";") if s.strip()]
                text = "; ".join(f'<a class="src" href="{html.escape(source_href(s, depth))}">'
                                 f"{html.escape(s)}</a>" for s in ids)
            elif region_col and c == region_col and r[c]:
                href = region_href(str(r[c]), str(r.get(code_col, "") or ""), depth)
                text = f'<a class="region" href="{html.escape(href)}">{text}</a>'
            cells.append(f"<td>{text}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    more = (f"<p class='note'>Showing {max_rows} of {len(df)} rows; all rows are in the "
            f"downloadable tables.</p>" if len(df) > max_rows else "")
    cap = f"<caption>{html.escape(caption)} (n = {len(df)})</caption>" if caption else ""
    return (f'<table class="data">{cap}<thead><tr>{head}</tr></thead><tbody>'
            f'{"".join(body)}</tbody></table>{more}')
