"""Executing notebooks with papermill, on warm kernels, on a local pool or a Dask cluster.

Warm kernels, and why not a fork-based pool: a kernel is a separate process driven over ZeroMQ
by nbclient; forking a process that runs ZeroMQ sockets and an event loop is unsafe, and an
in-process kernel would change what papermill and nbclient do (display, interrupts, timeouts).
So each worker keeps one *real* kernel, started once, which imports pandas, matplotlib and
ruralstudy's notebook helpers (about 3 s, most of a notebook's cost); before each notebook
:func:`ruralstudy.execute.kernelstate.reset` restores the state a fresh kernel would have (namespace,
execution counter, working folder, figures, matplotlib settings, warning filters, sys.path,
environment). Execution stays papermill's: the same ``execute_notebook`` call, parameters cell,
injected-parameters cell and error recorded in the output notebook; only the kernel manager is
handed in. After any failure or timeout the kernel is discarded and the next notebook gets a new
one. ``RunSpec.fresh`` (``ruralstudy build --fresh-kernels``) starts one kernel per notebook, as
before. ``tests/e2e/test_build.py::test_warm_kernels_match_fresh_kernels`` checks that both give
identical executed notebooks on the seed corpus.
"""

from __future__ import annotations

import json
import os
import re
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

DEFAULT_TIMEOUT = 1800.0  # seconds per notebook
# what every notebook imports (1.2 s); scipy and ruralstudy.build.pipeline (pandera), which one
# notebook each needs, are imported there, once per kernel, rather than by every kernel at start
WARM_IMPORTS = ("numpy", "pandas", "matplotlib", "matplotlib.pyplot", "pyarrow.parquet",
                "ruralstudy.findings.analysis", "ruralstudy.findings.charts", "ruralstudy.findings.nbhelpers",
                "ruralstudy.tables.indicators")
RECYCLE_AFTER = 200  # notebooks per kernel before a new one (bounds slow leaks)
KERNEL_ARGS = ["--IPKernelApp.log_level=CRITICAL", "--HistoryManager.enabled=False",
               # exit() and quit() raise in the cell that calls them (see kernelstate.no_exit)
               "--IPKernelApp.exec_lines=['import ruralstudy.execute.kernelstate as _rs_ks', "
               "'_rs_ks.no_exit()', 'del _rs_ks']"]


@dataclass(frozen=True)
class RunSpec:
    """One notebook run: input notebook (as JSON text), parameters, and where it runs.

    ``timeout`` is the notebook's whole budget in seconds (None: no limit); ``fresh`` asks for a
    kernel of its own instead of a warm one."""

    name: str
    notebook: str
    params: dict = field(default_factory=dict)
    cwd: str = "."
    kernel: str = "python3"
    timeout: float | None = DEFAULT_TIMEOUT
    fresh: bool = False


@dataclass(frozen=True)
class RunResult:
    """The executed notebook (JSON text) or, on failure, the cell and exception."""

    name: str
    ok: bool
    notebook: str
    cell: int | None = None
    ename: str = ""
    evalue: str = ""
    cell_id: str | None = None


# --- warm kernels ---------------------------------------------------------------------------

def warm_imports() -> tuple[str, ...]:
    """Modules a warm kernel imports once: WARM_IMPORTS, or the comma-separated list in
    $RURALSTUDY_WARM_IMPORTS (empty: none, e.g. for tests whose notebooks import nothing)."""
    env = os.environ.get("RURALSTUDY_WARM_IMPORTS")
    if env is None:
        return WARM_IMPORTS
    return tuple(m.strip() for m in env.split(",") if m.strip())


async def connected(client: Any, timeout: float) -> None:
    """Wait until ``client`` (blocking or asyncio) gets replies on shell and messages on IOPub.

    jupyter_client's ``wait_for_ready`` does the same and then drains IOPub until it has been
    quiet for 0.2 s; a warm kernel connects two clients, so that drain cost 0.4 s per kernel
    start. Left-over IOPub messages are harmless here: nbclient and ``execute_interactive``
    only read messages whose parent is their own request."""
    from queue import Empty

    from jupyter_core.utils import ensure_async

    deadline = time.monotonic() + timeout
    while True:
        client.kernel_info()
        try:
            reply = await ensure_async(client.shell_channel.get_msg(timeout=1))
        except Empty:
            reply = None
        if reply is not None and reply["msg_type"] == "kernel_info_reply":
            try:  # IOPub is connected once it delivers the status of that request
                await ensure_async(client.iopub_channel.get_msg(timeout=0.2))
                return
            except Empty:
                pass
        if not await ensure_async(client.is_alive()):
            raise RuntimeError("Kernel died before replying to kernel_info")
        if time.monotonic() > deadline:
            raise RuntimeError(f"Kernel didn't respond in {timeout:.0f} seconds")


class WarmKernel:
    """One real Jupyter kernel, started once, warmed with the heavy imports, reset before each
    notebook."""

    def __init__(self, kernel_name: str, cwd: str) -> None:
        from jupyter_client.manager import AsyncKernelManager
        from jupyter_core.utils import run_sync

        self.kernel_name = kernel_name
        self.runs = 0
        self.km = AsyncKernelManager(kernel_name=kernel_name)
        kernel_environment()
        run_sync(self.km.start_kernel)(extra_arguments=list(KERNEL_ARGS), cwd=cwd)
        # a blocking client of our own for warm-up and resets: nbclient runs its own event
        # loops, and an asyncio client bound to another loop would never see its replies
        self.kc = self.km.blocking_client()
        self.kc.start_channels()
        run_sync(connected)(self.kc, 120)
        imports = "\n".join(f"try:\n    import {m}\nexcept Exception:\n    pass"
                            for m in warm_imports())
        self._run(imports + "\nimport ruralstudy.execute.kernelstate as _rs_ks\n_rs_ks.snapshot()\n"
                  "del _rs_ks\n", timeout=300)
        # the client nbclient executes notebooks with, connected once: a new client per
        # notebook costs 0.2 s (sockets, and the wait until the kernel's IOPub reaches it). It
        # lives on this thread's event loop, which jupyter_core keeps for the thread.
        self.akc = self.km.client()
        self.akc.allow_stdin = False
        self.akc.start_channels()
        run_sync(connected)(self.akc, 120)

    def _run(self, code: str, timeout: float) -> None:
        reply = self.kc.execute_interactive(
            code, silent=False, store_history=False, timeout=timeout,
            output_hook=lambda msg: None)
        if reply["content"].get("status") != "ok":
            raise RuntimeError(f"warm kernel: {reply['content'].get('ename')}: "
                               f"{reply['content'].get('evalue')}")

    def reset(self, cwd: str) -> None:
        """Give the next notebook a fresh kernel's state."""
        self._run(f"import ruralstudy.execute.kernelstate as _rs_ks\n_rs_ks.reset({cwd!r})\n", timeout=60)

    def alive(self) -> bool:
        from jupyter_core.utils import run_sync

        try:
            return bool(run_sync(self.km.is_alive)())
        except Exception:
            return False

    def shutdown(self) -> None:
        """Stop the kernel (at once: nothing in it is worth saving)."""
        from jupyter_core.utils import run_sync

        for client in (self.kc, getattr(self, "akc", None)):
            try:
                if client is not None:
                    client.stop_channels()
            except Exception:
                pass
        # kill and reap the process here: jupyter_client's forced shutdown kills it and then
        # polls every 0.1 s until it is gone, which cost 0.1 s per kernel; afterwards its
        # shutdown finds the kernel dead at once and only cleans up (ports, connection file)
        proc = getattr(getattr(self.km, "provisioner", None), "process", None)
        try:
            if proc is not None and proc.poll() is None:
                proc.kill()
                proc.wait(timeout=10)
        except Exception:
            pass
        try:
            run_sync(self.km.shutdown_kernel)(now=True)
        except Exception:
            pass


_local = threading.local()
_all_kernels: list[WarmKernel] = []
_kernels_lock = threading.Lock()


def _warm_kernel(spec: RunSpec) -> WarmKernel:
    k: WarmKernel | None = getattr(_local, "kernel", None)
    if k is not None and (k.kernel_name != spec.kernel or k.runs >= RECYCLE_AFTER or not k.alive()):
        _drop_kernel()
        k = None
    if k is None:
        k = _start_kernel(spec)
        _local.kernel = k
        with _kernels_lock:
            _all_kernels.append(k)
    return k


def _start_kernel(spec: RunSpec, attempts: int = 3) -> WarmKernel:
    """A new warm kernel; retried, because jupyter_client picks its ports by binding and
    releasing them, and two workers starting kernels at once can race for the same port."""
    import random

    for i in range(attempts):
        try:
            return WarmKernel(spec.kernel, spec.cwd)
        except RuntimeError:
            if i == attempts - 1:
                raise
            time.sleep(0.5 + random.random())
    raise AssertionError("unreachable")


def _drop_kernel() -> None:
    k: WarmKernel | None = getattr(_local, "kernel", None)
    _local.kernel = None
    if k is not None:
        k.shutdown()
        with _kernels_lock:
            if k in _all_kernels:
                _all_kernels.remove(k)


def shutdown_kernels() -> None:
    """Stop every warm kernel this process holds."""
    with _kernels_lock:
        ks = list(_all_kernels)
        _all_kernels.clear()
    for k in ks:
        k.shutdown()
    _local.kernel = None


def _register_engine() -> None:
    """A papermill engine that is papermill's own nbclient engine, except that it runs on the
    kernel manager handed to it and closes its kernel client's channels afterwards."""
    from papermill.clientwrap import PapermillNotebookClient
    from papermill.engines import NBClientEngine, papermill_engines
    from papermill.utils import merge_kwargs, remove_args

    if "ruralstudy-warm" in papermill_engines._engines:
        return

    class WarmEngine(NBClientEngine):
        @classmethod
        def execute_managed_notebook(cls, nb_man, kernel_name, log_output=False,
                                     stdout_file=None, stderr_file=None, start_timeout=60,
                                     execution_timeout=None, **kwargs):
            kc = kwargs.pop("kc", None)
            kwargs = remove_args(["input_path"], **kwargs)
            safe = remove_args(["timeout", "startup_timeout"], **kwargs)
            final = merge_kwargs(safe, timeout=execution_timeout or kwargs.get("timeout"),
                                 startup_timeout=start_timeout, kernel_name=kernel_name,
                                 log=__import__("papermill").log.logger, log_output=log_output,
                                 stdout_file=stdout_file, stderr_file=stderr_file)
            client = PapermillNotebookClient(nb_man, **final)
            client.kc = kc  # the warm kernel's own connected client (nbclient keeps a given kc)
            try:
                return client.execute()
            finally:
                if kc is None and client.kc is not None:
                    client.kc.stop_channels()

    papermill_engines.register("ruralstudy-warm", WarmEngine)


# --- one notebook -----------------------------------------------------------------------------

class _Deadline:
    """nbclient ``timeout_func``: what is left of the notebook's budget, and the running cell."""

    def __init__(self, seconds: float | None) -> None:
        self.seconds = seconds
        self.start: float | None = None
        self.cell_id: str | None = None

    def __call__(self, cell: Any) -> int | None:
        self.cell_id = cell.get("id")
        if self.seconds is None:
            return None
        if self.start is None:
            self.start = time.monotonic()
        return max(1, int(self.seconds - (time.monotonic() - self.start) + 0.999))


def execute_one(spec: RunSpec) -> RunResult:
    """Execute one notebook with papermill (on this thread's warm kernel unless ``spec.fresh``);
    never raises on a failing cell or a timeout: the result says what failed."""
    import nbformat
    import papermill as pm
    from nbclient.exceptions import CellTimeoutError, DeadKernelError
    from papermill.exceptions import PapermillExecutionError

    kernel_environment()
    nb = nbformat.reads(spec.notebook, as_version=4)
    deadline = _Deadline(spec.timeout)
    extra: dict[str, Any] = {"timeout_func": deadline}
    kernel = None
    if not spec.fresh:
        _register_engine()
        kernel = _warm_kernel(spec)
        kernel.reset(str(Path(spec.cwd).resolve()))
        kernel.runs += 1
        extra.update(engine_name="ruralstudy-warm", km=kernel.km, kc=kernel.akc)
    # papermill reads and writes paths; an in-memory round trip keeps disk access here only.
    import tempfile

    with tempfile.TemporaryDirectory(prefix="rs-run-") as tmp:
        src, out = Path(tmp) / "in.ipynb", Path(tmp) / "out.ipynb"
        nbformat.write(nb, src)

        def executed() -> str:
            return _stable(out.read_text(encoding="utf-8"), spec.name, spec.cwd) if out.exists() \
                else spec.notebook

        try:
            for attempt in range(3):
                try:
                    pm.execute_notebook(str(src), str(out), parameters=spec.params, cwd=spec.cwd,
                                        kernel_name=spec.kernel, progress_bar=False,
                                        log_output=False, request_save_on_cell_execute=False,
                                        extra_arguments=list(KERNEL_ARGS), **extra)
                    break
                except RuntimeError as exc:  # a fresh kernel that lost the port race at start
                    if not (spec.fresh and "before replying to kernel_info" in str(exc)
                            and attempt < 2):
                        raise
                    time.sleep(0.5 + attempt)
            text = executed()
            stopped = unfinished(text)
            if stopped is not None:  # papermill lets sys.exit(0) end a notebook early: we do not
                if kernel is not None:
                    _drop_kernel()
                return RunResult(spec.name, False, text, ename=stopped[0], evalue=stopped[1],
                                 cell_id=stopped[2])
            return RunResult(spec.name, True, text)
        except PapermillExecutionError as exc:
            if kernel is not None:
                _drop_kernel()  # a failed notebook's kernel is not reused
            return RunResult(spec.name, False, executed(), cell=exc.exec_count, ename=exc.ename,
                             evalue=exc.evalue)
        except (CellTimeoutError, TimeoutError, DeadKernelError, RuntimeError) as exc:
            if kernel is not None:
                _drop_kernel()
            timed_out = isinstance(exc, (CellTimeoutError, TimeoutError))
            ename = "NotebookTimeout" if timed_out else type(exc).__name__
            evalue = (f"notebook {spec.name} exceeded its {spec.timeout:g} s timeout"
                      if timed_out else str(exc).splitlines()[0] if str(exc) else ename)
            return RunResult(spec.name, False, executed(), ename=ename, evalue=evalue,
                             cell_id=deadline.cell_id)


def kernel_environment() -> None:
    """What every kernel this process starts inherits: matplotlib's Agg backend (unless one is
    set) and a fixed hash seed, so that a notebook iterating over a set of strings prints the
    same order in every build (Python randomises it per process otherwise)."""
    os.environ.setdefault("MPLBACKEND", "Agg")
    os.environ["PYTHONHASHSEED"] = "0"


#: ipykernel compiles each cell under ``<tmp>/ipykernel_<pid>/<hash>.py``: the folder and the
#: kernel's pid show in warnings and tracebacks.
_KERNEL_CELL_PATH = re.compile(r"(?:/[\w.+-]+)*/ipykernel_\d+/")


def _stable(nb_json: str, name: str, cwd: str | None = None) -> str:
    """Drop what differs between two runs of the same notebook on the same data: papermill's
    temporary paths, the random id of its injected-parameters cell and the engine's name; in
    outputs, the kernel's temporary folder and pid (``ipykernel_<pid>/``, shown as
    ``ipykernel/``) and the project's absolute path (``cwd``, shown as ``.``), so that a site
    built in another folder or by another process is byte-identical."""
    root = json.dumps(str(Path(cwd).resolve()), ensure_ascii=False)[1:-1] if cwd else "/"
    if root != "/":  # as the path appears inside the file's JSON strings
        nb_json = re.sub(re.escape(root) + r"(?=[/\\\"\s:]|$)", ".", nb_json)
    nb_json = _KERNEL_CELL_PATH.sub("ipykernel/", nb_json)
    nb = json.loads(nb_json)
    pm = nb.get("metadata", {}).get("papermill", {})
    for k in ("input_path", "output_path"):
        if k in pm:
            pm[k] = name
    for c in nb.get("cells", []):
        if "injected-parameters" in c.get("metadata", {}).get("tags", []):
            c["id"] = "injected-parameters"
    return json.dumps(nb, ensure_ascii=False, indent=1)


def unfinished(nb_json: str) -> tuple[str, str, str | None] | None:
    """Why an executed notebook that papermill passed did not run to its end, else None: a cell
    with an error output (``sys.exit(0)``, which papermill lets through, or ``exit()``), or a
    code cell left unexecuted. Cells tagged ``raises-exception`` or ``skip-execution`` (nbclient's
    own tags) are exempt. Returns (exception name, message, cell id)."""
    nb = json.loads(nb_json)
    for c in nb.get("cells", []):
        tags = c.get("metadata", {}).get("tags", [])
        if c.get("cell_type") != "code" or "skip-execution" in tags:
            continue
        for o in c.get("outputs", []):
            if o.get("output_type") == "error" and "raises-exception" not in tags:
                return (o.get("ename", "error"), f"{o.get('evalue', '')} (the notebook stopped "
                        f"early; a notebook must run to its end)", c.get("id"))
        if c.get("execution_count") is None and "".join(c.get("source", "")).strip():
            return ("NotRun", "the cell was never executed (the notebook stopped early)",
                    c.get("id"))
    return None


def failing_cell_id(nb_json: str) -> str | None:
    """Id of the first cell with an error output in an executed notebook."""
    nb = json.loads(nb_json)
    for c in nb.get("cells", []):
        if any(o.get("output_type") == "error" for o in c.get("outputs", [])):
            return c.get("id")
    return None


def failing_cell(nb_json: str, source_json: str | None = None,
                 cell_id: str | None = None) -> int | None:
    """1-based number of the failing cell in the *source* notebook (papermill adds cells to
    the executed copy, so its positions would mislead); falls back to the executed copy.
    ``cell_id`` names the cell when it left no error output (a timeout)."""
    cid = failing_cell_id(nb_json) or cell_id
    cells = json.loads(source_json or nb_json).get("cells", [])
    for i, c in enumerate(cells):
        if cid is not None and c.get("id") == cid:
            return i + 1
    return None


PR_SET_PDEATHSIG = 1


def forget_parent_event_loops() -> None:
    """In a forked worker: drop the event loops inherited from the parent. jupyter_core's
    ``run_sync`` keeps, per thread name, a loop running on a background thread, and a loop for
    the thread itself; a fork copies those objects (and the loop's epoll descriptor, shared with
    the parent) but not the threads, so a kernel started in the worker could wait forever on a
    loop nobody runs (seen: a warm kernel's readiness check hung after the parent process had
    run a notebook itself). The worker makes its own on first use."""
    import asyncio

    try:
        from jupyter_core import utils as jcu

        jcu._runner_map.clear()
        jcu._loop.set(None)
    except (ImportError, AttributeError):  # another jupyter_core: nothing to forget
        pass
    try:
        asyncio.set_event_loop(None)
    except RuntimeError:  # pragma: no cover - no policy loop to drop
        pass


def die_with_parent(parent_pid: int) -> None:
    """Pool worker initializer: the worker is killed when the build that started it dies
    (Linux prctl PR_SET_PDEATHSIG), so a killed build leaves no worker running; elsewhere a
    watcher thread polls the parent's pid as well. The worker's warm kernel is stopped when the
    worker exits normally (and, if it is killed, the kernel notices its parent is gone)."""
    import signal
    import sys
    from multiprocessing import util

    if sys.platform.startswith("linux"):
        try:
            import ctypes

            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        except (OSError, AttributeError):
            pass
    if os.getppid() != parent_pid:  # the parent died before prctl took effect
        os._exit(1)
    _local.kernel = None  # a forked worker owns no kernel of its parent's
    _all_kernels.clear()
    forget_parent_event_loops()
    util.Finalize(None, shutdown_kernels, exitpriority=100)

    def watch() -> None:
        while True:
            if os.getppid() != parent_pid:
                shutdown_kernels()
                os._exit(1)
            time.sleep(1.0)

    threading.Thread(target=watch, name="ruralstudy-parent-watch", daemon=True).start()


class KernelTeardown:
    """Dask worker plugin: stop the worker's warm kernels when the worker closes."""

    name = "ruralstudy-kernels"

    def setup(self, worker: Any) -> None:  # noqa: D102 - plugin protocol
        pass

    def teardown(self, worker: Any) -> None:  # noqa: D102 - plugin protocol
        shutdown_kernels()


def warm_up(cwd: str, kernel: str = "python3",
            prepare: Callable[[], None] | None = None) -> bool:
    """Pool task: start this worker's warm kernel now (the build starts kernels while it
    extracts and maps, so they are ready when the first notebook comes), then run ``prepare``
    (e.g. load what the worker will need after each notebook). False if anything failed; the
    first notebook then tries again."""
    try:
        _warm_kernel(RunSpec("warm-up", "", cwd=cwd, kernel=kernel))
        if prepare is not None:
            prepare()
        return True
    except Exception:  # noqa: BLE001 - a failed warm-up only costs the time saved
        return False


class Runner:
    """Where notebook runs (and other pool tasks) execute: in this process (``jobs`` 1), on a
    pool of ``jobs`` worker processes, each keeping one warm kernel, or on the Dask
    distributed scheduler at ``scheduler`` (tcp://host:port). Use as a context manager, or
    call :meth:`close`."""

    def __init__(self, jobs: int = 1, scheduler: str | None = None) -> None:
        self.jobs = max(1, jobs)
        self.scheduler = scheduler
        self._pool: ProcessPoolExecutor | None = None
        self._client: Any = None
        self.on_done: Callable[[Any], None] | None = None  # called with each notebook result
        # called once, in the caller's thread, after a map's tasks are handed to the pool and
        # before waiting for them: work of the caller's that the pool's time can hide
        self.meanwhile: Callable[[], None] | None = None

    def __enter__(self) -> "Runner":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _local_pool(self) -> ProcessPoolExecutor:
        if self._pool is None:
            self._pool = ProcessPoolExecutor(max_workers=self.jobs, initializer=die_with_parent,
                                             initargs=(os.getpid(),))
        return self._pool

    def start(self, warm_cwd: str | None = None,
              prepare: Callable[[], None] | None = None) -> None:
        """Start the local pool now and, with ``warm_cwd``, a warm kernel in each worker (and
        then ``prepare``, a picklable function, in each worker)."""
        if self.scheduler or self.jobs <= 1:
            return
        pool = self._local_pool()
        if warm_cwd:
            for _ in range(self.jobs):
                pool.submit(warm_up, warm_cwd, "python3", prepare)

    def _dask(self) -> Any:
        if self._client is None:
            from distributed import Client

            self._client = Client(self.scheduler, timeout="30s")
            try:
                self._client.register_plugin(KernelTeardown(), name=KernelTeardown.name)
            except Exception:  # an older distributed: kernels still die with their worker
                pass
        return self._client

    def map(self, fn: Callable[[Any], Any], items: Iterable[Any], name: Callable[[Any], str],
            on_done: Callable[[Any], None] | None = None) -> dict[str, Any]:
        """``fn`` over ``items``; results by ``name(result)``, as they complete."""
        items = list(items)
        out: dict[str, Any] = {}

        def done(r: Any) -> None:
            out[name(r)] = r
            if on_done:
                on_done(r)

        if not items:
            return out
        if self.scheduler:
            from distributed import as_completed as dask_completed

            client = self._dask()
            futures = [client.submit(fn, it, key=f"ruralstudy-{i}-{id(it)}", pure=False)
                       for i, it in enumerate(items)]
            self._while_waiting()
            for fut in dask_completed(futures):
                done(fut.result())
        elif self.jobs <= 1 or (len(items) == 1 and self._pool is None):
            for it in items:
                done(fn(it))
        else:
            futs = [self._local_pool().submit(fn, it) for it in items]
            self._while_waiting()
            for fut in as_completed(futs):
                done(fut.result())
        return out

    def _while_waiting(self) -> None:
        # in this thread, not a thread of its own: a thread that imports while the pool forks a
        # worker can leave the worker holding the import lock (a deadlock seen with
        # --fresh-kernels); here every worker has been forked (fork-started pools launch all
        # of them at the first submit) and nothing runs beside this call
        fn, self.meanwhile = self.meanwhile, None
        if fn is not None:
            fn()

    def map_plain(self, fn: Callable[[Any], Any], items: Sequence[Any]) -> list[Any]:
        """``fn`` over ``items`` in order: on the local pool when there is one and more than
        two items, else here (Dask is kept for notebook runs)."""
        if self.jobs <= 1 or self.scheduler or len(items) <= 2:
            return [fn(it) for it in items]
        return list(self._local_pool().map(fn, items))

    def close(self) -> None:
        """Stop the pool (its workers stop their kernels), the Dask client, and this process's
        own warm kernel."""
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None
        if self._client is not None:
            self._client.close()
            self._client = None
        shutdown_kernels()


def run_all(specs: Iterable[RunSpec], jobs: int = 1, scheduler: str | None = None,
            on_done: Callable[[RunResult], None] | None = None) -> list[RunResult]:
    """Run notebooks with :func:`execute_one` on a :class:`Runner`; results keep input order."""
    specs = list(specs)
    with Runner(jobs=jobs, scheduler=scheduler) as runner:
        results = runner.map(execute_one, specs, name=lambda r: r.name, on_done=on_done)
    return [results[s.name] for s in specs]
