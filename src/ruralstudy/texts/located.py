"""Extracted text with a location per character, and the helpers every reader of a non-text
format shares (:mod:`ruralstudy.texts.formats` for web pages, PDFs and Word files,
:mod:`ruralstudy.texts.ocr` for pictures of pages): the location map (:class:`Locs`), the
extraction and the report (:class:`Extracted`, :class:`Report`), the aligner that finds each
extracted character in the raw file (:func:`align`), and a page's lines with its wrapping undone
(:func:`_unwrap`, :data:`_PAGE_NO`).

It imports no reader, so that both readers import it and neither imports the other's module
at import time (formats asks OCR for scanned pages; OCR builds its reports from these)."""

from __future__ import annotations

import re
import unicodedata
from array import array
from dataclasses import dataclass, field
from collections.abc import Iterable, Iterator
from typing import Any, cast, overload

from .. import iorw


class Locs:
    """Where each extracted character sits in the raw file, as two arrays of integers (8 bytes
    a character, not a tuple each): ``locs[i]`` is the pair ``(a, b)``; a slice gives a list
    of pairs."""

    __slots__ = ("a", "b")
    a: array[int]
    b: array[int]

    def __init__(self, pairs: Iterable[tuple[int, int]] = ()) -> None:
        if isinstance(pairs, Locs):
            self.a, self.b = pairs.a, pairs.b
            return
        self.a, self.b = array("q"), array("q")
        for x, y in pairs:
            self.a.append(x)
            self.b.append(y)

    @classmethod
    def of(cls, a: array[int], b: array[int]) -> "Locs":
        out = cls()
        out.a, out.b = a, b
        return out

    def __len__(self) -> int:
        return len(self.a)

    @overload
    def __getitem__(self, i: int) -> tuple[int, int]: ...

    @overload
    def __getitem__(self, i: slice) -> list[tuple[int, int]]: ...

    def __getitem__(self, i: int | slice) -> tuple[int, int] | list[tuple[int, int]]:
        if isinstance(i, slice):
            return list(zip(self.a[i], self.b[i]))
        return self.a[i], self.b[i]

    def __iter__(self) -> Iterator[tuple[int, int]]:
        return zip(self.a, self.b)

    def __eq__(self, other: object) -> bool:
        return tuple(self) == tuple(cast(Iterable[Any], other))

    def __hash__(self) -> int:
        return hash((bytes(self.a), bytes(self.b)))


@dataclass(frozen=True)
class Extracted:
    """Text extracted from a web page, PDF or Word file, with a location per character.

    ``locs[i]`` (a :class:`Locs`: two integer arrays) is where ``text[i]`` sits in the raw
    file: for ``html`` (0, offset into the decoded HTML source); for ``pdf`` (page number from 1, index into the page's characters);
    for ``docx`` (paragraph number from 1, offset in it); (-1, -1) for a character the
    extractor inserted (line breaks between paragraphs or pages). ``ocr`` holds the pages
    read by OCR (:class:`ruralstudy.texts.ocr.OcrLayer`: boxes and confidences), if any; for
    ``image`` every location is (page, index) into it."""

    kind: str
    text: str
    locs: Locs
    meta: dict[str, Any] = field(default_factory=dict)
    ocr: Any = None  # an OcrLayer (texts.ocr), or None

    def where(self, start: int, end: int) -> str:
        """Where the extracted span [start, end) lies in the raw file, in words."""
        locs = [loc for loc in self.locs[start:end] if loc[0] >= 0]
        if not locs:
            return ""
        read_by_ocr = self.ocr.where(locs) if self.ocr is not None else ""
        if read_by_ocr:
            return read_by_ocr
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
        for i, (a, b) in enumerate(iter(self.locs)):
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
    def meta(self) -> dict[str, Any]:
        return dict(self.extracted.meta) if self.extracted else {}


def _report(kind: str, text: str, locs: Iterable[tuple[int, int]], meta: dict[str, Any],
            data: bytes, path: str, how: str) -> Report:
    ex = Extracted(kind=kind, text=text, locs=Locs(locs), meta=meta)
    raw = iorw.RawText(path=path, text=text, encoding=how, sha256=iorw.sha256_bytes(data))
    return Report(raw=raw, extracted=ex)


# --- alignment ------------------------------------------------------------------------------

_NFKC1: dict[str, str] = {}


def _key(c: str) -> str:
    """The first character of ``c``'s NFKC form (memoised: a page repeats its characters)."""
    k = _NFKC1.get(c)
    if k is None:
        k = _NFKC1[c] = unicodedata.normalize("NFKC", c)[:1] or c
    return k


class SourceChars:
    """The non-blank characters of a raw file, each as its NFKC key, with its location
    (two integer arrays, so a 50 MB page does not cost a Python tuple a character)."""

    def __init__(self) -> None:
        self.keys: list[str] = []
        self.a, self.b = array("q"), array("q")

    def add(self, text: str, a: int, b0: int, step: int = 1) -> None:
        """Add ``text``'s characters; the k-th sits at (a, b0 + k * step)."""
        for k, c in enumerate(text):
            if not c.isspace():
                self.keys.append(_key(c))
                self.a.append(a)
                self.b.append(b0 + k * step)

    @classmethod
    def of(cls, source: Iterable[tuple[str, tuple[int, int]]]) -> "SourceChars":
        out = cls()
        for c, (a, b) in source:
            out.add(c, a, b)
        return out


#: How far ahead, then back, a line is searched for from where the previous one ended (menus
#: and sidebars between two article lines; a page that repeats its article's start
#: elsewhere). Bounded, so that a page with many lines the extractor rewrote stays linear.
_LOOK_AHEAD = 2_000_000
_LOOK_BACK = 200_000


def align(text: str, source: SourceChars | Iterable[tuple[str, tuple[int, int]]]) -> Locs:
    """Locations for each character of ``text`` found, in order, among the ``source``
    characters (a :class:`SourceChars`, or a list of (character, location)). Blanks are
    ignored on both sides and each line of ``text`` is searched as a whole, from where the
    previous line ended (up to :data:`_LOOK_AHEAD` characters on, then up to
    :data:`_LOOK_BACK` characters before it), so skipped
    furniture in the source does not matter. Unfound characters get (-1, -1)."""
    src = source if isinstance(source, SourceChars) else SourceChars.of(source)
    s = "".join(src.keys)
    la, lb = array("q", [-1]) * len(text), array("q", [-1]) * len(text)
    pos = 0
    i = 0
    for line in text.split("\n"):
        idx = [i + k for k, c in enumerate(line) if not c.isspace()]
        key = "".join(_key(text[k]) for k in idx)
        if key:
            at = s.find(key, pos, pos + _LOOK_AHEAD + len(key))
            if at < 0:
                at = s.find(key, max(0, pos - _LOOK_BACK), pos + len(key))
            if at >= 0:
                for n, k in enumerate(idx):
                    la[k] = src.a[at + n]
                    lb[k] = src.b[at + n]
                pos = at + len(key)
        i += len(line) + 1
    return Locs.of(la, lb)


# --- pages: page numbers and wrapped lines (PDF text layers and OCR alike) ------------------

_PAGE_NO = re.compile(r"^\s*(第?\s*[-—]?\s*\d+\s*[-—]?\s*页?(\s*共\s*\d+\s*页)?|-\s*\d+\s*-|\d+\s*/\s*\d+)\s*$")

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
