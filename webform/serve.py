"""`make run`: migrate, seed the demo data, serve on 127.0.0.1:5000 with one worker process per core.

gunicorn (gthread workers) serves the app built once here, before the workers are forked: the criteria,
the compiled rules and the templates are loaded once and shared copy-on-write, and gc.freeze() keeps them
out of every worker's garbage collection. Nothing a request relies on lives only in one process: accounts,
sessions, the login limiter, saves and cached PDFs are in the database (see the README, "Many processes,
many machines"). CFC_WORKERS sets the number of processes; CFC_WORKERS=0 serves from this one process with
waitress (for platforms without fork).
"""

from __future__ import annotations

import argparse
import gc
import os
import threading
from typing import Any

from . import create_app
from .migrate import upgrade
from .seed import SeedRefused, print_accounts, seed_demo


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


def _gunicorn(app: Any, host: str, port: int, workers: int, threads: int) -> None:
    from gunicorn.app.base import BaseApplication

    def post_fork(_server: Any, _worker: Any) -> None:
        # Connections opened by the parent (migrations, seeding) must not be shared by the children.
        app.extensions["cfc_db"].dispose(close=False)
        _start_pdf_pool(app)

    def worker_exit(_server: Any, _worker: Any) -> None:
        from reports import pool

        pool.shutdown()

    options = {
        "bind": f"{host}:{port}",
        "workers": workers,
        "worker_class": "gthread",
        "threads": threads,
        "keepalive": 5,
        "timeout": 120,  # a PDF of a whole district takes seconds, not minutes
        "graceful_timeout": 10,
        "post_fork": post_fork,
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
                        help="threads per worker process")
    parser.add_argument("--no-seed", action="store_true", help="do not create the demo accounts")
    parser.add_argument("--empty-demo", action="store_true",
                        help="seed the demo with empty self-assessments (not the figures of examples/)")
    args = parser.parse_args()

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
    workers = max(0, args.workers)
    where = f"http://{args.host}:{args.port}/"
    if workers == 0 or not hasattr(os, "fork"):
        from waitress import serve

        _start_pdf_pool(app)
        print(f"Đang phục vụ tại {where}  (một tiến trình; Ctrl+C để dừng)", flush=True)
        serve(app, host=args.host, port=args.port, threads=max(args.threads, 8), ident="cfc")
        return
    print(f"Đang phục vụ tại {where}  ({workers} tiến trình; Ctrl+C để dừng)", flush=True)
    _gunicorn(app, args.host, args.port, workers, args.threads)


if __name__ == "__main__":
    main()
