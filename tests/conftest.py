"""Shared fixtures: a throw-away copy of the project's data so tests never touch the real tree."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from ruralstudy.paths import Paths

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def root() -> Path:
    return ROOT


@pytest.fixture()
def project(tmp_path: Path) -> Paths:
    """A copy of data/raw, data/annotations and data/manual in a temporary project root."""
    for sub in ("data/raw", "data/annotations", "data/manual"):
        src = ROOT / sub
        if src.exists():
            shutil.copytree(src, tmp_path / sub)
    (tmp_path / "data" / "processed").mkdir(parents=True, exist_ok=True)
    return Paths(tmp_path)


def copy_project(dest: Path) -> Paths:
    """A full copy of the project's inputs (data, notebooks, citation) under ``dest``."""
    for sub in ("data/raw", "data/annotations", "data/manual", "notebooks"):
        shutil.copytree(ROOT / sub, dest / sub)
    shutil.copyfile(ROOT / "CITATION.cff", dest / "CITATION.cff")
    shutil.copyfile(ROOT / "LICENSE-DATA", dest / "LICENSE-DATA")
    (dest / "data" / "processed").mkdir(parents=True, exist_ok=True)
    return Paths(dest)


@pytest.fixture(scope="session")
def built(tmp_path_factory) -> Paths:
    """A project copy built once for the whole session (real papermill and nbconvert runs)."""
    from ruralstudy.build import BuildOptions, build

    paths = copy_project(tmp_path_factory.mktemp("built"))
    report = build(paths, BuildOptions(jobs=2))
    assert report.ran, "a cold build must run steps"
    return paths
