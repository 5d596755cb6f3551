"""More than one app process on one database (SQLite here, PostgreSQL under `make test-postgres`).

Two servers, as two machines behind a reverse proxy would run them, share nothing but the database and the
secret key: a session cookie from one is good on the other, a PDF one renders the other serves from the
cache, a change made through one invalidates that PDF for the other, and a logout or a lockout seen by
one holds on the other. Then 20 clients back to back on a
server with two worker processes: no error, and every acknowledged save is the one in the database.
"""

from __future__ import annotations

import http.client
import os
import re
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import create_engine, select

from .conftest import fresh_database_url

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests" / "bench"))

from bench_web import PASSWORD, Client, prepare  # noqa: E402


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def server(url: str, workers: int, log: Path, max_attempts: int = 1000, **extra: str) -> Iterator[int]:
    port = _free_port()
    env = dict(os.environ, DATABASE_URL=url, SECRET_KEY="shared-secret",
               CFC_LOGIN_MAX_ATTEMPTS=str(max_attempts), CFC_WORKERS=str(workers), CFC_PDF_RENDER_AHEAD="0",
               **extra)
    with open(log, "w") as out:
        proc = subprocess.Popen([sys.executable, "-m", "webform.serve", "--port", str(port), "--no-seed"],
                                cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
        try:
            for _ in range(300):
                try:
                    socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                    break
                except OSError:
                    if proc.poll() is not None:
                        raise RuntimeError(log.read_text()) from None
                    time.sleep(0.1)
            yield port
        finally:
            proc.terminate()
            proc.wait(timeout=20)


@pytest.fixture
def database(_template_db: str, tmp_path: Path) -> tuple[str, dict[str, int]]:
    url = fresh_database_url(_template_db, tmp_path)
    ids = prepare(url)
    return url, ids


def _csrf_version(page: str) -> tuple[str, int]:
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    return token, int(re.search(r'name="version" value="(\d+)"', page).group(1))


def _pdf(client: Client, port: int, path: str) -> tuple[int, str, bytes]:
    client.conn = type(client.conn)("127.0.0.1", port, timeout=60)
    client.conn.request("GET", path, headers={"Cookie": "; ".join(f"{k}={v}" for k, v in client.jar.items())})
    r = client.conn.getresponse()
    return r.status, r.getheader("X-CFC-PDF-Cache") or "", r.read()


def test_two_processes_share_sessions_pdfs_and_invalidations(database, tmp_path):
    url, ids = database
    aid = ids["_review"]
    with server(url, 1, tmp_path / "a.log") as port_a, server(url, 1, tmp_path / "b.log") as port_b:
        a = Client(port_a)
        a.login("benchreview")
        _, page = a.request("GET", f"/review/{aid}")
        token, version = _csrf_version(page)
        # Verify needs every item decided: accept the remaining ones first (both steps confirmed).
        status, _ = a.request("POST", f"/review/{aid}/accept-rest",
                              {"version": str(version), "csrf_token": token, "confirmed": "1"})
        assert status == 302
        _, page = a.request("GET", f"/review/{aid}")
        token, version = _csrf_version(page)
        status, _ = a.request("POST", f"/review/{aid}/transition",
                              {"name": "verify", "version": str(version), "csrf_token": token,
                               "confirmed": "1"})
        assert status == 302

        # The same browser session, sent to the other process: no login there.
        b = Client(port_b)
        b.jar = dict(a.jar)
        status, page = b.request("GET", f"/review/{aid}")
        assert status == 200 and "Tổng điểm" in page

        assert _pdf(a, port_a, f"/review/{aid}/proposal.pdf")[:2] == (200, "miss")
        status, cache, first = _pdf(b, port_b, f"/review/{aid}/proposal.pdf")
        assert (status, cache) == (200, "hit") and first.startswith(b"%PDF")  # rendered by the other one

        # A change through B: A renders again, then both serve the new PDF from the cache.
        b.conn = type(b.conn)("127.0.0.1", port_b, timeout=30)
        token, version = _csrf_version(b.request("GET", f"/review/{aid}")[1])
        assert b.request("POST", f"/review/{aid}/transition",
                         {"name": "propose", "version": str(version), "csrf_token": token,
                          "confirmed": "1"})[0] == 302
        assert _pdf(a, port_a, f"/review/{aid}/proposal.pdf")[:2] == (200, "miss")
        assert _pdf(b, port_b, f"/review/{aid}/proposal.pdf")[:2] == (200, "hit")


def _token(client: Client, path: str) -> str:
    _, page = client.request("GET", path)
    return re.search(r'name="csrf_token"[^>]* value="([^"]+)"', page).group(1)


def test_two_processes_share_lockouts_and_logouts(database, tmp_path):
    url, _ = database
    with server(url, 1, tmp_path / "a.log", max_attempts=3) as port_a, \
            server(url, 1, tmp_path / "b.log", max_attempts=3) as port_b:
        # A logout through A ends the same session on B.
        a = Client(port_a)
        a.login("benchreview")
        b = Client(port_b)
        b.jar = dict(a.jar)
        assert b.request("GET", "/review/")[0] == 200
        assert a.request("POST", "/auth/logout", {"csrf_token": _token(a, "/review/")})[0] == 302
        status, _ = b.request("GET", "/review/")
        assert status == 302  # sent to the login page: the session ended everywhere

        # Failures counted by A lock the pair out on B, even with the right password there.
        for _ in range(3):
            c = Client(port_a)
            status, _ = c.request("POST", "/auth/login", {"username": "bench0", "password": "sai mật khẩu",
                                                          "csrf_token": _token(c, "/auth/login")})
            assert status == 401
        d = Client(port_b)
        status, page = d.request("POST", "/auth/login", {"username": "bench0", "password": PASSWORD,
                                                         "csrf_token": _token(d, "/auth/login")})
        assert status == 429 and "đăng nhập sai quá nhiều lần" in page


@pytest.mark.parametrize("worker_class", ["sync", "gthread"])
def test_twenty_clients_two_workers_no_error_no_lost_save(database, tmp_path, worker_class):
    """Both kinds of worker (CFC_WORKER_CLASS): sync (the default) and gthread."""
    url, ids = database
    officers = sorted(k for k in ids if k.startswith("bench"))[:16]
    errors: list[str] = []
    last_saved: dict[int, int] = {}
    lock = threading.Lock()
    with server(url, 2, tmp_path / "s.log", CFC_WORKER_CLASS=worker_class) as port:
        # The kind asked for is the kind serving: a sync worker closes every connection after its answer.
        probe = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        probe.request("GET", "/auth/login")
        answer = probe.getresponse()
        answer.read()
        probe.close()
        assert answer.status == 200
        assert (answer.getheader("Connection") == "close") == (worker_class == "sync")
        start = threading.Barrier(len(officers) + 4 + 1)
        stop = [0.0]

        def officer(name: str) -> None:
            c = Client(port)
            c.login(name)
            aid = ids[name]
            _, page = c.request("GET", f"/assessment/{aid}")
            version = int(re.search(r'name="version" value="(\d+)"', page).group(1))
            start.wait()
            n = 0
            while time.perf_counter() < stop[0]:
                n += 1
                form = {"action": "save", "version": str(version), "csrf_token": c.token,
                        "v_children_under16": str(1000 + n)}
                status, _ = c.request("POST", f"/assessment/{aid}", form)
                if status != 302:
                    with lock:
                        errors.append(f"{name}: save {status}")
                    return
                version += 1
                with lock:
                    last_saved[aid] = 1000 + n

        def reviewer() -> None:
            c = Client(port)
            c.login("benchreview")
            start.wait()
            while time.perf_counter() < stop[0]:
                status, body = c.request("GET", f"/review/{ids['_review']}")
                if status != 200 or "Tổng điểm" not in body:
                    with lock:
                        errors.append(f"review {status}")

        threads = [threading.Thread(target=officer, args=(n,)) for n in officers]
        threads += [threading.Thread(target=reviewer) for _ in range(4)]
        for t in threads:
            t.start()
        stop[0] = time.perf_counter() + 120
        start.wait()
        stop[0] = time.perf_counter() + 6
        for t in threads:
            t.join()
    assert errors == []
    assert len(last_saved) == len(officers)
    from webform.models import Assessment

    engine = create_engine(url)
    with engine.connect() as conn:
        stored = dict(conn.execute(select(Assessment.id, Assessment.values)
                                   .where(Assessment.id.in_(list(last_saved)))).all())
    engine.dispose()
    assert {aid: v["children_under16"] for aid, v in stored.items()} == last_saved


def test_an_unknown_worker_class_is_refused_before_anything_is_served(tmp_path):
    """A typo in CFC_WORKER_CLASS stops the server at once with its reason (exit 2), before it migrates or
    seeds anything: not a traceback from gunicorn, not a server of some other kind."""
    url = f"sqlite:///{tmp_path / 'never.sqlite3'}"
    env = dict(os.environ, DATABASE_URL=url, SECRET_KEY="x", CFC_WORKER_CLASS="eventlet")
    done = subprocess.run([sys.executable, "-m", "webform.serve", "--port", str(_free_port()), "--no-seed"],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    assert "CFC_WORKER_CLASS / --worker-class phải là gthread hoặc sync, không phải 'eventlet'" in done.stderr
    assert not (tmp_path / "never.sqlite3").exists()


def _descendants(pid: int) -> set[int]:
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(") ", 1)[1].split()
        except OSError:
            continue
        if fields[0] != "Z":
            children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    out, todo = set(), [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            out.add(child)
            todo.append(child)
    return out


def test_no_pdf_process_outlives_the_server(database, tmp_path):
    url, _ = database
    with server(url, 1, tmp_path / "a.log", CFC_PDF_PROCS="2") as port:  # the pool is opt-in
        master = next(int(p.parent.name) for p in Path("/proc").glob("[0-9]*/cmdline")
                      if f"--port\0{port}\0".encode() in p.read_bytes())
        # The worker, its fork server and resource tracker, and the two warm PDF processes.
        for _ in range(300):
            family = _descendants(master)
            if len(family) >= 5:
                break
            time.sleep(0.1)
        assert len(family) >= 5, family
    def running(pid: int) -> bool:
        try:
            return Path(f"/proc/{pid}/stat").read_text().rsplit(") ", 1)[1][0] != "Z"
        except OSError:
            return False

    for _ in range(150):
        left = {p for p in family if running(p)}
        if not left:
            break
        time.sleep(0.1)
    assert not left


def _owners(port: int, pids: set[int]) -> dict[int, int]:
    """How many established connections to `port` each of these processes holds (Linux /proc)."""
    inodes = set()
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        if int(fields[1].split(":")[1], 16) == port and fields[3] == "01":  # 01: ESTABLISHED
            inodes.add(fields[9])
    count: dict[int, int] = {}
    for pid in pids:
        for fd in Path(f"/proc/{pid}/fd").iterdir():
            try:
                target = os.readlink(fd)
            except OSError:
                continue
            if target.startswith("socket:[") and target[8:-1] in inodes:
                count[pid] = count.get(pid, 0) + 1
    return count


def test_connections_opened_at_once_spread_over_the_workers(database, tmp_path):
    """gthread workers (which keep connections alive): forty browsers connecting in the same second are
    served by both workers, not all by one (the kernel spreads them over each worker's own listening
    socket), and a kept-alive connection is asked to reconnect after a few requests, so that a spread once
    made does not stay lopsided."""
    url, _ = database
    with server(url, 2, tmp_path / "s.log", CFC_WORKER_CLASS="gthread") as port:
        master = next(int(p.parent.name) for p in Path("/proc").glob("[0-9]*/cmdline")
                      if f"--port\0{port}\0".encode() in p.read_bytes())
        for _ in range(300):
            workers = _descendants(master)
            if len(workers) == 2:
                break
            time.sleep(0.1)
        clients = [Client(port) for _ in range(40)]
        for c in clients:
            c.conn.connect()
        # Each connection answered once and kept alive (at once: an idle one is closed after 5 s).
        answered = []
        threads = [threading.Thread(target=lambda c=c: answered.append(c.request("GET", "/auth/login")[0]))
                   for c in clients]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert answered == [200] * 40
        held = _owners(port, workers)
        assert sum(held.values()) >= 30, held
        assert min(held.get(pid, 0) for pid in workers) >= 5, held

        c = clients[0]
        c.conn.request("GET", "/auth/login")
        answers = []
        for _ in range(12):
            r = c.conn.getresponse()
            r.read()
            answers.append(r.getheader("Connection"))
            c.conn.request("GET", "/auth/login")
        c.conn.getresponse().read()
        # The first request on it was the one above; the tenth is answered "close", and http.client
        # reconnects by itself for the next.
        assert answers[8] == "close" and answers.count("close") == 1, answers
