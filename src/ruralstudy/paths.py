"""Where the project's files live, relative to its root (the folder holding pyproject.toml)."""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path


def find_root(start: Path | None = None) -> Path:
    """The project root: $RURALSTUDY_ROOT, else the nearest parent with data/raw/manifest.csv."""
    env = os.environ.get("RURALSTUDY_ROOT")
    if env:
        return Path(env).resolve()
    here = (start or Path.cwd()).resolve()
    for p in [here, *here.parents]:
        if (p / "data" / "raw" / "manifest.csv").is_file():
            return p
    return here


@dataclass(frozen=True)
class Paths:
    """All project paths derived from the root."""

    root: Path

    @classmethod
    def discover(cls, root: str | Path | None = None) -> "Paths":
        return cls(Path(root).resolve() if root else find_root())

    @property
    def raw(self) -> Path:
        return self.root / "data" / "raw"

    @property
    def manifest(self) -> Path:
        return self.raw / "manifest.csv"

    @property
    def reports_raw(self) -> Path:
        return self.raw / "reports"

    @property
    def sheets(self) -> Path:
        return self.raw / "sheets"

    @property
    def annotations(self) -> Path:
        return self.root / "data" / "annotations"

    @property
    def manual(self) -> Path:
        return self.root / "data" / "manual"

    @property
    def overrides(self) -> Path:
        return self.manual / "overrides.csv"

    @property
    def processed(self) -> Path:
        return self.root / "data" / "processed"

    @property
    def notebooks(self) -> Path:
        return self.root / "notebooks"

    @property
    def reports(self) -> Path:
        return self.root / "reports"

    @property
    def executed(self) -> Path:
        return self.reports / "executed"

    @property
    def site(self) -> Path:
        return self.reports / "site"

    @property
    def lock(self) -> Path:
        """Held by a running ``build`` or ``add`` (see :func:`ruralstudy.iorw.project_lock`)."""
        return self.root / ".ruralstudy.lock"

    @property
    def cache(self) -> Path:
        return self.root / ".ruralstudy-cache"


# --- a control point for tests that kill a build ----------------------------------------------

#: The phase at which a build stops for a test (see :func:`pause_point`), and the file it writes.
PAUSE_ENV = "RURALSTUDY_TEST_PAUSE_AT"
PAUSE_MARKER_ENV = "RURALSTUDY_TEST_MARKER"
PAUSE_PHASES = ("notebooks", "publish", "swap", "add")


def pause_point(phase: str) -> None:
    """Inert unless ``$RURALSTUDY_TEST_PAUSE_AT`` is ``phase``: then write the file named by
    ``$RURALSTUDY_TEST_MARKER`` (holding this pid and the phase) and block until the process
    is killed. Tests that kill a build use it to kill at a known point, never after a fixed
    sleep. The phases (:data:`PAUSE_PHASES`):

    - ``notebooks``: the first notebook has run (others may still be running in the pool);
      ``data/processed`` is written, the site untouched;
    - ``publish``: the new site is half written in ``reports/.site-builds/tmp-*``;
    - ``swap``: the new site is whole in ``reports/.site-builds/build-*``, and the link to it
      is made beside ``reports/site`` but not yet renamed onto it;
    - ``add``: ``ruralstudy add`` holds the lock and has copied its first file, not yet
      written the manifest.
    """
    if os.environ.get(PAUSE_ENV) != phase:
        return
    import time

    marker = os.environ.get(PAUSE_MARKER_ENV)
    if marker:
        tmp = f"{marker}.{os.getpid()}.tmp"
        with open(tmp, "w", encoding="utf-8") as fh:
            fh.write(f"{os.getpid()} {phase}\n")
        os.replace(tmp, marker)  # the test sees the marker whole or not at all
    while True:
        time.sleep(60)


# --- folders the build cleans: only its own ---------------------------------------------------

#: The file a build writes in each folder it cleans (``reports/.site-builds``,
#: ``reports/executed``): it deletes things only in a folder that carries it.
MADE_MARKER = ".ruralstudy-made"
#: The build cache's marker: a Cache Directory Tagging Specification tag
#: (https://bford.info/cachedir/), so backup tools skip it too.
CACHE_TAG = "CACHEDIR.TAG"
CACHE_TAG_TEXT = ("Signature: 8a477f597d28d172789f06886806bc55\n"
                  "# This folder is ruralstudy's build cache (.ruralstudy-cache); it may be deleted.\n")


def _shown(path: Path) -> str:
    return str(path)


def own_folder(path: Path, marker: str, looks_made: Callable[[Path], bool], what: str,
               create: bool = True, marker_text: str = "") -> bool:
    """Check that ``path`` is a folder this project made (it carries ``marker``) before the
    build deletes anything in it; True when it exists (made now when ``create``).

    A symbolic link there is refused, never followed (the build would delete what it finds at
    the target); so is a file, and a folder without the marker that holds anything
    ``looks_made`` does not recognise (someone else's folder). A folder without the marker
    whose every entry looks made by the build (from a version without markers) is adopted:
    the marker is written. Refusals raise :class:`OutputError`: one sentence naming the path."""
    from .errors import OutputError

    if path.is_symlink():
        raise OutputError(f"is a symbolic link (to {os.readlink(path)}), where ruralstudy keeps "
                          f"{what}; links are not followed there, since the build deletes "
                          f"what it made in that folder: replace the link by a folder",
                          file=_shown(path))
    if not path.exists():
        if not create:
            return False
        try:
            path.mkdir(parents=True)
        except FileExistsError:  # made meanwhile: checked below
            return own_folder(path, marker, looks_made, what, create, marker_text)
        except OSError as exc:
            raise OutputError(f"cannot make the folder: {exc.strerror}", file=_shown(path)) from None
        _write_marker(path / marker, marker_text)
        return True
    if not path.is_dir():
        raise OutputError(f"is not a folder, where ruralstudy keeps {what}: move it away",
                          file=_shown(path))
    m = path / marker
    if m.is_symlink() or (m.exists() and not m.is_file()):
        raise OutputError(f"holds {marker}, which is not the file ruralstudy writes there; "
                          f"the folder is not used: move it away", file=_shown(path))
    if m.is_file():
        return True
    foreign = sorted(e.name for e in path.iterdir() if e.name != marker and not looks_made(e))
    if foreign:
        listed = ", ".join(foreign[:3]) + (f" and {len(foreign) - 3} more" if len(foreign) > 3 else "")
        raise OutputError(f"is not a folder ruralstudy made (it holds {listed}), where "
                          f"ruralstudy keeps {what}; nothing in it is touched: move it away",
                          file=_shown(path))
    _write_marker(m, marker_text)
    return True


def _write_marker(path: Path, text: str) -> None:
    from .errors import OutputError

    try:
        with open(path, "x", encoding="utf-8") as fh:
            fh.write(text or "Made by ruralstudy: the build deletes what it made in this folder.\n")
    except FileExistsError:
        pass
    except OSError as exc:
        raise OutputError(f"cannot write: {exc.strerror}", file=_shown(path)) from None


def _site_build_like(e: Path) -> bool:
    return e.is_dir() and not e.is_symlink() and e.name.startswith(("build-", "tmp-", "legacy-"))


def site_builds(site: Path, create: bool = True) -> Path:
    """``reports/.site-builds`` beside the site link, checked to be the project's own (see
    :func:`own_folder`); a real folder at ``reports/site`` (someone's hand-written site, a
    gh-pages worktree) is refused and left as it is."""
    from .errors import OutputError

    if site.exists() and not site.is_symlink():
        raise OutputError("is a real folder, not the link to the current site that ruralstudy "
                          "makes there; it is left untouched, and the new site cannot be "
                          "published until it is moved away (a gh-pages worktree belongs "
                          "elsewhere)", file=_shown(site))
    builds = site.parent / ".site-builds"
    own_folder(builds, MADE_MARKER, _site_build_like, "the site's builds", create=create)
    return builds


def clean_site_builds(site: Path) -> None:
    """Remove what a killed build left in ``reports/.site-builds`` (half-written ``tmp-*``
    folders, whole ``build-*`` folders never swapped in) and stale ``.site-link-*`` links;
    only the build's own folders are touched, never the current site nor ``legacy-*``."""
    import shutil

    builds = site_builds(site, create=False)
    if builds.is_dir():
        current = site.resolve() if site.is_symlink() else None
        for d in builds.iterdir():
            if d.name.startswith(("tmp-", "build-")) and d.is_dir() and not d.is_symlink() \
                    and d.resolve() != current:
                shutil.rmtree(d, ignore_errors=True)
    if site.parent.is_dir():
        for link in site.parent.glob(".site-link-*"):
            if link.is_symlink():
                link.unlink()


def swap_in_site(tmp: Path, site: Path) -> Path:
    """Publish the site written in ``tmp`` (a ``tmp-*`` folder of :func:`site_builds`): rename
    it to ``build-*``, point the ``site`` link at it in one rename, then remove the build's
    older folders. A crash at any point leaves the old site or the new one."""
    import shutil
    from datetime import datetime, timezone

    builds = tmp.parent
    os.chmod(tmp, 0o777 & ~current_umask())  # mkdtemp makes it private; a web server reads it
    final = builds / f"build-{datetime.now(timezone.utc).strftime('%Y%m%dT%H%M%S%f')}"
    os.replace(tmp, final)
    link_tmp = site.parent / f".site-link-{os.getpid()}"
    if link_tmp.is_symlink() or link_tmp.exists():
        link_tmp.unlink()
    os.symlink(os.path.relpath(final, site.parent), link_tmp)
    pause_point("swap")  # a test's control point (inert unless set)
    site_builds(site, create=False)  # still a link or nothing: never replace a real folder
    os.replace(link_tmp, site)
    for old in builds.iterdir():
        if old != final and old.name.startswith(("build-", "tmp-")) and old.is_dir() \
                and not old.is_symlink():
            shutil.rmtree(old, ignore_errors=True)
    return final


def current_umask() -> int:
    """The process's umask (read without changing it where Linux allows)."""
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    old = os.umask(0o022)
    os.umask(old)
    return old
