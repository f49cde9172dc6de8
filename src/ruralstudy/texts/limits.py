"""Every limit an input is read under, in one place.

A report, sheet or citation file that goes over a limit is refused: the error names the file
(and the line, page or part), the limit, the value found, and how to raise the limit. The rest
of the batch goes on (``add`` adds the other files; ``build --keep-going`` skips the file).

Each limit is raised with an environment variable, e.g.::

    RURALSTUDY_MAX_FILE_BYTES=500MB ruralstudy add big.html
    RURALSTUDY_MAX_SHEET_ROWS=2000000 ruralstudy build

The defaults sit far above any real report or hand-gathered sheet (a long county report is
about 30,000 characters, a dense PDF page about 3,000, a gathered sheet a few hundred rows)
and far below what exhausts a laptop. Where a well-kept library has its own limit it is used
(libxml2's depth and entity-amplification limits, ``zipfile``'s per-member sizes, the ``csv``
module's field limit, openpyxl's read-only reader bounded by ``max_col``); the rest are counted
here, each saying why no library does it.
"""

from __future__ import annotations

import os
import re
import time
from dataclasses import dataclass
from typing import IO

from ..errors import CorpusError, RuralStudyError


class LimitError(CorpusError):
    """An input goes over one of the limits below; the message says which and how to raise it."""


_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([KMG]?)B?\s*$", re.I)
_MULT = {"": 1, "K": 1 << 10, "M": 1 << 20, "G": 1 << 30}


@dataclass(frozen=True)
class Limit:
    """One limit: its name, default, unit, what it bounds and the variable that raises it."""

    name: str
    default: float
    unit: str  # "bytes", "characters", "rows", "seconds", ...
    what: str

    @property
    def env(self) -> str:
        return f"RURALSTUDY_{self.name.upper()}"

    @property
    def value(self) -> float:
        """The limit in force: the environment variable when set (sizes may say KB/MB/GB),
        else the default. A variable that is not a positive number is an error naming it."""
        raw = os.environ.get(self.env, "").strip()
        if not raw:
            return self.default
        m = _SIZE.match(raw) if self.unit == "bytes" else None
        try:
            v = float(m[1]) * _MULT[m[2].upper()] if m else float(raw)
        except ValueError:
            v = float("nan")
        if not v > 0:
            raise RuralStudyError(f"{self.env}={raw!r} is not a positive number "
                                  f"({self.what}, in {self.unit})")
        return v

    def shown(self, v: float | None = None) -> str:
        v = self.value if v is None else v
        if self.unit == "bytes":
            for unit, size in (("GB", 1 << 30), ("MB", 1 << 20), ("KB", 1 << 10)):
                if v >= size:
                    return f"{v / size:.3g} {unit}"
            return f"{int(v)} bytes"
        if self.unit == "seconds":
            return f"{v:g} s"
        return f"{int(v):,} {self.unit}"

    def error(self, found: float | str, file: str, *, line: int | None = None,
              where: str = "") -> LimitError:
        """The refusal: what went over, the limit, and how to raise it."""
        got = found if isinstance(found, str) else self.shown(found)
        at = f" ({where})" if where else ""
        return LimitError(f"{self.what}{at} is {got}, over the limit of {self.shown()}; "
                          f"the file is not read (raise the limit with {self.env}=N if the "
                          f"file is genuine)", file=file, line=line)

    def check(self, found: float, file: str, *, line: int | None = None, where: str = "") -> None:
        if found > self.value:
            raise self.error(found, file, line=line, where=where)


# --- the limits ----------------------------------------------------------------------------

#: Any input file (report or sheet), checked from its size on disk before a byte is read.
FILE_BYTES = Limit("max_file_bytes", 200 << 20, "bytes", "the file's size")
#: All members of a .docx or .xlsx (a zip) together, from the zip's own directory; zipfile
#: never reads a member past its declared size, so a lying directory cannot get around it.
UNZIPPED_BYTES = Limit("max_unzipped_bytes", 300 << 20, "bytes",
                       "the size of the unpacked Word/Excel file")
#: The text taken out of one report (an article, a PDF, a Word file, a text file read by
#: ``add`` or the build; ``figures FILE.txt`` streams and is bounded by its longest line).
#: 5 million characters is 50 times a long report; the benchmark's 10 MB page has 3.4 million.
REPORT_CHARS = Limit("max_report_chars", 5_000_000, "characters",
                     "the report's text")
#: One line of a report's text (a paragraph; a sentence never crosses a line end). A figure's
#: sentence is cut at 。！？； or the line end, so a line with no sentence end makes every
#: figure on it carry the whole line: cost and output grow with figures x line length.
LINE_CHARS = Limit("max_line_chars", 100_000, "characters", "one line of the report's text")
#: One PDF page's characters, counted from its content stream before pdfminer lays it out
#: (pdfminer keeps a Python object per character; neither it nor PDFium bounds a page).
PDF_PAGE_OPERATORS = Limit("max_pdf_page_operators", 200_000, "operators",
                           "the number of text-drawing operators on one PDF page")
#: One PDF page's decompressed content streams.
PDF_PAGE_BYTES = Limit("max_pdf_page_bytes", 64 << 20, "bytes",
                       "one PDF page's decompressed content")
#: HTML nesting: libxml2 (with XML_PARSE_HUGE) stops at 2048 levels; a page deeper than that
#: would lose its end, so it is refused. Not raisable beyond libxml2's own limit.
HTML_DEPTH = Limit("max_html_depth", 2048, "levels", "the page's nesting depth")
#: Sheet rows (blank rows skipped: they cost nothing and are not counted).
SHEET_ROWS = Limit("max_sheet_rows", 100_000, "rows", "the sheet's number of non-blank rows")
#: Sheet columns (read-only XLSX reading stops at this column, so a far cell costs nothing).
SHEET_COLUMNS = Limit("max_sheet_columns", 64, "columns", "the sheet's number of columns")
#: One sheet cell (the csv module's own field limit; XLSX cells are checked as read).
FIELD_CHARS = Limit("max_field_chars", 10_000, "characters", "one cell")
#: YAML (CITATION.cff): aliases, and the nodes they expand to. PyYAML shares aliased nodes
#: while loading, but any code that walks or prints the value expands them (10 aliases of
#: 10 aliases ... nine deep is 10^9 items from 509 bytes); PyYAML has no such limit.
YAML_ALIASES = Limit("max_yaml_aliases", 1_000, "aliases", "the number of YAML aliases")
YAML_NODES = Limit("max_yaml_nodes", 1_000_000, "nodes",
                   "the size of the YAML document with its aliases expanded")
#: Wall-clock time to read one file, checked between stages and pages (a cooperative check:
#: no signal, so it also holds in worker threads).
SECONDS_PER_FILE = Limit("max_seconds_per_file", 600, "seconds", "the time to read the file")
#: A minimum, not a maximum: a page read by OCR (:mod:`ruralstudy.texts.ocr`) whose mean word
#: confidence (0-100) is below it is refused, naming the page. Clean, blurred and speckled
#: test scans of report text read at 85-95, a page of noise or a photograph well below 70.
MIN_OCR_CONFIDENCE = Limit("min_ocr_confidence", 70, "percent", "the OCR confidence of a page")

ALL = (FILE_BYTES, UNZIPPED_BYTES, REPORT_CHARS, LINE_CHARS, PDF_PAGE_OPERATORS, PDF_PAGE_BYTES, HTML_DEPTH,
       SHEET_ROWS, SHEET_COLUMNS, FIELD_CHARS, YAML_ALIASES, YAML_NODES, SECONDS_PER_FILE,
       MIN_OCR_CONFIDENCE)


def check_lines(text: str, file: str) -> None:
    """Refuse a text with a line longer than :data:`LINE_CHARS`, naming the line."""
    limit = LINE_CHARS.value
    if len(text) <= limit:
        return
    start = line = 0
    while True:
        end = text.find("\n", start)
        stop = len(text) if end < 0 else end
        if stop - start > limit:
            raise LINE_CHARS.error(f"{stop - start:,} characters", file, line=line + 1)
        if end < 0:
            return
        start, line = end + 1, line + 1


def describe() -> str:
    """Every limit in force, one a line (for the README and ``--help`` texts)."""
    return "\n".join(f"{lim.env:<34} {lim.shown():>22}  {lim.what}" for lim in ALL)


class Deadline:
    """The time a file may take to read (:data:`SECONDS_PER_FILE`), checked between stages."""

    def __init__(self, file: str) -> None:
        self.file = file
        self.limit = SECONDS_PER_FILE.value
        self.start = time.monotonic()

    def check(self, where: str = "") -> None:
        spent = time.monotonic() - self.start
        if spent > self.limit:
            raise SECONDS_PER_FILE.error(f"{spent:.0f} s or more", self.file, where=where)


def check_file_size(path: str | os.PathLike[str], file: str | None = None) -> int:
    """The file's size, refused over :data:`FILE_BYTES` before anything is read."""
    size = os.stat(path).st_size
    FILE_BYTES.check(size, file or str(path))
    return size


def check_zip(data_or_file: str | os.PathLike[str] | IO[bytes], file: str) -> None:
    """Refuse a zip (docx, xlsx) whose members unpack to more than :data:`UNZIPPED_BYTES`,
    from the zip's directory (nothing is decompressed)."""
    import zipfile

    try:
        with zipfile.ZipFile(data_or_file) as z:
            total = sum(i.file_size for i in z.infolist())
    except (zipfile.BadZipFile, OSError, ValueError):
        return  # not a zip: the reader says so in its own words
    UNZIPPED_BYTES.check(total, file)


# --- YAML ----------------------------------------------------------------------------------

def load_yaml(text: str, file: str) -> object:
    """``yaml.safe_load`` (libyaml's parser when PyYAML has it) after counting, from the
    event stream, the aliases and the nodes they would expand to (:data:`YAML_ALIASES`,
    :data:`YAML_NODES`): a few hundred bytes cannot become a billion items."""
    import yaml

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    max_aliases, max_nodes = YAML_ALIASES.value, YAML_NODES.value
    sizes: dict[str, int] = {}  # anchor -> expanded size of its node
    opened: list[tuple[str | None, int]] = []  # open collections: (anchor, count at start)
    aliases = count = 0  # count: nodes so far, each alias counted as the nodes it expands to

    def grow(n: int) -> None:
        nonlocal count
        count += n
        if count > max_nodes:
            raise YAML_NODES.error(f"more than {int(max_nodes):,} nodes", file)

    for ev in yaml.parse(text, Loader=loader):
        if isinstance(ev, yaml.AliasEvent):
            aliases += 1
            if aliases > max_aliases:
                raise YAML_ALIASES.error(f"more than {int(max_aliases):,}", file)
            grow(sizes.get(ev.anchor or "", 1))
        elif isinstance(ev, yaml.ScalarEvent):
            if ev.anchor:
                sizes[ev.anchor] = 1
            grow(1)
        elif isinstance(ev, (yaml.SequenceStartEvent, yaml.MappingStartEvent)):
            opened.append((ev.anchor, count))
            grow(1)
        elif isinstance(ev, (yaml.SequenceEndEvent, yaml.MappingEndEvent)):
            anchor, at = opened.pop()
            if anchor:
                sizes[anchor] = count - at
    return yaml.load(text, Loader=loader)
