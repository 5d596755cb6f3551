"""Load benchmark of the web app: 20 concurrent clients on loopback against `python -m webform.serve`.

16 clients are commune officers saving drafts of their own assessment (CSRF token, version check, engine
scoring, history rows, a SQLite write each) and following the redirect to the form, as a browser does;
4 are district reviewers opening the review page (two engine scorings and the full page). Reports
p50/p95/p99 latency per kind and overall, the error count, and lost saves (acknowledged figures that are not
the ones in the database afterwards). Clients accept gzip, as browsers do. Each run also prints the server's
CPU per request, the clients' own CPU and the load average: on a machine shared with other work the
throughput says how much CPU the server got, the CPU per request what a request costs.

In one run: the same clients back to back (no pause) for BENCH_SATURATION_SECONDS against waitress in one
process (how the app was served before), gunicorn with one worker, gunicorn with one gthread worker per core
(how it was served in the last round) and with one worker per core of the default kind (sync; CFC_WORKERS);
then BENCH_SECONDS with a think time on the N default workers.
Targets (issue 13): back to back, N workers ≥ 2× the one-process throughput with p95 ≤ 100 ms; 0 errors,
0 lost saves. With think time: p95 ≤ 150 ms.

Environment: BENCH_CLIENTS (20), BENCH_SECONDS (60), BENCH_THINK_MS (pause between a client's requests,
default 1000, ±50 %), BENCH_SATURATION_SECONDS (15; 0 skips the back-to-back runs), BENCH_STRICT=1 (exit 1
if the target is missed), BENCH_DATABASE_URL (default: a fresh SQLite file).
"""

from __future__ import annotations

import gzip
import http.client
import os
import random
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

CLIENTS = int(os.environ.get("BENCH_CLIENTS", "20"))
SECONDS = float(os.environ.get("BENCH_SECONDS", "60"))
# A person pauses between actions; 1 s (±50 %) is already far busier than a real district.
THINK = float(os.environ.get("BENCH_THINK_MS", "1000")) / 1000
SATURATION = float(os.environ.get("BENCH_SATURATION_SECONDS", "15"))
STRICT = os.environ.get("BENCH_STRICT", "") == "1"  # exit 1 when the target is missed
REVIEWERS = max(1, CLIENTS // 5)
OFFICERS = CLIENTS - REVIEWERS
PASSWORD = "bench-pass-2022"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def prepare(url: str) -> dict[str, int]:
    """Migrate, seed the demo, add a commune + officer per officer client; returns username → assessment."""
    os.environ["SECRET_KEY"] = "bench"
    from sqlalchemy import select

    from webform import create_app
    from webform.auth import hash_password
    from webform.db import get_session
    from webform.migrate import upgrade
    from webform.models import Assessment, Commune, UnitParent, User
    from webform.seed import DEMO_DISTRICT, seed_demo
    from webform.units import find_reviewing_unit

    upgrade(url)
    app = create_app({"DATABASE_URL": url})
    out: dict[str, int] = {}
    with app.app_context():
        seed_demo(app)
        session = get_session()
        cs = app.extensions["cfc_scoring"].for_period(2022)
        pw = hash_password(PASSWORD)
        district = find_reviewing_unit(DEMO_DISTRICT)
        for n in range(OFFICERS):
            c = Commune(code=f"9{n:04d}", name=f"Xã Thử {n}", level="xa", kind="Xã",
                        type="mien_nui_dbkk", region="tay_nguyen")
            c.parent_links.append(UnitParent(parent_id=district.id, valid_to=district.valid_to))
            session.add(c)
            session.flush()
            session.add(User(username=f"bench{n}", password_hash=pw, full_name=f"Cán bộ {n}", role="commune",
                             commune_id=c.id, active=True))
            a = Assessment(commune_id=c.id, period=2022, criteria_set_id=cs.id, state="draft", values={},
                           sources={})
            session.add(a)
            session.flush()
            out[f"bench{n}"] = a.id
        session.add(User(username="benchreview", password_hash=pw, full_name="Tổ thẩm định", role="reviewer",
                         unit_id=district.id, active=True))
        session.commit()
        # Reviewers open a submitted assessment under review (full page: both scores, correction forms).
        import yaml

        example = yaml.safe_load((ROOT / "examples" / "ia-toi-2022.yaml").read_text(encoding="utf-8"))
        reviewed = session.scalar(select(Assessment).order_by(Assessment.id))
        reviewed.values = example["values"]
        reviewed.state = "under_review"
        session.commit()
        out["_review"] = reviewed.id
    app.extensions["cfc_db"].dispose()
    return out


class Client:
    """One browser: a keep-alive connection, the session cookie, the CSRF token."""

    def __init__(self, port: int) -> None:
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        self.jar: dict[str, str] = {}
        self.token = ""

    def request(self, method: str, path: str, form: dict[str, str] | None = None) -> tuple[int, str]:
        # As a browser does: gzip accepted, so the server's compression is part of what is measured.
        headers = {"Accept-Encoding": "gzip"}
        if self.jar:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.jar.items())
        body = None
        if form is not None:
            body = urllib.parse.urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        try:
            self.conn.request(method, path, body=body, headers=headers)
            r = self.conn.getresponse()
        except (BrokenPipeError, ConnectionResetError, http.client.RemoteDisconnected):
            # The server closed the idle keep-alive connection (gunicorn after 5 s) before this request
            # reached it: a browser opens a new connection and sends the request again; so does this one.
            self.conn.close()
            self.conn = http.client.HTTPConnection("127.0.0.1", self.conn.port, timeout=30)
            self.conn.request(method, path, body=body, headers=headers)
            r = self.conn.getresponse()
        raw = r.read()
        if r.getheader("Content-Encoding") == "gzip":
            raw = gzip.decompress(raw)
        text = raw.decode("utf-8", "replace")
        for cookie in r.msg.get_all("Set-Cookie") or []:
            name, _, value = cookie.split(";", 1)[0].partition("=")
            if value:
                self.jar[name] = value
            else:
                self.jar.pop(name, None)
        return r.status, text

    def login(self, username: str) -> None:
        _, page = self.request("GET", "/auth/login")
        self.token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
        status, _ = self.request("POST", "/auth/login",
                                 {"username": username, "password": PASSWORD, "csrf_token": self.token})
        assert status == 302, f"login {username}: {status}"


def start_server(url: str, workers: int, log: Path, **extra: str) -> tuple[subprocess.Popen, int]:
    port = free_port()
    env = dict(os.environ, DATABASE_URL=url, SECRET_KEY="bench", CFC_LOGIN_MAX_ATTEMPTS="1000",
               CFC_WORKERS=str(workers), **extra)
    out = open(log, "a")  # noqa: SIM115 - open for the server's life (the child holds it)
    server = subprocess.Popen([sys.executable, "-m", "webform.serve", "--port", str(port), "--no-seed"],
                              cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    out.close()
    for _ in range(300):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            break
        except OSError:
            time.sleep(0.1)
    return server, port


def tree_cpu(pid: int) -> float | None:
    """CPU seconds used so far by the server process and its workers (Linux /proc; None elsewhere): per
    request, a figure that other work on the machine changes little, unlike the throughput."""
    try:
        stats = {}
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(") ", 1)[1].split()
            except OSError:
                continue
            stats[int(stat.parent.name)] = (int(fields[1]), int(fields[11]) + int(fields[12]))
    except OSError:
        return None
    tree, todo = {pid}, [pid]
    while todo:
        parent = todo.pop()
        for child, (ppid, _) in stats.items():
            if ppid == parent and child not in tree:
                tree.add(child)
                todo.append(child)
    ticks = sum(stats[p][1] for p in tree if p in stats)
    return ticks / os.sysconf("SC_CLK_TCK")


def lost_saves(url: str, acknowledged: dict[int, int]) -> int:
    """Saves the server acknowledged (302) whose figure is not the one in the database."""
    from sqlalchemy import create_engine, select

    from webform.models import Assessment

    engine = create_engine(url)
    with engine.connect() as conn:
        stored = dict(conn.execute(select(Assessment.id, Assessment.values)).all())
    engine.dispose()
    return sum(1 for aid, value in acknowledged.items() if stored[aid].get("children_under16") != value)


def main() -> int:
    """One worker against N in the same run, and waitress in one process (how the app was served before)
    as the reference: each back to back for BENCH_SATURATION_SECONDS; the target run (with think time)
    on N workers."""
    from webform.serve import default_workers

    tmp = Path(tempfile.mkdtemp(prefix="cfc-bench-"))
    url = os.environ.get("BENCH_DATABASE_URL") or f"sqlite:///{tmp / 'bench.sqlite3'}"
    ids = prepare(url)
    many = int(os.environ.get("CFC_WORKERS") or default_workers())
    # (key, workers, label, environment): the default kind of worker (sync) last, for the target run too;
    # threaded workers (how the app was served before this round) beside it.
    configs = [("before", 0, "waitress, 1 process (before)", {}), ("one", 1, "gunicorn, 1 worker", {}),
               ("gthread", many, f"gunicorn, {many} gthread workers (last round)",
                {"CFC_WORKER_CLASS": "gthread"}),
               ("many", many, f"gunicorn, {many} workers", {})]
    met = True
    ceiling: dict[str, tuple[float, float]] = {}
    for key, workers, label, extra in configs:
        if not SATURATION and key != "many":
            continue
        server, port = start_server(url, workers, tmp / "server.log", **extra)
        try:
            if key == "many":
                ok, acknowledged, _ = run(port, ids, SECONDS, THINK, f"target, {label}", server.pid)
                met = met and ok
                print(f"  lost saves: {lost_saves(url, acknowledged)}")
            if SATURATION:
                # The same clients back to back, no pause: the server's ceiling (latency is then queueing).
                _, acknowledged, ceiling[key] = run(port, ids, SATURATION, 0.0, f"saturation, {label}",
                                                    server.pid)
                print(f"  lost saves: {lost_saves(url, acknowledged)}")
        finally:
            server.terminate()
            server.wait(timeout=20)
    if "before" in ceiling and "many" in ceiling:
        (before, _), (one, _), (after, p95) = ceiling["before"], ceiling["one"], ceiling["many"]
        threaded, threaded_p95 = ceiling["gthread"]
        print(f"back to back: {many} workers {after:.0f} req/s against {before:.0f} in one process (before): "
              f"{after / before:.1f}× (target ≥ 2×), and against {one:.0f} with one worker: "
              f"{after / one:.1f}×; p95 {p95:.0f} ms (target ≤ 100 ms); {many} gthread workers "
              f"{threaded:.0f} req/s, p95 {threaded_p95:.0f} ms")
    return 0 if met or not STRICT else 1


def run(port: int, ids: dict[str, int], seconds: float, think: float, label: str,
        server_pid: int | None = None) -> tuple[bool, dict[int, int], tuple[float, float]]:
    from engine.io.catalog import Catalog

    cs = Catalog.load(ROOT / "criteria").for_period(2022)
    import yaml

    values = yaml.safe_load((ROOT / "examples" / "ia-toi-2022.yaml").read_text(encoding="utf-8"))["values"]
    assert {d.id for d in cs.inputs} <= set(values)
    lat: dict[str, list[float]] = {"save": [], "form": [], "review": []}
    errors: list[str] = []
    acknowledged: dict[int, int] = {}  # assessment -> the last figure a save was acknowledged with
    lock = threading.Lock()
    start_barrier = threading.Barrier(CLIENTS + 1)
    deadline = [0.0]

    def officer(n: int) -> None:
        c = Client(port)
        c.login(f"bench{n}")
        aid = ids[f"bench{n}"]
        _, page = c.request("GET", f"/assessment/{aid}")
        version = int(re.search(r'name="version" value="(\d+)"', page).group(1))
        rng = random.Random(n)
        start_barrier.wait()
        time.sleep(rng.random() * think)  # people do not all click at the same instant
        while time.perf_counter() < deadline[0]:
            form = {"action": "save", "version": str(version), "csrf_token": c.token}
            for k, v in values.items():
                form[f"v_{k}"] = ("co" if v else "khong") if isinstance(v, bool) else str(v)
            figure = 1800 + rng.randint(0, 100)
            form["v_children_under16"] = str(figure)  # a real change (mostly) every time
            form["s_c2_births"] = "Sổ đăng ký khai sinh"
            t0 = time.perf_counter()
            try:
                status, _ = c.request("POST", f"/assessment/{aid}", form)
            except Exception as exc:  # noqa: BLE001 - every failure is counted, not raised
                status, _ = -1, str(exc)
                c = Client(port)
                c.login(f"bench{n}")
            dt = time.perf_counter() - t0
            with lock:
                lat["save"].append(dt)
                if status != 302:
                    errors.append(f"save {status}")
            if status == 302:
                version += 1
                with lock:
                    acknowledged[aid] = figure
                # The browser follows the redirect to the form, which shows "Đã lưu nháp." and the score.
                t0 = time.perf_counter()
                try:
                    status, body = c.request("GET", f"/assessment/{aid}")
                    ok = status == 200 and "Đã lưu nháp." in body
                except Exception:  # noqa: BLE001
                    status, ok = -1, False
                dt = time.perf_counter() - t0
                with lock:
                    lat["form"].append(dt)
                    if not ok:
                        errors.append(f"form {status}")
            if think:
                time.sleep(think * (0.5 + rng.random()))

    def reviewer(n: int) -> None:
        rng = random.Random(1000 + n)
        c = Client(port)
        c.login("benchreview")
        start_barrier.wait()
        time.sleep(rng.random() * think)
        while time.perf_counter() < deadline[0]:
            t0 = time.perf_counter()
            try:
                status, body = c.request("GET", f"/review/{ids['_review']}")
                ok = status == 200 and "Tổng điểm" in body
            except Exception:  # noqa: BLE001
                status, ok = -1, False
                c = Client(port)
                c.login("benchreview")
            dt = time.perf_counter() - t0
            with lock:
                lat["review"].append(dt)
                if not ok:
                    errors.append(f"review {status}")
            if think:
                time.sleep(think * (0.5 + rng.random()))

    threads = [threading.Thread(target=officer, args=(n,)) for n in range(OFFICERS)]
    threads += [threading.Thread(target=reviewer, args=(n,)) for n in range(REVIEWERS)]
    for t in threads:
        t.start()
    deadline[0] = time.perf_counter() + seconds + 60  # placeholder until everyone has logged in
    start_barrier.wait()
    deadline[0] = time.perf_counter() + seconds
    began = time.perf_counter()
    cpu0, load0 = time.process_time(), os.getloadavg()[0]
    server0 = tree_cpu(server_pid) if server_pid else None
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - began
    # The clients run on the same machine as the server: say how much of it they took, and how busy the
    # machine was (other work on it shows in the load average).
    client_cpu = (time.process_time() - cpu0) / elapsed
    server1 = tree_cpu(server_pid) if server_pid else None
    load1 = os.getloadavg()[0]

    def pct(xs: list[float], p: float) -> float:
        xs = sorted(xs)
        return xs[min(len(xs) - 1, int(round(p / 100 * (len(xs) - 1))))] * 1000 if xs else float("nan")

    everything = lat["save"] + lat["form"] + lat["review"]
    print(f"bench_web [{label}]: {CLIENTS} clients ({OFFICERS} saving drafts, {REVIEWERS} opening the review "
          f"page), {elapsed:.0f} s, think time {think * 1000:.0f} ms (±50 %), 127.0.0.1")
    kinds = (("save draft", lat["save"]), ("form after", lat["form"]), ("review page", lat["review"]),
             ("all", everything))
    for name, xs in kinds:
        print(f"  {name:<12} n={len(xs):>6}  {len(xs) / elapsed:7.1f} req/s  p50 {pct(xs, 50):6.1f} ms  "
              f"p95 {pct(xs, 95):6.1f} ms  p99 {pct(xs, 99):6.1f} ms  "
              f"mean {statistics.fmean(xs) * 1000:6.1f} ms")
    print(f"  errors: {len(errors)}" + (f" ({', '.join(sorted(set(errors)))})" if errors else ""))
    if server0 is not None and server1 is not None and everything:
        print(f"  server CPU: {(server1 - server0) * 1000 / len(everything):.1f} ms per request "
              f"({(server1 - server0) / elapsed * 100:.0f} % of one core)")
    print(f"  clients' own CPU: {client_cpu * 100:.0f} % of one core; load average {load0:.1f} → {load1:.1f} "
          f"on {os.cpu_count()} cores")
    p95 = pct(everything, 95)
    met = p95 <= 150 and not errors
    if think:  # the back-to-back runs are compared with each other at the end
        verdict = "MET" if met else "NOT MET"
        print(f"  target p95 ≤ 150 ms and 0 errors: {verdict} (p95 {p95:.1f} ms)", flush=True)
    return met, acknowledged, (len(everything) / elapsed, p95)


if __name__ == "__main__":
    sys.exit(main())
