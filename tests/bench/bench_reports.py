"""PDF records benchmark: median seconds per proposal file and for a district summary of 100 communes.

    make bench        (or: python tests/bench/bench_reports.py [--runs N] [--communes N])

Targets (issue 4): ≤ 1 s per proposal PDF (tờ trình + biên bản + phụ lục), ≤ 10 s for a 100-commune summary.
Issue 13: the same proposal from the web app, rendered (first request) against served from the PDF cache
(second request), and a cold `cfc report proposal` (a new process) as the reference.
Wall-clock and CPU time are both printed: on a shared machine the CPU time is the steadier figure.
"""

from __future__ import annotations

import argparse
import copy
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

import yaml  # noqa: E402

import reports  # noqa: E402
from engine import Engine  # noqa: E402
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
    engine = Engine(cs)
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
    web_first, web_cached = web_cold_and_cached()
    print(f"proposal PDF from the web app: first request {web_first:.2f} s, "
          f"cached {web_cached * 1000:.1f} ms (second request, served from the database)")
    cold = cold_cli()
    print(f"proposal PDF, cold CLI (cfc report proposal, new process): {cold:.2f} s")
    return 0


def web_cold_and_cached() -> tuple[float, float]:
    """A verified assessment's proposal.pdf through the app (test client, SQLite): render, then cache."""
    import os
    import tempfile

    os.environ.setdefault("SECRET_KEY", "bench")
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
    from sqlalchemy import select

    from webform.db import get_session
    from webform.models import Assessment, Commune

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
    timings = []
    for _ in range(2):
        start = time.perf_counter()
        r = client.get(f"/review/{aid}/proposal.pdf")
        timings.append(time.perf_counter() - start)
        assert r.status_code == 200, r.status_code
    assert r.headers["X-CFC-PDF-Cache"] == "hit"
    return timings[0], timings[1]


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
