"""A small pool of warm processes that lay out and write the documents of one PDF file at once.

A proposal file is three documents (tờ trình, biên bản, phụ lục); laid out one after the other in the
requesting process they take most of a second on a 2-core machine, nearly all of it WeasyPrint. With a pool
of N processes the last N documents (the longest: the score annex first) are rendered in the pool while the
requesting process renders the others, and the written files are joined (reports.pdfjoin): the file is
ready in the time of its longest share, and one warm process is enough to use two cores.

- How many: CFC_PDF_PROCS processes per app process (default 0: no pool, render in the requesting
  process; opt-in, since with one web worker per core the pool's processes compete with the workers).
  Each warm process holds WeasyPrint, the fonts and the templates: about 60-80 MB.
  A process is replaced after MAX_TASKS documents so that a slow leak cannot grow without bound.
- When: `start()` (gunicorn calls it in each worker after the fork; the app otherwise on first use). The
  processes come from a fork server started then, so they never inherit a web worker's threads or database
  connections, and a pool made before a fork is never used by the child (it starts its own).
- Warm: the fork server has imported WeasyPrint and this package; each process lays out a small page with
  the records' fonts and stylesheet before its first document.
- Failure: any error (a process killed, a timeout, an unpicklable context) makes `render_file` render the
  file in the requesting process instead, and the broken pool is replaced; a caller never sees it fail.
- Ending: `shutdown()` (gunicorn's worker_exit, and atexit) stops the processes; when the app process is
  killed, each pool process sees the pipe it keeps open to the app close and exits, then the fork server
  does, so none is left behind.
"""

from __future__ import annotations

import atexit
import contextlib
import logging
import multiprocessing
import os
import signal
import threading
import time
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from multiprocessing.connection import Connection
from typing import Any

from .render import Part, PdfFile, _write, render_parts

log = logging.getLogger(__name__)

MAX_TASKS = 500
TIMEOUT = 60.0  # seconds for one file; a healthy pool takes well under one


def default_size() -> int:
    value = os.environ.get("CFC_PDF_PROCS", "").strip()
    return max(0, int(value)) if value else 0


# --------------------------------------------------------------------------- in the pool's processes
def _watch_app(alive: Connection) -> None:
    # The app process holds the only writing end of this pipe: reading ends when it has gone, however
    # it went (a kill too). Watching the parent would not do: that is the fork server, which itself
    # waits for its children to close its own pipe.
    with contextlib.suppress(EOFError, OSError):
        alive.recv()
    os._exit(0)


def _warm(warmed: Any = None, alive: Connection | None = None) -> None:
    """Pool process start: load fonts, stylesheet and templates, and lay out one page, so that the first
    document costs no more than the next; then say so (`warmed`, a semaphore the app can wait on)."""
    if alive is not None:
        threading.Thread(target=_watch_app, args=(alive,), daemon=True).start()
    from . import render

    render._env().get_template("bien_ban.html")
    render._env().get_template("annex_scores.html")
    render._env().get_template("to_trinh.html")
    font_config, stylesheet = render._fonts_and_stylesheet()
    render._html("<p>Thẩm định <b>phụ lục</b> <i>trẻ em</i></p>").render(
        stylesheets=[stylesheet], font_config=font_config).write_pdf(**render.PDF_OPTIONS)
    if warmed is not None:
        warmed.release()


def _render_one(part: Part, title: str, author: str, subject: str) -> tuple[bytes, float, int]:
    """(the document's PDF, the CPU seconds it took, this process's id)."""
    cpu = time.process_time()
    pdf = _write([part.render()], title, author=author, subject=subject)
    return pdf, time.process_time() - cpu, os.getpid()


def _pid() -> int:
    return os.getpid()


# --------------------------------------------------------------------------- in the app's process
class RenderPool:
    def __init__(self, size: int) -> None:
        self.size = size
        self.owner = os.getpid()
        context = multiprocessing.get_context("forkserver")
        # The fork server imports these once; every process forked from it starts with them loaded.
        context.set_forkserver_preload(["weasyprint", "reports.render", "reports.pool"])
        self.warmed = context.Semaphore(0)
        self.warm = 0
        self.last_cpu: dict[int, float] = {}
        self.last_local_cpu = 0.0
        self._alive_r, self._alive_w = context.Pipe(duplex=False)
        self.executor = ProcessPoolExecutor(max_workers=size, mp_context=context, initializer=_warm,
                                            initargs=(self.warmed, self._alive_r),
                                            max_tasks_per_child=MAX_TASKS)
        # Start every process now (they are otherwise started one per waiting task).
        for _ in range(size):
            self.executor.submit(_pid)

    def wait_ready(self, timeout: float = 120.0) -> None:
        """Until every process of the pool is warm (benchmarks, tests, a server before it listens)."""
        deadline = time.monotonic() + timeout
        while self.warm < self.size:
            if not self.warmed.acquire(timeout=max(0.1, deadline - time.monotonic())):
                raise TimeoutError("the PDF pool did not warm up")
            self.warm += 1

    def pids(self) -> list[int]:
        return list((self.executor._processes or {}).keys())  # noqa: SLF001 - for tests and shutdown checks

    def render(self, f: PdfFile) -> bytes:
        from . import pdfjoin

        # The first document carries the file's metadata (its XMP and Info become the file's).
        jobs = [(part, f.title, f.author, f.subject) if i == 0 else (part, part.title, "", "")
                for i, part in enumerate(f.parts)]
        # The pool takes the last documents, the longest (the score annex), one per process; the requesting
        # process, which would otherwise only wait, renders the first ones meanwhile. One warm process
        # thus already gives a proposal file two cores.
        local = max(0, len(jobs) - self.size)
        futures: dict[int, Future] = {}
        for i in reversed(range(local, len(jobs))):
            futures[i] = self.executor.submit(_render_one, *jobs[i])
        here = [_render_one(*jobs[i]) for i in range(local)]
        deadline = time.monotonic() + TIMEOUT
        done = here + [futures[i].result(timeout=max(0.1, deadline - time.monotonic()))
                       for i in range(local, len(jobs))]
        cpu_by_process: dict[int, float] = {}
        for _pdf, cpu, pid in done:
            cpu_by_process[pid] = cpu_by_process.get(pid, 0.0) + cpu
        # The benchmark reads these: on an idle machine the file takes the busiest process's CPU time.
        self.last_local_cpu = cpu_by_process.pop(os.getpid(), 0.0)
        self.last_cpu = cpu_by_process
        return pdfjoin.join([pdf for pdf, _cpu, _pid in done])

    def shutdown(self) -> None:
        self.executor.shutdown(wait=True, cancel_futures=True)
        self._alive_w.close()


_lock = threading.Lock()
_pool: RenderPool | None = None


def start(size: int | None = None) -> RenderPool | None:
    """The pool of this process, started if it is not (None when CFC_PDF_PROCS=0)."""
    global _pool
    size = default_size() if size is None else size
    with _lock:
        if _pool is not None and _pool.owner != os.getpid():
            _pool = None  # made before a fork: the parent's; never touch it from here
        if _pool is None and size > 0:
            try:
                _pool = RenderPool(size)
            except Exception:  # noqa: BLE001 - no pool: every file is rendered in this process
                log.exception("could not start the PDF pool")
                return None
        return _pool


def current() -> RenderPool | None:
    pool = _pool
    return pool if pool is not None and pool.owner == os.getpid() else None


def _discard(pool: RenderPool) -> None:
    global _pool
    with _lock:
        if _pool is pool:
            _pool = None
    try:
        pids = pool.pids()  # before the shutdown, which forgets them
        pool.executor.shutdown(wait=False, cancel_futures=True)
        for pid in pids:  # a hung process would otherwise hold its document for ever
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGKILL)
        pool._alive_w.close()  # noqa: SLF001
    except Exception:  # noqa: BLE001
        log.exception("stopping a broken PDF pool")


def render_file(f: PdfFile) -> bytes:
    """The file rendered by the pool; in this process when there is no pool or the pool fails."""
    pool = start()
    if pool is None or len(f.parts) < 2:
        return render_parts(f)
    try:
        return pool.render(f)
    except Exception as exc:  # noqa: BLE001 - whatever broke, the caller gets its PDF
        log.warning("PDF pool failed (%s: %s); rendering in the app process", type(exc).__name__, exc)
        if isinstance(exc, BrokenProcessPool | TimeoutError | OSError):
            _discard(pool)  # the next file starts a fresh pool
        return render_parts(f)


def shutdown() -> None:
    """Stop this process's pool (gunicorn's worker_exit; atexit)."""
    global _pool
    with _lock:
        pool, _pool = _pool, None
    if pool is not None and pool.owner == os.getpid():
        pool.shutdown()


atexit.register(shutdown)
