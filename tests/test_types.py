"""Types checked: mypy over the package with the configuration in pyproject.toml (strict for
the pure modules, lenient elsewhere; the per-module lists of disabled codes are known debt)."""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path


ROOT = Path(__file__).resolve().parents[1]


def _config() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["mypy"]


def test_the_pure_modules_are_checked_strictly_and_carry_no_debt():
    """The strict modules are listed once, in pyproject.toml's one strict override; each names
    a module of the package, and none of them disables an error code."""
    overrides = _config()["overrides"]
    strict = [o for o in overrides if o.get("disallow_untyped_defs")]
    assert len(strict) == 1
    assert strict[0].get("warn_return_any") and strict[0].get("disallow_any_generics")
    modules = set(strict[0]["module"])
    files = {m: ROOT / "src" / m.replace(".", "/") for m in modules}
    missing = sorted(m for m, f in files.items()
                     if not f.with_suffix(".py").is_file() and not (f / "__init__.py").is_file())
    assert missing == [], f"strict modules that do not exist: {missing}"
    debt = set()
    for o in overrides:
        if "disable_error_code" in o:
            debt |= {o["module"]} if isinstance(o["module"], str) else set(o["module"])
    assert not modules & debt, "a strict module may not disable error codes"


def test_mypy_finds_no_error_in_the_package():
    # mypy is in the test extras (pyproject.toml): a missing mypy is a broken set-up, not a skip
    import mypy  # noqa: F401
    proc = subprocess.run([sys.executable, "-m", "mypy", "--config-file", "pyproject.toml",
                           "--cache-dir", str(ROOT / ".mypy_cache")],
                          cwd=ROOT, capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, proc.stdout[-6000:] + proc.stderr[-2000:]
    assert "Success" in proc.stdout
