"""A small pool of warm processes that lay out and write the documents of one PDF file at once.

A proposal file is three documents (tờ trình, biên bản, phụ lục); laid out one after the other in the
requesting process they take most of a second on a 2-core machine, nearly all of it WeasyPrint. The score
annex, the longest, is laid out as two documents when annexes follow it (the NTM annex: each begins on a
page of its own, so the pages are the same): the score annex, and the annexes after it numbered on from the
score annex's page count as the last file had it (checked when both are done: a wrong guess lays the second
piece out again, so a page number is never wrong). The documents are shared out longest first, by the CPU
each kind took the last times, between the N pool processes and the requesting process (which would
otherwise only wait, and joins the file after); the written files are joined (reports.pdfjoin): the file is
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
import gc
import logging
import multiprocessing
import os
import signal
import threading
import time
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, replace
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
    # What is loaded now (WeasyPrint, fonts, styles: ~100,000 objects) lives as long as the process: kept out
    # of the collector's full passes, which otherwise walk it again during every few documents (measured:
    # the full passes' time per proposal file fell from about 18 to 8 ms).
    gc.collect()
    gc.freeze()
    if warmed is not None:
        warmed.release()


def _render_one(part: Part, title: str, author: str, subject: str) -> tuple[bytes, float, int, int]:
    """(the document's PDF, the CPU seconds it took, this process's id, its number of pages)."""
    cpu = time.process_time()
    doc = part.render()
    pdf = _write([doc], title, author=author, subject=subject)
    return pdf, time.process_time() - cpu, os.getpid(), len(doc.pages)


def _pid() -> int:
    return os.getpid()


# --------------------------------------------------------------------------- in the app's process
# The pages of a document's first piece the last time (Part.piece_key): the guess the second piece is numbered
# from. A wrong guess costs the second piece again, never a wrong page number.
_PAGE_GUESS: dict[tuple, int] = {}
# CPU seconds of each kind of document the last times (an average that follows changes), for sharing them out;
# the first figures are this machine's of 2026-12 (their ratios are what matters).
_COST: dict[str, float] = {"to_trinh.html": 0.07, "bien_ban.html": 0.30, "annex_scores.html": 0.43,
                           "annex_scores.html/scores": 0.35, "annex_scores.html/extra": 0.08}
_DEFAULT_COST = 0.3
# The pool size from which the score annex is split. Measured by callgrind (1 December 2026, the web bench's
# file, millions of instructions): tờ trình 349, biên bản 1,461, score annex 1,998 whole or 1,788 + 320 in
# two pieces, join 178-183. With 2 pool processes the longest share falls from 1,998 to 1,788 (critical
# path with the join 2,176 -> 1,971); with 1, no share of the split file is shorter than the whole annex
# (the second document costs 110 more), so a pool of 1 renders it whole.
SPLIT_FROM = 2
_JOIN_COST = 0.05


@dataclass
class _Job:
    part: Part
    meta: tuple[str, str, str]  # title, author, subject of the PDF written for it
    kind: str
    piece_key: tuple | None = None
    after: int | None = None  # a second piece: the index of the job whose pages come before its own

    @property
    def args(self) -> tuple[Part, str, str, str]:
        return (self.part, *self.meta)


def _jobs(f: PdfFile, split: bool = True) -> list[_Job]:
    """The file's documents; with `split`, the ones that have pieces (the score annex and the annexes after
    it) as two."""
    jobs: list[_Job] = []
    for i, part in enumerate(f.parts):
        # The first document carries the file's metadata (its XMP and Info become the file's).
        meta = (f.title, f.author, f.subject) if i == 0 else (part.title, "", "")
        key = part.piece_key() if split else None
        if key is None:
            jobs.append(_Job(part, meta, part.template))
            continue
        guess = _PAGE_GUESS.get(key) or max(_PAGE_GUESS.values(), default=1)
        first, second = part.pieces(guess)
        jobs.append(_Job(first, meta, f"{part.template}/scores"))
        jobs.append(_Job(second, (part.title, "", ""), f"{part.template}/extra", piece_key=key,
                         after=len(jobs) - 1))
    return jobs


def _learn_cost(kind: str, cpu: float) -> None:
    old = _COST.get(kind)
    _COST[kind] = cpu if old is None else 0.7 * old + 0.3 * cpu


def _schedule(jobs: list[_Job], size: int) -> tuple[list[int], list[int]]:
    """(the jobs the requesting process renders, the pool's, longest first): each job, the longest first, to
    the least loaded of the pool's `size` processes and the requesting one (which starts with the join it
    does after them all)."""
    order = sorted(range(len(jobs)), key=lambda i: -_COST.get(jobs[i].kind, _DEFAULT_COST))
    loads = [0.0] * size + [_JOIN_COST]  # the last one is the requesting process, which joins the file after
    shares: list[list[int]] = [[] for _ in loads]
    for i in order:
        b = min(range(len(loads)), key=loads.__getitem__)
        loads[b] += _COST.get(jobs[i].kind, _DEFAULT_COST)
        shares[b].append(i)
    local = sorted(shares[-1])
    pooled = [i for i in order if i not in local]
    return local, pooled


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

        jobs = _jobs(f, split=self.size >= SPLIT_FROM)
        local, pooled = _schedule(jobs, self.size)
        # The pool takes the longest documents first, one per process; the requesting process, which would
        # otherwise only wait, renders its share meanwhile. One warm process thus already gives a proposal
        # file two cores.
        futures: dict[int, Future] = {i: self.executor.submit(_render_one, *jobs[i].args) for i in pooled}
        done: dict[int, tuple[bytes, float, int, int]] = {i: _render_one(*jobs[i].args) for i in local}
        deadline = time.monotonic() + TIMEOUT
        for i in pooled:
            done[i] = futures[i].result(timeout=max(0.1, deadline - time.monotonic()))
        cpu_by_process: dict[int, float] = {}
        for i, job in enumerate(jobs):
            _pdf, cpu, pid, _pages = done[i]
            cpu_by_process[pid] = cpu_by_process.get(pid, 0.0) + cpu
            _learn_cost(job.kind, cpu)
        # A piece numbered on from a wrong guess of the pages before it is laid out again, here, with the
        # right number: the file is always the one the whole document gives.
        for i, job in enumerate(jobs):
            if job.after is None or job.piece_key is None:
                continue
            pages_before = done[job.after][3]
            _PAGE_GUESS[job.piece_key] = pages_before
            if job.part.first_page != pages_before + 1:
                job.part = replace(job.part, first_page=pages_before + 1)
                done[i] = again = _render_one(*job.args)
                cpu_by_process[os.getpid()] = cpu_by_process.get(os.getpid(), 0.0) + again[1]
        # The benchmark reads these: on an idle machine the file takes the busiest process's CPU time.
        self.last_local_cpu = cpu_by_process.pop(os.getpid(), 0.0)
        self.last_cpu = cpu_by_process
        return pdfjoin.join([done[i][0] for i in range(len(jobs))])

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
