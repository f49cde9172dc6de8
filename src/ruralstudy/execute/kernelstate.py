"""Run *inside* a warm notebook kernel: remember the state after the heavy imports, and put it
back between notebooks so that each notebook sees what a fresh kernel would show it.

A fresh kernel differs from a reused one in its user namespace, execution counter, working
folder, open figures, matplotlib settings, warning filters (and the once-per-location warning
registries), ``sys.path``, environment and the state of the package's own modules (a notebook
may patch a helper). :func:`reset` restores each of these; modules stay imported (that is the
point: importing pandas and matplotlib is most of a kernel's start-up), the package's own put
back as they were (:func:`restore_modules`).
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
    _SNAPSHOT["modules"] = {name: _module_state(m) for name, m in _package_modules().items()}


#: Whose module state a reset puts back: the package's own modules, which notebooks use and
#: may patch (``H.say = ...``); third-party modules are not tracked.
PACKAGE = "ruralstudy"


def _package_modules() -> dict[str, Any]:
    return {n: m for n, m in list(sys.modules.items())
            if m is not None and (n == PACKAGE or n.startswith(PACKAGE + "."))}


def _module_state(module: Any) -> tuple[Any, dict, list[tuple[type, dict]]]:
    """A module, its namespace as it is now (a shallow copy) and that of each class defined
    in it."""
    ns = dict(vars(module))
    classes = [(c, dict(vars(c))) for c in ns.values()
               if isinstance(c, type) and getattr(c, "__module__", None) == module.__name__]
    return module, ns, classes


def _restore_namespace(target: Any, saved: dict, setter: Any, deleter: Any) -> None:
    now = vars(target)
    for k in [k for k in now if k not in saved]:
        deleter(target, k)
    for k, v in saved.items():
        if now.get(k, _MISSING) is not v:
            setter(target, k, v)


_MISSING = object()


def restore_modules() -> None:
    """Put the package's modules back as they were at the snapshot: every attribute added,
    replaced or deleted since (on a module or on a class defined in it) is restored, and a
    package module first imported after the snapshot is forgotten, so that the next import
    runs it afresh. One notebook patching a helper (``H.say = lambda *a: None``) is then
    invisible to the next, as it would be on a fresh kernel. (Objects changed in place, such
    as a list a module holds, are not tracked; caches such as ``nbhelpers``' loaded tables are
    meant to be kept.)"""
    saved = _SNAPSHOT.get("modules")
    if saved is None:
        return
    for name in _package_modules():
        if name not in saved:
            del sys.modules[name]
    for name, (module, ns, classes) in saved.items():
        sys.modules[name] = module
        _restore_namespace(module, ns, lambda m, k, v: m.__dict__.__setitem__(k, v),
                           lambda m, k: m.__dict__.__delitem__(k))
        for cls, cns in classes:
            try:
                _restore_namespace(cls, cns, setattr, delattr)
            except (AttributeError, TypeError):  # a built-in slot: left as it is
                pass


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
    restore_modules()
    if "filters" in _SNAPSHOT:
        warnings.filters[:] = _SNAPSHOT["filters"]
        warnings._filters_mutated()  # forget which warnings were already shown
    os.chdir(cwd)
    from IPython import get_ipython

    ip = get_ipython()
    if ip is not None:
        ip.reset(new_session=True)
    no_exit()
    from ..memory import release_unused_memory

    release_unused_memory()  # the reset collected; hand the pages back


class _ExitRaises:
    """``exit`` and ``quit`` in a notebook: raise SystemExit in the cell that calls them.

    IPython's own ``exit()`` asks the kernel to shut down after the reply, so the kernel's
    death lands on whichever cell runs next and that cell is blamed; ``sys.exit(0)`` is let
    through by papermill as a clean end. Either way a page would be half run. Raising here
    leaves an error output in the right cell, and the build fails there."""

    rewrite = False  # IPython autocall: a bare ``exit`` calls it too

    def __repr__(self) -> str:
        return "exit() ends a notebook early, which the build treats as a failure"

    def __call__(self, *args: Any, **kwargs: Any) -> None:
        raise SystemExit("exit() or quit() called: a notebook must run to its end")


def no_exit() -> None:
    """Put :class:`_ExitRaises` in the kernel's namespace as ``exit`` and ``quit`` (at a
    kernel's start, through ``IPKernelApp.exec_lines``, and after each reset)."""
    from IPython import get_ipython

    ip = get_ipython()
    if ip is None:
        return
    try:
        from IPython.core.autocall import IPyAutocall

        class ExitRaises(_ExitRaises, IPyAutocall):
            pass

        obj: Any = ExitRaises(ip)
    except ImportError:  # pragma: no cover - IPython always has it
        obj = _ExitRaises()
    for name in ("exit", "quit"):
        ip.user_ns[name] = obj
        ip.user_ns_hidden[name] = obj
