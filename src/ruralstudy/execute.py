"""Executing notebooks with papermill, one kernel per run, on a local pool or a Dask cluster."""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterable
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True)
class RunSpec:
    """One notebook run: input notebook (as JSON text), parameters, and where it runs."""

    name: str
    notebook: str
    params: dict = field(default_factory=dict)
    cwd: str = "."
    kernel: str = "python3"


@dataclass(frozen=True)
class RunResult:
    """The executed notebook (JSON text) or, on failure, the cell and exception."""

    name: str
    ok: bool
    notebook: str
    cell: int | None = None
    ename: str = ""
    evalue: str = ""


def execute_one(spec: RunSpec) -> RunResult:
    """Execute one notebook with papermill in its own kernel; never raises on a failing cell."""
    import nbformat
    import papermill as pm
    from papermill.exceptions import PapermillExecutionError

    os.environ.setdefault("MPLBACKEND", "Agg")
    nb = nbformat.reads(spec.notebook, as_version=4)
    # papermill reads and writes paths; an in-memory round trip keeps disk access here only.
    import tempfile

    with tempfile.TemporaryDirectory(prefix="rs-run-") as tmp:
        src, out = Path(tmp) / "in.ipynb", Path(tmp) / "out.ipynb"
        nbformat.write(nb, src)
        try:
            pm.execute_notebook(str(src), str(out), parameters=spec.params, cwd=spec.cwd,
                                kernel_name=spec.kernel, progress_bar=False,
                                log_output=False, request_save_on_cell_execute=False,
                                extra_arguments=["--IPKernelApp.log_level=CRITICAL"])
            return RunResult(spec.name, True, _stable(out.read_text(encoding="utf-8"), spec.name))
        except PapermillExecutionError as exc:
            text = _stable(out.read_text(encoding="utf-8"), spec.name) if out.exists() \
                else spec.notebook
            return RunResult(spec.name, False, text, cell=exc.exec_count, ename=exc.ename,
                             evalue=exc.evalue)


def _stable(nb_json: str, name: str) -> str:
    """Drop what differs between two runs of the same notebook on the same data: papermill's
    temporary paths and the random id of its injected-parameters cell."""
    nb = json.loads(nb_json)
    pm = nb.get("metadata", {}).get("papermill", {})
    for k in ("input_path", "output_path"):
        if k in pm:
            pm[k] = name
    for c in nb.get("cells", []):
        if "injected-parameters" in c.get("metadata", {}).get("tags", []):
            c["id"] = "injected-parameters"
    return json.dumps(nb, ensure_ascii=False, indent=1)


def failing_cell_id(nb_json: str) -> str | None:
    """Id of the first cell with an error output in an executed notebook."""
    nb = json.loads(nb_json)
    for c in nb.get("cells", []):
        if any(o.get("output_type") == "error" for o in c.get("outputs", [])):
            return c.get("id")
    return None


def failing_cell(nb_json: str, source_json: str | None = None) -> int | None:
    """1-based number of the failing cell in the *source* notebook (papermill adds cells to
    the executed copy, so its positions would mislead); falls back to the executed copy."""
    cid = failing_cell_id(nb_json)
    cells = json.loads(source_json or nb_json).get("cells", [])
    for i, c in enumerate(cells):
        if cid is not None and c.get("id") == cid:
            return i + 1
    return None


PR_SET_PDEATHSIG = 1


def die_with_parent(parent_pid: int) -> None:
    """Pool worker initializer: the worker is killed when the build that started it dies
    (Linux prctl PR_SET_PDEATHSIG), so a killed build leaves no worker running; elsewhere a
    watcher thread polls the parent's pid as well."""
    import signal
    import sys
    import threading
    import time

    if sys.platform.startswith("linux"):
        try:
            import ctypes

            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        except (OSError, AttributeError):
            pass
    if os.getppid() != parent_pid:  # the parent died before prctl took effect
        os._exit(1)

    def watch() -> None:
        while True:
            if os.getppid() != parent_pid:
                os._exit(1)
            time.sleep(1.0)

    threading.Thread(target=watch, name="ruralstudy-parent-watch", daemon=True).start()


def run_all(specs: Iterable[RunSpec], jobs: int = 1, scheduler: str | None = None,
            on_done: Callable[[RunResult], None] | None = None) -> list[RunResult]:
    """Run notebooks: in process (jobs=1), on a pool of ``jobs`` worker processes, or on the
    Dask distributed scheduler at ``scheduler`` (tcp://host:port). Results keep input order."""
    specs = list(specs)
    results: dict[str, RunResult] = {}

    def done(r: RunResult) -> None:
        results[r.name] = r
        if on_done:
            on_done(r)

    if not specs:
        return []
    if scheduler:
        from distributed import Client, as_completed as dask_completed

        with Client(scheduler, timeout="30s") as client:
            futures = [client.submit(execute_one, s, key=f"ruralstudy-{s.name}-{id(s)}",
                                     pure=False) for s in specs]
            for fut in dask_completed(futures):
                done(fut.result())
    elif jobs <= 1 or len(specs) == 1:
        for s in specs:
            done(execute_one(s))
    else:
        with ProcessPoolExecutor(max_workers=jobs, initializer=die_with_parent,
                                 initargs=(os.getpid(),)) as pool:
            futs = [pool.submit(execute_one, s) for s in specs]
            for fut in as_completed(futs):
                done(fut.result())
    return [results[s.name] for s in specs]
