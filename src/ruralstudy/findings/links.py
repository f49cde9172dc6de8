"""Where things live on the site, and HTML tables whose rows link to their sources.

Pages sit at the site root (index.html, links.html, ...), in ``regions/`` and in ``sources/``;
``depth`` is how many folders below the root the linking page sits.

Anchors are made here, never typed: every link to a place inside a page is built by
:func:`page_href` from an id that the same definition writes on the page. The named sections
other pages link to are :data:`SECTIONS` (a page writes one with :meth:`Section.heading_html`,
a link is :meth:`Section.href`); a source page's figure and sheet-line ids are
:func:`figure_anchor` and :func:`line_anchor` (written on the page and linked by
:func:`source_href`); a notebook heading's id is :func:`heading_anchor`.
``tests/site/test_section_anchors.py`` fails on an ``.html#`` typed anywhere else.
"""

from __future__ import annotations

import hashlib
import html
import re
from dataclasses import dataclass

import pandas as pd

from ..language.numparse import human_number  # noqa: F401  (also read from here)


def __getattr__(name: str) -> dict[str, str]:  # PAGE_NAMES: notebook -> page, from the registry
    if name == "PAGE_NAMES":
        from ..registry import page_names

        return page_names()
    raise AttributeError(name)


def region_slug(region: str, code: str = "") -> str:
    """A stable ASCII file name for a region, from its name alone (so every page that names
    the region links to the same file, whether or not it knows the division code)."""
    del code  # kept in the signature for callers that have it; the name decides
    return "r-" + hashlib.sha1(region.encode("utf-8")).hexdigest()[:10]


def sheet_slug(file: str) -> str:
    """File name stem of a sheet's source page: the name itself when it is plain ASCII
    (``sheet-gathered_2026-11``), else what ASCII it has plus a hash of the whole name, so
    two Chinese-named sheets (村干部.csv, 集体收入.csv) never share one page."""
    stem = file.rsplit(".", 1)[0]
    safe = re.sub(r"[^A-Za-z0-9_-]+", "-", stem).strip("-")
    if safe == stem:
        return "sheet-" + safe
    return "sheet-" + (safe + "-" if safe else "") + hashlib.sha1(file.encode("utf-8")).hexdigest()[:10]


def heading_anchor(heading: str) -> str:
    """The id nbconvert gives a notebook's markdown heading on its page, made from the heading's
    text (leading ``#`` marks dropped): ``## Confidence and review`` -> ``Confidence-and-review``.
    A notebook that links a finding to the section it is shown in names the heading through this
    function, never types the id; ``tests/e2e/test_anchors.py`` checks it against nbconvert's own
    rendering of every heading in ``notebooks/`` (plain-text headings: markup is not rendered)."""
    from urllib.parse import quote

    text = heading.strip().lstrip("#").strip()
    return quote(text.replace(" ", "-"), safe="?/:@!$&'()*+,;=")  # nbconvert's _convert_header_id


def page_href(page: str, anchor: str = "", depth: int = 0) -> str:
    """Relative link to a page (its path from the site root) or to an anchor on it: the one
    place a link's ``#`` is written."""
    return "../" * depth + page + (f"#{anchor}" if anchor else "")


@dataclass(frozen=True)
class Section:
    """A named section of a site page that other pages link to: the page's path, the id its
    heading carries and the heading's text. The page writes the heading with
    :meth:`heading_html`, every link to it is :meth:`href`, so the two cannot drift apart."""

    page: str
    id: str
    heading: str
    tag: str = "h2"

    def href(self, depth: int = 0) -> str:
        return page_href(self.page, self.id, depth)

    def heading_html(self) -> str:
        return (f"<{self.tag} id='{html.escape(self.id, quote=True)}'>"
                f"{html.escape(self.heading)}</{self.tag}>")


#: The comparability rule, stated once for the whole site.
COMPARABILITY = Section("methods.html", "comparability", "The comparability rule")
#: The data licence (linked from every page's footer).
LICENCE = Section("data.html", "licence", "Licence")
#: Every indicator with its labels.
CODEBOOK = Section("data.html", "codebook", "Codebook")
#: How to cite the software and the data set.
CITE = Section("about.html", "cite", "How to cite")
#: How to cite, on the front page.
INDEX_CITE = Section("index.html", "cite", "How to cite")
#: Every named section, by page.
SECTIONS: tuple[Section, ...] = (COMPARABILITY, LICENCE, CODEBOOK, CITE, INDEX_CITE)


def figure_anchor(source_id: str) -> str:
    """The id of a report figure's mark on its source page: ``fig-000-003020``."""
    return f"fig-{source_id}"


def line_anchor(line: int | str) -> str:
    """The id of a sheet row on its source page (line 1 is the header): ``line-12``."""
    return f"line-{line}"


def report_page(doc_id: str) -> str:
    """Path of a report's source page: ``sources/000.html``."""
    return f"sources/{doc_id}.html"


def sheet_page(file: str) -> str:
    """Path of a sheet's source page: ``sources/sheet-gathered.html``."""
    return f"sources/{sheet_slug(file)}.html"


def source_href(source_id: str, depth: int = 0) -> str:
    """Relative link to a figure's anchor on its source page.

    ``000-003020`` -> ``sources/000.html#fig-000-003020``;
    ``sheet:gathered.csv:12`` -> ``sources/sheet-gathered.html#line-12``.
    """
    if source_id.startswith("sheet:"):
        _, file, line = source_id.split(":", 2)
        return page_href(sheet_page(file), line_anchor(line), depth)
    doc = source_id.rsplit("-", 1)[0]
    return page_href(report_page(doc), figure_anchor(source_id), depth)


def region_href(region: str, code: str = "", depth: int = 0) -> str:
    """Relative link to a region's profile page."""
    return page_href(f"regions/{region_slug(region, code)}.html", depth=depth)


_YEAR_COL = re.compile(r"(^|_)year($|_)")


def _fmt(v: object, col: str = "") -> str:
    if col and _YEAR_COL.search(col) and not isinstance(v, str):
        if v is None or pd.isna(v):
            return "year unknown"
        return str(int(v))  # 2021, never 2,021
    if type(v).__name__ in ("bool", "bool_"):
        return "yes" if v else "no"
    if isinstance(v, (float, int)):
        if pd.isna(v):
            return ""
        return human_number(v)
    if v is None or (not isinstance(v, str) and pd.isna(v)):
        return ""
    return str(v)


_CJK = re.compile(r"[\u3400-\u9fff]")


def cjk_lang(text: str) -> str:
    """' lang="zh"' when a text holds Chinese characters (for its HTML element), else ''."""
    return ' lang="zh"' if _CJK.search(text) else ""


def table_html(df: pd.DataFrame, depth: int = 0, source_col: str = "source_id",
               region_col: str | None = "region", code_col: str = "region_code",
               caption: str = "", max_rows: int = 500) -> str:
    """Render a frame as an escaped HTML table; source ids and regions become links.

    The table sits in a focusable, horizontally scrolling box (a shadow at the edge shows more
    columns on a phone); cells with Chinese text carry ``lang="zh"``; years read 2021 or
    "year unknown", numbers never in e-notation."""
    d = df.head(max_rows)
    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in d.columns)
    body = []
    for r in d.to_dict("records"):
        cells = []
        for c in d.columns:
            raw = _fmt(r[c], str(c))
            text = html.escape(raw)
            if c == source_col and r[c]:
                ids = [s.strip() for s in str(r[c]).split(";") if s.strip()]
                text = "; ".join(f'<a class="src" href="{html.escape(source_href(s, depth))}">'
                                 f"{html.escape(s)}</a>" for s in ids)
            elif region_col and c == region_col and r[c]:
                href = region_href(str(r[c]), str(r.get(code_col, "") or ""), depth)
                text = f'<a class="region" href="{html.escape(href)}">{text}</a>'
            cells.append(f"<td{cjk_lang(raw)}>{text}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    more = (f"<p class='note'>Showing {max_rows} of {len(df)} rows; all rows are in the "
            f"downloadable tables.</p>" if len(df) > max_rows else "")
    # the caption stands above the scrolling box, so it wraps on a phone instead of running
    # off-screen with the table
    cap = (f'<p class="table-caption"{cjk_lang(caption)}>{html.escape(caption)} (n = {len(df)})</p>'
           if caption else "")
    label = html.escape(f"{caption} (n = {len(df)})" if caption else "table", quote=True)
    return (f'{cap}<div class="table-wrap" role="region" tabindex="0" aria-label="{label}">'
            f'<table class="data"><thead><tr>{head}</tr></thead><tbody>'
            f'{"".join(body)}</tbody></table></div>{more}')
