"""`make run`: migrate, seed the demo data, serve on 127.0.0.1:5000 with one worker process per core.

gunicorn (sync workers) serves the app built once here, before the workers are forked: the criteria,
the compiled rules and the templates are loaded once and shared copy-on-write, and gc.freeze() keeps them
out of every worker's garbage collection. Nothing a request relies on lives only in one process: accounts,
sessions, the login limiter, saves and cached PDFs are in the database (see the README, "Many processes,
many machines"). CFC_WORKERS sets the number of processes; CFC_WORKERS=0 serves from this one process with
waitress (for platforms without fork).

The workers are gunicorn's sync workers by default: each takes a connection from the one shared socket only
when it is idle, so waiting requests stand in one line in the kernel and are served in turn; measured with
20 clients back to back, p95 came to 1.15 times the mean, against twice the mean with threaded workers that
accept whatever comes (README, "Many processes, many machines"). A sync worker is held by a slow client for
as long as it sends: the server listens on 127.0.0.1 unless told otherwise, and in production a buffering
reverse proxy (nginx) stands in front of it. CFC_WORKER_CLASS=gthread serves with threads and kept-alive
connections instead.
"""

from __future__ import annotations

import argparse
import gc
import os
import socket
import threading
from typing import Any

from . import create_app
from .migrate import upgrade
from .seed import SeedRefused, print_accounts, seed_demo

GC_YOUNG_THRESHOLD = 50_000


def default_workers() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


def compile_templates(app: Any) -> int:
    """Compile every page template once, before the workers are forked: otherwise each worker compiles each
    template again on its first request for it (tens of milliseconds apiece, a stall for whoever asked), and
    keeps its own copy. Returns how many were compiled."""
    env = app.jinja_env
    names = [n for n in env.list_templates() if n.endswith(".html")]
    for name in names:
        env.get_template(name)
    return len(names)


def _start_pdf_pool(app: Any) -> None:
    # Each serving process starts its own warm PDF processes (after the fork, never before: a pool's
    # threads and pipes do not survive one). In a thread: the fork server imports WeasyPrint before it
    # forks the first process, and the worker must not wait for that to take its first requests.
    size = int(app.config.get("PDF_PROCS") or 0)
    if size > 0:
        from reports import pool

        threading.Thread(target=pool.start, args=(size,), name="cfc-pdf-pool-start", daemon=True).start()


def _own_listener(worker: Any) -> None:
    """Give this worker its own listening socket on the same address (SO_REUSEPORT), beside the shared one.
    Linux hands each new connection to one socket of the group by a hash of its addresses, so connections
    spread evenly over the workers; on a loaded machine the shared socket alone gave nearly all of them to
    the worker that happened to be running. The shared socket stays open (the master holds it too), so a
    connection hashed to it is still accepted, by whichever worker is first."""
    from gunicorn.sock import TCPSocket

    for listener in list(worker.sockets):
        if isinstance(listener, TCPSocket):
            worker.sockets.append(TCPSocket(listener.cfg_addr, worker.cfg, worker.log))


WORKER_CLASSES = ("gthread", "sync")


def _gunicorn(app: Any, host: str, port: int, workers: int, threads: int,
              keepalive_requests: int = 10, worker_class: str = "sync") -> None:
    from gunicorn.app.base import BaseApplication

    def post_fork(_server: Any, worker: Any) -> None:
        # Connections opened by the parent (migrations, seeding) must not be shared by the children.
        app.extensions["cfc_db"].dispose(close=False)
        _start_pdf_pool(app)
        if workers > 1 and reuse_port:
            _own_listener(worker)

    def pre_request(_worker: Any, req: Any) -> None:
        # A keep-alive connection stays with the worker that accepted it: clients that connect at the same
        # moment (a reverse proxy's pool, a morning's first logins) all landed on one worker, and the others
        # idled (measured: 19 of 20 bench connections on one of two workers). After `keepalive_requests`
        # requests the answer says "Connection: close" (as nginx's keepalive_requests does), and the new
        # connection lands on a worker the kernel picks (`_own_listener`).
        if req.req_number >= keepalive_requests:
            req.must_close = True

    def worker_exit(_server: Any, _worker: Any) -> None:
        from reports import pool

        pool.shutdown()

    # A sync worker takes a connection only when it is idle, from the one shared socket: a socket of its
    # own would hold connections the kernel hashed to it while it is busy and the other worker idles.
    reuse_port = hasattr(socket, "SO_REUSEPORT") and worker_class == "gthread"
    if reuse_port:
        # SO_REUSEPORT would let a second server on the same port share it silently (half the requests to
        # each); a plain bind first fails as usual when anything listens there.
        with socket.socket() as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                probe.bind((host, port))
            except OSError as exc:
                raise SystemExit(f"Không mở được cổng {host}:{port}: {exc.strerror}") from None
    options = {
        "bind": f"{host}:{port}",
        # With a listening socket of its own in each worker (`_own_listener`), the kernel spreads new
        # connections over the workers evenly, instead of leaving them to whichever wakes first.
        "reuse_port": reuse_port,
        "workers": workers,
        "worker_class": worker_class,
        # gunicorn turns a sync worker with more than one thread into a gthread worker without a word.
        "threads": threads if worker_class == "gthread" else 1,
        "keepalive": 5,
        "timeout": 120,  # a PDF of a whole district takes seconds, not minutes
        "graceful_timeout": 10,
        "post_fork": post_fork,
        "pre_request": pre_request,
        "worker_exit": worker_exit,
        "proc_name": "cfc",
        "errorlog": "-",
        "loglevel": "warning",
    }

    class Server(BaseApplication):
        def load_config(self) -> None:
            for key, value in options.items():
                self.cfg.set(key, value)

        def load(self) -> Any:
            return app

    Server().run()


def main() -> None:
    parser = argparse.ArgumentParser(description="Serve the web app.")
    parser.add_argument("--host", default=os.environ.get("CFC_HOST", "127.0.0.1"))
    parser.add_argument("--port", type=int, default=int(os.environ.get("CFC_PORT", "5000")))
    parser.add_argument("--workers", type=int,
                        default=int(os.environ.get("CFC_WORKERS") or default_workers()),
                        help="worker processes (default: one per core; 0: one process with waitress)")
    parser.add_argument("--threads", type=int, default=int(os.environ.get("CFC_THREADS", "4")),
                        help="threads per worker process (gthread workers only)")
    parser.add_argument("--keepalive-requests", type=int,
                        default=int(os.environ.get("CFC_KEEPALIVE_REQUESTS", "10")),
                        help="requests on one connection before the client is asked to reconnect (spreads "
                             "clients over the workers)")
    parser.add_argument("--worker-class", default=os.environ.get("CFC_WORKER_CLASS", "sync"),
                        help="sync (default: one request at a time per process, in turn from one shared "
                             "socket) or gthread (threads, kept-alive connections)")
    parser.add_argument("--no-seed", action="store_true", help="do not create the demo accounts")
    parser.add_argument("--empty-demo", action="store_true",
                        help="seed the demo with empty self-assessments (not the figures of examples/)")
    args = parser.parse_args()
    if args.worker_class not in WORKER_CLASSES:
        # argparse checks `choices` only on the command line, not on a default taken from the environment.
        parser.error(f"CFC_WORKER_CLASS / --worker-class phải là gthread hoặc sync, không phải "
                     f"{args.worker_class!r}")

    app = create_app()
    upgrade(app.config["DATABASE_URL"])
    if not args.no_seed:
        with app.app_context():
            try:
                print_accounts(seed_demo(app, with_figures=not args.empty_demo))
            except SeedRefused as exc:
                print(exc)
    app.extensions["cfc_db"].dispose()
    compile_templates(app)
    # Everything loaded so far (engine, criteria, templates) lives as long as the process: keep it out of
    # the garbage collector's scans, which otherwise pause every thread now and then. Frozen before the
    # fork, it also stays shared between the workers instead of being copied by the collector's writes.
    gc.collect()
    gc.freeze()
    # A request allocates tens of thousands of objects and frees nearly all of them by reference counting
    # when it ends; at the default threshold (700) the collector ran about once every 4 requests of the
    # bench's mix, scanning what was still alive mid-request (0.12 ms a request, measured with
    # gc.callbacks). A higher young-generation threshold leaves that to reference counting; cycles are
    # still collected, a little later (at most tens of thousands of objects: a few MB).
    gc.set_threshold(GC_YOUNG_THRESHOLD, *gc.get_threshold()[1:])
    workers = max(0, args.workers)
    where = f"http://{args.host}:{args.port}/"
    if workers == 0 or not hasattr(os, "fork"):
        from waitress import serve

        _start_pdf_pool(app)
        print(f"Đang phục vụ tại {where}  (một tiến trình; Ctrl+C để dừng)", flush=True)
        serve(app, host=args.host, port=args.port, threads=max(args.threads, 8), ident="cfc")
        return
    print(f"Đang phục vụ tại {where}  ({workers} tiến trình; Ctrl+C để dừng)", flush=True)
    _gunicorn(app, args.host, args.port, workers, args.threads, max(1, args.keepalive_requests),
              args.worker_class)


if __name__ == "__main__":
    main()
