"""Bench: a province's scale. The import of every unit, and the overview and queue pages with all 3,321
communes of 2026, beside the 3-commune demo of 2022: time per page (median of a few requests through the
app's test client, in process) and SQL queries per page.

    .venv/bin/python tests/bench/bench_units.py          # `make bench` runs it; a few minutes on 2 cores

Figures go to stdout; they are targets to watch, not assertions (see tests/web/test_bench_smoke.py).
"""

from __future__ import annotations

import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

REPEAT = 3


def _count_queries(engine: Any) -> list[int]:
    from sqlalchemy import event

    counter = [0]

    @event.listens_for(engine, "before_cursor_execute")
    def _count(*_args: Any) -> None:
        counter[0] += 1

    return counter


def _page(client: Any, url: str, counter: list[int]) -> tuple[float, int, int]:
    times, queries = [], 0
    status = 0
    for _ in range(REPEAT):
        counter[0] = 0
        start = time.perf_counter()
        r = client.get(url)
        times.append(time.perf_counter() - start)
        status, queries = r.status_code, counter[0]
    return statistics.median(times), queries, status


def main() -> int:
    import yaml
    from sqlalchemy import select

    from webform import create_app
    from webform.auth import hash_password
    from webform.db import get_session
    from webform.migrate import upgrade
    from webform.models import Assessment, Commune, User
    from webform.seed import seed_demo
    from webform.unit_import import import_units
    from webform.units import communes_on, find_reviewing_unit, reference_date

    tmp = Path(tempfile.mkdtemp(prefix="cfc-bench-units-"))
    url = f"sqlite:///{tmp / 'bench.sqlite3'}"
    upgrade(url)
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench", "WTF_CSRF_ENABLED": False,
                      "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000", "ENV_NAME": "development"})
    counter = _count_queries(app.extensions["cfc_db"])
    rows: list[tuple[str, str]] = []
    with app.app_context():
        seed_demo(app)  # the demo (imports Tỉnh Quảng Ngãi and its former provinces)
        session = get_session()
        everything, with_legacy = {"all_units": True}, {"all_units": True, "legacy": True}
        for label, kwargs in (("import --all (current)", everything),
                              ("import --all (again: unchanged)", everything),
                              ("import --all --legacy", with_legacy),
                              ("import --all --legacy (again: unchanged)", with_legacy)):
            counter[0] = 0
            start = time.perf_counter()
            report = import_units(session, **kwargs)
            took = time.perf_counter() - start
            counts = (f"created {sum(report.created.values())}, updated {sum(report.updated.values())}, "
                      f"unchanged {sum(report.unchanged.values())}")
            rows.append((label, f"{took:6.2f} s  {counter[0]:6d} queries  {counts}"))
        everyone = communes_on(reference_date(2026))
        # A submitted 2026 self-assessment for every commune of the country (the figures of examples/).
        cs = app.extensions["cfc_scoring"].for_period(2026)
        example = yaml.safe_load((ROOT / "examples" / "ia-toi-2022.yaml").read_text(encoding="utf-8"))
        tier = cs.tiers[0].id
        have = set(session.scalars(select(Assessment.commune_id).where(Assessment.period == 2026)))
        for c in everyone:
            c.type = c.type or tier
            c.region = c.region or cs.regions[0].id
            if c.id not in have:
                session.add(Assessment(commune_id=c.id, period=2026, criteria_set_id=cs.id, state="submitted",
                                       values=example["values"], sources={}, self_total=845))
        pw = hash_password("demo2022")
        # The administrator sees no figures: the country's 3,321 communes are served by 34 provincial teams.
        provinces = {}
        for code in sorted({u.code for u in session.scalars(select(Commune).where(
                Commune.level == "tinh", Commune.valid_to.is_(None)))}):
            unit = find_reviewing_unit(code)
            session.add(User(username=f"bench-{code}", full_name=f"Tổ thẩm định {unit.name}", role="reviewer",
                             unit_id=unit.id, password_hash=pw, active=True))
            provinces[code] = unit.name
        session.commit()
        n_all = len(everyone)

    def client(username: str) -> Any:
        c = app.test_client()
        r = c.post("/auth/login", data={"username": username, "password": "demo2022"})
        assert r.status_code == 302, (username, r.status_code)
        return c

    district, province, hcm = client("thamdinh"), client("thamdinh-qn"), client("bench-79")
    pages = [
        ("queue 2022, Huyện Ia H'Drai (3 communes, demo)", district, "/review/?period=2022"),
        ("overview 2022, Huyện Ia H'Drai (3 communes, demo)", district, "/district/?period=2022"),
        ("queue 2026, Tỉnh Quảng Ngãi (96)", province, "/review/?period=2026"),
        ("overview 2026, Tỉnh Quảng Ngãi (96)", province, "/district/?period=2026"),
        ("queue 2026, search 'ia toi' (96)", province, "/review/?period=2026&q=ia+toi"),
        ("overview 2026, search 'ia toi' (96)", province, "/district/?period=2026&q=ia+toi"),
        ("queue 2026, TP Hồ Chí Minh (168, the largest)", hcm, "/review/?period=2026"),
        ("overview 2026, TP Hồ Chí Minh (168, the largest)", hcm, "/district/?period=2026"),
    ]
    for label, c, page_url in pages:
        took, queries, status = _page(c, page_url, counter)
        rows.append((label, f"{took * 1000:8.0f} ms  {queries:6d} queries  (HTTP {status})"))
    # Every province once: all 3,321 communes of 2026 through the queue and the overview.
    for kind, page_url in (("queue", "/review/?period=2026"), ("overview", "/district/?period=2026")):
        times, queries, statuses = [], [], set()
        for code in provinces:
            c = client(f"bench-{code}")
            counter[0] = 0
            start = time.perf_counter()
            statuses.add(c.get(page_url).status_code)
            times.append(time.perf_counter() - start)
            queries.append(counter[0])
        rows.append((f"{kind} 2026, all 34 provinces ({n_all} communes)",
                     f"{sum(times):8.2f} s in all, {max(times) * 1000:.0f} ms at most, "
                     f"{max(queries)} queries at most per page (HTTP {sorted(statuses)})"))
    app.extensions["cfc_db"].dispose()
    if not os.environ.get("BENCH_KEEP"):
        shutil.rmtree(tmp, ignore_errors=True)
    else:
        print(f"  database kept: {url}")
    width = max(len(label) for label, _ in rows)
    print(f"bench_units: {n_all} communes in 2026; median of {REPEAT} requests per page")
    for label, figures in rows:
        print(f"  {label:<{width}}  {figures}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
