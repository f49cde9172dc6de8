"""The corpus: the manifest of raw reports, reading them, and cleaning with an offset map.

Cleaning drops web debris (navigation menus, captions printed twice, editor and "关闭本页"
lines) and normalises full-width characters and traditional script, while keeping for every cleaned character the
index of the raw character it came from, so offsets reported for a figure always point into
the raw text unchanged.
"""

from __future__ import annotations

import os
import re
import unicodedata
import warnings
from array import array
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from .. import iorw
from ..errors import CorpusError, ManifestError
from ..language.regions import province_name
from ..language.vocab import normalise_with_offsets

if TYPE_CHECKING:
    from .formats import Extracted

MANIFEST_COLUMNS = ["doc_id", "file", "title", "source", "published", "year", "regions",
                    "provinces", "admin_levels", "notes"]
ADMIN_LEVELS = ("national", "province", "prefecture", "county", "township", "village")
LIST_SEP = ";"


@dataclass(frozen=True)
class Region:
    """A region a document describes: its name, province and administrative level."""

    name: str
    province: str
    level: str


@dataclass(frozen=True)
class ManifestEntry:
    """One manifest row: a document and the regions it describes."""

    doc_id: str
    file: str
    title: str
    source: str
    published: str
    year: int | None
    regions: tuple[Region, ...]
    notes: str
    line: int


@dataclass(frozen=True)
class CleanText:
    """Cleaned text plus, for each cleaned character, the raw index it came from."""

    text: str
    offsets: Sequence[int]  # an array("q") of raw indices, one per cleaned character

    def raw_span(self, start: int, end: int) -> tuple[int, int]:
        """Map a cleaned [start, end) span to the raw [start, end) span."""
        return self.offsets[start], self.offsets[end - 1] + 1


class LazyCleanText:
    """:func:`clean_text` of a raw text, computed when first used (then kept).

    A build reads every report, but an unchanged report's figures and source page come from
    the build cache: cleaning all of them anyway took 1.9 s of the 2.3 s spent reading 1,000
    reports when one was added. Same ``text``, ``offsets`` and ``raw_span`` as the
    :class:`CleanText` it stands for."""

    __slots__ = ("_raw", "_clean")

    def __init__(self, raw: str) -> None:
        self._raw: str | None = raw
        self._clean: CleanText | None = None

    def get(self) -> CleanText:
        if self._clean is None:
            assert self._raw is not None
            self._clean, self._raw = clean_text(self._raw), None
        return self._clean

    @property
    def text(self) -> str:
        return self.get().text

    @property
    def offsets(self) -> Sequence[int]:
        return self.get().offsets

    def raw_span(self, start: int, end: int) -> tuple[int, int]:
        return self.get().raw_span(start, end)


@dataclass(frozen=True)
class Document:
    """A read and cleaned report.

    For a web page, PDF or Word file, ``raw.text`` is the text extracted from the raw file
    (figure offsets refer to it) and ``extracted`` maps each of its characters back to the
    raw file (:class:`ruralstudy.texts.formats.Extracted`); for a text file ``extracted`` is None
    and ``raw.text`` is the decoded file."""

    entry: ManifestEntry
    raw: iorw.RawText
    clean: CleanText | LazyCleanText
    extracted: "Extracted | None" = None

    @property
    def doc_id(self) -> str:
        return self.entry.doc_id


@dataclass(frozen=True)
class CorpusProblem:
    """A document that could not be read, with the reason (the rest of the corpus goes on)."""

    doc_id: str
    file: str
    reason: str
    severity: str = "error"
    line: int = 0  # the manifest line naming the document (0: not from the manifest)


@dataclass
class Corpus:
    """Documents that were read, and problems with those that were not."""

    documents: list[Document] = field(default_factory=list)
    problems: list[CorpusProblem] = field(default_factory=list)


# --- manifest ------------------------------------------------------------------------------

def _split(cell: str) -> list[str]:
    return [p.strip() for p in cell.split(LIST_SEP)] if cell.strip() else []


def parse_manifest(df: pd.DataFrame, path: str) -> list[ManifestEntry]:
    """Validate manifest rows; raise :class:`ManifestError` naming the file and line."""
    missing = [c for c in MANIFEST_COLUMNS if c not in df.columns]
    if missing:
        raise ManifestError(f"manifest lacks columns {missing}", file=path, line=1)
    entries: list[ManifestEntry] = []
    seen: set[str] = set()
    for i, row in enumerate(df.to_dict("records")):
        line = i + 2  # header is line 1
        doc_id = row["doc_id"].strip()
        if not re.fullmatch(r"[A-Za-z0-9_-]+", doc_id):
            raise ManifestError("doc_id must be letters, digits, _ or -", file=path, line=line,
                                raw=doc_id)
        if doc_id in seen:
            raise ManifestError("duplicate doc_id", file=path, line=line, raw=doc_id)
        seen.add(doc_id)
        names, provs, levels = (_split(row[c]) for c in ("regions", "provinces", "admin_levels"))
        if not (len(names) == len(provs) == len(levels)):
            raise ManifestError("regions, provinces and admin_levels must list the same number "
                                "of items", file=path, line=line, raw=row["regions"])
        for lvl in levels:
            if lvl not in ADMIN_LEVELS:
                raise ManifestError(f"admin level must be one of {ADMIN_LEVELS}", file=path,
                                    line=line, raw=lvl)
        file_problem = manifest_file_problem(row["file"])
        if file_problem:
            raise ManifestError(file_problem, file=path, line=line, raw=row["file"])
        year_s = row["year"].strip()
        if year_s and not re.fullmatch(r"(19|20)\d\d", year_s):
            raise ManifestError("year must be a four-digit year or empty", file=path, line=line,
                                raw=year_s)
        entries.append(ManifestEntry(
            doc_id=doc_id, file=row["file"].strip(), title=row["title"].strip(),
            source=row["source"].strip(), published=row["published"].strip(),
            year=int(year_s) if year_s else None,
            regions=tuple(Region(n, province_name(p), lv) for n, p, lv in zip(names, provs, levels)),
            notes=row["notes"].strip(), line=line))
    return entries


def manifest_file_problem(file: str) -> str:
    """Why a manifest ``file`` cell is refused ('' when it is fine): it must name a file inside
    data/raw/reports/ by a relative path, with no '..' and no absolute path (pure)."""
    f = file.strip()
    if not f:
        return "file is empty"
    if f.startswith(("/", "\\")) or re.match(r"[A-Za-z]:", f) or f.startswith("~"):
        return "file must be a path inside data/raw/reports/, not an absolute path"
    if any(part == ".." for part in re.split(r"[/\\]", f)):
        return "file must be a path inside data/raw/reports/ ('..' is not allowed)"
    if any(ord(c) < 32 for c in f):
        return "file contains control characters"
    return ""


_MANIFESTS: dict[str, tuple[bytes, list[ManifestEntry]]] = {}


def read_manifest(path: str | Path) -> list[ManifestEntry]:
    """Read and validate ``data/raw/manifest.csv``.

    A build reads the manifest three times (the corpus, the regions' division codes, the
    publication dates; 0.1 s each at 1,000 reports): the entries (frozen) parsed from the
    same bytes at the same path are given again, as a new list."""
    if not Path(path).is_file():
        raise ManifestError("manifest not found", file=str(path))
    key = os.path.abspath(path)
    try:
        data = Path(path).read_bytes()
    except OSError:
        data = None
    hit = _MANIFESTS.get(key)
    if data is not None and hit is not None and hit[0] == data:
        return list(hit[1])
    entries = parse_manifest(iorw.read_csv(path, ManifestError), str(path))
    _MANIFESTS.clear()  # one project's manifest at a time
    if data is not None:
        _MANIFESTS[key] = (data, entries)
    return list(entries)


def normalised_digest(text: str) -> str:
    """SHA-256 of a text with encoding and layout differences removed (pure): BOM, Unicode
    compatibility forms (NFKC: full-width digits and letters), and every blank (line
    endings, blank lines between paragraphs, indentation, U+3000), so the same report saved
    as GB18030 and as UTF-8, with Windows line endings, or as a web page or Word file whose
    reader drops the blank lines and indentation, counts as one."""
    t = unicodedata.normalize("NFKC", text.removeprefix("\ufeff"))
    t = re.sub(r"\s+", "", t)
    return iorw.sha256_bytes(t.encode("utf-8"))


# --- cleaning ------------------------------------------------------------------------------

_DEBRIS = re.compile(
    r"(【?\s*(责任)?编辑\s*[::]|关闭本页|打印本页|分享到|当前位置|今日天气|二维码|订阅号|"
    r"^\s*(来源|作者|字号|发布时间|发稿时间|浏览次数)\s*[::]|发布时间[::]|发稿时间[::]|来源[::]|"
    r"^\s*(文章|图片|首页)\s*$)"
)
_SENTENCE_PUNCT = re.compile(r"[。,,;;!?!?::]")


def _is_short_fragment(line: str) -> bool:
    s = line.strip()
    return 0 < len(s) <= 12 and not _SENTENCE_PUNCT.search(s)


def iter_kept_lines(lines: Iterable[str]) -> Iterator[tuple[int, str, int]]:
    """Yield ``(start, body, line)`` for each raw line that survives debris removal, in order.

    ``lines`` are the raw text's lines with their line ends, as ``str.splitlines(keepends=True)``
    gives them (they may come from a file read piece by piece); ``start`` is the raw index of
    the line, ``body`` the line without its ``\\r``/``\\n`` ending and ``line`` its 1-based
    line number (counting ``\\n`` only). Navigation menus are runs of >= 3 short unpunctuated
    lines (blank lines do not break a run); a caption printed twice is dropped the second time.
    At most two lines of a run wait for its end, so memory does not grow with the text.
    """
    pos = 0
    line_no = 1
    run: list[tuple[int, str, int]] = []  # short lines of a run of fewer than 3 so far
    in_long_run = False  # the current run has reached 3 lines: all its lines are dropped
    prev: str | None = None

    def keep(start: int, body: str, n: int) -> bool:
        nonlocal prev
        s = unicodedata.normalize("NFKC", body).strip()
        if not s:
            return True  # blank only once normalised: kept, and not a caption to compare
        if (_DEBRIS.search(s) and len(s) < 80) or s == prev:
            return False
        prev = s
        return True

    for line in lines:
        body = line.rstrip("\r\n")
        start, n = pos, line_no
        pos += len(line)
        if line.endswith("\n"):
            line_no += 1
        if not body.strip():
            continue
        if _is_short_fragment(body):
            if in_long_run:
                continue
            run.append((start, body, n))
            if len(run) >= 3:
                in_long_run, run = True, []
            continue
        for item in run:
            if keep(*item):
                yield item
        run, in_long_run = [], False
        if keep(start, body, n):
            yield start, body, n
    for item in run:
        if keep(*item):
            yield item


def kept_lines(raw: str) -> list[tuple[int, int]]:
    """Return the (start, end) raw spans of lines that survive debris removal
    (see :func:`iter_kept_lines`)."""
    return [(a, a + len(body)) for a, body, _ in iter_kept_lines(raw.splitlines(keepends=True))]


@dataclass(frozen=True)
class CleanLine:
    """One cleaned line (ending in ``\\n``) with its offset map and the raw line it came from."""

    text: str
    offsets: Sequence[int]  # raw index of each character of ``text``
    raw_start: int  # raw index of ``raw[0]``
    raw: str  # the raw line (without its line end)
    line: int  # 1-based raw line number


def iter_clean_lines(lines: Iterable[str]) -> Iterator[CleanLine]:
    """Clean raw lines one at a time (:func:`clean_text` is these lines joined): drop debris
    lines, keep leading indentation out and normalise each character, keeping its raw index.
    ``lines`` are as for :func:`iter_kept_lines`; memory is bounded by the longest line."""
    for a, body, n in iter_kept_lines(lines):
        lead = len(body) - len(body.lstrip())
        norm, offs = normalise_with_offsets(body[lead:], base=a + lead)
        offsets = array("q", offs)
        offsets.append(a + len(body))
        yield CleanLine(norm + "\n", offsets, a, body, n)


def clean_text(raw: str) -> CleanText:
    """Drop debris lines and normalise each character for matching, keeping the offset map.

    Normalisation (:func:`ruralstudy.language.vocab.normalise_with_offsets`) is NFKC, U+3000 to a space
    and traditional to simplified script, one character at a time so that every cleaned
    character keeps the index of the raw character it came from; pinyin glosses (萬(wàn)) are
    dropped. ``raw[offsets[i]]`` is always the source of ``text[i]``. The cleaning itself is
    :func:`iter_clean_lines`, which a large file can also use line by line.
    """
    out: list[str] = []
    offsets = array("q")  # 8 bytes a character, not a Python int object each
    for cl in iter_clean_lines(raw.splitlines(keepends=True)):
        out.append(cl.text)
        offsets.extend(cl.offsets)
    return CleanText(text="".join(out), offsets=offsets)


# --- reading the corpus --------------------------------------------------------------------

def read_documents(entries: list[ManifestEntry], reports_dir: str | Path,
                   known: dict[str, str] | None = None) -> Iterator[Document | CorpusProblem]:
    """Read manifest documents one at a time; an unreadable or duplicate one is a problem.

    ``known``: the :func:`normalised_digest` of texts read before, by the raw file's SHA-256
    and reader (``"<sha256>:<encoding>"``); looked up, and completed with every text read
    (normalising every report's text took 0.4 s of each build at 1,000 reports)."""
    reports_dir = Path(reports_dir)
    seen_hashes: dict[str, str] = {}
    seen_texts: dict[str, str] = {}
    for entry in entries:
        path = reports_dir / entry.file
        try:
            iorw.confined(reports_dir, entry.file)  # a symlink may not lead out either
        except ValueError:
            yield CorpusProblem(entry.doc_id, str(path), "file lies outside data/raw/reports/ "
                                "(through a symbolic link); not read", line=entry.line)
            continue
        try:
            report = read_report(path)
        except CorpusError as exc:
            yield CorpusProblem(entry.doc_id, str(path), exc.reason, line=entry.line)
            continue
        raw = report.raw
        memo_key = f"{raw.sha256}:{raw.encoding}"
        text_key = known.get(memo_key) if known is not None else None
        if text_key is None:
            text_key = normalised_digest(raw.text)
            if known is not None:
                known[memo_key] = text_key
        if raw.sha256 in seen_hashes or text_key in seen_texts:
            same = "same content" if raw.sha256 in seen_hashes else \
                "same text in another encoding or with other line endings"
            other = seen_hashes.get(raw.sha256) or seen_texts[text_key]
            reason = f"duplicate of document {other} ({same}); skipped"
            yield CorpusProblem(entry.doc_id, str(path), reason, "warning", line=entry.line)
            continue
        seen_hashes[raw.sha256] = entry.doc_id
        seen_texts[text_key] = entry.doc_id
        yield Document(entry=entry, raw=raw, clean=LazyCleanText(raw.text),
                       extracted=report.extracted)


def load_corpus(manifest_path: str | Path, reports_dir: str | Path) -> Corpus:
    """Read every manifest document; unreadable ones become problems (and warnings)."""
    corpus = Corpus()
    for item in read_documents(read_manifest(manifest_path), reports_dir):
        if isinstance(item, CorpusProblem):
            corpus.problems.append(item)
            warnings.warn(f"{item.file}: {item.reason}", stacklevel=2)
        else:
            corpus.documents.append(item)
    return corpus


def document_from_file(path: str | Path, doc_id: str = "file") -> Document:
    """Read a single report outside the corpus (for ``ruralstudy figures FILE``): a text
    file, saved web page (its article only), PDF or Word file."""
    report = read_report(path)
    entry = ManifestEntry(doc_id=doc_id, file=str(path), title="", source="", published="",
                          year=None, regions=(), notes="", line=0)
    return Document(entry=entry, raw=report.raw, clean=clean_text(report.raw.text),
                    extracted=report.extracted)


def read_report(path: str | Path):
    """Read a raw report of any supported format (see :mod:`ruralstudy.texts.formats`)."""
    from .formats import read_report as _read

    return _read(path)
