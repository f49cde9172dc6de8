"""What the notebooks call: loading the processed tables and showing tables and findings.

Notebooks narrate; the computing lives in :mod:`ruralstudy.findings.analysis`, the charts in
:mod:`ruralstudy.findings.charts`, and this module only loads and displays.
"""

from __future__ import annotations

import html
import json
import re
import string
from collections.abc import Mapping, Sequence
from dataclasses import fields, replace
from pathlib import Path

import pandas as pd

from .. import registry
from .links import table_html
from ..paths import Paths
from ..tables.tables import PROCESSED_FILES, Tables

FINDINGS_MIME = "application/vnd.ruralstudy.findings+json"


_LOADED: dict[tuple, Tables] = {}

# what the panel's pages and the region profiles load (declared in the registry, whose page
# entries key the notebooks' runs by them)
PANEL_TABLES, PROFILE_TABLES = registry.PANEL_TABLES, registry.PROFILE_TABLES
#: Of those, the mapping table's columns a region's profile shows or selects on (not the
#: mapper's audit columns: each of the two kernels held 155 MB of mapping at 3,000 reports
#: through every profile, 101 MB with these)
PROFILE_COLUMNS = {"mapping": ("region", "admin_level", "province", "region_code", "source_type",
                               "doc_id", "file", "source", "source_id", "status", "context",
                               "raw", "property", "kind", "year", "reason")}


def _stat_key(paths: Paths) -> tuple:
    out = []
    for f in [paths.processed / n for n in PROCESSED_FILES] + [paths.manifest]:
        try:
            st = f.stat()
            out.append((str(f), st.st_ino, st.st_size, st.st_mtime_ns))
        except OSError:
            out.append((str(f), None))
    return tuple(out)


def load(root: str | Path = ".", only: Sequence[str] | None = None,
         columns: Mapping[str, Sequence[str]] | None = None) -> Tables:
    """Read every processed table (run ``ruralstudy build`` first), or ``only`` those named
    (by attribute: ``"mapping"``, ``"panel"``...; the others then stop any use of them with a
    sentence, see :class:`ruralstudy.tables.tables.NotLoaded`); ``columns``: of a table (by
    attribute), only the columns named (a missing one raises ``KeyError`` when used), so a
    kernel does not hold the text columns a page never shows.

    A warm build kernel runs many notebooks on the same tables, so the parsed tables are kept
    while the files are unchanged (same inode, size and modification time: the build replaces
    files by renaming, so a rewritten file is always a new inode) and the same tables are
    asked for; tables asked for no longer are dropped and their memory handed back, so a
    kernel that ran an aggregate page does not hold every table through the region pages.
    Each call gets its own copy: a notebook that changes a frame in place cannot change what
    the next one sees. Under pandas' copy-on-write (always on from pandas 3) that copy is
    shallow, and a frame's data is copied only if the notebook writes to it; at 1,000 regions
    a deep copy of every table was about 90 MB and 0.1 s per notebook.
    """
    paths = Paths.discover(root)
    key = (_stat_key(paths), None if only is None else tuple(sorted(set(only))),
           tuple(sorted((k, tuple(sorted(set(v)))) for k, v in (columns or {}).items())))
    if key not in _LOADED:
        dropped = bool(_LOADED)
        _LOADED.clear()
        if dropped:  # the tables no longer asked for go before the new ones are read
            import gc

            from ..memory import release_unused_memory

            gc.collect()
            release_unused_memory()
        _LOADED[key] = Tables.read(paths, only=key[1], columns=columns)
    t = _LOADED[key]
    deep = not copy_on_write()
    return replace(t, **{f.name: getattr(t, f.name).copy(deep=deep) for f in fields(t)
                         if isinstance(getattr(t, f.name), pd.DataFrame)})


_ROW_INDEX: dict[tuple, dict] = {}


def rows_where(t: Tables, name: str, value: object, column: str = "region") -> pd.DataFrame:
    """``t.<name>[t.<name>[column] == value]`` (the same rows, order and index labels) for a
    table as :func:`load` gave it, through a positions index made once per loaded table: a
    warm kernel runs one profile per region on the same tables, and a mask over every row of
    the mapping table per profile made the profiles' cost grow with the corpus (190,000 rows
    at 3,000 regions, about 35 ms a profile). A frame that is not the one loaded (other
    length or index) is masked as usual."""
    df = getattr(t, name)
    loaded = next(iter(_LOADED.items()), None)
    if loaded is None:
        return df[df[column] == value]
    load_key, tables = loaded
    orig = getattr(tables, name, None)
    if not isinstance(orig, pd.DataFrame) or len(orig) != len(df) or \
            not orig.index.equals(df.index):
        return df[df[column] == value]
    key = (load_key, name, column)
    if key not in _ROW_INDEX:
        for old in [k for k in _ROW_INDEX if k[0] != load_key]:
            del _ROW_INDEX[old]  # one loaded set of tables at a time, as _LOADED
        _ROW_INDEX[key] = orig.groupby(column, sort=False, dropna=True).indices
    pos = _ROW_INDEX[key].get(value)
    return df.iloc[pos] if pos is not None else df.iloc[0:0]


def copy_on_write() -> bool:
    """Whether pandas copies a frame's data when a shallow copy of it is written to: always
    from pandas 3, by option (``mode.copy_on_write``) in pandas 2."""
    if int(pd.__version__.split(".")[0]) >= 3:
        return True
    return pd.get_option("mode.copy_on_write") is True


def report_chars(paths: Paths, file: str) -> int:
    """Length in characters of a raw report as the build decodes it (UTF-8, UTF-16, GB18030);
    0 when it cannot be read (the corpus problems table says why)."""
    from .. import iorw
    from ..errors import CorpusError

    try:
        return len(iorw.read_raw_text(iorw.confined(paths.reports_raw, file)).text)
    except (CorpusError, ValueError, OSError):
        return 0


def show_table(df: pd.DataFrame, caption: str = "", depth: int = 0, **kw) -> None:
    """Display a frame as an HTML table with its n and links to sources and regions."""
    from IPython.display import HTML, display

    display(HTML(table_html(df, depth=depth, caption=caption, **kw)))


_STRONG = re.compile(r"\*\*(.+?)\*\*", re.S)
_EM = re.compile(r"(?<![\w*])\*(?!\s)(.+?)(?<!\s)\*(?![\w*])", re.S)


class _EscapingFormatter(string.Formatter):
    """str.format that HTML-escapes every substituted value after formatting it."""

    def format_field(self, value, format_spec: str) -> str:
        return html.escape(super().format_field(value, format_spec), quote=True)


def narration_html(text: str, **data) -> str:
    """Narration as safe HTML (pure).

    ``text`` is written by the notebook's author: it is HTML-escaped, then ``**bold**`` and
    ``*emphasis*`` become <strong> and <em>. Values from data go in ``data`` and are named in
    ``text`` as ``{name}`` (format specs allowed): they are escaped and inserted *after* the
    emphasis is converted, so a region name is always shown as text, never read as Markdown
    or HTML. Any markup in ``text`` itself is escaped too, so an f-string holding data is
    shown as text as well (its ``*`` may turn into emphasis, never into a tag).
    """
    if data:
        # protect the placeholders while the template is escaped and converted
        parts = list(string.Formatter().parse(text))
        shell, fields = [], []
        for literal, name, spec, conv in parts:
            shell.append(literal.replace("\x00", ""))
            if name is not None:
                fields.append((name, spec, conv))
                shell.append(f"\x00{len(fields) - 1}\x00")
        out = _EM.sub(r"<em>\1</em>", _STRONG.sub(r"<strong>\1</strong>",
                                                  html.escape("".join(shell), quote=False)))
        fmt = _EscapingFormatter()

        def fill(m: re.Match) -> str:
            name, spec, conv = fields[int(m.group(1))]
            value, _ = fmt.get_field(name, (), data)
            value = fmt.convert_field(value, conv)
            return fmt.format_field(value, spec or "")

        return "<p>" + re.sub("\x00(\\d+)\x00", fill, out) + "</p>"
    return "<p>" + _EM.sub(r"<em>\1</em>", _STRONG.sub(r"<strong>\1</strong>",
                                                      html.escape(text, quote=False))) + "</p>"


def say(text: str, **data) -> None:
    """Display a sentence of narration computed from data, as escaped HTML (never Markdown:
    nbconvert passes raw HTML in Markdown through). See :func:`narration_html`."""
    from IPython.display import HTML, display

    display(HTML(narration_html(text, **data)))


def figure_html(fig, alt: str, source: str = "") -> str:
    """A matplotlib figure as an SVG image (sharp at any zoom, text drawn as paths so no font is
    needed), with its alt text and a source line under it (pure apart from closing ``fig``)."""
    import base64
    import io

    from .charts import close

    buf = io.StringIO()
    wide = fig.get_figwidth() * 96 > 900  # shown at natural size, scrolling sideways
    fig.savefig(buf, format="svg", metadata={"Date": None, "Creator": None})
    close(fig)
    data = base64.b64encode(buf.getvalue().encode("utf-8")).decode("ascii")
    cap = html.escape(source or "ruralstudy panel, built from data/raw; each value links to its "
                      "source in the table below the chart.")
    return (f'<figure class="chart{" wide" if wide else ""}"><img src="data:image/svg+xml;base64,{data}" '
            f'alt="{html.escape(alt, quote=True)}"><figcaption>Source: {cap}</figcaption></figure>')


def show_figure(fig, alt: str, source: str = "") -> None:
    """Display a matplotlib figure as SVG with alt text and a source line, then close it."""
    from IPython.display import HTML, display

    display(HTML(figure_html(fig, alt, source)))


def finding_html(f: dict, depth: int = 0) -> str:
    """A finding where the front page links to: its sentence (escaped), n, level, round and
    year, its chart if any, and the table that shows every number it states, under the
    finding's anchor (its ``id``: the one place an anchor is written)."""
    meta = (f"n = {f['n']} · level: {f.get('level') or '—'} · round: {f.get('round') or '—'}"
            + (f" · years: {f['year']}" if f.get("year") else ""))
    table = f.get("table")
    shown = (table_html(table, depth=depth, caption="Values behind this finding",
                        region_col="region" if "region" in table.columns else None)
             if table is not None and len(table) else
             "<p class='note'>No value (n = 0).</p>")
    return (f'<div class="finding" id="{html.escape(f["id"], quote=True)}"><p>'
            f'<strong>{html.escape(f["text"])}</strong> <span class="note">({html.escape(meta)})'
            f'</span></p>{f.get("figure", "")}{shown}</div>')


def show_finding(f: dict) -> None:
    """Display a finding (see :func:`finding_html`)."""
    from IPython.display import HTML, display

    display(HTML(finding_html(f)))


def findings_payload(findings: list[dict]) -> list[dict]:
    """The front page's part of each finding: text, n, level, round, years, its sources, its
    kind ('limits' findings come first), its chart if any, and its anchor (the finding's id)."""
    return [{"text": f["text"], "n": int(f["n"]), "level": f.get("level", ""),
             "round": f.get("round", ""), "year": f.get("year", ""),
             "sources": list(f.get("sources") or []), "kind": f.get("kind", "finding"),
             "figure": f.get("figure", ""), "anchor": f["id"]} for f in findings]


def record_findings(page: str, findings: list[dict]) -> None:
    """Publish key findings (text, n, anchor) for the site's index page.

    They travel inside the executed notebook as a custom MIME output, so the site needs no
    side files.
    """
    from IPython.display import display

    payload = {"page": page, "findings": findings}
    display({FINDINGS_MIME: payload, "text/plain": json.dumps(payload, ensure_ascii=False)},
            raw=True)
