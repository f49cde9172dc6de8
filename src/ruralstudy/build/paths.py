"""Moved to :mod:`ruralstudy.paths`: every stage reads the project's paths, so they sit beside
``registry.py`` and ``iorw.py``, not inside the build machinery (a stage may not import a
later one). This name is kept only for scripts and branches written before the move; nothing
in the package imports it (``tests/test_imports.py`` checks), and it may be deleted."""

from __future__ import annotations

from ..paths import (CACHE_TAG, CACHE_TAG_TEXT, MADE_MARKER, PAUSE_ENV,  # noqa: F401
                     PAUSE_MARKER_ENV, PAUSE_PHASES, Paths, clean_site_builds, current_umask,
                     find_root, own_folder, pause_point, site_builds, swap_in_site)
