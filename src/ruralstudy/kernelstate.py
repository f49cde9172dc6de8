"""Run *inside* a warm notebook kernel: remember the state after the heavy imports, and put it
back between notebooks so that each notebook sees what a fresh kernel would show it.

A fresh kernel differs from a reused one in its user namespace, execution counter, working
folder, open figures, matplotlib settings, warning filters (and the once-per-location warning
registries), ``sys.path`` and environment. :func:`reset` restores each of these; modules stay
imported (that is the point: importing pandas and matplotlib is most of a kernel's start-up).
"""

from __future__ import annotations

import os
import sys
import warnings
from typing import Any

_SNAPSHOT: dict[str, Any] = {}


def snapshot() -> None:
    """Remember the kernel's state right after the warm-up imports, and move the imported
    modules' objects out of the garbage collector's sight (``gc.freeze``): IPython's reset runs
    a full collection, which would otherwise walk pandas' and matplotlib's millions of objects
    (0.09 s per notebook); the frozen objects are modules that live as long as the kernel."""
    import gc

    gc.collect()
    gc.freeze()
    _SNAPSHOT.clear()
    _SNAPSHOT["filters"] = list(warnings.filters)
    _SNAPSHOT["path"] = list(sys.path)
    _SNAPSHOT["environ"] = dict(os.environ)
    mpl = sys.modules.get("matplotlib")
    if mpl is not None:
        _SNAPSHOT["rc"] = dict(mpl.rcParams)


def reset(cwd: str) -> None:
    """Restore the snapshot, enter ``cwd`` and start a new IPython session (empty namespace,
    execution count 1)."""
    plt = sys.modules.get("matplotlib.pyplot")
    if plt is not None:
        plt.close("all")
    mpl = sys.modules.get("matplotlib")
    if mpl is not None and "rc" in _SNAPSHOT:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            dict.update(mpl.rcParams, _SNAPSHOT["rc"])
    pd = sys.modules.get("pandas")
    if pd is not None:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                pd.reset_option("all")
            except Exception:  # an option that cannot be reset keeps its value
                pass
    if "environ" in _SNAPSHOT:
        os.environ.clear()
        os.environ.update(_SNAPSHOT["environ"])
    if "path" in _SNAPSHOT:
        sys.path[:] = _SNAPSHOT["path"]
    if "filters" in _SNAPSHOT:
        warnings.filters[:] = _SNAPSHOT["filters"]
        warnings._filters_mutated()  # forget which warnings were already shown
    os.chdir(cwd)
    from IPython import get_ipython

    ip = get_ipython()
    if ip is not None:
        ip.reset(new_session=True)
    from .memory import release_unused_memory

    release_unused_memory()  # the reset collected; hand the pages back
