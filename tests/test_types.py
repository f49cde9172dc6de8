"""Types checked: mypy over the package with the configuration in pyproject.toml (strict for
the pure modules, lenient elsewhere; the per-module lists of disabled codes are known debt)."""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
STRICT = {"ruralstudy.registry", "ruralstudy.site.pages", "ruralstudy.language.numparse",
          "ruralstudy.evaluation.stats", "ruralstudy.tables.comparability",
          "ruralstudy.tables.datapackage", "ruralstudy.texts.limits", "ruralstudy.measures.calibrate"}


def _config() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["mypy"]


def test_the_pure_modules_are_checked_strictly_and_carry_no_debt():
    overrides = _config()["overrides"]
    strict = [o for o in overrides if o.get("disallow_untyped_defs")]
    assert len(strict) == 1 and STRICT <= set(strict[0]["module"])
    for o in strict:
        assert o.get("warn_return_any") and o.get("disallow_any_generics")
    debt = {o["module"] for o in overrides if "disable_error_code" in o}
    assert not STRICT & debt, "a strict module may not disable error codes"


def test_mypy_finds_no_error_in_the_package():
    pytest.importorskip("mypy")
    proc = subprocess.run([sys.executable, "-m", "mypy", "--config-file", "pyproject.toml",
                           "--cache-dir", str(ROOT / ".mypy_cache")],
                          cwd=ROOT, capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, proc.stdout[-6000:] + proc.stderr[-2000:]
    assert "Success" in proc.stdout
