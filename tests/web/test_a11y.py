"""Accessibility in a real browser: axe-core (npm, tests/web/axe/) on every page and state, and the keyboard.

axe is injected through Playwright (the context bypasses the Content-Security-Policy for that one script).
Every page and state must have zero serious or critical violations; the counts of all violations by impact
are written to test-output/axe-report.json.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from .conftest import PG_URL
from .test_e2e import ARGS, CHROMIUM, SHOTS, _free_port, _login

ROOT = Path(__file__).resolve().parents[2]
AXE_DIR = Path(__file__).parent / "axe"
AXE = AXE_DIR / "node_modules" / "axe-core" / "axe.min.js"
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]
DESKTOP = {"width": 1366, "height": 768}
PHONE = {"width": 390, "height": 844}

pytestmark = pytest.mark.skipif(bool(PG_URL), reason="the browser run is done once, on SQLite")


@pytest.fixture(scope="module")
def axe_script() -> Path:
    """axe-core as pinned by package-lock.json; `make test` installs it, this covers a bare pytest run."""
    if not AXE.exists():
        npm = shutil.which("npm")
        if npm is None:
            pytest.fail("npm is missing: run `make system-deps` (installs nodejs and npm)")
        subprocess.run([npm, "ci", "--no-audit", "--no-fund"], cwd=AXE_DIR, check=True)
    return AXE


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The `make run` demo: Ia Tơi has submitted, Ia Đal and Ia Dom are drafts with figures."""
    port = _free_port()
    tmp = tmp_path_factory.mktemp("a11y")
    env = dict(os.environ, DATABASE_URL=f"sqlite:///{tmp / 'a11y.sqlite3'}", SECRET_KEY="a11y-secret",
               CFC_ENV="development")
    with open(tmp / "server.log", "w") as log:
        proc = subprocess.Popen([sys.executable, "-m", "webform.serve", "--port", str(port)], cwd=ROOT,
                                env=env, stdout=log, stderr=subprocess.STDOUT)
        base = f"http://127.0.0.1:{port}"
        try:
            for _ in range(150):
                try:
                    urllib.request.urlopen(base + "/auth/login", timeout=1)
                    break
                except OSError:
                    if proc.poll() is not None:
                        raise RuntimeError((tmp / "server.log").read_text()) from None
                    time.sleep(0.1)
            yield base
        finally:
            proc.terminate()
            proc.wait(timeout=10)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not Path(CHROMIUM).exists():
        pytest.fail("Debian's chromium is missing: run `make system-deps`")
    from playwright.sync_api import sync_playwright

    SHOTS.mkdir(exist_ok=True)
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        yield b
        b.close()


class Audit:
    """Runs axe on a page, keeps every violation for the report, the serious and critical ones as failures."""

    def __init__(self, script: Path) -> None:
        self.script = script
        self.report: dict[str, dict[str, Any]] = {}
        self.failures: list[str] = []

    def __call__(self, page: Any, state: str) -> None:
        page.wait_for_load_state("load")
        page.add_script_tag(path=str(self.script))
        result = page.evaluate(
            "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']})",
            TAGS,
        )
        counts: dict[str, int] = {}
        for v in result["violations"]:
            counts[v["impact"]] = counts.get(v["impact"], 0) + len(v["nodes"])
            if v["impact"] in ("serious", "critical"):
                targets = "; ".join(" ".join(n["target"]) for n in v["nodes"][:5])
                self.failures.append(f"{state}: {v['id']} ({v['impact']}, {len(v['nodes'])}) {targets}")
        self.report[state] = {"url": page.url, "counts": counts,
                              "rules": sorted({v["id"] for v in result["violations"]})}


@pytest.fixture(scope="module")
def audit(axe_script: Path) -> Iterator[Audit]:
    a = Audit(axe_script)
    yield a
    SHOTS.mkdir(exist_ok=True)
    (SHOTS / "axe-report.json").write_text(json.dumps(a.report, ensure_ascii=False, indent=1))


def _as(browser: Any, demo: str, username: str | None, viewport: dict[str, int],
        js: bool = True) -> tuple[Any, Any]:
    ctx = browser.new_context(viewport=viewport, locale="vi-VN", bypass_csp=True, java_script_enabled=js)
    page = ctx.new_page()
    if username:
        _login(page, demo, username)
    return ctx, page


def _open_form(page: Any, demo: str) -> None:
    page.goto(demo + "/assessment/")
    page.click("text=Mở")
    page.wait_for_selector("#assessment-form")


def _commune_states(page: Any, demo: str, audit: Callable[[Any, str], None], tag: str) -> None:
    page.goto(demo + "/assessment/")
    audit(page, f"commune-home{tag}")
    _open_form(page, demo)
    audit(page, f"commune-form{tag}")
    # A typo while typing: the live score marks the field (JavaScript).
    page.fill("#v_c5_deaths", "mot")
    page.wait_for_selector("#e-c5_deaths:has-text('Phải là số nguyên không âm')")
    audit(page, f"commune-form-live-error{tag}")
    # The same typo saved: the server's page with its error list.
    page.click("button[value=save]")
    page.wait_for_selector(".errlist")
    audit(page, f"commune-form-saved-error{tag}")
    page.goto(demo + "/district/upload")
    audit(page, f"commune-upload{tag}")


def test_no_serious_or_critical_violation_on_any_page(browser: Any, demo: str, audit: Audit):
    for tag, viewport in (("", DESKTOP), ("@390", PHONE)):
        ctx, page = _as(browser, demo, None, viewport)
        page.goto(demo + "/auth/login")
        audit(page, f"login{tag}")
        page.fill("#username", "xa-iadal")
        page.fill("#password", "sai-mat-khau")
        page.click("button[type=submit]")
        page.wait_for_selector(".flash.error")
        audit(page, f"login-refused{tag}")
        page.goto(demo + "/khong-co-trang-nay")
        audit(page, f"error-404{tag}")
        ctx.close()

        ctx, page = _as(browser, demo, "xa-iadal", viewport)
        _commune_states(page, demo, audit, tag)
        ctx.close()

        ctx, page = _as(browser, demo, "xa-iatoi", viewport)
        _open_form(page, demo)
        audit(page, f"commune-form-submitted{tag}")
        page.click("text=Lịch sử thay đổi")
        page.wait_for_selector("table.history")
        audit(page, f"history{tag}")
        ctx.close()

    ctx, page = _as(browser, demo, "thamdinh", DESKTOP)
    audit(page, "review-queue")
    page.click("tr:has-text('Xã Ia Tơi') >> text=Thẩm định")
    page.wait_for_selector("#totals")
    audit(page, "review-submitted")
    review_url = page.url
    page.click("button:has-text('Bắt đầu thẩm định')")
    page.wait_for_selector("#state:has-text('Đang thẩm định')")
    audit(page, "review-under-review")
    row = page.locator("#in-c6_special_supported + tr")
    row.locator("summary").click()
    row.locator("input[name=value]").fill("3")
    row.locator("button:has-text('Lưu điều chỉnh')").click()
    page.wait_for_selector("text=Phải ghi lý do điều chỉnh.")
    audit(page, "review-correction-refused")
    page.goto(demo + "/district/")
    audit(page, "district-overview")
    page.click("#communes >> text=Xã Ia Tơi")
    page.wait_for_load_state()
    audit(page, "district-overview-commune")
    page.goto(demo + "/district/years")
    audit(page, "district-years")
    page.click("#years >> text=Xã Ia Tơi")
    page.wait_for_load_state()
    audit(page, "commune-years")
    page.goto(demo + "/district/upload")
    audit(page, "district-upload")
    page.goto(demo + "/admin/")
    audit(page, "error-403")
    page.set_viewport_size(PHONE)
    for state, url in (("review-queue", "/review/"), ("review-under-review", review_url),
                       ("district-overview", "/district/"), ("district-years", "/district/years")):
        page.goto(demo + url if url.startswith("/") else url)
        audit(page, f"{state}@390")
    ctx.close()

    ctx, page = _as(browser, demo, "quantri", DESKTOP)
    page.goto(demo + "/admin/")
    audit(page, "admin")
    page.goto(demo + "/district/communes")
    audit(page, "admin-communes")
    page.set_viewport_size(PHONE)
    page.goto(demo + "/admin/")
    audit(page, "admin@390")
    ctx.close()

    assert len(audit.report) >= 30
    assert not audit.failures, "\n".join(audit.failures)
