"""The project's extension points, each one registry: a new site page, input format or
processed table is ONE entry here, and everything else (build steps, navigation, publishing,
downloads, schema checks, the Data Package, the Data page's column docs) is derived from it.

Models: papermill's ``PapermillIO.register`` (a scheme -> a handler), nbconvert's exporter
entry points (a name -> ``"module:attr"``) and frictionless-py's formats (one folder a format).
Hooks are ``"module:attr"`` strings, resolved when used (:func:`hook`), so that this module
imports nothing of the package and any module may read it without an import cycle.

* :data:`PAGES`: every page of the site in navigation order: :class:`NotebookPage` (a notebook
  in ``notebooks/`` executed by the build and rendered by nbconvert) and :class:`SitePage`
  (a page assembled by the site from the tables).
* :data:`FORMATS`: every input format of a report (:class:`InputFormat`), by file suffix.
* :data:`TABLES`: every processed table in ``data/processed/`` (:class:`ProcessedTable`), each
  naming its one declaration (a pandera schema with a description per column,
  :mod:`ruralstudy.tables.schemas`).

Registering at run time (a plug-in, a test): :func:`register_page`, :func:`register_format`,
:func:`register_table`; each returns the entry and replaces one of the same name.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, Union


def hook(ref: str) -> Any:
    """The object a ``"package.module:attr"`` reference names (imported when first used)."""
    module, _, attr = ref.partition(":")
    obj: Any = importlib.import_module(module)
    for part in attr.split("."):
        obj = getattr(obj, part)
    return obj


# --- pages -----------------------------------------------------------------------------------

@dataclass(frozen=True)
class NotebookPage:
    """A page made from a notebook: ``notebooks/<notebook>.ipynb`` is executed (papermill, on
    the build's warm kernels) and rendered (nbconvert) into ``path``.

    ``nav``: its label in the navigation bar ('' = not there), at position ``nav_at``.
    ``per_region``: one page per region (``path`` is then a folder, the notebook gets a
    ``region`` parameter). ``submit``: order in which the pool gets the notebooks (the
    heaviest first). ``front_findings``: its findings are stated on the front page.
    ``body``: optional ``"module:function"`` ``(context, rendered_body) -> body``.
    ``reads``: the processed tables (by attribute) the notebook loads, with
    ``H.load(root, only=...)``, and nothing else (no raw report, annotation or manifest): its
    runs are then keyed by those tables alone, so a report whose figures change none of them
    re-runs nothing (:data:`PANEL_TABLES`); empty: every table, the manifest, the annotations
    and the raw reports (the corpus and quality pages)."""

    notebook: str
    path: str
    title: str
    nav: str = ""
    nav_at: int = 100
    submit: int = 50
    front_findings: bool = False
    per_region: bool = False
    body: str = ""
    reads: tuple[str, ...] = ()


#: What the panel's aggregate pages (indicators, links) read: the panel and what it is drawn
#: from, and of the mapping table only the figures that state a change (``changes``), not the
#: figures table (a third of a kernel's memory at 3,000 regions) nor every figure's mapping.
PANEL_TABLES = ("changes", "codebook", "conflicts", "indicators", "panel")
#: What a region's profile reads (its region's rows of each; the build keys a profile by those
#: rows, see ruralstudy.build.steps.BuildRun.notebook_steps).
PROFILE_TABLES = ("conflicts", "indicators", "mapping", "panel")


@dataclass(frozen=True)
class SitePage:
    """A page the site assembles from the tables: ``body`` is ``"module:function"``
    ``(context) -> body HTML`` (see :class:`ruralstudy.site.pages.SiteContext`). ``many``: the
    hook returns a list of :class:`ruralstudy.site.site.Page` instead (one per source, say), and
    ``path`` is then their folder."""

    path: str
    title: str
    body: str
    nav: str = ""
    nav_at: int = 100
    many: bool = False


Page = Union[NotebookPage, SitePage]

#: Every page of the site, in the order it is published (and searched); the navigation bar
#: orders the pages that have a ``nav`` label by ``nav_at``.
PAGES: list[Page] = [
    SitePage("index.html", "Overview", "ruralstudy.site.pages:index", nav="Overview", nav_at=0),
    NotebookPage("02_quality", "quality.html", "Data quality", nav="Data quality", nav_at=1,
                 submit=2),
    NotebookPage("03_indicators", "indicators.html", "Indicators across regions",
                 nav="Indicators", nav_at=2, submit=0, front_findings=True,
                 reads=PANEL_TABLES),
    NotebookPage("04_links", "links.html", "Links between the constructs", nav="Links",
                 nav_at=3, submit=1, front_findings=True, reads=PANEL_TABLES),
    NotebookPage("01_corpus", "sources.html", "Sources", nav="Sources", nav_at=5, submit=3,
                 body="ruralstudy.site.pages:sources"),
    SitePage("regions.html", "Regions", "ruralstudy.site.pages:regions", nav="Regions", nav_at=4),
    NotebookPage("05_region_profile", "regions", "Region profile", per_region=True),
    SitePage("sources", "Source pages", "ruralstudy.site.pages:source_pages", many=True),
    SitePage("data.html", "Data", "ruralstudy.site.pages:data", nav="Data", nav_at=7),
    SitePage("glossary.html", "Glossary / 术语", "ruralstudy.site.pages:glossary", nav="Glossary",
             nav_at=8),
    SitePage("methods.html", "Methods and limitations", "ruralstudy.site.pages:methods",
             nav="Methods", nav_at=6),
    SitePage("about.html", "About", "ruralstudy.site.pages:about", nav="About", nav_at=9),
]


def _key(p: Page) -> str:
    return p.notebook if isinstance(p, NotebookPage) else p.path


def register_page(page: Page, *, before: str = "") -> Page:
    """Add a page (or replace the one with its notebook / path); ``before``: the path of the
    page it is published before (else it goes last)."""
    PAGES[:] = [p for p in PAGES if _key(p) != _key(page)]
    at = next((i for i, p in enumerate(PAGES) if p.path == before), len(PAGES))
    PAGES.insert(at, page)
    return page


def notebook_pages(*, per_region: bool | None = None) -> list[NotebookPage]:
    """The notebook pages (only the aggregate ones, or the per-region ones, when asked)."""
    return [p for p in PAGES if isinstance(p, NotebookPage)
            and (per_region is None or p.per_region == per_region)]


def notebook_page(notebook: str) -> NotebookPage:
    """The registered page of a notebook; KeyError when the notebook is not registered."""
    for p in notebook_pages():
        if p.notebook == notebook:
            return p
    raise KeyError(f"notebook {notebook!r} is not registered in ruralstudy.registry.PAGES")


def profile_page() -> NotebookPage:
    """The one per-region notebook page."""
    pages = notebook_pages(per_region=True)
    assert len(pages) == 1, "exactly one per-region notebook page is supported"
    return pages[0]


def page_names() -> dict[str, str]:
    """Aggregate notebook -> its page's path (``03_indicators`` -> ``indicators.html``)."""
    return {p.notebook: p.path for p in notebook_pages(per_region=False)}


def nav() -> list[tuple[str, str]]:
    """The navigation bar: (label, path) of every page that has a label, by ``nav_at``."""
    return [(p.nav, p.path) for p in sorted((p for p in PAGES if p.nav), key=lambda p: p.nav_at)]


# --- input formats ---------------------------------------------------------------------------

@dataclass(frozen=True)
class InputFormat:
    """A report format: files whose suffix is one of ``suffixes`` (or whose first bytes are
    ``magic``) are read by ``reader``, ``"module:function" (data, path[, deadline]) -> Report``;
    ``reader=""`` reads the bytes as plain text. ``deadline``: the reader takes the file's
    :class:`ruralstudy.texts.limits.Deadline` as its third argument."""

    name: str
    suffixes: tuple[str, ...]
    reader: str = ""
    magic: bytes = b""
    deadline: bool = True


FORMATS: list[InputFormat] = [
    InputFormat("text", (".txt",)),
    InputFormat("html", (".html", ".htm"), "ruralstudy.texts.formats:read_html_bytes"),
    InputFormat("pdf", (".pdf",), "ruralstudy.texts.formats:read_pdf_bytes", magic=b"%PDF-"),
    InputFormat("docx", (".docx",), "ruralstudy.texts.formats:read_docx_bytes", deadline=False),
    InputFormat("image", (".png", ".jpg", ".jpeg", ".tif", ".tiff"),
                "ruralstudy.texts.ocr:read_image_bytes"),
]


def register_format(fmt: InputFormat) -> InputFormat:
    """Add an input format (or replace the one of its name)."""
    FORMATS[:] = [f for f in FORMATS if f.name != fmt.name] + [fmt]
    return fmt


def suffixes() -> tuple[str, ...]:
    """Every suffix a report may have, in registry order."""
    return tuple(s for f in FORMATS for s in f.suffixes)


def format_for(suffix: str, head: bytes = b"") -> InputFormat | None:
    """The reader of a file: the first registered format with a reader whose suffixes hold
    ``suffix`` or whose ``magic`` starts ``head`` (a PDF named .txt is a PDF); None for plain
    text (read as text, whatever its suffix)."""
    suffix = suffix.lower()
    for f in FORMATS:
        if f.reader and (suffix in f.suffixes or (f.magic and head.startswith(f.magic))):
            return f
    return None


# --- processed tables ------------------------------------------------------------------------

@dataclass(frozen=True)
class ProcessedTable:
    """A table of ``data/processed/``: written as ``<name>.<format>`` for each of ``formats``.

    ``schema``: ``"module:ATTR"`` of the table's one declaration, a pandera ``DataFrameSchema``
    (or ``DataFrameModel``) listing its columns in order, each with its checks and what it means
    (``description``, ``title``: the Chinese label, ``metadata``: ``unit`` and ``missing``; see
    :mod:`ruralstudy.tables.schemas`). From it come the schema check on every build
    (:func:`check`), the column order (:attr:`columns`), the Data page's column docs, the
    ``datapackage.json`` fields and the Stata variable labels. ``step``: the build step that
    writes it (``extract`` or ``indicators``); ``make`` (for the indicators step) is
    ``"module:function" (IndicatorResult) -> DataFrame``. ``attr``: its attribute on
    :class:`ruralstudy.tables.tables.Tables` (default: the name). ``download``: offered on the
    Data page, described in ``datapackage.json``, its columns documented. ``stata``: also as a
    Stata file. ``notebooks``: the notebooks read it (its digest is one of their inputs)."""

    name: str
    title: str
    schema: str
    formats: tuple[str, ...] = ("csv", "parquet")
    step: str = "indicators"
    make: str = ""
    attr: str = ""
    download: bool = True
    stata: bool = False
    notebooks: bool = True
    primary_key: tuple[str, ...] = ()
    foreign_keys: tuple[tuple[str, str, str], ...] = ()

    @property
    def files(self) -> tuple[str, ...]:
        return tuple(f"{self.name}.{ext}" for ext in self.formats)

    @property
    def read_file(self) -> str:
        """The file the tables are parsed from (Parquet when written, it keeps the types)."""
        return f"{self.name}.parquet" if "parquet" in self.formats else f"{self.name}.csv"

    @property
    def attribute(self) -> str:
        return self.attr or self.name

    @property
    def columns(self) -> tuple[str, ...]:
        """The table's columns in the order they are written, from its declaration."""
        described: Callable[..., Any] = hook("ruralstudy.tables.schemas:described")
        return tuple(described(hook(self.schema), self.name).columns)


_S = "ruralstudy.tables.schemas:"
_R = "ruralstudy.build.pipeline:"
#: Every processed table; downloads are documented on the Data page in this order.
TABLES: list[ProcessedTable] = [
    ProcessedTable("figures", "Figures found in the reports", _S + "FIGURES", step="extract",
                   primary_key=("figure_id",)),
    ProcessedTable("indicators", "Indicator values: every mapped figure and sheet row",
                   _S + "INDICATORS", make=_R + "result_indicators", stata=True,
                   primary_key=("source_id",),
                   foreign_keys=(("indicator_id", "codebook", "indicator_id"),
                                 ("source_id", "mapping", "source_id"))),
    ProcessedTable("panel", "One value per region, election round, indicator and income concept",
                   _S + "PANEL", make=_R + "result_panel", stata=True,
                   primary_key=("region", "round", "indicator_id", "income_concept"),
                   foreign_keys=(("indicator_id", "codebook", "indicator_id"),
                                 ("source_id", "indicators", "source_id"))),
    ProcessedTable("conflicts", "Regions and indicators where independent sources disagree",
                   _S + "CONFLICTS", make=_R + "result_conflicts"),
    ProcessedTable("mapping", "Every figure and sheet row with what it measures and its mapping",
                   _S + "MAPPING", make=_R + "result_mapping", primary_key=("source_id",),
                   foreign_keys=(("indicator_id", "codebook", "indicator_id"),)),
    ProcessedTable("changes", "The figures that state a change (a before/after pair, a growth "
                   "rate, or a change cue in their sentence): rows of the mapping table, for the "
                   "pages that count changes without reading every figure", _S + "MAPPING",
                   formats=("parquet",), make=_R + "result_changes", download=False,
                   primary_key=("source_id",),
                   foreign_keys=(("source_id", "mapping", "source_id"),)),
    ProcessedTable("crosschecks", "Cross-checks between figures of one region", _S + "CROSSCHECKS",
                   formats=("csv",), make=_R + "result_crosschecks"),
    ProcessedTable("rejects", "Sheet rows that could not be used, with the reason", _S + "REJECTS",
                   formats=("csv",), make=_R + "result_rejects", primary_key=("source_id",)),
    ProcessedTable("codebook", "The indicators: definitions, units, valid ranges", _S + "CODEBOOK",
                   formats=("csv",), make=_R + "result_codebook", primary_key=("indicator_id",)),
    ProcessedTable("corpus_problems", "Reports that could not be read, and why",
                   _S + "CORPUS_PROBLEMS", formats=("csv",), step="extract", attr="problems",
                   download=False),
]


def register_table(table: ProcessedTable) -> ProcessedTable:
    """Add a processed table (or replace the one of its name)."""
    TABLES[:] = [t for t in TABLES if t.name != table.name] + [table]
    return table


def table(name: str) -> ProcessedTable | None:
    return next((t for t in TABLES if t.name == name), None)


def tables(*, step: str | None = None, download: bool | None = None) -> Iterator[ProcessedTable]:
    for t in TABLES:
        if (step is None or t.step == step) and (download is None or t.download == download):
            yield t


def processed_files(step: str | None = None) -> tuple[str, ...]:
    """Every file of ``data/processed/`` the registered tables make (of one step)."""
    return tuple(f for t in tables(step=step) for f in t.files)


def table_by_attribute(attr: str) -> ProcessedTable:
    """The processed table of an attribute of :class:`ruralstudy.tables.tables.Tables`
    (``problems`` is ``corpus_problems``)."""
    for t in TABLES:
        if t.attribute == attr:
            return t
    raise KeyError(f"no processed table is read as {attr!r}")


def notebook_data() -> tuple[str, ...]:
    """The processed files the notebooks read (their digests are the notebooks' inputs)."""
    return tuple(t.read_file for t in TABLES if t.notebooks)


def check(name: str, df: Any, rows: Any = None) -> Any:
    """Check a frame against its table's declaration (columns, their order and checks).
    ``rows``: a boolean mask of the rows to check one by one (the others were checked when they
    were made); uniqueness is then still checked over every row."""
    t = table(name)
    if t is None:
        raise KeyError(f"table {name!r} is not registered in ruralstudy.registry.TABLES")
    declaration: Callable[..., Any] = hook("ruralstudy.tables.schemas:declaration")
    if rows is not None:
        in_part: Callable[..., Any] = hook("ruralstudy.tables.validate:check_schema_in_part")
        return in_part(df, declaration(name), name, rows)
    validate: Callable[..., Any] = hook("ruralstudy.tables.validate:check_schema")
    return validate(df, declaration(name), name)
