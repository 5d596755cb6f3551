"""`make run`: migrate, seed the demo data, serve with waitress on 127.0.0.1:5000."""

from __future__ import annotations

import argparse
import gc
import os

from waitress import serve

from . import create_app
from .migrate import upgrade
from .seed import SeedRefused, print_accounts, seed_demo


def main() -> None:
    parser = argparse.ArgumentParser(description="Serve the web app with waitress.")
    parser.add_argument("--host", default=os.environ.get("CFC_HOST", "127.0.0.1"))
    parser.add_argument("--port", type=int, default=int(os.environ.get("CFC_PORT", "5000")))
    parser.add_argument("--threads", type=int, default=int(os.environ.get("CFC_THREADS", "8")))
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
    # Everything loaded so far (engine, criteria, templates) lives as long as the process: keep it out of
    # the garbage collector's scans, which otherwise pause every thread now and then.
    gc.collect()
    gc.freeze()
    print(f"Đang phục vụ tại http://{args.host}:{args.port}/  (Ctrl+C để dừng)", flush=True)
    serve(app, host=args.host, port=args.port, threads=args.threads, ident="cfc")


if __name__ == "__main__":
    main()
