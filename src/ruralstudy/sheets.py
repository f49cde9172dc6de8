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

from . import iorw
from .corpus import ADMIN_LEVELS
from .errors import NumberParseError, SheetError
from .numparse import parse_number
from .regions import canonical_name, division_code, to_simplified

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
_ISO_DATE = re.compile(r"(20\d\d|19\d\d)[-/.年](1[0-2]|0?[1-9])[-/.月](3[01]|[12]\d|0?[1-9])(?!\d)")
_URL_DATE = re.compile(r"/(20\d\d)[-/_]?(0[1-9]|1[0-2])(?:[-/_]?(0[1-9]|[12]\d|3[01]))?(?=[/_.-])")


@dataclass(frozen=True)
class SheetResult:
    """Parsed sheet rows and the rows rejected, with reasons."""

    rows: pd.DataFrame
    rejects: pd.DataFrame


def read_sheet_frame(path: Path) -> pd.DataFrame:
    """Read one sheet file (CSV in UTF-8/BOM/GB18030, or XLSX) as strings."""
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        try:
            df = pd.read_excel(path, dtype=str, keep_default_na=False, engine="openpyxl")
        except Exception as exc:  # openpyxl raises many types for broken files
            raise SheetError(f"not a readable XLSX workbook (damaged or not a spreadsheet: "
                             f"{exc})", file=str(path)) from None
    elif path.suffix.lower() == ".csv":
        try:
            raw = iorw.decode_bytes(path.read_bytes(), str(path))
        except Exception as exc:
            raise SheetError(str(getattr(exc, "reason", exc)), file=str(path)) from None
        df = iorw.parse_csv_text(raw.text, str(path), SheetError)
    else:
        raise SheetError("sheets must be .csv or .xlsx", file=str(path))
    df.columns = [str(c).strip() for c in df.columns]
    missing = [c for c in REQUIRED if c not in df.columns]
    if missing:
        raise SheetError(f"sheet lacks columns {', '.join(missing)} (the header row needs "
                         f"{', '.join(REQUIRED)})", file=str(path), line=1)
    return df


def clean_sheet(df: pd.DataFrame, file: str) -> SheetResult:
    """Parse a sheet's rows (pure): value strings through the number parser, names normalised."""
    rows, rejects = [], []
    for i, r in enumerate(df.to_dict("records")):
        line = i + 2
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
            p = whole_statement(raw, label_s) or parse_number(raw)
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
    from .numparse import ParsedNumber

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
    return None


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
