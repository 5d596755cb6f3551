"""PDF records benchmark: median seconds per proposal file and for a district summary of 100 communes.

    make bench        (or: python tests/bench/bench_reports.py [--runs N] [--communes N])

Targets (issue 4): ≤ 1 s per proposal PDF (tờ trình + biên bản + phụ lục), ≤ 10 s for a 100-commune summary.
Issue 13: the same proposal from the web app in one run, side by side with the ratios of each to the others:
a cold `cfc report proposal` (a new process); the first request rendered in the app process (the documents
one after the other); the first request with a warm pool of 1 and of 2 processes (the documents shared out
longest first between the pool and the request process; target ≤ 0.5 s on 2 cores); and the second request,
served from the PDF cache.
Wall-clock and CPU time are both printed: on a shared machine the CPU time is the steadier figure.
"""

from __future__ import annotations

import argparse
import copy
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

import yaml  # noqa: E402

import reports  # noqa: E402
from engine import Engine  # noqa: E402
from engine.io.catalog import Catalog  # noqa: E402
from engine.io.load import load_criteria_set  # noqa: E402

CRITERIA = ROOT / "criteria" / "qd06-2019.yaml"
EXAMPLES = ROOT / "examples"
REVIEW = ROOT / "tests" / "reports" / "data" / "review-ia-toi-2022.yaml"


def timed(fn, runs: int) -> tuple[float, float, int]:
    """(median wall seconds, median CPU seconds, bytes of the last PDF) over `runs` calls after a warm-up."""
    fn()
    walls, cpus, size = [], [], 0
    for _ in range(runs):
        w, c = time.perf_counter(), time.process_time()
        size = len(fn())
        walls.append(time.perf_counter() - w)
        cpus.append(time.process_time() - c)
    return statistics.median(walls), statistics.median(cpus), size


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--communes", type=int, default=100)
    args = parser.parse_args()

    cs = load_criteria_set(CRITERIA)
    engine = Engine(cs, flags=Catalog.load(CRITERIA.parent).commune_flags())  # the example carries a flag
    config = reports.load_config()
    doc = yaml.safe_load((EXAMPLES / "ia-toi-2022.yaml").read_text(encoding="utf-8"))
    review = yaml.safe_load(REVIEW.read_text(encoding="utf-8"))
    verified = copy.deepcopy(doc)
    for c in review["corrections"]:
        verified["values"][c["field"]] = c["value"]
    result_self, result_verified = engine.score(doc), engine.score(verified)
    corrections = [{"field": c["field"], "verified_value": c["value"], "reason": c["reason"],
                    "evidence": c["evidence"]} for c in review["corrections"]]

    def proposal() -> bytes:
        return reports.render_proposal(result_self, result_verified, corrections, config, criteria_set=cs,
                                       assessment=doc, review_date=review["date"])

    # A period of N communes: the three examples' results under N distinct names, a third not yet verified.
    examples = [yaml.safe_load(p.read_text(encoding="utf-8")) for p in sorted(EXAMPLES.glob("*.yaml"))]
    scored = [engine.score(d) for d in examples]
    entries = []
    for n in range(args.communes):
        result = scored[n % len(scored)]
        entries.append(reports.SummaryEntry(
            commune={"code": f"{30000 + n}", "name": f"Xã Thử Nghiệm Số {n + 1}"},
            result_self=result, result_verified=result if n % 3 else None,
            state="verified" if n % 3 else "submitted", period=2022))

    def summary() -> bytes:
        return reports.render_summary(entries, config, criteria_set=cs, document_date="2022-12-02")

    p_wall, p_cpu, p_size = timed(proposal, args.runs)
    s_wall, s_cpu, s_size = timed(summary, max(3, args.runs // 2))
    print(f"proposal PDF (Ia Tơi, 3 documents): median {p_wall:.2f} s wall, {p_cpu:.2f} s CPU, "
          f"{p_size / 1024:.0f} KiB — target ≤ 1 s: {'OK' if p_wall <= 1 else 'MISSED'}")
    print(f"summary PDF ({args.communes} communes): median {s_wall:.2f} s wall, {s_cpu:.2f} s CPU, "
          f"{s_size / 1024:.0f} KiB — target ≤ 10 s: {'OK' if s_wall <= 10 else 'MISSED'}")
    web = web_first_and_cached(args.runs)
    cold = cold_cli()
    # (label, wall seconds, CPU seconds of the critical path: what the wall time is on an idle machine)
    rows = [("cold CLI", "cfc report proposal, a new process", cold, None),
            ("in-process", "first request, CFC_PDF_PROCS=0: the documents one after the other",
             web["serial"], web["serial_cpu"])]
    for size in POOL_SIZES:
        rows.append((f"pool of {size}", f"first request, CFC_PDF_PROCS={size}, warm: the documents (the "
                     f"score annex and the annexes after it as two) shared out longest first between the "
                     f"pool's {size} process{'es' if size > 1 else ''} and the request process",
                     web[f"pool{size}"], web[f"pool{size}_critical_cpu"]))
    rows.append(("cached", "second request, served from the database", web["cached"], None))
    print("proposal PDF from the web app (Ia Tơi; medians of first requests with the cache emptied):")
    print(f"  {'':12s} {'wall ms':>9s} {'CPU ms':>8s}  ratios of the wall times (this row / that row)")
    for label, _name, took, cpu in rows:
        others = "  ".join(f"{took / other:6.2f}× {olabel}" for olabel, _n, other, _c in rows
                           if olabel != label)
        cpu_text = f"{cpu * 1000:8.1f}" if cpu is not None else f"{'':8s}"
        print(f"  {label:12s} {took * 1000:9.1f} {cpu_text}  {others}")
    for label, name, _took, _cpu in rows:
        print(f"    {label}: {name}")
    print("  CPU ms: the request's own CPU time; for a pool, the longest of the request's and each pool "
          "process's share plus the rest of the request: the wall time on an otherwise idle machine.")
    best = min(POOL_SIZES, key=lambda n: web[f"pool{n}_critical_cpu"])
    for label, wall, cpu in (("in-process", web["serial"], web["serial_cpu"]),
                             (f"pool of {best}", web[f"pool{best}"], web[f"pool{best}_critical_cpu"])):
        print(f"  target ≤ 0.5 s for a first request, {label}: {'OK' if wall <= 0.5 else 'MISSED'} (wall), "
              f"{'OK' if cpu <= 0.5 else 'MISSED'} (critical path CPU)")
    print(f"  load average now {os.getloadavg()[0]:.1f} on {len(os.sched_getaffinity(0))} cores "
          f"(wall times above a load of about the core count are inflated; the CPU column is steadier)")
    return 0


POOL_SIZES = (1, 2)


def web_first_and_cached(runs: int) -> dict:
    """A verified assessment's proposal.pdf through the app (test client, SQLite): first requests with the
    cache emptied, rendered in the app process and by the warm pool, then served from the cache."""
    import tempfile

    os.environ.setdefault("SECRET_KEY", "bench")
    from reports import pool
    from webform import create_app
    from webform.migrate import upgrade
    from webform.seed import seed_demo

    tmp = Path(tempfile.mkdtemp(prefix="cfc-bench-pdf-"))
    url = f"sqlite:///{tmp / 'pdf.sqlite3'}"
    upgrade(url)
    # Rendering ahead off: the first request is the one that renders, as the reference.
    app = create_app({"DATABASE_URL": url, "WTF_CSRF_ENABLED": False, "TESTING": True,
                      "PDF_RENDER_AHEAD": False})
    with app.app_context():
        seed_demo(app, with_figures=True)
    client = app.test_client()
    login = {"username": "thamdinh", "password": "demo2022"}
    assert client.post("/auth/login", data=login).status_code == 302
    from sqlalchemy import delete, select

    from webform.db import get_session
    from webform.models import Assessment, CachedPdf, Commune

    def version(aid: int) -> int:
        with app.app_context():
            return get_session().get(Assessment, aid).version

    with app.app_context():
        aid = get_session().scalar(select(Assessment.id).join(Commune).where(Commune.code == "23538"))
    client.post(f"/review/{aid}/transition", data={"name": "start_review", "version": version(aid)})
    # Verify needs every item decided: accept the remaining ones, then verify (both confirmed).
    client.post(f"/review/{aid}/accept-rest", data={"version": version(aid), "confirmed": "1"})
    client.post(f"/review/{aid}/transition",
                data={"name": "verify", "version": version(aid), "confirmed": "1"})

    def get(expect: str) -> float:
        start = time.perf_counter()
        r = client.get(f"/review/{aid}/proposal.pdf")
        took = time.perf_counter() - start
        assert r.status_code == 200 and r.headers["X-CFC-PDF-Cache"] == expect, r.status_code
        return took

    def first() -> float:
        with app.app_context():
            session = get_session()
            session.execute(delete(CachedPdf))
            session.commit()
        return get("miss")

    app.config["PDF_PROCS"] = 0
    first()  # warm-up: templates, fonts and the engine loaded in this process
    walls, cpus = [], []
    for _ in range(max(3, runs // 2)):
        cpu = time.process_time()
        walls.append(first())
        cpus.append(time.process_time() - cpu)
    serial, serial_cpu = statistics.median(walls), statistics.median(cpus)
    out = {"serial": serial, "serial_cpu": serial_cpu}
    for size in POOL_SIZES:
        app.config["PDF_PROCS"] = size
        the_pool = pool.start(size)
        the_pool.wait_ready()  # the server has started: its pool is warm
        first()  # the first file through a fresh pool (caches of the pool processes)
        pooled, critical = [], []
        for _ in range(max(3, runs // 2)):
            cpu = time.process_time()
            pooled.append(first())
            request = time.process_time() - cpu
            # The request's share and each pool process's run at once: the longest of them, plus the rest
            # of the request (scoring, context, join), is the wall time on an otherwise idle machine.
            shares = [the_pool.last_local_cpu, *the_pool.last_cpu.values()]
            critical.append(request - the_pool.last_local_cpu + max(shares))
        out[f"pool{size}"] = statistics.median(pooled)
        out[f"pool{size}_critical_cpu"] = statistics.median(critical)
        pool.shutdown()
    app.config["PDF_PROCS"] = 0
    out["cached"] = statistics.median(get("hit") for _ in range(runs))
    return out


def cold_cli() -> float:
    import subprocess
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "p.pdf"
        cmd = [sys.executable, "-m", "engine", "report", "proposal", str(EXAMPLES / "ia-toi-2022.yaml"),
               "-o", str(out)]
        start = time.perf_counter()
        done = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
        took = time.perf_counter() - start
        assert done.returncode == 0, done.stderr[-1000:]
    return took


if __name__ == "__main__":
    sys.exit(main())
