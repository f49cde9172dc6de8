"""Hand-gathered figure sheets (CSV or XLSX): reading, cleaning value strings, region names.

A sheet has one figure per row: region, province, admin_level, year, indicator_label_zh,
raw_value (as the page wrote it) and url; a ``construct`` column (the gatherer's guess) and a
``source`` column (the original publisher and date as the page names them; the only pointer
when ``url`` is empty, e.g. for a copy on an unrelated mirror) are kept when present. An empty
url is allowed. Rows that cannot be parsed go to a rejects table with file, line and reason.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from .. import iorw
from ..texts.corpus import ADMIN_LEVELS
from ..errors import NumberParseError, SheetError
from ..language.numparse import parse_number
from ..language.regions import canonical_name, division_code, to_simplified

REQUIRED = ["region", "province", "admin_level", "year", "indicator_label_zh", "raw_value", "url"]
SHEET_COLUMNS = ["source_id", "file", "line", "region", "region_as_written", "province",
                 "admin_level", "region_code", "year", "label_zh", "construct_guess", "is_target",
                 "raw", "value", "value_high", "value_before", "unit", "qualifier", "kind", "url", "source", "published"]
REJECT_COLUMNS = ["source_id", "source_type", "file", "line", "raw", "reason"]
TARGET_PREFIX = re.compile(r"^\s*目标\s*[::]")
QUALITATIVE = re.compile(r"^\s*(实现)?(全部|均|全面|所有)")
#: "All villages reach N万元": the share of villages above the line the label names is 100%.
_ALL_REACH = re.compile(r"^(实现了?|高质量实现了?)?(全部|均|所有|全面)[^，,；;0-9]{0,12}?(达到|突破|超过?|过)"
                        r"\s*(\d+(?:\.\d+)?)\s*[万萬]元?(以上)?$")
#: "Cleared": none is left (动态清零, a campaign's rolling target, and 基本消除 are not zero).
_CLEARED = re.compile(r"^(实现)?(全面|全部)?(清零|消除)$")
#: "All of them" with no number (全部, 全覆盖, 全面实现, 全部完成): 100% of what the label counts,
#: when the label names a group the statement can be about (the mapper then needs a share
#: indicator of exactly that group; an action word such as 完成 needs an action in the label).
_ALL_OF_THEM = re.compile(r"^(已|均已|均)?(实现)?(全部|全面|所有|均|100%)(实现|覆盖|达到|达标|到位)?$|^(实现|已)?全覆盖$")
_ALL_DONE = re.compile(r"^(已|均已)?(全部|全面|均已|均)(完成|整顿到位|转化|整改到位)$")
_ACTION_IN_LABEL = re.compile(r"整顿|转化|整改|提升|换届|达标")
#: "More than half" (过半, 超过半数, 半数以上) and "nearly half" (近半, 接近半数): 50% as a bound.
_HALF_OVER = re.compile(r"^(超过|超|逾)?(过|一)?半(数)?(以上)?$")
_HALF_NEAR = re.compile(r"^(近|接近|将近)(一)?半(数)?$")
#: A unit the label gives in brackets for bare numbers below it (村集体经济总收入（万元）).
_LABEL_UNIT = re.compile(r"[(（]\s*(万元|亿元|元|%|％|岁|个百分点|百分点|个|人|名|户|家|10k\s*yuan|"
                         r"10,?000\s*yuan|100\s*million\s*yuan|yuan|years?|persons?|people|pp|"
                         r"p\.p\.|percentage\s*points?)\s*[)）]", re.I)
_LABEL_UNITS = {"万元": ("元", 1e4), "亿元": ("元", 1e8), "元": ("元", 1.0), "%": ("%", 1.0),
                "％": ("%", 1.0), "岁": ("岁", 1.0), "个": ("个", 1.0), "人": ("人", 1.0),
                "名": ("名", 1.0), "户": ("户", 1.0), "家": ("家", 1.0), "10kyuan": ("元", 1e4),
                "10000yuan": ("元", 1e4), "100millionyuan": ("元", 1e8), "yuan": ("元", 1.0),
                "year": ("岁", 1.0), "years": ("岁", 1.0), "person": ("人", 1.0),
                "persons": ("人", 1.0), "people": ("人", 1.0),
                "个百分点": ("pp", 1.0), "百分点": ("pp", 1.0), "pp": ("pp", 1.0), "p.p.": ("pp", 1.0),
                "percentagepoint": ("pp", 1.0), "percentagepoints": ("pp", 1.0)}
#: A change against the previous round whose direction the label states and the value does
#: not (平均年龄较上届下降 | 3.1岁): the value takes the label's sign.
_LABEL_DOWN = re.compile(r"(较|比|与)上届(相比)?[^,，;；]{0,4}?(下降|降低|减少|精简|缩小|回落|减)$")
_LABEL_UP = re.compile(r"(较|比|与)上届(相比)?[^,，;；]{0,4}?(提高|上升|增加|增长|提升|增)$")
#: A change against the previous round whose direction neither label nor value words state
#: (平均年龄较上届 | -5.6岁): a signed value is that change.
_LABEL_VS = re.compile(r"(较|比|与)上届(相比)?(变化|增减)?$")
#: 精简 (cut) in a value: a decrease (精简208人).
_CUT_VALUE = re.compile(r"^(精简|压减|减少了)")
_ISO_DATE = re.compile(r"(20\d\d|19\d\d)[-/.年](1[0-2]|0?[1-9])[-/.月](3[01]|[12]\d|0?[1-9])(?!\d)")
_URL_DATE = re.compile(r"/(20\d\d)[-/_]?(0[1-9]|1[0-2])(?:[-/_]?(0[1-9]|[12]\d|3[01]))?(?=[/_.-])")


@dataclass(frozen=True)
class SheetResult:
    """Parsed sheet rows and the rows rejected, with reasons."""

    rows: pd.DataFrame
    rejects: pd.DataFrame


def read_sheet_frame(path: Path) -> pd.DataFrame:
    """Read one sheet file (CSV in UTF-8/BOM/GB18030, or XLSX) as strings, under the
    :mod:`ruralstudy.texts.limits`: file size, unpacked size (XLSX), columns, non-blank rows, cell
    length. Blank rows are skipped and cost nothing; each kept row's line in the file is in
    ``df.attrs["lines"]`` (so rejects name the right line). Over a limit the sheet is
    refused with a :class:`SheetError` naming it, the line and the limit."""
    from ..texts import limits

    try:
        limits.check_file_size(path, str(path))
        if path.suffix.lower() in (".xlsx", ".xlsm"):
            limits.check_zip(path, str(path))
            header, rows, lines = _xlsx_rows(path)
        elif path.suffix.lower() == ".csv":
            header, rows, lines = _csv_rows(path)
        else:
            raise SheetError("sheets must be .csv or .xlsx", file=str(path))
    except limits.LimitError as exc:
        raise SheetError(exc.reason, file=str(path), line=exc.line) from None
    if header is None:
        raise SheetError("file is empty (no header row)", file=str(path), line=1)
    df = pd.DataFrame(rows, columns=header, dtype=object).astype(str) if rows else \
        pd.DataFrame(columns=header, dtype=str)
    df.attrs["lines"] = lines
    df.columns = [str(c).strip() for c in df.columns]
    missing = [c for c in REQUIRED if c not in df.columns]
    if missing:
        raise SheetError(f"sheet lacks columns {', '.join(missing)} (the header row needs "
                         f"{', '.join(REQUIRED)})", file=str(path), line=1)
    return df


def _header(cells: list[str]) -> list[str]:
    """Column names as pandas gives them: blank ones 'Unnamed: i', repeats 'name.1'."""
    out: list[str] = []
    seen: dict[str, int] = {}
    for i, c in enumerate(cells):
        name = c.strip() or f"Unnamed: {i}"
        if name in seen:
            seen[name] += 1
            name = f"{name}.{seen[name]}"
        else:
            seen[name] = 0
        out.append(name)
    return out


def _csv_rows(path: Path) -> tuple[list[str] | None, list[list[str]], list[int]]:
    """A CSV's header, non-blank rows and their first lines, read with the csv module and
    its own field limit (:data:`ruralstudy.texts.limits.FIELD_CHARS`); rows counted as read, so a
    sheet over :data:`ruralstudy.texts.limits.SHEET_ROWS` is refused without being kept."""
    import csv
    import io

    from ..texts import limits

    try:
        raw = iorw.decode_bytes(path.read_bytes(), str(path))
    except Exception as exc:
        raise SheetError(str(getattr(exc, "reason", exc)), file=str(path),
                         line=getattr(exc, "line", None)) from None
    text = raw.text
    del raw
    # an even number of quotes closes every quoted field (each quote toggles; a doubled one
    # toggles twice), so the line-by-line search runs only when one is unbalanced
    bad = iorw.unclosed_quote_line(text) if text.count('"') % 2 else None
    if bad is not None:
        raise SheetError("a quoted field opened here is never closed (unbalanced \" quote); "
                         "every row after it would be lost", file=str(path), line=bad)
    max_field, max_rows = int(limits.FIELD_CHARS.value), limits.SHEET_ROWS.value
    # lines are sliced from the text one at a time (a StringIO would copy all of it)
    reader = csv.reader(_lines(text) if "\n" in text else io.StringIO(text, newline=""))
    header: list[str] | None = None
    rows: list[list[str]] = []
    lines: list[int] = []
    old = csv.field_size_limit(max_field)
    try:
        while True:
            start = reader.line_num + 1
            try:
                rec = next(reader)
            except StopIteration:
                break
            except csv.Error as exc:
                if "field larger" in str(exc):
                    raise limits.FIELD_CHARS.error(f"more than {max_field:,} characters", str(path),
                                                   line=start) from None
                raise SheetError(f"malformed CSV: {exc}", file=str(path), line=start) from None
            if not any(c.strip() for c in rec):
                continue  # a blank row (or one of commas only): skipped, not counted
            if header is None:
                limits.SHEET_COLUMNS.check(len(rec), str(path), line=start)
                header = _header(rec)
                continue
            if len(rec) > len(header):
                if any(c.strip() for c in rec[len(header):]):
                    raise SheetError(f"malformed CSV: Expected {len(header)} fields in line "
                                     f"{start}, saw {len(rec)}", file=str(path), line=start)
                rec = rec[:len(header)]
            if len(rows) >= max_rows:
                raise limits.SHEET_ROWS.error(f"more than {int(max_rows):,}", str(path), line=start)
            rows.append(rec + [""] * (len(header) - len(rec)))
            lines.append(start)
    finally:
        csv.field_size_limit(old)
    return header, rows, lines


def _lines(text: str):
    """The lines of ``text`` with their line ends, split at "\\n" only (as a file opened with
    ``newline=""`` gives them to the csv module; ``str.splitlines`` would also cut at
    U+2028 and other separators inside a field)."""
    start = 0
    while True:
        end = text.find("\n", start)
        if end < 0:
            if start < len(text):
                yield text[start:]
            return
        yield text[start:end + 1]
        start = end + 1


def _cell_text(v) -> str:
    """A cell value as pandas' ``read_excel(dtype=str)`` writes it: '' for empty, 2022 for
    an integral number, 38.6, '2022-01-01 00:00:00' for a date."""
    if v is None:
        return ""
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v)


def _present_rows(ws, max_col: int):
    """(row number, values) of the rows a read-only worksheet's XML holds, first ``max_col``
    columns. openpyxl's ``iter_rows`` also yields an empty row for every row number the file
    skips (a stray cell at H1048576 costs a million of them), so its own row parser is used
    directly; should a later openpyxl move those internals, ``iter_rows`` still does."""
    try:
        from openpyxl.worksheet._reader import WorkSheetParser

        wb = ws.parent
        src = ws._get_source()
        parser = WorkSheetParser(src, ws._shared_strings, data_only=wb.data_only, epoch=wb.epoch,
                                 date_formats=wb._date_formats,
                                 timedelta_formats=wb._timedelta_formats)
    except (ImportError, AttributeError, TypeError):
        yield from enumerate(ws.iter_rows(max_col=max_col, values_only=True), start=1)
        return
    with src:
        for idx, row in parser.parse():
            yield idx, ws._get_row(row, 1, max_col, values_only=True)


def _xlsx_rows(path: Path) -> tuple[list[str] | None, list[list[str]], list[int]]:
    """An XLSX's first sheet with openpyxl's read-only reader, bounded by ``max_col`` (a cell
    at XFD1048576 no longer makes a 1,048,576 x 16,384 grid); blank rows are skipped and the
    others counted as read (:data:`ruralstudy.texts.limits.SHEET_ROWS`, ``FIELD_CHARS``)."""
    import warnings

    import openpyxl

    from ..texts import limits

    max_cols, max_rows = int(limits.SHEET_COLUMNS.value), limits.SHEET_ROWS.value
    max_field = limits.FIELD_CHARS.value
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            wb = openpyxl.load_workbook(path, read_only=True, data_only=True, keep_links=False)
    except Exception as exc:  # openpyxl raises many types for broken files
        raise SheetError(f"not a readable XLSX workbook (damaged or not a spreadsheet: "
                         f"{exc})", file=str(path)) from None
    header: list[str] | None = None
    rows: list[list[str]] = []
    lines: list[int] = []
    try:
        ws = wb.worksheets[0]
        ws.reset_dimensions()  # a stray far cell must not set the size of the grid
        for line, values in _present_rows(ws, max_cols + 1):
            cells = [_cell_text(v) for v in values]
            if not any(c.strip() for c in cells):
                continue
            for c in cells:
                if len(c) > max_field:
                    raise limits.FIELD_CHARS.error(f"{len(c):,} characters", str(path),
                                                   line=line)
            if header is None:
                while cells and not cells[-1].strip():
                    cells.pop()
                limits.SHEET_COLUMNS.check(len(cells), str(path), line=line)
                header = _header(cells)
                continue
            if len(rows) >= max_rows:
                raise limits.SHEET_ROWS.error(f"more than {int(max_rows):,}", str(path), line=line)
            cells = (cells + [""] * len(header))[:len(header)]
            rows.append(cells)
            lines.append(line)
    except (limits.LimitError, SheetError):
        raise
    except Exception as exc:
        raise SheetError(f"not a readable XLSX workbook (damaged or not a spreadsheet: "
                         f"{exc})", file=str(path)) from None
    finally:
        wb.close()
    return header, rows, lines


def clean_sheet(df: pd.DataFrame, file: str) -> SheetResult:
    """Parse a sheet's rows (pure): value strings through the number parser, names normalised."""
    rows, rejects = [], []
    lines = df.attrs.get("lines") or range(2, len(df) + 2)  # blank rows skipped when read
    for i, r in enumerate(df.to_dict("records")):
        line = int(lines[i])
        sid = f"sheet:{file}:{line}"
        raw = str(r["raw_value"]).strip()

        def reject(reason: str) -> None:
            rejects.append({"source_id": sid, "source_type": "sheet", "file": file,
                            "line": line, "raw": raw, "reason": reason})

        region = sheet_region(r["region"], r["province"], str(r["admin_level"]).strip())
        if not region:
            reject("region is empty")
            continue
        level = str(r["admin_level"]).strip()
        if level not in ADMIN_LEVELS:
            reject(f"admin_level {level!r} is not one of {', '.join(ADMIN_LEVELS)}")
            continue
        year_s = str(r["year"]).strip().removesuffix(".0")
        if year_s and not re.fullmatch(r"(19|20)\d\d", year_s):
            reject(f"year {year_s!r} is not a four-digit year")
            continue
        label_s = to_simplified(str(r["indicator_label_zh"]).strip())
        try:
            p = whole_statement(raw, label_s) or _label_signed(
                parse_number(_cut(_english_value_unit(raw, label_s))), label_s, raw)
            p = _label_unit(p, label_s)
        except NumberParseError as exc:
            if QUALITATIVE.match(raw):
                reject("qualitative statement ('all ...' meet a threshold), not a figure")
            else:
                reject(f"value is not a number: {exc.reason}")
            continue
        province = canonical_name(r["province"])
        label = label_s
        rows.append({
            "source_id": sid, "file": file, "line": line, "region": region,
            "region_as_written": r["region"], "province": province, "admin_level": level,
            "region_code": division_code(region, province, level),
            "year": int(year_s) if year_s else None, "label_zh": label,
            "construct_guess": str(r.get("construct", "")).strip(),
            "is_target": bool(TARGET_PREFIX.match(label)), "raw": raw, "value": p.value,
            "value_high": p.value_high, "value_before": p.value_before, "unit": p.unit,
            "qualifier": p.qualifier, "kind": p.kind, "url": str(r["url"]).strip(),
            "source": str(r.get("source", "") or "").strip(),
            "published": published_date(str(r.get("source", "") or ""), str(r["url"]))})
    out = pd.DataFrame(rows, columns=SHEET_COLUMNS)
    out["year"] = out["year"].astype("Int64")
    out["line"] = out["line"].astype("int64")
    return SheetResult(out, pd.DataFrame(rejects, columns=REJECT_COLUMNS))


def whole_statement(raw: str, label: str):
    """A statement about all of a region's villages read as the number it states, when the
    label names what it is about (else None: it stays qualitative):

    - "全部达到10万元以上" under a label that counts villages over that same line
      (集体收入10万元以上村) -> 100 %: every village is over the line;
    - "全面清零" / "全部消除" under a label naming what was cleared -> 0 of them.

    Without these the 100% and 0% ends of a distribution would be cut off."""
    from ..language.numparse import ParsedNumber

    raw, label = to_simplified(raw), to_simplified(label)
    m = _ALL_REACH.match(raw.strip())
    if m:
        line = m.group(4)
        if re.search(rf"(?<![\d.]){re.escape(line)}\s*万元?(及)?以上|[超过]{re.escape(line)}\s*万", label) \
                and re.search(r"村", label):
            return ParsedNumber(raw=raw, value=100.0, value_high=None, unit="%",
                                qualifier="exact")
        return None
    if _CLEARED.match(raw.strip()) and re.search(r"村|党组织|支部", label):
        return ParsedNumber(raw=raw, value=0.0, value_high=None, unit="个", qualifier="exact")
    r = re.sub(r"\s+", "", raw)
    if (_ALL_OF_THEM.match(r) or (_ALL_DONE.match(r) and _ACTION_IN_LABEL.search(label))) and \
            re.search(r"村|党组织|支部|书记|两委|一肩挑|社区", label):
        return ParsedNumber(raw=raw, value=100.0, value_high=None, unit="%", qualifier="exact")
    if _HALF_OVER.match(r) and r not in ("半", "半数", "一半"):
        return ParsedNumber(raw=raw, value=50.0, value_high=None, unit="%", qualifier="more_than")
    if _HALF_NEAR.match(r):
        return ParsedNumber(raw=raw, value=50.0, value_high=None, unit="%", qualifier="less_than")
    return None


#: English unit words after a sheet value, as the number parser writes them: years after an age
#: (43.9 yrs) only when the label is about an age (6 years of tenure is no age).
_EN_VALUE_UNIT = re.compile(r"^\s*(?P<n>[-−]?\s*\d[\d,]*(?:\.\d+)?)\s*(?P<u>yrs?|years?(?:\s+old)?|y/o|"
                            r"people|persons?|pp|p\.p\.|ppts?|percentage\s+points?|villages?|yuan)\.?\s*$",
                            re.I)
_EN_VALUE_UNITS = {"pp": "个百分点", "p.p.": "个百分点", "ppt": "个百分点", "ppts": "个百分点",
                   "people": "人", "person": "人", "persons": "人", "village": "个", "villages": "个",
                   "yuan": "元"}
_AGE_LABEL = re.compile(r"年龄|均龄|\bage\b", re.I)


def _english_value_unit(raw: str, label: str) -> str:
    """43.9 yrs -> 43.9岁 (under an age label), 3.4 pp -> 3.4个百分点, 840 people -> 840人, and a
    leading plus sign dropped (+12.5个百分点: the sign says up, the label's change is read from it)."""
    r = re.sub(r"^\s*\+\s*(?=\d)", "", raw)
    m = _EN_VALUE_UNIT.match(r)
    if not m:
        return r
    u = re.sub(r"\s+", " ", m["u"].lower())
    if u.startswith(("yr", "year", "y/o")):
        return m["n"] + "岁" if _AGE_LABEL.search(label) else r
    if u.startswith("percentage"):
        return m["n"] + "个百分点"
    return m["n"] + _EN_VALUE_UNITS.get(u, "")


def _cut(raw: str) -> str:
    """精简208人 -> 减少208人 (a cut is a decrease)."""
    return _CUT_VALUE.sub("减少", raw.strip())


def _label_unit(p, label: str):
    """A bare number under a label that names its unit in brackets takes that unit, scaled to
    the base unit (（万元） 3560 -> 35,600,000 元); a value with its own unit keeps it."""
    from dataclasses import replace

    m = _LABEL_UNIT.search(label)
    if p.unit or not m:
        return p
    unit, k = _LABEL_UNITS.get(re.sub(r"[\s,]", "", m.group(1)).lower(), ("", 1.0))
    if not unit:
        return p

    def sc(v):  # 2.3 亿元 -> 230000000, not 229999999.99999997
        return None if v is None else float(f"{v * k:.12g}")
    return replace(p, value=sc(p.value), value_high=sc(p.value_high),
                   value_before=sc(p.value_before), unit=unit)


def _label_signed(p, label: str, raw: str):
    """A level under a label that states the direction of a change against the previous round
    (较上届下降 | 3.1岁) is that change, with the label's sign."""
    from dataclasses import replace

    from ..language.vocab import english_label_to_zh

    zh = english_label_to_zh(label)[0]
    norm = re.sub(r"\s+", "", zh).rstrip("(（)）个岁人名%pp百分点")
    norm = re.sub(r"[(（][^)）]*[)）]$", "", norm)
    if p.kind != "level":
        return p
    if re.match(r"^\s*[-+−]", raw):
        # 平均年龄较上届 | -5.6岁: the sign states the direction the label leaves open
        return replace(p, kind="growth") if _LABEL_VS.search(norm) else p
    if _LABEL_DOWN.search(norm):
        return replace(p, value=-p.value, kind="growth")
    if _LABEL_UP.search(norm):
        return replace(p, kind="growth")
    return p


def sheet_region(written: str, province: str, level: str) -> str:
    """A sheet's region name, canonical (simplified characters, nickname resolved), unless the
    conversion turns a real place name into another one: 乾县 is a county's own name, and
    traditional-to-simplified conversion would make it 干县. The name as written (spaces
    removed) is kept when only it has an official division code."""
    canon = canonical_name(written)
    plain = re.sub(r"\s+", "", written or "")
    if canon != plain and plain and not division_code(canon, canonical_name(province), level) \
            and division_code(plain, canonical_name(province), level):
        return plain
    return canon


def published_date(source: str, url: str = "") -> str:
    """The publication date a sheet row's ``source`` names (``农民日报 2021-03-18``), else the
    one in its URL (``/2019-04/09/``, ``/202109/``), as ``YYYY-MM-DD`` or ``YYYY-MM``; '' when
    neither says. A date without a year (``5月19日``) is not a date."""
    m = _ISO_DATE.search(source or "")
    if m:
        return f"{m.group(1)}-{int(m.group(2)):02d}-{int(m.group(3)):02d}"
    m = _URL_DATE.search(url or "")
    if m:
        return f"{m.group(1)}-{m.group(2)}" + (f"-{m.group(3)}" if m.group(3) else "")
    return ""


def sheet_files(folder: Path) -> list[Path]:
    """Sheet files in a folder, sorted by name (README and hidden files skipped)."""
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if p.is_file() and not p.name.startswith(".")
                  and p.suffix.lower() in (".csv", ".xlsx", ".xlsm"))


def load_sheets(folder: Path) -> SheetResult:
    """Read and clean every sheet in a folder; an unreadable file is one reject naming it."""
    parts, rejects = [], []
    for path in sheet_files(folder):
        try:
            df = read_sheet_frame(path)
        except SheetError as exc:
            rejects.append(pd.DataFrame([{"source_id": f"sheet:{path.name}:{exc.line or 0}",
                                          "source_type": "sheet",
                                          "file": path.name, "line": exc.line or 0, "raw": "",
                                          "reason": exc.reason}], columns=REJECT_COLUMNS))
            continue
        res = clean_sheet(df, path.name)
        parts.append(res.rows)
        rejects.append(res.rejects)
    rows = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=SHEET_COLUMNS)
    rej = pd.concat(rejects, ignore_index=True) if rejects else pd.DataFrame(columns=REJECT_COLUMNS)
    return SheetResult(rows, rej)
