"""Check unseen6's sheet and gold (stdlib + csv only; does not import the project).

- the sheet header is exactly the county sheet's; the gold header is line,indicator_id,value,year,period,note
- gold lines match sheet lines 1:1 (line = 1-based line number of the row in sheet_holdout.csv,
  header = line 1), in order, with no gaps or repeats
- every indicator_id is an id of src/ruralstudy/measures/codebook.yaml
- every value is a number; shares lie in 0-100; mapped values lie in the id's codebook range
- period is one of '', year, year_to_date, part_year, several_years; year is empty or 4 digits
- no region of the sheet is a region of the other held-out sets or of the shared figure sheets
Prints counts. Run from anywhere: python3 tools/check.py [-v]
"""
import collections
import csv
import os
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
SET = os.path.dirname(HERE)                      # data/annotations/unseen6
ANN = os.path.dirname(SET)                       # data/annotations
ROOT = os.path.dirname(os.path.dirname(ANN))     # repository
CODEBOOK = os.path.join(ROOT, "src", "ruralstudy", "measures", "codebook.yaml")
SHEET_HEADER = ["region", "province", "admin_level", "year", "construct", "indicator_label_zh",
                "raw_value", "source", "url"]
GOLD_HEADER = ["line", "indicator_id", "value", "year", "period", "note"]
PERIODS = {"", "year", "year_to_date", "part_year", "several_years"}
LEVELS = {"county", "prefecture", "province"}
CONSTRUCTS = {"branch_strength", "cadre_structure", "collective_income", "context"}
SOURCE = "holdout6 test data (invented values, never published)"


def codebook_ids(path):
    """id -> (measure, (low, high)) read line by line from the YAML (no yaml module needed)."""
    ids, cur = {}, None
    with open(path, encoding="utf-8") as f:
        for line in f:
            m = re.match(r"\s*- id:\s*\"?([A-Za-z0-9_]+)\"?\s*$", line)
            if m:
                cur = m.group(1)
                ids[cur] = [None, None]
                continue
            if cur is None:
                continue
            m = re.match(r"\s+measure:\s*\"?(\w+)\"?\s*$", line)
            if m:
                ids[cur][0] = m.group(1)
            m = re.match(r"\s+range:\s*\[\s*([-\d.eE]+)\s*,\s*([-\d.eE]+)\s*\]", line)
            if m:
                ids[cur][1] = (float(m.group(1)), float(m.group(2)))
    return ids


def other_regions():
    """Regions named in the other held-out sets and in the shared and raw figure sheets."""
    names = set()
    files = []
    for d in sorted(os.listdir(ANN)):
        p = os.path.join(ANN, d)
        if d.startswith("unseen") and d != "unseen6" and os.path.isdir(p):
            for fn in os.listdir(p):
                if fn.endswith("regions.csv"):
                    files.append((os.path.join(p, fn), "region"))
                elif fn.startswith("sheet") and fn.endswith(".csv") and "gold" not in fn:
                    files.append((os.path.join(p, fn), "region"))
    for d in (os.path.join(ROOT, "data", "raw", "sheets"), "/work/shared/figure_sheets"):
        if os.path.isdir(d):
            for fn in os.listdir(d):
                if fn.endswith(".csv"):
                    files.append((os.path.join(d, fn), "region"))
    for path, col in files:
        with open(path, encoding="utf-8") as f:
            for row in csv.DictReader(f):
                if row.get(col):
                    names.add(row[col].strip())
    return names


def main():
    verbose = "-v" in sys.argv
    errors = []
    ids = codebook_ids(CODEBOOK)
    with open(os.path.join(SET, "sheet_holdout.csv"), encoding="utf-8", newline="") as f:
        sheet = list(csv.reader(f))
    with open(os.path.join(SET, "sheet_holdout_gold.csv"), encoding="utf-8", newline="") as f:
        gold = list(csv.reader(f))
    if sheet[0] != SHEET_HEADER:
        errors.append("sheet header %r" % sheet[0])
    if gold[0] != GOLD_HEADER:
        errors.append("gold header %r" % gold[0])
    if len(sheet) != len(gold):
        errors.append("sheet has %d rows, gold %d" % (len(sheet) - 1, len(gold) - 1))
    for n, row in enumerate(sheet[1:], start=2):
        if len(row) != len(SHEET_HEADER):
            errors.append("sheet line %d: %d fields" % (n, len(row)))
            continue
        region, prov, level, year, construct, label, raw, source, url = row
        if level not in LEVELS:
            errors.append("sheet line %d: level %r" % (n, level))
        if construct not in CONSTRUCTS:
            errors.append("sheet line %d: construct %r" % (n, construct))
        if year and not re.fullmatch(r"\d{4}", year):
            errors.append("sheet line %d: year %r" % (n, year))
        if source != SOURCE or url:
            errors.append("sheet line %d: source/url" % n)
        if not label or not raw or not region:
            errors.append("sheet line %d: empty region, label or raw value" % n)
    by_id = collections.Counter()
    periods = collections.Counter()
    for k, row in enumerate(gold[1:], start=2):
        if len(row) != len(GOLD_HEADER):
            errors.append("gold row %d: %d fields" % (k, len(row)))
            continue
        line, ind, value, year, period, note = row
        if line != str(k):
            errors.append("gold row %d points at line %s (expected %d)" % (k, line, k))
        if period not in PERIODS:
            errors.append("gold line %s: period %r" % (line, period))
        periods[period or "stock"] += 1
        if year and not re.fullmatch(r"\d{4}", year):
            errors.append("gold line %s: year %r" % (line, year))
        try:
            v = float(value)
        except ValueError:
            errors.append("gold line %s: value %r is not a number" % (line, value))
            continue
        if not ind:
            if not note:
                errors.append("gold line %s: unmapped row without a note" % line)
            continue
        if ind not in ids:
            errors.append("gold line %s: %s is not in codebook.yaml" % (line, ind))
            continue
        by_id[ind] += 1
        measure, rng = ids[ind]
        if measure == "share" and not 0 <= v <= 100:
            errors.append("gold line %s: share %s outside 0-100" % (line, value))
        if rng and not rng[0] <= v <= rng[1]:
            errors.append("gold line %s: %s outside %s's range %s" % (line, value, ind, rng))
        if period in ("year_to_date", "part_year", "several_years"):
            errors.append("gold line %s: mapped row with period %s" % (line, period))
        if verbose and 2 <= k <= len(sheet):
            print(line, sheet[k - 1][0], sheet[k - 1][5], sheet[k - 1][6], "->", ind, value, year, period)
    regions = {(r[0], r[2]) for r in sheet[1:]}
    clash = sorted({r for r, _ in regions} & other_regions())
    if clash:
        errors.append("regions also in other sets or shared sheets: %s" % ", ".join(clash))
    levels = collections.Counter(level for _, level in regions)
    provinces = {r[1] for r in sheet[1:]}
    mapped = sum(by_id.values())
    print("unseen6 sheet: %d rows, %d with an indicator_id (%d distinct ids), %d without"
          % (len(sheet) - 1, mapped, len(by_id), len(sheet) - 1 - mapped))
    print("regions: %d (%s) in %d provinces" % (len(regions), ", ".join(
        "%d %s" % (n, lv) for lv, n in sorted(levels.items())), len(provinces)))
    print("periods: " + ", ".join("%d %s" % (n, p) for p, n in periods.most_common()))
    for ind in sorted(by_id):
        print("    %s: %d" % (ind, by_id[ind]))
    if errors:
        print("\n%d ERRORS" % len(errors))
        for e in errors:
            print("  " + e)
        sys.exit(1)
    print("OK")


if __name__ == "__main__":
    main()
