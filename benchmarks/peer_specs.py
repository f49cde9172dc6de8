"""Measure ruralstudy's number parser against peers' own test suites.

Usage::

    python benchmarks/peer_specs.py --recognizers PATH --cn2an PATH [--dump tests/data/x.json]

``--recognizers`` is a checkout (or ``git --git-dir`` export) of microsoft/Recognizers-Text;
its ``Specs/Number/Chinese/NumberModel.json`` and ``PercentModel.json`` are read. A case counts
when it is a *whole expression*: exactly one expected result whose text is the whole input.
``--cn2an`` is a checkout of Ailln/cn2an; the dictionaries in ``cn2an/cn2an_test.py``
(strict, normal and smart data: Chinese text -> number) and ``cn2an/an2cn_test.py`` (number ->
its Chinese, capital and Arabic-digit spellings) are read with ``ast`` (never imported or run).
Both projects are MIT-licensed; nothing of theirs is stored in this repository except the
attributed subset written by ``--dump`` (tests/data/peer_number_cases.json).

A case passes when ``parse_number(input).value`` equals the expected value (relative 1e-6);
the parser reports shares in % (三成 = 30, 一千分之一 = 0.1 %), so a % result is also compared
as a fraction (value / 100) for number cases, and percent cases compare the number before %.
Prints the pass rate per source and overall.
"""

from __future__ import annotations

import argparse
import ast
import json
import math
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from ruralstudy.errors import NumberParseError  # noqa: E402
from ruralstudy.language.numparse import parse_number  # noqa: E402


def recognizers_cases(root: Path) -> list[dict]:
    """Whole-expression cases of the Chinese number and percent specs."""
    out = []
    for name, kind in (("NumberModel.json", "number"), ("PercentModel.json", "percent")):
        path = root / "Specs" / "Number" / "Chinese" / name
        for case in json.loads(path.read_text(encoding="utf-8-sig")):
            res = case.get("Results") or []
            if len(res) != 1 or res[0].get("Text") != case["Input"]:
                continue
            value = str(res[0].get("Resolution", {}).get("value", ""))
            try:
                expected = float(value.rstrip("%"))
            except ValueError:
                continue
            out.append({"input": case["Input"], "expected": expected, "kind": kind,
                        "source": f"Recognizers-Text Specs/Number/Chinese/{name}"})
    return out


def _dicts_in(path: Path) -> dict[str, dict]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: dict[str, dict] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Dict):
            target = node.targets[0]
            name = target.attr if isinstance(target, ast.Attribute) else getattr(target, "id", "")
            try:
                found[name] = ast.literal_eval(node.value)
            except ValueError:
                continue
    return found


def cn2an_cases(root: Path) -> list[dict]:
    """Text -> number cases of cn2an's own tests (strict, normal, smart; an2cn spellings)."""
    out = []
    dicts = _dicts_in(root / "cn2an" / "cn2an_test.py")
    for name in ("strict_data_dict", "normal_data_dict", "smart_data_dict"):
        for text, value in dicts.get(name, {}).items():
            if isinstance(value, (int, float)):
                out.append({"input": text, "expected": float(value), "kind": "number",
                            "source": f"cn2an cn2an/cn2an_test.py {name}"})
    an = _dicts_in(root / "cn2an" / "an2cn_test.py").get("input_data", {})
    for value, spellings in an.items():
        # low, up (capitals) and direct (digit string) spellings; the RMB form is money words
        for i in (0, 1, 3):
            if i < len(spellings):
                out.append({"input": spellings[i], "expected": float(value), "kind": "number",
                            "source": "cn2an cn2an/an2cn_test.py input_data"})
    seen, uniq = set(), []
    for c in out:
        if c["input"] not in seen:
            seen.add(c["input"])
            uniq.append(c)
    return uniq


def passes(case: dict) -> bool:
    """True when the parser reads the case's input as its expected value."""
    try:
        p = parse_number(case["input"])
    except NumberParseError:
        return False
    exp = case["expected"]
    if case["kind"] == "percent":
        return p.unit in ("%", "pp", "") and math.isclose(p.value, exp, rel_tol=1e-6, abs_tol=1e-9)
    if math.isclose(p.value, exp, rel_tol=1e-6, abs_tol=1e-12):
        return True
    return p.unit == "%" and math.isclose(p.value / 100, exp, rel_tol=1e-6, abs_tol=1e-12)


def report(cases: list[dict]) -> float:
    """Print the pass rate by source and overall; return the overall rate."""
    by: dict[str, list[bool]] = {}
    for c in cases:
        by.setdefault(c["source"], []).append(passes(c))
    for src, res in by.items():
        print(f"{src:<60} {sum(res):>4}/{len(res):<4} {sum(res) / len(res):6.1%}")
    allres = [r for res in by.values() for r in res]
    rate = sum(allres) / len(allres) if allres else 0.0
    print(f"{'overall (whole-expression cases)':<60} {sum(allres):>4}/{len(allres):<4} {rate:6.1%}")
    return rate


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--recognizers", type=Path, help="Recognizers-Text checkout")
    ap.add_argument("--cn2an", type=Path, help="cn2an checkout")
    ap.add_argument("--failures", action="store_true", help="list the failing cases")
    ap.add_argument("--dump", type=Path, help="write all cases as JSON (for tests/data)")
    a = ap.parse_args(argv)
    cases: list[dict] = []
    if a.recognizers:
        cases += recognizers_cases(a.recognizers)
    if a.cn2an:
        cases += cn2an_cases(a.cn2an)
    if not cases:
        ap.error("give --recognizers and/or --cn2an")
    report(cases)
    if a.failures:
        for c in cases:
            if not passes(c):
                try:
                    got = parse_number(c["input"]).value
                except NumberParseError as exc:
                    got = exc.reason
                print(f"FAIL {c['input']!r} expected {c['expected']} got {got}  [{c['source']}]")
    if a.dump:
        a.dump.write_text(json.dumps(cases, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
