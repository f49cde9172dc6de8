"""Reading scanned pages by OCR: Tesseract (``chi_sim+eng``) through **pytesseract**.

A PDF page without a text layer, and a picture of a page added as a report (``.png``,
``.jpg``, ``.tif``; every frame of a multi-page TIFF), is rendered at a fixed resolution
(:data:`DPI`, by PDFium through pypdfium2, already a pdfplumber dependency), cleaned of
speckle (a 3x3 median filter) and read by Tesseract, page by page. Tesseract's hOCR output
with character boxes gives, for every character, its box on the rendered page and the
confidence (0-100) of the word it belongs to; from them:

* the page's text, with the spaces Tesseract puts between Chinese characters removed (a
  space is kept only between two Latin letters or digits: ``GDP 增长`` becomes ``GDP增长``,
  ``2 023`` stays), so the text reads as typed and the figure patterns match it;
* the location map: a character's location is (page, index into the page's OCR characters),
  as for a text layer, and :class:`OcrLayer` leads that index to the character's box;
* the page's confidence: the mean word confidence, each word weighted by its characters (so
  a speck read as ``.`` counts for one character, not as much as a sentence). A page below
  :data:`ruralstudy.texts.limits.MIN_OCR_CONFIDENCE` (``RURALSTUDY_MIN_OCR_CONFIDENCE``, 70 unless
  set) is refused, naming the page;
* a figure's confidence (:meth:`OcrLayer.span_confidence`): the lowest confidence of the
  words its characters come from (one misread digit is enough to make a figure wrong).

Why pytesseract rather than OCRmyPDF: OCRmyPDF writes a new PDF with an invisible text layer
(through Ghostscript, qpdf/pikepdf and a hOCR-to-PDF renderer), which pdfplumber would then
read back, losing the word confidences and boxes this module keeps, and adding a PDF
rewrite and two more system dependencies to what is only a call to Tesseract per page.
pytesseract is the thin, well-kept wrapper around the ``tesseract`` command.

Tesseract gives the same output for the same image, language data and version; the render
resolution is fixed and Tesseract runs single-threaded (``OMP_THREAD_LIMIT=1``), so a report
reads the same every time on one machine. The reader string (:func:`engine`) names the
Tesseract version, so a new Tesseract re-extracts the figures.
"""

from __future__ import annotations

import functools
import gzip
import hashlib
import os
import re
import shutil
import time
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from . import limits
from .. import registry
from .located import _PAGE_NO, Locs, SourceChars, _report, _unwrap, align
from ..errors import CorpusError

#: Render resolution of a PDF page (dots per inch). 300 dpi gives body text (10.5-12 pt) a
#: character height of 40-50 px, where Tesseract's Chinese model reads best.
DPI = 300
#: Tesseract's languages: simplified Chinese, with English for the Latin words and digits of
#: mixed pages (GDP, 5G, "e"-government).
LANG = "chi_sim+eng"
#: A page bigger than this (pixels at :data:`DPI`) is rendered at a lower resolution, so an
#: oversized page (a poster, a 5 m wide scan) cannot exhaust memory.
MAX_PIXELS = 40_000_000
#: Image files read by OCR when added as reports (the "image" entry of the formats registry).
IMAGE_SUFFIXES = next(f.suffixes for f in registry.FORMATS if f.name == "image")
#: The Debian package each piece of Tesseract comes from (named when one is missing).
DEBIAN_PACKAGES = {"tesseract": "tesseract-ocr", "chi_sim": "tesseract-ocr-chi-sim",
                   "eng": "tesseract-ocr-eng"}
#: A page with fewer than :data:`MIN_INK_PIXELS` pixels this dark or darker (0 black, 255
#: white) after the speck filter has no ink: it is blank without asking Tesseract. (A faint
#: photocopy's grey text is darker; one character of body text at 300 dpi is 500-800 such
#: pixels, the specks of a scanner's glass that survive the filter a handful.)
NO_INK = 200
MIN_INK_PIXELS = 100
#: A page whose text holds fewer non-blank characters than this is one without text (a blank
#: page, a photograph's few specks): it gives no text and is not judged by its confidence.
MIN_PAGE_CHARS = 8


def check_confidence(conf: float, page: int, file: str) -> None:
    """Refuse a page read by OCR below :data:`ruralstudy.texts.limits.MIN_OCR_CONFIDENCE`."""
    lim = limits.MIN_OCR_CONFIDENCE
    if conf < lim.value:
        raise CorpusError(
            f"page {page} reads at an OCR confidence of {conf:.0f} (mean word confidence, "
            f"0-100), below the threshold of {lim.value:g}: the scan is too poor to trust its "
            f"figures, so the file is not read (scan it again at 300 dpi or more, or lower "
            f"the threshold with {lim.env}=N)", file=file)


# --- the engine -----------------------------------------------------------------------------

def missing() -> str:
    """Why OCR cannot run here ('' when it can): pytesseract, the ``tesseract`` program or
    its Chinese or English data missing, each named with what to install."""
    try:
        import pytesseract
    except ImportError:
        return "the Python package pytesseract is not installed (pip install 'pytesseract>=0.3.13')"
    if not shutil.which(pytesseract.pytesseract.tesseract_cmd):
        return (f"Tesseract is not installed (install the Debian packages "
                f"{', '.join(DEBIAN_PACKAGES.values())}, e.g. with scripts/system-deps.sh)")
    try:
        have = set(pytesseract.get_languages(config=""))
    except Exception as exc:  # a broken install: say what it said
        return f"Tesseract does not run ({type(exc).__name__}: {exc})"
    lacking = [DEBIAN_PACKAGES[x] for x in LANG.split("+") if x not in have]
    if lacking:
        return (f"Tesseract lacks its language data (install the Debian package"
                f"{'s' if len(lacking) > 1 else ''} {', '.join(lacking)})")
    return ""


def engine() -> str:
    """The OCR engine and its settings, as the reader string of a report read by OCR: the
    Tesseract version, the languages with a digest of their trained data (a new Debian
    package re-reads the scans: the reader string is an input of the extraction step and
    part of every OCR cache key) and the resolution."""
    import pytesseract

    cmd = pytesseract.pytesseract.tesseract_cmd
    return (f"Tesseract {pytesseract.get_tesseract_version(cached=True)} {LANG} "
            f"(data {_data_id(cmd, os.environ.get('TESSDATA_PREFIX', ''))}) at {DPI} dpi")


@functools.lru_cache(maxsize=8)
def _data_id(cmd: str, prefix: str) -> str:
    """A digest of the trained data of :data:`LANG` (12 hex digits; '?' when not found)."""
    import subprocess

    try:
        out = subprocess.run([cmd, "--list-langs"], capture_output=True, text=True, timeout=60)
        m = re.search(r'"([^"]+)"', out.stdout + out.stderr)
        h = hashlib.sha256()
        for lang in LANG.split("+"):
            h.update((Path(m[1]) / f"{lang}.traineddata").read_bytes())
        return h.hexdigest()[:12]
    except (OSError, TypeError, subprocess.SubprocessError):
        return "?"


def _require(path: str, what: str = "a scanned or image-only PDF") -> None:
    why = missing()
    if why:
        raise CorpusError(f"no text layer ({what}) and OCR cannot run: {why}", file=path)


#: Tesseract's settings: automatic page segmentation, a box for every character.
CONFIG = "--psm 3 -c hocr_char_boxes=1"


def cache_dir() -> Path | None:
    """Where hOCR is kept between runs (None: not kept): ``RURALSTUDY_OCR_CACHE`` (a folder,
    or ``off``), else ``$XDG_CACHE_HOME/ruralstudy/ocr`` (``~/.cache/ruralstudy/ocr``)."""
    raw = os.environ.get("RURALSTUDY_OCR_CACHE", "").strip()
    if raw.lower() in ("off", "0", "no", "false"):
        return None
    if raw:
        return Path(raw)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "ruralstudy" / "ocr"


def _cache_file(image) -> Path | None:
    """The cache file of a page image's hOCR: named by the digest of the image's pixels, the
    Tesseract version, languages and settings, so it can never be stale for them."""
    folder = cache_dir()
    if folder is None:
        return None
    h = hashlib.sha256(f"{engine()}|{CONFIG}|{image.mode}|{image.size}|".encode())
    h.update(image.tobytes())
    key = h.hexdigest()
    return folder / key[:2] / f"{key}.hocr.gz"


def _hocr(image, path: str, page: int, deadline: limits.Deadline | None) -> bytes:
    """Tesseract's hOCR of one page image, with character boxes. The build and ``add`` read
    every report of the corpus each time, so a page's hOCR is kept (:func:`cache_dir`) and
    Tesseract runs once per page image, not once per run."""
    cached = _cache_file(image)
    if cached is not None:
        try:
            return gzip.decompress(cached.read_bytes())
        except (OSError, EOFError, gzip.BadGzipFile):
            pass  # not cached yet (or damaged): read the page
    hocr = _run_tesseract(image, path, page, deadline)
    if cached is not None:
        try:  # atomically: a reader never sees half a file
            cached.parent.mkdir(parents=True, exist_ok=True)
            tmp = cached.with_name(f"{cached.name}.{os.getpid()}.tmp")
            tmp.write_bytes(gzip.compress(hocr, mtime=0))
            os.replace(tmp, cached)
        except OSError:
            pass  # a read-only cache only costs time
    return hocr


def _run_tesseract(image, path: str, page: int, deadline: limits.Deadline | None) -> bytes:
    import pytesseract

    os.environ.setdefault("OMP_THREAD_LIMIT", "1")  # deterministic, and fair to other jobs
    timeout = 0
    if deadline is not None:
        deadline.check(f"at page {page}")
        timeout = max(1, int(deadline.limit - (time.monotonic() - deadline.start)))
    try:
        return pytesseract.image_to_pdf_or_hocr(
            image, lang=LANG, extension="hocr", timeout=timeout, config=CONFIG)
    except RuntimeError as exc:  # pytesseract's timeout
        if "timeout" in str(exc).lower():
            raise limits.SECONDS_PER_FILE.error("over the limit", path,
                                                where=f"OCR of page {page}") from None
        raise
    except pytesseract.TesseractError as exc:
        raise CorpusError(f"Tesseract failed on page {page} ({exc.message.strip()[:200]})",
                          file=path) from None


# --- hOCR -> text, boxes, confidences (pure) ------------------------------------------------

@dataclass(frozen=True)
class OcrChar:
    """One character read by OCR: its box (x0, y0, x1, y1, pixels on the page image) and the
    confidence (0-100) of the word it belongs to."""

    char: str
    box: tuple[int, int, int, int]
    conf: float


@dataclass(frozen=True)
class OcrPage:
    """One page read by OCR: its lines (text, right edge in pixels), its characters (the
    non-blank characters of the lines, in order; a location's index points here), the page's
    confidence (None when it holds no text) and the resolution it was read at."""

    number: int
    dpi: int
    size: tuple[int, int]
    lines: tuple[tuple[str, int], ...]
    chars: tuple[OcrChar, ...]
    char_height: float
    confidence: float | None

    @property
    def text(self) -> str:
        return "\n".join(t for t, _ in self.lines)


_TITLE = re.compile(r"(\w+)\s+([^;]*)")


def _title(el) -> dict[str, list[str]]:
    return {m[1]: m[2].split() for m in _TITLE.finditer(el.get("title", ""))}


def _wide(c: str) -> bool:
    """A character set without spaces around it in Chinese text (ideographs, kana, full-width
    forms and CJK punctuation)."""
    return unicodedata.east_asian_width(c) in ("W", "F")


def join_words(words: list[str]) -> tuple[str, list[int]]:
    """The words of one line as text, with a space only between two Latin letters or digits
    (none next to a Chinese character or a symbol, as Chinese is typed), and for each word
    where it starts in that text (pure)."""
    out, starts = "", []
    for w in words:
        if out and w and out[-1].isalnum() and w[0].isalnum() and not _wide(out[-1]) \
                and not _wide(w[0]):
            out += " "
        starts.append(len(out))
        out += w
    return out, starts


def page_from_hocr(hocr: bytes, number: int, dpi: int) -> OcrPage:
    """An :class:`OcrPage` from Tesseract's hOCR (with ``hocr_char_boxes``) (pure)."""
    from lxml import etree

    parser = etree.XMLParser(resolve_entities=False, no_network=True, recover=True)
    root = etree.fromstring(hocr, parser) if hocr.strip() else None
    if root is None:  # nothing Tesseract could say about the page: no text
        return OcrPage(number=number, dpi=dpi, size=(0, 0), lines=(), chars=(),
                       char_height=0.0, confidence=None)
    size = (0, 0)
    lines: list[tuple[str, int]] = []
    chars: list[OcrChar] = []
    heights: list[float] = []
    weighted = n_weighted = 0.0
    for el in root.iter("{*}div", "{*}span", "div", "span"):
        cls = el.get("class", "")
        if cls == "ocr_page":
            bb = _title(el).get("bbox", ["0", "0", "0", "0"])
            size = (int(bb[2]), int(bb[3]))
        if cls not in ("ocr_line", "ocr_caption", "ocr_header", "ocr_textfloat"):
            continue
        texts: list[str] = []
        word_chars: list[list[OcrChar]] = []
        right = 0
        for w in el.iter("{*}span", "span"):
            if w.get("class") != "ocrx_word":
                continue
            t = _title(w)
            conf = float(t.get("x_wconf", ["0"])[0])
            wb = [int(x) for x in t.get("bbox", ["0"] * 4)]
            cs: list[OcrChar] = []
            for c in w.iter("{*}span", "span"):
                if c.get("class") != "ocrx_cinfo":
                    continue
                cb = [int(x) for x in _title(c).get("x_bboxes", wb)]
                for ch in (c.text or ""):
                    if not ch.isspace():
                        cs.append(OcrChar(ch, tuple(cb), conf))
            if not cs:  # no character boxes: the word's box shared out evenly
                word = "".join((w.xpath("string()") or "").split())
                step = (wb[2] - wb[0]) / max(1, len(word))
                cs = [OcrChar(ch, (round(wb[0] + k * step), wb[1], round(wb[0] + (k + 1) * step),
                                   wb[3]), conf) for k, ch in enumerate(word)]
            if not cs:
                continue
            texts.append("".join(c.char for c in cs))
            word_chars.append(cs)
            right = max(right, wb[2])
            weighted += conf * len(cs)
            n_weighted += len(cs)
        if not texts:
            continue
        line, _ = join_words(texts)
        lines.append((line, right))
        for cs in word_chars:
            chars.extend(cs)
        lt = _title(el)
        if "x_size" in lt:
            heights.append(float(lt["x_size"][0]))
    heights.sort()
    conf = round(weighted / n_weighted, 1) if n_weighted >= MIN_PAGE_CHARS else None
    if conf is None:  # a blank page, or a few specks: no text
        lines, chars = [], []
    return OcrPage(number=number, dpi=dpi, size=size, lines=tuple(lines), chars=tuple(chars),
                   char_height=heights[len(heights) // 2] if heights else 0.0, confidence=conf)


# --- images ---------------------------------------------------------------------------------

def _prepare(image):
    """The page as Tesseract is given it: greyscale, specks removed (3x3 median)."""
    from PIL import ImageFilter

    img = image.convert("L")
    return img.filter(ImageFilter.MedianFilter(3))


def _shrunk(image):
    """An image over :data:`MAX_PIXELS` scaled down to it."""
    w, h = image.size
    if w * h <= MAX_PIXELS:
        return image
    k = (MAX_PIXELS / (w * h)) ** 0.5
    return image.resize((max(1, int(w * k)), max(1, int(h * k))))


def read_page_image(image, number: int, dpi: int, path: str,
                    deadline: limits.Deadline | None = None) -> OcrPage:
    """OCR of one page image (its confidence is judged by the caller). A page without ink
    (blank, or specks the median filter removed) is blank without asking Tesseract, so a PDF
    of many empty pages costs a render per page, not an OCR."""
    image = _shrunk(image).convert("L")
    img = None if image.getextrema()[0] > NO_INK else _prepare(image)
    if img is None or sum(img.histogram()[:NO_INK + 1]) < MIN_INK_PIXELS:
        return OcrPage(number=number, dpi=dpi, size=image.size, lines=(), chars=(),
                       char_height=0.0, confidence=None)
    return page_from_hocr(_hocr(img, path, number, deadline), number, dpi)


def read_pdf_pages(data: bytes, numbers: list[int], path: str,
                   deadline: limits.Deadline | None = None) -> Iterator[OcrPage]:
    """The given pages (from 1) of a PDF, rendered at :data:`DPI` by PDFium and read by OCR,
    one at a time (a refused page stops the reading there)."""
    import pypdfium2 as pdfium

    _require(path)
    doc = pdfium.PdfDocument(data)
    try:
        for no in numbers:
            page = doc[no - 1]
            w, h = page.get_size()  # points
            scale = DPI / 72
            if w * h * scale * scale > MAX_PIXELS:
                scale = (MAX_PIXELS / (w * h)) ** 0.5
            image = page.render(scale=scale, grayscale=True).to_pil()
            page.close()
            yield read_page_image(image, no, round(scale * 72), path, deadline)
    finally:
        doc.close()


def image_pages(data: bytes, path: str):
    """The frames of an image file (one for PNG/JPEG, each page of a TIFF), as PIL images
    with their resolution; a file Pillow cannot open is refused."""
    import io
    import warnings

    from PIL import Image, ImageOps, ImageSequence

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            img = Image.open(io.BytesIO(data))
            for frame in ImageSequence.Iterator(img):
                dpi = frame.info.get("dpi", (DPI, DPI))[0] or DPI
                # a phone's photo is stored sideways with an orientation tag: turn it upright
                yield ImageOps.exif_transpose(frame.copy()), int(round(float(dpi)))
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise CorpusError(f"the image is too large to read ({exc})", file=path) from None
    except (OSError, SyntaxError, ValueError) as exc:
        raise CorpusError(f"not a readable image ({type(exc).__name__}: {exc})",
                          file=path) from None


# --- the layer of a report ------------------------------------------------------------------

@dataclass(frozen=True)
class OcrLayer:
    """The pages of a report read by OCR, so a location (page, index) leads to its box and
    its word's confidence."""

    pages: tuple[OcrPage, ...]
    engine: str

    def page(self, number: int) -> OcrPage | None:
        for p in self.pages:
            if p.number == number:
                return p
        return None

    def char(self, loc: tuple[int, int]) -> OcrChar | None:
        p = self.page(loc[0]) if loc[0] >= 1 else None
        return p.chars[loc[1]] if p is not None and 0 <= loc[1] < len(p.chars) else None

    def span_confidence(self, locs) -> float | None:
        """The lowest word confidence among the located characters (None: none read by OCR)."""
        confs = [c.conf for c in (self.char(loc) for loc in locs) if c is not None]
        return min(confs) if confs else None

    def where(self, locs) -> str:
        """Where characters read by OCR sit: page, character indices and box (pixels at the
        page's resolution), with the confidence; '' when none was read by OCR."""
        located = [(loc, self.char(loc)) for loc in locs]
        located = [(loc, c) for loc, c in located if c is not None]
        if not located:
            return ""
        (a0, b0), (a1, b1) = located[0][0], located[-1][0]
        conf = min(c.conf for _, c in located)
        if a0 != a1:
            return (f"page {a0} character {b0} to page {a1} character {b1 + 1}, read by OCR "
                    f"(confidence {conf:.0f})")
        boxes = [c.box for _, c in located]
        box = (min(b[0] for b in boxes), min(b[1] for b in boxes),
               max(b[2] for b in boxes), max(b[3] for b in boxes))
        return (f"page {a0}, characters {b0}–{b1 + 1}, read by OCR (confidence {conf:.0f}; "
                f"box x {box[0]}–{box[2]}, y {box[1]}–{box[3]} px at "
                f"{self.page(a0).dpi} dpi)")

    def to_json(self) -> dict:
        """The OCR pages for the text's map file: per page its confidence, resolution, size
        and every character's box and word confidence, by index."""
        return {"ocr": {"engine": self.engine, "pages": [
            {"page": p.number, "dpi": p.dpi, "size": list(p.size), "confidence": p.confidence,
             "boxes": [list(c.box) for c in p.chars], "conf": [c.conf for c in p.chars]}
            for p in self.pages]}}

    def summary(self) -> str:
        """The pages read by OCR and their confidences, in words."""
        read = [p for p in self.pages if p.confidence is not None]
        if not read:
            return "no page read by OCR held text"
        return (f"pages read by OCR ({self.engine}): " +
                ", ".join(f"{p.number} (confidence {p.confidence:.0f})" for p in read))


def source_chars(page: OcrPage):
    """The page's characters as the aligner's source: character k sits at (page, k)."""
    chars = SourceChars()
    for k, c in enumerate(page.chars):
        chars.add(c.char, page.number, k)
    return chars


def read_image_bytes(data: bytes, path: str, deadline: limits.Deadline | None = None):
    """A picture of a page (or a multi-page TIFF) read by OCR, as a
    :class:`ruralstudy.texts.located.Report` of kind ``image`` (locations: page, index)."""
    _require(path, "a picture of a page")
    pages = []
    for no, (img, dpi) in enumerate(image_pages(data, path), start=1):
        page = read_page_image(img, no, dpi, path, deadline)
        if page.confidence is not None:
            check_confidence(page.confidence, no, path)
            pages.append(page)
    layer = OcrLayer(pages=tuple(pages), engine=engine())
    text, locs = assemble(pages)
    if not re.sub(r"\s", "", text):
        raise CorpusError("OCR found no text in the image", file=path)
    info = {"title": "", "published": "", "source": "", "site": "", "pages": str(len(pages)),
            "ocr": layer.summary()}
    report = _report("image", text, locs, info, data, path, f"image read by OCR, {layer.engine}")
    return _with_layer(report, layer)


def assemble(pages: list[OcrPage]):
    """The text of pages read by OCR (lines wrapped by the page width joined again) and its
    location map."""
    out, locs = [], Locs()
    for p in pages:
        body = [t for t, _ in p.lines if t and not _PAGE_NO.match(t)]
        if not body:
            continue
        right = {t: x for t, x in p.lines}
        margin = max(right[t] for t in body) - 1.5 * (p.char_height or 0)
        text = _unwrap(body, {t: right[t] >= margin for t in body})
        out.append(text)
        pl = align(text, source_chars(p))
        locs.a.extend(pl.a)
        locs.b.extend(pl.b)
        locs.a.append(-1)
        locs.b.append(-1)
    text = "\n".join(out)
    return text, Locs.of(locs.a[:len(text)], locs.b[:len(text)])


def fill_pdf_pages(data: bytes, path: str, deadline: limits.Deadline | None,
                   pages: list, wraps: list) -> tuple[OcrLayer | None, str]:
    """Read by OCR the pages of a PDF without a text layer (fewer than
    :data:`MIN_PAGE_CHARS` characters: none, or a page number over a scan), replacing, in
    place, their (text, source characters) in ``pages`` and (line right edges, character
    size) in ``wraps`` as :func:`ruralstudy.texts.formats.read_pdf_bytes` keeps them. Returns the
    OCR layer (None when no page was read by OCR) and a note for the report's metadata.

    In a PDF that is all scans, a page below the confidence threshold refuses the file,
    naming the page. In a PDF with a text layer elsewhere, such a page (a photograph, a
    chart) is left out and the note names it, as is every page without text when OCR
    cannot run here: the text layer is read as before."""
    todo = [no for no, (t, _) in enumerate(pages, start=1)
            if len(re.sub(r"\s", "", t)) < MIN_PAGE_CHARS]
    if not todo:
        return None, ""
    has_text = len(todo) < len(pages) or any(re.sub(r"\s", "", t) for t, _ in pages)
    why = missing()
    if why and has_text:
        return None, f"{_pages(todo)} not read: no text layer, and OCR cannot run ({why})"
    _require(path)
    read, left_out = [], []
    for page in read_pdf_pages(data, todo, path, deadline):
        if page.confidence is None:
            continue  # blank: the text layer (if any) is kept
        if page.confidence < limits.MIN_OCR_CONFIDENCE.value:
            if not has_text:
                check_confidence(page.confidence, page.number, path)
            left_out.append(f"{page.number} (confidence {page.confidence:.0f})")
            continue
        read.append(page)
        pages[page.number - 1] = (page.text, source_chars(page))
        if page.number - 1 < len(wraps):
            wraps[page.number - 1] = ({t: float(x) for t, x in page.lines}, page.char_height)
    layer = OcrLayer(pages=tuple(read), engine=engine()) if read else None
    note = layer.summary() if layer else ""
    if left_out:
        note += ("; " if note else "") + (
            f"left out below the OCR confidence threshold of "
            f"{limits.MIN_OCR_CONFIDENCE.value:g}: page{'s' if len(left_out) > 1 else ''} "
            f"{', '.join(left_out)}")
    return layer, note


def reader_string(how: str, layer: OcrLayer, n_pages: int) -> str:
    """How a PDF was read, when some or all of its pages were read by OCR."""
    if len(layer.pages) == n_pages:
        return f"pdf read by OCR, {layer.engine}"
    return f"{how}; {_pages([p.number for p in layer.pages])} read by OCR, {layer.engine}"


def _pages(numbers: list[int]) -> str:
    return f"page{'s' if len(numbers) > 1 else ''} {', '.join(map(str, numbers))}"


def with_layer(report, layer: OcrLayer | None):
    """The report with its OCR layer attached to its extraction."""
    if layer is None:
        return report
    return _with_layer(report, layer)


def _with_layer(report, layer: OcrLayer):
    from dataclasses import replace

    return replace(report, extracted=replace(report.extracted, ocr=layer))


def figure_confidence(extracted, start: int, end: int) -> float | None:
    """The OCR confidence of the figure at [start, end) of a report's extracted text: the
    lowest confidence of the words it was read from (None when it was not read by OCR)."""
    layer = getattr(extracted, "ocr", None) if extracted is not None else None
    if layer is None:
        return None
    return layer.span_confidence(extracted.locs[start:end])
