"""`cfc score`: score files in input order and print one block (text) or one line (--json) per file.

The lines are built per chunk of files and written with one call per chunk. Many files are scored by a few
worker processes (forked once the engines are compiled, so no worker reads the criteria again), each taking
a chunk of consecutive files and returning its text; the chunks are written in input order, so the output is
byte for byte what one process prints. A file's output depends on that file and the criteria only.

CFC_PROCS sets the number of processes (1: none forked); by default, on Linux, one per available core, up
to MAX_PROCS, and only for MIN_PARALLEL files or more (forking costs more than scoring a few files).
"""

from __future__ import annotations

import gc
import json
import os
import sys
from collections.abc import Sequence
from typing import TextIO

from engine.criteria import CriteriaError
from engine.io.engines import Engines

# The process pool (multiprocessing, concurrent.futures: ≈ 10 ms of imports) is imported only when files are
# shared between processes, and each output format's module only when it is printed.

MIN_PARALLEL = 400
MAX_PROCS = 4
CHUNK = 200  # files per chunk at most: each chunk is one write, and one message between processes

# The worker processes' engines: set in the parent before the fork, inherited by the children.
_engines: Engines | None = None


def render(engines: Engines, names: Sequence[str], as_json: bool) -> tuple[str, bool, str | None]:
    """The output for these files, whether any could not be scored, and the criteria error that stopped
    the run (the text then holds the files before it)."""
    if as_json:
        from engine.io.jsonout import result_json
    else:
        from engine.io.report_text import render_text
    out: list[str] = []
    failed = False
    # The files' valid assessments are scored together (many facts per durable_rules session), then
    # written in input order: the same bytes as scoring them one by one.
    scored, stop = engines.score_files(names)
    for name, (result, errors) in zip(names, scored, strict=False):
        if result is None:
            failed = True
            if as_json:
                out.append(json.dumps({"file": name, "errors": [e.as_dict() for e in errors]},
                                      ensure_ascii=False) + "\n")
            else:
                out.append(f"{name}: không chấm được\n")
                out.extend(f"  - {e.field or '(tệp)'}: {e.message}\n" for e in errors)
                out.append("\n")
        elif as_json:
            out.append(result_json(result) + "\n")
        else:
            out.append(render_text(result) + "\n")
    return "".join(out), failed, None if stop is None else str(stop)


def processes(count: int) -> int:
    """How many processes score `count` files (1: this one alone)."""
    if not hasattr(os, "fork"):  # the workers are forked (the "fork" start method)
        return 1
    wanted = os.environ.get("CFC_PROCS", "").strip()
    if wanted:
        try:
            return max(1, min(int(wanted), count))
        except ValueError:
            return 1
    # By default only on Linux, where forking a process without threads is the usual thing to do (macOS
    # advises against fork without exec), and only on the cores this process may use.
    if count < MIN_PARALLEL or not hasattr(os, "sched_getaffinity"):
        return 1
    return max(1, min(len(os.sched_getaffinity(0)), MAX_PROCS))


def _ready(engines: Engines) -> bool:
    """Read the folder and compile every engine a file may need, before forking; False when the criteria
    are broken (scoring in this process then reports it where it did before: at the first file read)."""
    try:
        # A fixed set (--criteria) scores every file; otherwise any set of the folder may be in force.
        for cs in [engines.fixed] if engines.fixed is not None else engines.sets():
            engines.engine_for(cs)
    except CriteriaError:
        return False
    return True


def _quiet() -> None:
    import signal

    # Ctrl-C is the parent's to handle: it stops the workers without a traceback from each of them.
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _work(job: tuple[Sequence[str], bool, tuple[str, str] | None]) -> tuple[str | bytes, bool, str | None]:
    """A worker's chunk: its text, encoded for the output stream when it has one (the bytes then go from
    the worker to the stream as they are, instead of being encoded, sent, decoded and encoded again)."""
    assert _engines is not None
    names, as_json, encoding = job
    text, bad, error = render(_engines, names, as_json)
    return (text.encode(*encoding) if encoding is not None else text), bad, error


def score_files(engines: Engines, files: Sequence[str], as_json: bool,
                out: TextIO) -> tuple[bool, str | None]:
    """Write every file's output to `out` in input order; (whether any file failed, criteria error)."""
    global _engines
    procs = processes(len(files))
    # A few chunks per worker, so that one slow chunk does not leave the others idle at the end.
    size = CHUNK if procs == 1 else max(1, min(CHUNK, -(-len(files) // (procs * 4))))
    chunks = [files[i:i + size] for i in range(0, len(files), size)]
    failed = False
    ready = _ready(engines)
    # What was built so far (modules, models, compiled rules) lives as long as the process: frozen, the
    # collector no longer walks it for every few thousand new objects, and the forked workers do not
    # copy the pages it would have touched. The command turned the collector off for that start-up.
    gc.freeze()
    gc.enable()
    done = 0  # chunks written
    if procs > 1 and len(chunks) > 1 and ready:
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor
        from concurrent.futures.process import BrokenProcessPool

        out.flush()  # a forked child must not inherit unwritten output (it flushes its copy on exit)
        sys.stderr.flush()
        # The text stream's own bytes, written to directly (nothing is pending in the stream: just flushed).
        buffer = getattr(out, "buffer", None)
        encoding = (out.encoding, out.errors or "strict") if buffer is not None else None
        _engines = engines
        pool = ProcessPoolExecutor(procs, mp_context=multiprocessing.get_context("fork"), initializer=_quiet)
        try:
            for text, bad, error in pool.map(_work, [(chunk, as_json, encoding) for chunk in chunks]):
                if isinstance(text, bytes):
                    buffer.write(text)  # type: ignore[union-attr]  # encoding is set only with a buffer
                else:
                    out.write(text)
                done += 1
                failed = failed or bad
                if error is not None:
                    return failed, error
            return failed, None
        except BrokenProcessPool:
            pass  # a worker was killed (out of memory, say): the chunks not yet written are scored here
        finally:
            pool.shutdown(wait=True, cancel_futures=True)
            _engines = None
    for chunk in chunks[done:]:
        text, bad, error = render(engines, chunk, as_json)
        out.write(text)
        failed = failed or bad
        if error is not None:
            return failed, error
    return failed, None
