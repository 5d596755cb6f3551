"""Accessibility in a real browser: axe-core (npm, tests/web/axe/) on every page and state, and the keyboard.

axe is injected through Playwright (the context bypasses the Content-Security-Policy for that one script).
Every page and state must have zero serious or critical violations; the counts of all violations by impact
are written to test-output/axe-report.json.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from .conftest import PG_URL, SHOTS, LiveServer

ROOT = Path(__file__).resolve().parents[2]
AXE_DIR = Path(__file__).parent / "axe"
AXE = AXE_DIR / "node_modules" / "axe-core" / "axe.min.js"
VNU = AXE_DIR / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]
DESKTOP = {"width": 1366, "height": 768}
PHONE = {"width": 390, "height": 844}

pytestmark = pytest.mark.skipif(bool(PG_URL), reason="the browser run is done once, on SQLite")


@pytest.fixture(scope="module")
def axe_script() -> Path:
    """axe-core and vnu-jar as pinned by package-lock.json; `make test` installs them, this covers a bare
    pytest run."""
    if not (AXE.exists() and VNU.exists()):
        npm = shutil.which("npm")
        if npm is None:
            pytest.fail("npm is missing: run `make system-deps` (installs nodejs and npm)")
        subprocess.run([npm, "ci", "--no-audit", "--no-fund"], cwd=AXE_DIR, check=True)
    return AXE


class Audit:
    """Runs axe on a page, keeps every violation for the report, the serious and critical ones as failures."""

    def __init__(self, script: Path, pages: Path) -> None:
        self.script = script
        self.pages = pages  # each state's DOM as HTML, for the Nu HTML checker
        self.report: dict[str, dict[str, Any]] = {}
        self.failures: list[str] = []

    def __call__(self, page: Any, state: str) -> None:
        page.wait_for_load_state("load")
        (self.pages / f"{state.replace('@', '-')}.html").write_text(page.content(), encoding="utf-8")
        tag = page.add_script_tag(path=str(self.script))
        result = page.evaluate(
            "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']})",
            TAGS,
        )
        tag.evaluate("e => e.remove()")  # the next state of the same page is saved without it
        counts: dict[str, int] = {}
        for v in result["violations"]:
            counts[v["impact"]] = counts.get(v["impact"], 0) + len(v["nodes"])
            if v["impact"] in ("serious", "critical"):
                targets = "; ".join(" ".join(n["target"]) for n in v["nodes"][:5])
                self.failures.append(f"{state}: {v['id']} ({v['impact']}, {len(v['nodes'])}) {targets}")
        # What the Nu HTML checker reported and axe 4 no longer checks: unique ids, options with a label.
        markup = page.evaluate("""() => {
            const seen = {}, dup = [];
            for (const e of document.querySelectorAll('[id]')) {
                if (seen[e.id]) { dup.push(e.id); } seen[e.id] = true;
            }
            const blank = [...document.querySelectorAll('option')]
                .filter(o => !o.textContent.trim() && !o.label).map(o => o.parentNode.name);
            return {dup, blank};
        }""")
        if markup["dup"]:
            self.failures.append(f"{state}: duplicate ids {sorted(set(markup['dup']))[:5]}")
        if markup["blank"]:
            self.failures.append(f"{state}: options without a label in {markup['blank'][:5]}")
        self.report[state] = {"url": page.url, "counts": counts,
                              "rules": sorted({v["id"] for v in result["violations"]})}


@pytest.fixture(scope="module")
def audit(axe_script: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Audit]:
    a = Audit(axe_script, tmp_path_factory.mktemp("a11y-pages"))
    yield a
    SHOTS.mkdir(exist_ok=True)
    (SHOTS / "axe-report.json").write_text(json.dumps(a.report, ensure_ascii=False, indent=1))


def _as(browser: Any, demo: LiveServer, username: str | None, viewport: dict[str, int],
        js: bool = True) -> tuple[Any, Any]:
    ctx = browser.new_context(viewport=viewport, locale="vi-VN", bypass_csp=True, java_script_enabled=js)
    page = ctx.new_page()
    if username:
        demo.login(page, username)
    return ctx, page


def _open_form(page: Any, demo: LiveServer) -> None:
    page.goto(demo + "/assessment/")
    page.click("text=Mở")
    page.wait_for_selector("#assessment-form")
    # The live score's script is deferred: typing before it has run changes no score (a timeout seen once
    # in a full run); it has run by the page's load event.
    page.wait_for_load_state("load")


def _commune_states(page: Any, demo: LiveServer, audit: Callable[[Any, str], None], tag: str) -> None:
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


def test_no_serious_or_critical_violation_on_any_page(browser: Any, demo: LiveServer, audit: Audit):
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
    # 26 "Chấp nhận" buttons and as many "Điều chỉnh" toggles: each names its item or figure.
    for selector, bare in ((".item form.inline button", "Chấp nhận"),
                           (".item details summary", "Điều chỉnh số liệu này")):
        names = page.evaluate("sel => [...document.querySelectorAll(sel)].map(e => e.textContent.trim())",
                              selector)
        assert len(names) > 10 and bare not in names and len(set(names)) > len(names) * 0.9, names[:5]
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
    _nu_html_check(audit.pages)


def _nu_html_check(folder: Path) -> None:
    """The Nu HTML checker (vnu-jar, the W3C validator) on every state saved by the audit: no error."""
    java = shutil.which("java")
    if java is None:
        pytest.fail("java is missing: run `make system-deps` (installs default-jre-headless)")
    files = sorted(str(p) for p in folder.glob("*.html"))
    run = subprocess.run([java, "-Xss2m", "-jar", str(VNU), "--errors-only", "--format", "json", *files],
                         capture_output=True, text=True)
    messages = json.loads(run.stderr or '{"messages": []}')["messages"]
    (SHOTS / "vnu-report.json").write_text(json.dumps(messages, ensure_ascii=False, indent=1))
    errors = [f"{Path(m.get('url', '')).name}: {m.get('message')} — {m.get('extract', '')[:80]!r}"
              for m in messages if m.get("type") == "error"]
    assert not errors, "\n".join(errors[:30])


def _tab_until_hidden_by_bar(page: Any, stops: int) -> list[str]:
    """Tab through the form; the fields whose box the sticky action bar covers when they get the focus."""
    hidden = []
    for _ in range(stops):
        page.keyboard.press("Tab")
        covered = page.evaluate("""() => {
            const e = document.activeElement, bar = document.querySelector('.actions.sticky');
            if (!e || !bar || bar.contains(e) || !e.closest('#assessment-form')) { return null; }
            const r = e.getBoundingClientRect(), b = bar.getBoundingClientRect();
            return r.bottom > b.top + 1 ? (e.name || e.id) : null;
        }""")
        if covered:
            hidden.append(covered)
    return hidden


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE, {"width": 1280, "height": 720}],
                         ids=["1366x768", "390x844", "1280x720"])
def test_the_sticky_bar_never_hides_the_focused_field(browser: Any, demo: LiveServer,
                                                       viewport: dict[str, int]):
    ctx, page = _as(browser, demo, "xa-iadal", viewport)
    _open_form(page, demo)
    page.focus("#v_children_under16")
    assert _tab_until_hidden_by_bar(page, 60) == []
    ctx.close()


def test_a_field_with_an_error_keeps_its_focus_ring_and_is_marked_invalid(browser: Any, demo: LiveServer):
    ctx, page = _as(browser, demo, "xa-iadal", DESKTOP)
    _open_form(page, demo)
    page.fill("#v_c5_deaths", "mot")
    page.wait_for_selector("#e-c5_deaths:has-text('Phải là số nguyên không âm')")
    # live.js marks the field invalid, as the server does; and clears it once the figure is right.
    assert page.get_attribute("#v_c5_deaths", "aria-invalid") == "true"
    page.focus("#v_c5_deaths")
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Tab")
    ring = page.evaluate("getComputedStyle(document.activeElement).outlineStyle + ' ' + "
                         "getComputedStyle(document.activeElement).outlineWidth")
    assert page.evaluate("document.activeElement.id") == "v_c5_deaths"
    assert ring.startswith("solid") and not ring.endswith(" 0px"), ring
    page.screenshot(path=str(SHOTS / "a11y-error-field-focus.png"))
    page.fill("#v_c5_deaths", "0")
    page.wait_for_function("() => document.getElementById('e-c5_deaths').textContent == ''")
    assert page.get_attribute("#v_c5_deaths", "aria-invalid") is None
    # The 36 source fields each say which figure they belong to.
    names = page.evaluate("""() => [...document.querySelectorAll('input[name^="s_"]')]
        .map(e => e.labels[0].textContent.replace(/\\s+/g, ' ').trim())""")
    assert len(names) >= 30 and len(set(names)) == len(names)
    assert all(n.startswith("Nguồn số liệu của “") for n in names)
    ctx.close()


# --------------------------------------------------------------------------- narrow screens (390 px)
def _shoot(page: Any, name: str, full: bool = False) -> None:
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=full)


def _action_column_in_view(page: Any, table: str) -> bool:
    """Every cell of the action column lies inside the screen (the table's box scrolls, the column stays)."""
    return page.evaluate("""sel => [...document.querySelectorAll(sel + ' td.act')].every(td => {
        const r = td.getBoundingClientRect();
        return r.width > 0 && r.left >= 0 && r.right <= innerWidth + 1; })""",
                         table)


def test_tables_stay_usable_on_a_phone(browser: Any, demo: LiveServer):
    for viewport, tag in ((PHONE, "390"), (DESKTOP, "1366")):
        ctx, page = _as(browser, demo, "thamdinh", viewport)
        _shoot(page, f"narrow-queue-{tag}")
        assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
        assert _action_column_in_view(page, "table.list")
        page.goto(demo + "/district/")
        _shoot(page, f"narrow-overview-{tag}", full=True)
        assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
        # A table wider than the screen scrolls in its box, and says so in words under it.
        boxes = page.evaluate("""() => [...document.querySelectorAll('.scroll')].map(b => [
            b.scrollWidth > b.clientWidth, !!(b.nextElementSibling && b.nextElementSibling.offsetParent)])""")
        assert all(overflows == hint for overflows, hint in boxes), boxes
        assert any(overflows for overflows, _ in boxes) == (tag == "390")
        # Chart labels: no text in the SVG charts is drawn smaller than 10.5 px on screen (font size times
        # the scale the SVG is shown at; the charts shrink to the width of a phone).
        smallest = page.evaluate("""() => Math.min(...[...document.querySelectorAll('svg.chart text')].map(
            t => parseFloat(t.getAttribute('font-size')) * t.getScreenCTM().a))""")
        assert smallest >= 10.5, smallest
        if tag == "390":
            # The NTM reasons open with a tap (no hover needed).
            why = page.locator("#ntm details.why").first
            why.scroll_into_view_if_needed()
            why.locator("summary").click()
            assert why.locator("small").is_visible()
            _shoot(page, "narrow-ntm-reason-390")
            page.locator("svg.chart").first.scroll_into_view_if_needed()
            _shoot(page, "narrow-chart-390")
        page.goto(demo + "/district/years")
        _shoot(page, f"narrow-years-{tag}")
        assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
        ctx.close()

        ctx, page = _as(browser, demo, "xa-iatoi", viewport)
        _open_form(page, demo)
        page.click("text=Lịch sử thay đổi")
        page.wait_for_selector("table.history")
        _shoot(page, f"narrow-history-{tag}")
        assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
        ctx.close()


def test_the_live_score_stays_in_reach_while_typing_on_a_phone(browser: Any, demo: LiveServer):
    ctx, page = _as(browser, demo, "xa-iadal", PHONE)
    _open_form(page, demo)
    before = page.locator("#bar-total").text_content()
    # Far down the form the score panel (at the top on a phone) is off screen; the sticky bar shows it.
    page.fill("#v_c5_deaths", "40")
    page.wait_for_function(f"() => document.getElementById('bar-total').textContent != '{before}'")
    assert page.locator("#bar-total").is_visible()
    assert page.evaluate("document.getElementById('total').getBoundingClientRect().bottom < 0")
    assert page.locator("#bar-total").text_content() == page.locator("#total").text_content()
    assert page.locator("#bar-verdict").text_content() == page.locator("#score-body .verdict").text_content()
    _shoot(page, "narrow-form-typing-390")
    page.set_viewport_size(DESKTOP)
    _shoot(page, "narrow-form-typing-1366")
    ctx.close()
