"""Reading reports in the formats researchers find them: text, saved web pages, PDFs, Word.

Each reader turns the raw file (kept unchanged in data/raw/reports/) into the *extracted text*
used for figure extraction, plus a map from every extracted character back to where it sits
in the raw file, so provenance still leads to the exact sentence:

* ``.txt``: the decoded file itself (:func:`ruralstudy.iorw.decode_bytes`); figure offsets
  are offsets into it, exactly as before.
* ``.html``/``.htm``: the page is decoded (BOM, valid UTF-8, the declared charset,
  GB18030, Big5), its article is taken by **trafilatura** and every extracted character is
  aligned to the text node it came from: its location is the offset into the decoded HTML
  source (an entity such as ``&nbsp;`` maps to its ``&``).
* ``.pdf``: the text layer, page by page, by **pdfplumber**; a location is (page, index
  into the page's characters). Running headers and page numbers repeated on every page are
  dropped. When pdfminer (under pdfplumber) reads no character at all, PDFium (pypdfium2,
  already a pdfplumber dependency) is asked before the file is called scanned.
* ``.docx``: the paragraphs in document order, a table row's cells on one line, by
  **python-docx**; a location is (paragraph, offset in the paragraph), paragraphs counted in
  document order, table cells' included.

For these three, a figure's ``start``/``end`` are offsets into the extracted text (the
document's ``raw.text``), which is reproducible from the raw file by the pinned library, and
:meth:`Extracted.where` says where the characters sit in the raw file.

Why trafilatura rather than readability-lxml (measured on the saved pages in
tests/format_fixtures.py: a GB2312 county Party-committee page with menus, breadcrumb,
相关新闻, share widget, comment box and footer; a UTF-8 news-portal page with a sidebar
"热点排行", share bar and comment section; a navigation-only shell page):

=========================  ==============  ==============  ======================
extractor                  county page     news page       navigation shell
=========================  ==============  ==============  ======================
trafilatura, precision     4/4 kept, 0/13  2/2 kept, 0/7   empty (refused)
trafilatura, default       4/4 kept, 0/13  2/2 kept, 0/7   2 menu items leak
readability-lxml 0.9       4/4 kept, 0/13  2/2 kept, 6/7   footer leaks
=========================  ==============  ==============  ======================

("kept": article sentences with figures kept; second number: furniture strings leaked.)
readability kept the news page's sidebar, share bar, hot list and footer (with figures in
them: 新建公园12个, 300公里); trafilatura with ``favor_precision`` dropped all of it, kept one
paragraph per line, returned nothing for a navigation shell (so it can be refused) and also
reads the page's title, date and site name. It is also the better maintained of the two.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

from . import iorw
from .errors import CorpusError

#: Suffixes ``ruralstudy add`` and ``figures`` read.
SUFFIXES = (".txt", ".html", ".htm", ".pdf", ".docx")
#: An article shorter than this (non-blank characters) is a navigation shell, not a report.
MIN_ARTICLE_CHARS = 30
OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


@dataclass(frozen=True)
class Extracted:
    """Text extracted from a web page, PDF or Word file, with a location per character.

    ``locs[i]`` is where ``text[i]`` sits in the raw file: for ``html`` (0, offset into the
    decoded HTML source); for ``pdf`` (page number from 1, index into the page's characters);
    for ``docx`` (paragraph number from 1, offset in it); (-1, -1) for a character the
    extractor inserted (line breaks between paragraphs or pages)."""

    kind: str
    text: str
    locs: tuple[tuple[int, int], ...]
    meta: dict = field(default_factory=dict)

    def where(self, start: int, end: int) -> str:
        """Where the extracted span [start, end) lies in the raw file, in words."""
        locs = [loc for loc in self.locs[start:end] if loc[0] >= 0]
        if not locs:
            return ""
        (a0, a1), (b0, b1) = locs[0], locs[-1]
        if self.kind == "html":
            return f"HTML source characters {a1}–{b1 + 1}"
        unit = "page" if self.kind == "pdf" else "paragraph"
        if a0 == b0:
            return f"{unit} {a0}, characters {a1}–{b1 + 1}"
        return f"{unit} {a0} character {a1} to {unit} {b0} character {b1 + 1}"

    def runs(self) -> list[list[int]]:
        """The map compressed into runs [text_start, text_end, a, b_start] (b counting up)."""
        out: list[list[int]] = []
        for i, (a, b) in enumerate(self.locs):
            if out and out[-1][1] == i and out[-1][2] == a and \
                    (a < 0 or out[-1][3] + (i - out[-1][0]) == b):
                out[-1][1] = i + 1
            else:
                out.append([i, i + 1, a, b])
        return out


@dataclass(frozen=True)
class Report:
    """A read report: the raw text (for a non-text format, its extracted text) and, for web
    pages, PDFs and Word files, the extraction with its location map and metadata."""

    raw: iorw.RawText
    extracted: Extracted | None = None

    @property
    def meta(self) -> dict:
        return dict(self.extracted.meta) if self.extracted else {}


def _versions() -> dict[str, str]:
    from importlib.metadata import PackageNotFoundError, version

    out = {}
    for pkg in ("trafilatura", "pdfplumber", "python-docx"):
        try:
            out[pkg] = version(pkg)
        except PackageNotFoundError:  # pragma: no cover - declared dependencies
            out[pkg] = "?"
    return out


def read_report(path: str | Path) -> Report:
    """Read any supported report; raise :class:`CorpusError` naming the file when it cannot be
    used (old Word binary, scanned or encrypted PDF, navigation-only page, unknown format)."""
    p = Path(path)
    if not p.is_file():
        raise CorpusError("file does not exist", file=str(path))
    data = p.read_bytes()
    suffix = p.suffix.lower()
    if suffix == ".doc" or (data.startswith(OLE2_MAGIC) and suffix not in (".pdf",)):
        raise CorpusError("old Word binary (.doc) is not supported; open it in Word or "
                          "LibreOffice and save it as .docx", file=str(path))
    if suffix in (".html", ".htm"):
        return read_html_bytes(data, str(path))
    if suffix == ".pdf" or data.startswith(b"%PDF-"):
        return read_pdf_bytes(data, str(path))
    if suffix == ".docx":
        return read_docx_bytes(data, str(path))
    if suffix and suffix not in SUFFIXES:
        if data.startswith(b"PK\x03\x04"):
            raise CorpusError(f"{suffix} files are not supported (reads {', '.join(SUFFIXES)})",
                              file=str(path))
    return Report(raw=iorw.decode_bytes(data, str(path)))


def _report(kind: str, text: str, locs: list[tuple[int, int]], meta: dict, data: bytes,
            path: str, how: str) -> Report:
    ex = Extracted(kind=kind, text=text, locs=tuple(locs), meta=meta)
    raw = iorw.RawText(path=path, text=text, encoding=how, sha256=iorw.sha256_bytes(data))
    return Report(raw=raw, extracted=ex)


# --- alignment ------------------------------------------------------------------------------

def align(text: str, source: list[tuple[str, tuple[int, int]]]) -> list[tuple[int, int]]:
    """Locations for each character of ``text`` found, in order, among the ``source``
    characters (each with its location). Blanks are ignored on both sides and each line of
    ``text`` is searched as a whole, from where the previous line ended (then from the start),
    so skipped furniture in the source does not matter. Unfound characters get (-1, -1)."""
    keep = [(c, loc) for c, loc in source if not c.isspace()]
    s = "".join(unicodedata.normalize("NFKC", c)[:1] or c for c, _ in keep)
    locs: list[tuple[int, int]] = [(-1, -1)] * len(text)
    pos = 0
    i = 0
    for line in text.split("\n"):
        idx = [i + k for k, c in enumerate(line) if not c.isspace()]
        key = "".join(unicodedata.normalize("NFKC", line[k - i])[:1] or line[k - i] for k in idx)
        if key:
            at = s.find(key, pos)
            if at < 0:
                at = s.find(key)
            if at >= 0:
                for n, k in enumerate(idx):
                    locs[k] = keep[at + n][1]
                pos = at + len(key)
        i += len(line) + 1
    return locs


# --- HTML -----------------------------------------------------------------------------------

_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.I)
_ALIASES = {"gb2312": "gb18030", "gbk": "gb18030", "x-gbk": "gb18030", "gb_2312-80": "gb18030",
            "utf8": "utf-8", "big5-hkscs": "big5hkscs", "unicode": "utf-16"}


def decode_html(data: bytes, path: str) -> tuple[str, str]:
    """Decode a saved page: BOM; valid UTF-8; its declared charset (GB2312/GBK read as
    GB18030, their superset); GB18030; Big5. Returns (text, encoding)."""
    if not data.strip():
        raise CorpusError("file is empty", file=path)
    for bom, enc in ((b"\xef\xbb\xbf", "utf-8-sig"), (b"\xff\xfe", "utf-16"), (b"\xfe\xff", "utf-16")):
        if data.startswith(bom):
            try:
                return data.decode(enc).removeprefix("\ufeff"), enc.removesuffix("-sig")
            except UnicodeDecodeError:
                break
    # valid UTF-8 with non-ASCII text is UTF-8, whatever the page declares (a GB2312 page
    # re-saved by an editor keeps its old <meta>); GBK text is almost never valid UTF-8
    try:
        text = data.decode("utf-8")
        if not text.isascii():
            return text, "utf-8"
    except UnicodeDecodeError:
        pass
    tried = []
    m = _CHARSET.search(data[:4096])
    if m:
        declared = m.group(1).decode("ascii", "replace").lower()
        tried.append(_ALIASES.get(declared, declared))
    tried += ["utf-8", "gb18030", "big5"]
    for enc in dict.fromkeys(tried):
        try:
            return data.decode(enc), enc
        except (UnicodeDecodeError, LookupError):
            continue
    raise CorpusError("page is in no encoding read here (declared charset, UTF-8, GB18030, "
                      "Big5)", file=path)


class _SourceChars(HTMLParser):
    """Every character of the page's text nodes with its offset in the decoded source
    (script, style and template contents skipped; an entity maps to its '&')."""

    SKIP = {"script", "style", "template", "noscript"}

    def __init__(self, source: str) -> None:
        super().__init__(convert_charrefs=False)
        self.source = source
        self.line_starts = [0] + [m.end() for m in re.finditer("\n", source)]
        self.chars: list[tuple[str, tuple[int, int]]] = []
        self.title = ""
        self._skip = 0
        self._in_title = False

    def _offset(self) -> int:
        line, col = self.getpos()
        return self.line_starts[line - 1] + col

    def handle_starttag(self, tag, attrs):
        if tag in self.SKIP:
            self._skip += 1
        self._in_title = tag == "title"

    def handle_endtag(self, tag):
        if tag in self.SKIP and self._skip:
            self._skip -= 1
        if tag == "title":
            self._in_title = False

    def handle_data(self, data):
        if self._in_title:
            self.title += data
        if self._skip:
            return
        at = self._offset()
        self.chars.extend((c, (0, at + k)) for k, c in enumerate(data))

    def _ref(self, text):
        import html

        if self._in_title:
            self.title += html.unescape(text)
        if not self._skip:
            at = self._offset()
            self.chars.extend((c, (0, at)) for c in html.unescape(text))

    def handle_entityref(self, name):
        self._ref(f"&{name};")

    def handle_charref(self, name):
        self._ref(f"&#{name};")


_URL_DATE = re.compile(r"(20\d\d|19\d\d)[-/_]?(0[1-9]|1[0-2])[-/_]?(0[1-9]|[12]\d|3[01])")


def _quiet_trafilatura() -> None:
    for name in ("trafilatura", "htmldate", "courlan"):
        logging.getLogger(name).setLevel(logging.CRITICAL)


def read_html_bytes(data: bytes, path: str) -> Report:
    """A saved web page: its article text (trafilatura), map and metadata."""
    import trafilatura
    from trafilatura.metadata import extract_metadata

    _quiet_trafilatura()
    source, enc = decode_html(data, path)
    text = trafilatura.extract(source, favor_precision=True, include_comments=False,
                               include_tables=True, deduplicate=False) or ""
    text = "\n".join(line.strip() for line in text.splitlines() if line.strip())
    if len(re.sub(r"\s", "", text)) < MIN_ARTICLE_CHARS:
        raise CorpusError("the page holds no article text (only navigation, menus or a "
                          "script-loaded shell); save the article's own page", file=path)
    parser = _SourceChars(source)
    parser.feed(source)
    parser.close()
    meta_obj = extract_metadata(source)
    title = re.sub(r"\s+", " ", parser.title).strip()
    url = (meta_obj.url if meta_obj else "") or ""
    published = (meta_obj.date if meta_obj else "") or ""
    if not published and url:
        m = _URL_DATE.search(url)
        if m:
            published = f"{m[1]}-{m[2]}-{m[3]}"
    site = (meta_obj.sitename if meta_obj else "") or ""
    if not site and url:
        from urllib.parse import urlsplit

        site = urlsplit(url).netloc
    meta = {"title": title or (meta_obj.title if meta_obj else "") or "",
            "published": published, "source": url or site, "site": site}
    how = f"html {enc}; article by trafilatura {_versions()['trafilatura']}"
    return _report("html", text, align(text, parser.chars), meta, data, path, how)


# --- PDF ------------------------------------------------------------------------------------

_PAGE_NO = re.compile(r"^\s*(第?\s*[-—]?\s*\d+\s*[-—]?\s*页?(\s*共\s*\d+\s*页)?|-\s*\d+\s*-|\d+\s*/\s*\d+)\s*$")


def _pdf_date(value) -> str:
    m = re.match(r"D?:?(\d{4})(\d{2})(\d{2})", str(value or ""))
    return f"{m[1]}-{m[2]}-{m[3]}" if m else ""


def read_pdf_bytes(data: bytes, path: str) -> Report:
    """A PDF's text layer, page by page (pdfplumber); scanned and encrypted PDFs refused."""
    import io

    import pdfplumber
    from pdfplumber.utils.exceptions import PdfminerException

    pages: list[tuple[str, list[tuple[str, tuple[int, int]]]]] = []
    wraps: list[tuple[dict[str, float], float]] = []  # per page: line -> right edge; font size
    try:
        with pdfplumber.open(io.BytesIO(data)) as pdf:
            meta = dict(pdf.metadata or {})
            n_pages = len(pdf.pages)
            for no, page in enumerate(pdf.pages, start=1):
                chars = [(c["text"], (no, k)) for k, c in enumerate(page.chars)]
                lines = page.extract_text_lines(strip=True)
                sizes = sorted(float(c.get("size") or 0) for c in page.chars) or [10.0]
                pages.append((page.extract_text() or "", chars))
                wraps.append(({ln["text"].strip(): float(ln["x1"]) for ln in lines},
                              sizes[len(sizes) // 2]))
    except PdfminerException as exc:
        cause = exc.args[0] if exc.args else exc
        if "Password" in type(cause).__name__ or "Encrypt" in type(cause).__name__:
            raise CorpusError("the PDF is encrypted (password protected); save an unprotected "
                              "copy", file=path) from None
        raise CorpusError(f"not a readable PDF ({type(cause).__name__})", file=path) from None
    except Exception as exc:  # pdfminer raises many types on a damaged file
        raise CorpusError(f"not a readable PDF ({type(exc).__name__}: {exc})", file=path) from None
    how = f"pdf text layer by pdfplumber {_versions()['pdfplumber']}"
    if not any(chars for _, chars in pages):
        pages, how = _pdfium_pages(data, path), "pdf text layer by pypdfium2 (pdfminer read none)"
    if not any(re.sub(r"\s", "", t) for t, _ in pages):
        raise CorpusError("no text layer (a scanned or image-only PDF); OCR is not supported",
                          file=path)
    lines_by_page = [[ln.strip() for ln in t.splitlines()] for t, _ in pages]
    furniture = _running_lines(lines_by_page)
    out_lines: list[str] = []
    locs: list[tuple[int, int]] = []
    for no, ((t, chars), lines) in enumerate(zip(pages, lines_by_page)):
        body = [ln for ln in lines if ln and not _PAGE_NO.match(ln) and _mask(ln) not in furniture]
        reaches = None
        if no < len(wraps) and body:  # the right margin of the body text, less 1.5 characters
            right_of, size = wraps[no]
            margin = max(right_of.get(ln, 0.0) for ln in body) - 1.5 * size
            reaches = {ln: right_of.get(ln, 0.0) >= margin for ln in body}
        page_text = _unwrap(body, reaches)
        if not page_text:
            continue
        out_lines.append(page_text)
        locs.extend(align(page_text, chars))
        locs.append((-1, -1))  # the line break between pages
    text = "\n".join(out_lines)
    locs = locs[:len(text)]
    title = str(meta.get("Title") or "")
    info = {"title": "" if title.lower() in ("untitled", "") else title,
            # a PDF's CreationDate is when the file was made, not when the report came out
            "published": "", "created": _pdf_date(meta.get("CreationDate")), "source": "", "site": "",
            "pages": str(n_pages)}
    return _report("pdf", text, locs, info, data, path, how)


_LINE_END = tuple("。！？；：…」”’）)!?;:")


def _unwrap(lines: list[str], reaches_margin: dict[str, bool] | None = None) -> str:
    """A page's lines with the PDF's line wrapping undone: a line that reaches the right
    margin (pdfplumber's line geometry; without it, 90% of the longest line's characters)
    and does not end a sentence runs on into the next one, so a sentence, or a number
    (3\n7个), broken by the page width is one again."""
    if not lines:
        return ""
    longest = max(len(ln) for ln in lines)
    out = [lines[0]]
    for prev, ln in zip(lines, lines[1:]):
        full = reaches_margin.get(prev, False) if reaches_margin is not None \
            else len(prev) >= 0.9 * longest
        out.append(ln if full and not prev.endswith(_LINE_END) else "\n" + ln)
    return "".join(out)


def _mask(line: str) -> str:
    return re.sub(r"\d+", "#", line)


def _running_lines(pages: list[list[str]]) -> set[str]:
    """Header and footer lines (digits masked) repeated at the top or bottom of most pages."""
    if len(pages) < 2:
        return set()
    counts: dict[str, int] = {}
    for lines in pages:
        ends = [ln for ln in lines if ln][:2] + [ln for ln in lines if ln][-2:]
        for ln in {_mask(x) for x in ends}:
            counts[ln] = counts.get(ln, 0) + 1
    return {ln for ln, n in counts.items() if n >= max(2, (len(pages) + 1) // 2 + (len(pages) > 2))}


def _pdfium_pages(data: bytes, path: str) -> list[tuple[str, list[tuple[str, tuple[int, int]]]]]:
    try:
        import pypdfium2 as pdfium
    except ImportError:  # pragma: no cover
        return []
    try:
        doc = pdfium.PdfDocument(data)
    except Exception:
        return []
    pages = []
    for no in range(len(doc)):
        t = doc[no].get_textpage().get_text_range().replace("\r\n", "\n").replace("\r", "\n")
        t = t.replace("\x00", "")
        pages.append((t, [(c, (no + 1, k)) for k, c in enumerate(t)]))
    return pages


# --- DOCX -----------------------------------------------------------------------------------

def read_docx_bytes(data: bytes, path: str) -> Report:
    """A Word file's paragraphs (table cells included) in document order (python-docx)."""
    import io
    import zipfile

    import docx
    from docx.oxml.ns import qn
    from docx.text.paragraph import Paragraph

    try:
        d = docx.Document(io.BytesIO(data))
    except (zipfile.BadZipFile, KeyError, ValueError) as exc:
        raise CorpusError(f"not a readable Word .docx file ({type(exc).__name__})",
                          file=path) from None
    # one line per paragraph; the cells of a table row make one line (cells joined by a
    # space), so a figure in a row keeps its row's label in its sentence
    lines: list[tuple[object, str, list[tuple[int, int]]]] = []  # (row or None, text, locs)
    for no, p in enumerate(d.element.body.iter(qn("w:p")), start=1):
        t = Paragraph(p, d).text
        if not t.strip():
            continue
        lead = len(t) - len(t.lstrip())
        t = t.strip()
        row = next((a for a in p.iterancestors(qn("w:tr"))), None)
        plocs = [(no, lead + k) for k in range(len(t))]
        if row is not None and lines and lines[-1][0] is row:
            _, prev, prev_locs = lines[-1]
            lines[-1] = (row, prev + " " + t, prev_locs + [(-1, -1)] + plocs)
        else:
            lines.append((row, t, plocs))
    text = "\n".join(t for _, t, _ in lines)
    locs: list[tuple[int, int]] = []
    for _, _, plocs in lines:
        locs.extend(plocs)
        locs.append((-1, -1))
    if not re.sub(r"\s", "", text):
        raise CorpusError("the Word file holds no text", file=path)
    cp = d.core_properties
    info = {"title": cp.title or "", "published": "", "source": "", "site": ""}
    how = f"docx paragraphs by python-docx {_versions()['python-docx']}"
    return _report("docx", text, locs[:len(text)], info, data, path, how)


# --- metadata: the region the report describes ---------------------------------------------

@dataclass(frozen=True)
class RegionGuess:
    """The region most named in a text, or why none could be decided."""

    name: str = ""
    province: str = ""
    level: str = ""
    code: str = ""
    mentions: int = 0
    reason: str = ""


def infer_region(text: str) -> RegionGuess:
    """The most-named county, prefecture or province in ``text``, resolved to a division code
    with cpca (the table :func:`ruralstudy.regions.division_code` uses). The finest place
    named in at least two sentences and at least half of all place-naming sentences wins; a
    tie or a place cpca cannot code is undecidable (empty name and a reason). A place counts
    only where it is written: two counties named equally do not make their province the
    answer."""
    from .regions import division_code, strip_suffix

    sentences = [s for s in re.split(r"[。！？；\n!?;]", text) if re.search(r"[省市县区州旗盟]", s)]
    if not sentences:
        return RegionGuess(reason="no place is named")
    import cpca

    df = cpca.transform(sentences)
    counts: dict[tuple[str, str, str], int] = {}
    named = 0
    for sent, r in zip(sentences, df.to_dict("records")):
        prov, city, area = (r.get(k) if isinstance(r.get(k), str) else "" for k in ("省", "市", "区"))

        def written(name: str) -> bool:  # cpca also matches bare 县 (全县) and fills parents
            short = strip_suffix(name)
            return bool(name) and (name in sent or (len(short) >= 2 and short in sent))

        # a place counts where the sentence itself writes it (cpca fills in its parents)
        keys = [k for k, name in (((prov, city, area), area), ((prov, city, ""), city),
                                  ((prov, "", ""), prov)) if prov and written(name)]
        if not keys:
            continue
        named += 1
        for key in keys:
            counts[key] = counts.get(key, 0) + 1
    if not counts:
        return RegionGuess(reason="no place cpca knows is named")
    best = None
    for level_len in (3, 2, 1):  # finest first
        cands = sorted(((n, k) for k, n in counts.items()
                        if sum(1 for x in k if x) == level_len), reverse=True)
        if not cands:
            continue
        n, key = cands[0]
        if n >= 2 and n * 2 >= named and (len(cands) == 1 or cands[1][0] < n):
            best = (n, key, level_len)
            break
    if best is None:
        top = sorted(counts.items(), key=lambda kv: -kv[1])[:3]
        named_s = ", ".join(f"{''.join(k)} ×{n}" for k, n in top)
        return RegionGuess(reason=f"no place is named clearly more than the others ({named_s})")
    n, (prov, city, area), level_len = best
    level = {3: "county", 2: "prefecture", 1: "province"}[level_len]
    name = area or city or prov
    code = division_code(name, prov, level)
    if not code:
        return RegionGuess(reason=f"{name} ({prov}) has no unique division code")
    return RegionGuess(name=name, province=prov, level=level, code=code, mentions=n)
