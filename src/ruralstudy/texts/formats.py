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
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

from .. import iorw, registry
from . import limits
from ..errors import CorpusError
# the location map, the report and the aligner, shared with the OCR reader (texts.located);
# Extracted and align are imported from here too
from .located import (_PAGE_NO, Extracted, Locs, Report, SourceChars, _report,  # noqa: F401
                      _unwrap, align)

#: An article shorter than this (non-blank characters) is a navigation shell, not a report.
MIN_ARTICLE_CHARS = 30
OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


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
    used (old Word binary, scanned or encrypted PDF, navigation-only page, unknown format, a
    file over one of the :mod:`ruralstudy.texts.limits`)."""
    p = Path(path)
    kind = _not_a_file(p)
    if kind:
        raise CorpusError(kind, file=str(path))
    limits.check_file_size(p, str(path))  # before a byte is read: a 6 GB file costs nothing
    try:
        data = p.read_bytes()
    except OSError as exc:
        raise CorpusError(f"cannot read the file: {exc.strerror or exc}", file=str(path)) from None
    deadline = limits.Deadline(str(path))
    suffix = p.suffix.lower()
    if suffix == ".doc" or (data.startswith(OLE2_MAGIC) and suffix not in (".pdf",)):
        raise CorpusError("old Word binary (.doc) is not supported; open it in Word or "
                          "LibreOffice and save it as .docx", file=str(path))
    try:  # the format's reader, by suffix or first bytes (ruralstudy.registry.FORMATS)
        fmt = registry.format_for(suffix, data[:16])
        if fmt is not None and fmt.reader:
            read = registry.hook(fmt.reader)
            report = (read(data, str(path), deadline) if fmt.deadline
                      else read(data, str(path)))
        else:
            known = registry.suffixes()
            if suffix and suffix not in known and data.startswith(b"PK\x03\x04"):
                raise CorpusError(f"{suffix} files are not supported (reads "
                                  f"{', '.join(known)})", file=str(path))
            report = Report(raw=iorw.decode_bytes(data, str(path)))
    except CorpusError:
        raise
    except RecursionError:
        raise CorpusError("the file is nested too deeply to read", file=str(path)) from None
    except MemoryError:
        raise CorpusError("the file needs more memory than this machine has", file=str(path)) \
            from None
    except Exception as exc:  # a third-party parser's own error on a damaged file: a sentence
        raise CorpusError(f"the file cannot be read ({type(exc).__name__}: {exc})",
                          file=str(path)) from None
    limits.REPORT_CHARS.check(len(report.raw.text), str(path))
    limits.check_lines(report.raw.text, str(path))
    deadline.check("after reading")
    return report


def _not_a_file(p: Path) -> str:
    """Why ``p`` is not a regular file to read ('' when it is): missing, a folder, a FIFO, a
    device or a socket (reading those would hang or never end)."""
    import stat

    try:
        mode = p.stat().st_mode
    except FileNotFoundError:
        return "file does not exist"
    except OSError as exc:
        return f"cannot read the file: {exc.strerror or exc}"
    if stat.S_ISREG(mode):
        return ""
    if stat.S_ISDIR(mode):
        return "is a folder, not a file"
    what = ("a named pipe (FIFO)" if stat.S_ISFIFO(mode) else
            "a device" if stat.S_ISCHR(mode) or stat.S_ISBLK(mode) else
            "a socket" if stat.S_ISSOCK(mode) else "not a regular file")
    return f"is {what}, not a regular file; not read"


# --- HTML -----------------------------------------------------------------------------------

_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.I)
_ALIASES = {"gb2312": "gb18030", "gbk": "gb18030", "x-gbk": "gb18030", "gb_2312-80": "gb18030",
            "utf8": "utf-8", "big5-hkscs": "big5hkscs", "unicode": "utf-16"}


def decode_html(data: bytes, path: str) -> tuple[str, str]:
    """Decode a saved page: BOM; valid UTF-8; else its declared charset (GB2312/GBK read as
    GB18030, their superset), GB18030 or Big5, whichever gives the most plausible Chinese text
    (:func:`cjk_plausibility`): a declared charset is checked against the bytes, since a
    single-byte one (windows-1252, iso-8859-1) decodes anything into mojibake. Returns (text,
    encoding); when the declaration was overruled, the encoding says so."""
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
    except UnicodeDecodeError as exc:
        iorw.refuse_truncated_utf8(data, exc, path)
    declared = ""
    m = _CHARSET.search(data[:4096])
    if m:
        name = m.group(1).decode("ascii", "replace").lower()
        declared = _ALIASES.get(name, name)
    decoded: dict[str, str] = {}
    for enc in dict.fromkeys([declared, "utf-8", "gb18030", "big5"] if declared else
                             ["utf-8", "gb18030", "big5"]):
        try:
            decoded[enc] = data.decode(enc)
        except (UnicodeDecodeError, LookupError):
            continue
    if not decoded:
        raise CorpusError("page is in no encoding read here (declared charset, UTF-8, GB18030, "
                          "Big5)", file=path)
    first = next(iter(decoded))
    if declared and declared != first:  # the declaration does not even decode the bytes
        note = f"{first} (declared {declared}, which does not decode the bytes)"
        if len(decoded) == 1 or data.isascii():
            return decoded[first], note
    if len(decoded) == 1 or data.isascii():
        return decoded[first], first
    scores = {enc: cjk_plausibility(t) for enc, t in decoded.items()}
    best = max(decoded, key=scores.__getitem__)
    if scores[best] <= scores[first] + 0.2:  # the first valid one (declared) unless clearly worse
        return decoded[first], first if not declared or declared == first else note
    why = (f"declared {declared}, but its text is not Chinese ({scores[first]:.0%} of "
           f"non-ASCII characters common Chinese against {scores[best]:.0%} as {best})"
           if declared == first else f"{first} gives implausible text")
    return decoded[best], f"{best} ({why})"


_COMMON_PUNCT = set("，。、；：？！“”‘’（）《》【】—…·０１２３４５６７８９％")


def cjk_plausibility(text: str, sample: int = 20000) -> float:
    """Share of the non-ASCII characters (the first ``sample`` of them) that are common
    Chinese: a GB2312 level-1 hanzi (the 3,755 most used simplified characters), a Big5
    common hanzi (the 5,401 most used traditional ones) or Chinese punctuation. Text decoded
    with the right codec scores near 1; mojibake (Latin-1 letters, kana, rare ideographs from
    reading Big5 as GBK) scores far lower. Written here because no installed library rates
    candidate decodings of CJK text (charset-normalizer guesses one codec, not a score)."""
    n = good = 0
    for c in text:
        if c < "\x80" or c.isspace():
            continue
        n += 1
        if c in _COMMON_PUNCT or _common_hanzi(c):
            good += 1
        if n >= sample:
            break
    return good / n if n else 1.0


def _common_hanzi(c: str) -> bool:
    k = _COMMON.get(c)
    if k is None:
        k = False
        if "\u4e00" <= c <= "\u9fff":
            try:
                k = 0xB0 <= c.encode("gb2312")[0] <= 0xD7
            except UnicodeEncodeError:
                pass
            if not k:
                try:
                    k = 0xA4 <= c.encode("big5")[0] <= 0xC6
                except UnicodeEncodeError:
                    pass
        _COMMON[c] = k
    return k


_COMMON: dict[str, bool] = {}


class _SourceChars(HTMLParser):
    """Every non-blank character of the page's text nodes with its offset in the decoded
    source (script, style and template contents skipped; an entity maps to its '&'), kept
    compactly (:class:`SourceChars`)."""

    SKIP = {"script", "style", "template", "noscript"}

    def __init__(self, source: str) -> None:
        super().__init__(convert_charrefs=False)
        self.source = source
        self.line_starts = [0] + [m.end() for m in re.finditer("\n", source)]
        self.chars = SourceChars()
        self.title = ""
        self._skip = 0
        self._in_title = False

    def _offset(self) -> int:
        line, col = self.getpos()
        return self.line_starts[line - 1] + col

    def parse_marked_section(self, i, report=1):
        # <![if !supportLists]>, <![CDATA[...]]> are handled by the standard library; an
        # unknown keyword (<![bogus[ ... ]]>) makes it raise AssertionError: skip the section
        # as browsers do (up to its "]]>", else its ">")
        try:
            return super().parse_marked_section(i, report)
        except AssertionError:
            end = self.rawdata.find("]]>", i + 3)
            if end >= 0:
                return end + 3
            end = self.rawdata.find(">", i + 3)
            return end + 1 if end >= 0 else -1

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
        if self._in_title and len(self.title) < 10000:
            self.title += data
        if self._skip:
            return
        self.chars.add(data, 0, self._offset())

    def _ref(self, text):
        import html

        if self._in_title and len(self.title) < 10000:
            self.title += html.unescape(text)
        if not self._skip:
            self.chars.add(html.unescape(text), 0, self._offset(), step=0)

    def handle_entityref(self, name):
        self._ref(f"&{name};")

    def handle_charref(self, name):
        self._ref(f"&#{name};")


_URL_DATE = re.compile(r"(20\d\d|19\d\d)[-/_]?(0[1-9]|1[0-2])[-/_]?(0[1-9]|[12]\d|3[01])")


def _quiet_trafilatura() -> None:
    for name in ("trafilatura", "htmldate", "courlan"):
        logging.getLogger(name).setLevel(logging.CRITICAL)


#: Presentational tags old CMS editors leave unclosed in every paragraph (<font size=3>...):
#: each one nests the rest of the page a level deeper, so a long article goes past libxml2's
#: depth limit. They carry no structure, so the copy given to the extractor drops them (the
#: location map is built from the untouched source).
_UNCLOSED_INLINE = re.compile(r"</?font\b[^>]*>", re.I)


def _html_tree(source: str, path: str):
    """The page parsed by lxml as trafilatura parses it, but with libxml2's XML_PARSE_HUGE
    (``huge_tree``): without it libxml2 stops at 256 levels of nesting and silently drops
    the rest of the page. Over libxml2's own limit even with it (2048 levels, or
    :data:`ruralstudy.texts.limits.HTML_DEPTH` when lower) the page is refused, not cut short."""
    import lxml.html

    from trafilatura.utils import repair_faulty_html

    parser = lxml.html.HTMLParser(collect_ids=False, default_doctype=False, encoding="utf-8",
                                  remove_comments=True, remove_pis=True, huge_tree=True)
    text = repair_faulty_html(_UNCLOSED_INLINE.sub("", source), source[:50].lower())
    tree = lxml.html.fromstring(text.encode("utf-8", "surrogatepass"), parser=parser)
    too_deep = [e for e in parser.error_log if "Excessive depth" in e.message]
    depth_limit = limits.HTML_DEPTH.value
    if too_deep:
        raise limits.HTML_DEPTH.error(f"more than {min(depth_limit, 2048):,.0f} levels", path,
                                      line=too_deep[0].line)
    if depth_limit < 2048:
        deepest = max((sum(1 for _ in e.iterancestors()) for e in tree.iter()), default=0)
        limits.HTML_DEPTH.check(deepest, path)
    return tree


def read_html_bytes(data: bytes, path: str, deadline: limits.Deadline | None = None) -> Report:
    """A saved web page: its article text (trafilatura), map and metadata."""
    import trafilatura
    from trafilatura.metadata import extract_metadata

    deadline = deadline or limits.Deadline(path)
    _quiet_trafilatura()
    source, enc = decode_html(data, path)
    text = trafilatura.extract(_html_tree(source, path), favor_precision=True,
                               include_comments=False, include_tables=True,
                               deduplicate=False) or ""
    deadline.check("after taking the article")
    text = "\n".join(line.strip() for line in text.splitlines() if line.strip())
    if len(re.sub(r"\s", "", text)) < MIN_ARTICLE_CHARS:
        raise CorpusError("the page holds no article text (only navigation, menus or a "
                          "script-loaded shell); save the article's own page", file=path)
    limits.REPORT_CHARS.check(len(text), path)
    parser = _SourceChars(source)
    parser.feed(source)
    parser.close()
    deadline.check("after mapping the page")
    # htmldate's "extensive search" guesses a date from any year in the text (2023年 became
    # 2023-01-01, a page with none got 1995-01-01) and costs seconds a megabyte: only dates
    # the page states in its markup, URL or a 发布时间 line are taken
    meta_obj = extract_metadata(_html_tree(source, path), date_config={
        "extensive_search": False, "original_date": True})
    title = re.sub(r"\s+", " ", parser.title).strip()
    url = (meta_obj.url if meta_obj else "") or ""
    published = (meta_obj.date if meta_obj else "") or ""
    if not published and url:
        m = _URL_DATE.search(url)
        if m:
            published = f"{m[1]}-{m[2]}-{m[3]}"
    if not published:
        published = stated_date(source)
    site = (meta_obj.sitename if meta_obj else "") or ""
    if not site and url:
        from urllib.parse import urlsplit

        site = urlsplit(url).netloc
    meta = {"title": title or (meta_obj.title if meta_obj else "") or "",
            "published": published, "source": url or site, "site": site}
    if "(" in enc:
        meta["encoding_note"] = enc
    how = f"html {enc}; article by trafilatura {_versions()['trafilatura']}"
    return _report("html", text, align(text, parser.chars), meta, data, path, how)


_STATED_DATE = re.compile(
    r"(?:发布|发表|发稿|印发|成文|更新)?(?:时间|日期)\s*[:：]\s*"
    r"((?:19|20)\d\d)\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})")


def stated_date(source: str) -> str:
    """The date a page states as its own (发布时间：2024-03-15, 日期：2024年3月15日), as
    YYYY-MM-DD; '' when it states none. A year alone, or a date in a sentence, is not one."""
    import datetime

    plain = re.sub(r"<[^>]{0,2000}>", " ", source[:2_000_000]).replace("&nbsp;", " ")
    for m in _STATED_DATE.finditer(plain):
        try:
            return datetime.date(int(m[1]), int(m[2]), int(m[3])).isoformat()
        except ValueError:
            continue
    return ""


# --- PDF ------------------------------------------------------------------------------------


def _pdf_date(value) -> str:
    m = re.match(r"D?:?(\d{4})(\d{2})(\d{2})", str(value or ""))
    return f"{m[1]}-{m[2]}-{m[3]}" if m else ""


_TEXT_OPS = re.compile(rb"(?<![A-Za-z0-9_])(?:Tj|TJ|'|\")(?![A-Za-z0-9_])")


def _check_pdf_page(page, no: int, path: str) -> None:
    """Refuse a page whose content (with the forms it draws, one level down) holds more
    text-drawing operators than :data:`ruralstudy.texts.limits.PDF_PAGE_OPERATORS`, or more
    decompressed bytes than :data:`ruralstudy.texts.limits.PDF_PAGE_BYTES`, before pdfminer lays it
    out: pdfminer keeps a Python object per character and has no limit of its own (2 million
    tiny text operators in 141 KB took 5.4 GB)."""
    from pdfminer.pdftypes import PDFStream, resolve1

    streams = []
    for ref in page.page_obj.contents or []:
        obj = resolve1(ref)
        if isinstance(obj, PDFStream):
            streams.append(obj)
    res = resolve1(page.page_obj.resources) or {}
    xobjects = resolve1(res.get("XObject")) if isinstance(res, dict) else None
    for ref in (xobjects or {}).values() if isinstance(xobjects, dict) else []:
        obj = resolve1(ref)
        if isinstance(obj, PDFStream) and getattr(obj.get("Subtype"), "name", "") == "Form":
            streams.append(obj)
    size = ops = 0
    max_bytes = limits.PDF_PAGE_BYTES.value
    for st in streams:
        body = st.get_data() or b""
        size += len(body)
        if size > max_bytes:
            raise limits.PDF_PAGE_BYTES.error(size, path, where=f"page {no}")
        ops += len(_TEXT_OPS.findall(body))
    limits.PDF_PAGE_OPERATORS.check(ops, path, where=f"page {no}")


def read_pdf_bytes(data: bytes, path: str, deadline: limits.Deadline | None = None) -> Report:
    """A PDF's text layer, page by page (pdfplumber); scanned and encrypted PDFs refused."""
    import io

    import pdfplumber
    from pdfplumber.utils.exceptions import PdfminerException

    deadline = deadline or limits.Deadline(path)
    pages: list[tuple[str, SourceChars]] = []
    wraps: list[tuple[dict[str, float], float]] = []  # per page: line -> right edge; font size
    try:
        with pdfplumber.open(io.BytesIO(data)) as pdf:
            meta = dict(pdf.metadata or {})
            n_pages = len(pdf.pages)
            for no, page in enumerate(pdf.pages, start=1):
                deadline.check(f"at page {no}")
                _check_pdf_page(page, no, path)
                chars = SourceChars()
                chars.add("".join(c["text"][:1] or " " for c in page.chars), no, 0)
                lines = page.extract_text_lines(strip=True)
                sizes = sorted(float(c.get("size") or 0) for c in page.chars) or [10.0]
                pages.append((page.extract_text() or "", chars))
                wraps.append(({ln["text"].strip(): float(ln["x1"]) for ln in lines},
                              sizes[len(sizes) // 2]))
                page.close()  # pdfplumber caches every page's objects otherwise
    except CorpusError:
        raise
    except PdfminerException as exc:
        cause = exc.args[0] if exc.args else exc
        if "Password" in type(cause).__name__ or "Encrypt" in type(cause).__name__:
            raise CorpusError("the PDF is encrypted (password protected); save an unprotected "
                              "copy", file=path) from None
        raise CorpusError(f"not a readable PDF ({type(cause).__name__})", file=path) from None
    except Exception as exc:  # pdfminer raises many types on a damaged file
        raise CorpusError(f"not a readable PDF ({type(exc).__name__}: {exc})", file=path) from None
    how = f"pdf text layer by pdfplumber {_versions()['pdfplumber']}"
    if not any(chars.keys for _, chars in pages):
        pages, how = _pdfium_pages(data, path), "pdf text layer by pypdfium2 (pdfminer read none)"
    from . import ocr  # pages without a text layer (scans) are read by OCR

    layer, ocr_note = ocr.fill_pdf_pages(data, path, deadline, pages, wraps)
    if layer is not None:
        how = ocr.reader_string(how, layer, len(pages))
    if not any(re.sub(r"\s", "", t) for t, _ in pages):
        raise CorpusError("no text layer (a scanned or image-only PDF), and OCR found no text",
                          file=path)
    lines_by_page = [[ln.strip() for ln in t.splitlines()] for t, _ in pages]
    furniture = _running_lines(lines_by_page)
    out_lines: list[str] = []
    locs = Locs()
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
        page_locs = align(page_text, chars)
        locs.a.extend(page_locs.a)
        locs.b.extend(page_locs.b)
        locs.a.append(-1)  # the line break between pages
        locs.b.append(-1)
    text = "\n".join(out_lines)
    locs = Locs.of(locs.a[:len(text)], locs.b[:len(text)])
    title = str(meta.get("Title") or "")
    info = {"title": "" if title.lower() in ("untitled", "") else title,
            # a PDF's CreationDate is when the file was made, not when the report came out
            "published": "", "created": _pdf_date(meta.get("CreationDate")), "source": "", "site": "",
            "pages": str(n_pages), **({"ocr": ocr_note} if ocr_note else {})}
    return ocr.with_layer(_report("pdf", text, locs, info, data, path, how), layer)


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


def _pdfium_pages(data: bytes, path: str) -> list[tuple[str, SourceChars]]:
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
        chars = SourceChars()
        chars.add(t, no + 1, 0)
        pages.append((t, chars))
    return pages


# --- DOCX -----------------------------------------------------------------------------------

def read_docx_bytes(data: bytes, path: str) -> Report:
    """A Word file's paragraphs (table cells included) in document order (python-docx)."""
    import io
    import zipfile

    import docx
    from docx.oxml.ns import qn
    from docx.text.paragraph import Paragraph

    from lxml import etree

    limits.check_zip(io.BytesIO(data), path)  # a zip bomb is refused before it is unpacked
    try:
        d = docx.Document(io.BytesIO(data))
    except (zipfile.BadZipFile, KeyError, ValueError) as exc:
        raise CorpusError(f"not a readable Word .docx file ({type(exc).__name__})",
                          file=path) from None
    except etree.XMLSyntaxError as exc:
        # python-docx parses with resolve_entities=False; libxml2 stops entity bombs itself
        # ("amplification factor exceeded") and reports damaged XML: both become a sentence
        msg = str(exc)
        what = ("an entity-expansion bomb" if "amplification" in msg or "entit" in msg.lower()
                else "XML nested deeper than libxml2 reads (256 levels)" if "depth" in msg
                else "damaged XML")
        raise CorpusError(f"not a readable Word .docx file ({what}: {exc})", file=path) from None
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
    with cpca (the table :func:`ruralstudy.language.regions.division_code` uses). The finest place
    named in at least two sentences and at least half of all place-naming sentences wins; a
    tie or a place cpca cannot code is undecidable (empty name and a reason). A place counts
    only where it is written: two counties named equally do not make their province the
    answer."""
    from ..language.regions import division_code, strip_suffix

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
