"""Adding reports to the corpus in batches: text files, saved web pages, PDFs and Word files.

:func:`plan_batch` reads every input (outside the project lock: this is the slow part) and
works out its metadata: from the metadata CSV or the command line first, else from the
document (page title, date, site; the region named most). :func:`commit_batch` then, holding
the lock, refuses duplicates of the corpus and of each other, copies the raw files unchanged
into data/raw/reports/ and writes the manifest once, atomically: a refused file leaves no
trace, and a failed manifest write removes the files copied for it.
"""

from __future__ import annotations

import contextlib
import re
import signal
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from .. import iorw
from ..errors import CorpusError, ManifestError, RuralStudyError
from .formats import RegionGuess, Report, infer_region, read_report
from ..registry import suffixes
from ..paths import Paths, pause_point

META_COLUMNS = ["file", "region", "province", "level", "year", "title", "source", "published"]
#: Metadata columns a researcher may give (notes too); ``file`` names the input.
META_OPTIONAL = META_COLUMNS[1:] + ["notes"]


@dataclass
class Item:
    """One input of a batch: its report (None when refused) and the manifest values."""

    path: Path
    report: Report | None = None
    refused: str = ""
    duplicate: str = ""
    values: dict[str, str] = field(default_factory=dict)
    region_note: str = ""  # how the region was decided (printed for confirmation)
    region_warning: str = ""  # why it is empty
    doc_id: str = ""
    target: str = ""


def expand_inputs(inputs: list[Path], skip: Path | None = None) -> list[Path | Item]:
    """Files named, and the files of folders named (sorted; hidden files and subfolders
    skipped). In a folder, a symbolic link leading out of it (an unpacked archive can carry
    one to any file of the machine) and anything not a regular file (a FIFO, a device, a
    socket) are not read: each comes back as an :class:`Item` refused with the reason, so that
    the summary names it."""
    import stat

    out: list[Path | Item] = []
    for p in inputs:
        if not p.is_dir():
            out.append(p)
            continue
        base = p.resolve()
        for f in sorted(p.iterdir()):
            if f.name.startswith(".") or (skip is not None and f.resolve() == skip.resolve()):
                continue
            if f.is_symlink():
                target = f.resolve()
                if base not in target.parents:
                    out.append(Item(path=f, refused=f"a symbolic link leading out of the folder "
                                                    f"{p} (to {target}); not read"))
                    continue
            try:
                mode = f.stat().st_mode
            except OSError as exc:
                out.append(Item(path=f, refused=f"cannot be read: {exc.strerror or exc}"))
                continue
            if stat.S_ISDIR(mode):
                continue
            if not stat.S_ISREG(mode):
                out.append(Item(path=f, refused=f"not a regular file ({_kind(mode)}); not read"))
                continue
            out.append(f)
    seen: set[Path] = set()
    return [p for p in out if isinstance(p, Item) or not (p.resolve() in seen or seen.add(p.resolve()))]


def _kind(mode: int) -> str:
    import stat

    return ("a FIFO" if stat.S_ISFIFO(mode) else "a socket" if stat.S_ISSOCK(mode)
            else "a device" if stat.S_ISCHR(mode) or stat.S_ISBLK(mode) else "not a file")


def read_metadata_csv(path: Path) -> dict[str, dict[str, str]]:
    """The metadata CSV (file, region, province, level, year, title, source, published; notes
    optional), keyed by the file name as written; a malformed file names its line."""
    df = iorw.read_csv(path, ManifestError)
    if "file" not in df.columns:
        raise ManifestError("metadata CSV lacks the 'file' column", file=str(path), line=1)
    unknown = [c for c in df.columns if c not in META_COLUMNS + ["notes"]]
    if unknown:
        raise ManifestError(f"metadata CSV has unknown columns {unknown}; use "
                            f"{META_COLUMNS + ['notes']}", file=str(path), line=1)
    out: dict[str, dict[str, str]] = {}
    for i, row in enumerate(df.to_dict("records")):
        name = row["file"].strip()
        if not name:
            raise ManifestError("file is empty", file=str(path), line=i + 2)
        if name in out:
            raise ManifestError("file named twice", file=str(path), line=i + 2, raw=name)
        out[name] = {k: str(v).strip() for k, v in row.items() if k != "file"} | {"_line": str(i + 2)}
    return out


def _meta_row(meta: dict[str, dict[str, str]], path: Path, bases: list[Path]) -> dict[str, str]:
    keys = [path.name, str(path)] + [str(path.relative_to(b)) for b in bases
                                     if b.is_dir() and b in path.parents]
    for k in keys:
        if k in meta:
            return meta[k]
    return {}


def plan_batch(inputs: list[Path | Item], meta: dict[str, dict[str, str]], given: dict[str, object],
               progress: Callable[[Path], None] | None = None) -> list[Item]:
    """Read every input and decide its manifest values (no project file is touched).

    ``given`` holds the command-line values (region/province/level lists, year, title,
    source, published, notes) that apply to each file; the metadata CSV overrides them."""
    import stat

    items: list[Item] = []
    files = [p for p in inputs if not isinstance(p, Item)]
    for path in inputs:
        if isinstance(path, Item):  # refused by expand_inputs (a link out, a FIFO, ...)
            items.append(path)
            if progress:
                progress(path.path)
            continue
        item = Item(path=path)
        items.append(item)
        try:
            if path.exists() and not stat.S_ISREG(path.stat().st_mode) and not path.is_dir():
                raise CorpusError(f"not a regular file ({_kind(path.stat().st_mode)}); not read",
                                  file=str(path))
            if path.suffix.lower() not in suffixes() and path.suffix.lower() != ".doc":
                raise CorpusError(f"not a report format read here ({', '.join(suffixes())})",
                                  file=str(path))
            item.report = read_report(path)
        except CorpusError as exc:
            item.refused = exc.reason
        finally:
            if progress:
                progress(path)
        if item.report is None:
            continue
        row = _meta_row(meta, path, files)
        doc = item.report.meta
        v = {"title": str(given.get("title") or ""), "source": str(given.get("source") or ""),
             "published": str(given.get("published") or ""),
             "year": str(given.get("year") or ""), "notes": str(given.get("notes") or "")}
        for k in ("title", "source", "published"):
            v[k] = row.get(k) or v[k] or doc.get(k, "")
        v["year"] = row.get("year") or v["year"]
        v["notes"] = row.get("notes") or v["notes"]
        regions = list(given.get("region") or [])
        provinces = list(given.get("province") or [])
        levels = list(given.get("level") or [])
        if row.get("region"):
            regions, provinces, levels = ([x.strip() for x in row.get(k, "").split(";")]
                                          for k in ("region", "province", "level"))
            item.region_note = "from the metadata CSV"
        elif regions:
            item.region_note = "as given"
        else:
            g: RegionGuess = infer_region(item.report.raw.text)
            if g.name:
                regions, provinces, levels = [g.name], [g.province], [g.level]
                item.region_note = (f"inferred: the place named most ({g.mentions} sentences), "
                                    f"division code {g.code}; check it, or set it in the metadata CSV")
            else:
                item.region_warning = (f"region could not be decided ({g.reason}); added with the "
                                       f"region empty: set it in the metadata CSV or the manifest")
        levels = [normalise_level(lv) for lv in levels]
        v["year"], span_note = normalise_year(v["year"])
        if span_note:
            v["notes"] = "; ".join(x for x in (v["notes"], span_note) if x)
        v["regions"], v["provinces"], v["admin_levels"] = (";".join(x) for x in
                                                          (regions, provinces, levels))
        item.values = v
        problem = _values_problem(v)
        if problem:
            where = f" (metadata CSV line {row['_line']})" if row else ""
            item.refused, item.report = problem + where, None
    return items


#: Level words researchers write, in English and Chinese, and the admin level each means: a
#: district, banner or county-level city is a county; a city (地级市), 地区, 州 or 盟 a prefecture.
LEVEL_WORDS: dict[str, str] = {
    **{w: "county" for w in ("county", "district", "banner", "county-level city",
                              "county level city", "autonomous county", "autonomous banner",
                              "县", "区", "旗", "县级市", "市辖区", "自治县", "自治旗", "特区", "林区")},
    **{w: "prefecture" for w in ("prefecture", "city", "prefecture-level city",
                                  "prefecture level city", "league", "autonomous prefecture",
                                  "市", "地级市", "地区", "州", "盟", "自治州")},
    **{w: "province" for w in ("province", "autonomous region", "municipality", "省", "自治区",
                                "直辖市")},
    **{w: "township" for w in ("township", "town", "subdistrict", "sumu", "乡", "镇", "街道",
                                "苏木")},
    **{w: "village" for w in ("village", "gacha", "村", "嘎查", "行政村")},
    **{w: "national" for w in ("national", "country", "nation", "全国", "国家")},
}


def normalise_level(word: str) -> str:
    """The admin level a level word means (district, banner, county-level city, 区, 旗, 县级市 ->
    county; city, 市, 地区, 州, 盟 -> prefecture); an unknown word is returned as written (and
    refused by :func:`_values_problem`)."""
    key = re.sub(r"\s+", " ", word.strip().lower())
    return LEVEL_WORDS.get(key, word.strip())


#: A year written as a span (2019-2023, 2019—2023年) or as "several years": the figures of such
#: a source span several years, so its year is left to the text.
_YEAR_SPAN = re.compile(r"((?:19|20)\d\d)\s*年?\s*[-–—~～至到]\s*((?:19|20)\d\d)\s*年?|several|multiple|"
                        r"various|multi-year|多年|多个年份|历年", re.I)


def normalise_year(year: str) -> tuple[str, str]:
    """(year, note): a source whose figures span several years gets no year (the year of each
    figure is left to the text) and a note that says so."""
    y = year.strip()
    if y and _YEAR_SPAN.fullmatch(y):
        return "", f"figures span several years ({y}): the year is left to the text"
    return y, ""


def _values_problem(v: dict[str, str]) -> str:
    """Why manifest values are refused ('' when fine), as :func:`parse_manifest` would."""
    from .corpus import ADMIN_LEVELS, _split

    names, provs, levels = (_split(v[c]) for c in ("regions", "provinces", "admin_levels"))
    if not (len(names) == len(provs) == len(levels)):
        return "region, province and level must list the same number of items"
    bad = [lv for lv in levels if lv not in ADMIN_LEVELS]
    if bad:
        return f"level {bad[0]!r} is not one of {', '.join(ADMIN_LEVELS)}"
    if v["year"] and not re.fullmatch(r"(19|20)\d\d", v["year"]):
        return f"year {v['year']!r} is not a four-digit year"
    if v.get("published") and not valid_date(v["published"]):
        return (f"published {v['published']!r} is not a date (YYYY-MM-DD, or YYYY-MM or YYYY "
                f"when the day is not known)")
    return ""


def valid_date(s: str) -> bool:
    """Is ``s`` a real date written YYYY-MM-DD, YYYY-MM or YYYY (pure)?"""
    import datetime

    m = re.fullmatch(r"((?:19|20)\d\d)(?:-(\d\d)(?:-(\d\d))?)?", s.strip())
    if not m:
        return False
    try:
        datetime.date(int(m[1]), int(m[2] or 1), int(m[3] or 1))
    except ValueError:
        return False
    return True


def _text_key(report: Report) -> str:
    from .corpus import normalised_digest

    return normalised_digest(report.raw.text)


def commit_batch(paths: Paths, items: list[Item], doc_id: str | None = None) -> None:
    """Holding the project lock: refuse duplicates, give ids, copy raw files, write the
    manifest once. Sets ``doc_id``/``target`` of added items and ``duplicate`` of skipped ones."""
    from .corpus import MANIFEST_COLUMNS, parse_manifest

    manifest = iorw.read_csv(paths.manifest, ManifestError)
    try:  # written back in the encoding and line ends it came in (GBK+CRLF for Excel)
        fmt = iorw.table_format(paths.manifest.read_bytes())
    except OSError:
        fmt = ("utf-8", "\n")
    known_hash: dict[str, str] = {}
    known_text: dict[str, str] = {}
    for name in manifest["file"]:
        name = name.strip()
        try:
            known = read_report(iorw.confined(paths.reports_raw, name))
        except (CorpusError, ValueError):
            continue
        known_hash.setdefault(known.raw.sha256, name)
        known_text.setdefault(_text_key(known), name)
    ids = [int(x) for x in manifest["doc_id"] if re.fullmatch(r"\d+", x)]
    next_id = (max(ids) + 1) if ids else 0
    rows = []
    for item in items:
        if item.report is None:
            continue
        raw, key = item.report.raw, _text_key(item.report)
        if raw.sha256 in known_hash:
            item.duplicate = f"same content as {known_hash[raw.sha256]}; not added"
            continue
        if key in known_text:
            item.duplicate = (f"same text as {known_text[key]} (in another encoding or with other "
                              f"line endings, or the same text in another format); not added")
            continue
        item.doc_id = doc_id or f"{next_id:03d}"
        next_id += 1
        suffix = item.path.suffix.lower() or ".txt"
        item.target = f"{item.doc_id}_{raw.sha256[:16]}{suffix}"
        known_hash[raw.sha256] = item.target
        known_text[key] = item.target
        rows.append({"doc_id": item.doc_id, "file": item.target, **item.values})
    added = [i for i in items if i.target]
    if not added:
        return
    # every column is kept, the researcher's own ones (checked_by, ...) included
    columns = list(manifest.columns) + [c for c in MANIFEST_COLUMNS if c not in manifest]
    new = pd.concat([manifest, pd.DataFrame(rows)], ignore_index=True)
    new = new.reindex(columns=columns).fillna("")
    parse_manifest(new, str(paths.manifest))  # validate before writing anything
    written: list[Path] = []
    committed = False
    with _signals_raise():
        try:
            for item in added:
                target = paths.reports_raw / item.target
                iorw.write_bytes(target, item.path.read_bytes())
                written.append(target)
                pause_point("add")  # a test's control point (inert unless set)
            with _signals_held():  # the manifest and the flag change together
                iorw.write_csv(paths.manifest, new, fmt)  # atomic: a temporary file renamed in place
                committed = True
        except BaseException:  # an error, Ctrl-C, SIGTERM or SIGHUP (see _signals_raise)
            if not committed:
                for t in written:
                    t.unlink(missing_ok=True)  # no orphan file without its manifest row
                for item in added:
                    item.target = item.doc_id = ""
            raise


class _Signalled(BaseException):
    """SIGTERM or SIGHUP arrived while ``add`` was copying: raised to roll back the copies."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


_ROLLBACK_SIGNALS = ("SIGTERM", "SIGHUP")


@contextlib.contextmanager
def _signals_raise() -> Iterator[None]:
    """While copying: SIGTERM and SIGHUP raise (Ctrl-C already raises KeyboardInterrupt), so
    the copies are removed; then the process dies of the signal as it would have (status
    128 + signal). Only in the main thread, where Python runs signal handlers."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def handler(signum: int, frame: object) -> None:
        raise _Signalled(signum)

    sigs = [getattr(signal, n) for n in _ROLLBACK_SIGNALS if hasattr(signal, n)]
    old = {s: signal.signal(s, handler) for s in sigs}
    try:
        yield
    except _Signalled as exc:
        for s, h in old.items():
            signal.signal(s, h)
        signal.signal(exc.signum, signal.SIG_DFL)
        signal.raise_signal(exc.signum)  # dies here, the copies removed
        raise
    finally:
        for s, h in old.items():
            signal.signal(s, h)


@contextlib.contextmanager
def _signals_held() -> Iterator[None]:
    """Hold Ctrl-C, SIGTERM and SIGHUP until the block is done (they are delivered after)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    sigs = {signal.SIGINT} | {getattr(signal, n) for n in _ROLLBACK_SIGNALS if hasattr(signal, n)}
    signal.pthread_sigmask(signal.SIG_BLOCK, sigs)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_UNBLOCK, sigs)
