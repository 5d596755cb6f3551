"""End-to-end in Debian's Chromium against the app served by waitress (a subprocess, as `make run` does).

A commune officer fills and submits; a reviewer corrects one figure and verifies; the totals and the history
are checked; screenshots go to test-output/.
"""

from __future__ import annotations

from typing import Any

import pytest

from .conftest import IA_TOI, PG_URL, ROOT, SHOTS, LiveServer, example_values

pytestmark = pytest.mark.skipif(bool(PG_URL), reason="the browser run is done once, on SQLite")


def _expected(values: dict[str, Any]) -> Any:
    from engine import Engine
    from engine.io.catalog import Catalog

    catalog = Catalog.load(ROOT / "criteria")
    profile = IA_TOI
    eng = Engine(catalog.for_period(2022), flags=catalog.commune_flags())
    return eng.score({"commune": profile, "period": 2022, "values": values})


def test_officer_fills_and_submits_then_reviewer_corrects_and_verifies(server: LiveServer, browser: Any):
    values = example_values()
    expected_self = _expected(values)
    new_supported = values["c6_special_supported"] + 2
    expected_verified = _expected({**values, "c6_special_supported": new_supported})

    # --- the commune officer, on a phone-sized screen first, then a desktop
    ctx = browser.new_context(viewport={"width": 1280, "height": 900}, locale="vi-VN")
    page = ctx.new_page()
    server.login(page, "xa-iatoi")
    assert page.url.endswith("/assessment/")
    page.click("tr:has-text('2022') >> text=Mở")
    page.wait_for_selector("#assessment-form")
    page.wait_for_load_state("load")  # live.js is deferred: it runs before the load event
    for key, value in values.items():
        if isinstance(value, bool):
            page.check(f"input[name=v_{key}][value={'co' if value else 'khong'}]")
        else:
            page.fill(f"#v_{key}", str(value))
    page.fill("input[name=s_c2_births]", "Sổ đăng ký khai sinh UBND xã")
    # The score follows the typing (server-side engine, no page load).
    # Arrow functions: a string expression would be eval'd in the page, which its CSP forbids.
    page.wait_for_function(
        f"() => document.getElementById('total') && "
        f"document.getElementById('total').textContent == '{expected_self.total}'"
    )
    page.screenshot(path=str(SHOTS / "01-officer-form-filled.png"), full_page=False)
    # A typo shows its message next to the field as it is typed, and is not saved.
    page.fill("#v_c5_deaths", "mot")
    page.wait_for_selector("#e-c5_deaths:has-text('Phải là số nguyên không âm')")
    page.wait_for_selector("#score-body a[href='#f-c5_deaths']")  # the panel names the field to fix
    page.locator("#f-c5_deaths").evaluate("e => e.scrollIntoView({block: 'center'})")
    page.screenshot(path=str(SHOTS / "02-officer-typo.png"))
    page.fill("#v_c5_deaths", str(values["c5_deaths"]))
    page.wait_for_function("() => document.getElementById('e-c5_deaths').textContent == ''")
    page.click("button[value=save]")
    page.wait_for_selector("text=Đã lưu nháp.")
    page.set_viewport_size({"width": 375, "height": 800})
    page.screenshot(path=str(SHOTS / "03-officer-phone.png"))
    assert page.evaluate("document.documentElement.scrollWidth") <= 380
    page.set_viewport_size({"width": 1280, "height": 900})
    page.click("button[value=submit]")
    page.click("#confirm button[value=submit]")  # the confirmation page states the result first
    page.wait_for_selector("text=Đã gửi hồ sơ tự đánh giá cho tổ thẩm định.")
    page.wait_for_function("() => localStorage.length === 0")  # no stale copy left behind after submitting
    assert page.locator("#total").text_content() == str(expected_self.total)
    page.screenshot(path=str(SHOTS / "04-officer-submitted.png"))
    ctx.close()

    # --- the district reviewer
    ctx = browser.new_context(viewport={"width": 1280, "height": 900}, locale="vi-VN")
    page = ctx.new_page()
    server.login(page, "thamdinh")
    assert page.url.endswith("/review/")
    page.screenshot(path=str(SHOTS / "05-review-queue.png"))
    page.click("tr:has-text('Xã Ia Tơi') >> text=Thẩm định")
    page.click("button:has-text('Bắt đầu thẩm định')")
    page.wait_for_selector("#state:has-text('Đang thẩm định')")
    page.click("#item-1\\.1 button:has-text('Chấp nhận')")
    page.wait_for_selector("#item-1\\.1 .tag:has-text('Đã chấp nhận')")
    row = page.locator("#in-c6_special_supported + tr")
    row.locator("summary").click()
    row.locator("input[name=value]").fill(str(new_supported))
    # Without a reason the correction is refused and what was typed stays.
    row.locator("button:has-text('Lưu điều chỉnh')").click()
    page.wait_for_selector("text=Phải ghi lý do điều chỉnh.")
    row = page.locator("#in-c6_special_supported + tr")
    assert row.locator("input[name=value]").input_value() == str(new_supported)
    row.locator("input[name=reason]").fill("Hồ sơ trợ giúp ghi nhiều hơn")
    row.locator("input[name=evidence]").fill("Danh sách trợ giúp 2022")
    row.locator("button:has-text('Lưu điều chỉnh')").click()
    page.wait_for_selector("#in-c6_special_supported .notice-at:has-text('Đã lưu điều chỉnh')")
    assert page.locator("#self-total").text_content() == str(expected_self.total)
    assert page.locator("#verified-total").text_content() == str(expected_verified.total)
    page.screenshot(path=str(SHOTS / "06-review-corrected-item.png"))
    page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=str(SHOTS / "06-review-corrected-totals.png"))
    page.click("#actions-top button:has-text('Chấp nhận các mục còn lại')")
    page.click("#confirm button.primary")
    page.click("#actions-top button:has-text('Xác nhận kết quả')")
    page.click("#confirm button.primary")  # confirmed on its own page
    page.wait_for_selector("#state:has-text('Đã thẩm định')")
    assert page.locator("#verified-verdict").text_content() == expected_verified.verdict
    page.screenshot(path=str(SHOTS / "07-review-verified.png"))
    page.set_viewport_size({"width": 375, "height": 800})
    page.screenshot(path=str(SHOTS / "07b-review-phone.png"))
    page.locator("#in-c6_special_supported").scroll_into_view_if_needed()
    page.screenshot(path=str(SHOTS / "07c-review-phone-correction.png"))
    assert page.evaluate("document.documentElement.scrollWidth") <= 380  # no sideways scrolling on a phone
    page.set_viewport_size({"width": 1280, "height": 900})

    page.click("text=Lịch sử thay đổi")
    page.wait_for_selector("h1:has-text('Lịch sử thay đổi')")
    body = page.locator("table.history").inner_text()
    assert "Hồ sơ trợ giúp ghi nhiều hơn" in body
    assert f"{values['c6_special_supported']}\t{new_supported}" in body
    for state in ("Đã gửi", "Đang thẩm định", "Đã thẩm định"):
        assert state in body
    assert "Cán bộ Xã Ia Tơi" in body and "Tổ thẩm định huyện Ia H'Drai" in body
    page.screenshot(path=str(SHOTS / "08-history.png"), full_page=True)
    ctx.close()


def test_form_works_with_javascript_off(server: LiveServer, browser: Any):
    ctx = browser.new_context(java_script_enabled=False, viewport={"width": 1024, "height": 800})
    page = ctx.new_page()
    server.login(page, "xa-iadal")
    page.click("tr:has-text('2022') >> text=Mở")
    page.fill("#v_children_under16", "1200")
    page.fill("#v_c2_births", "30")
    page.fill("#v_c2_registered_on_time", "31")  # more registered than born
    page.click("button[value=save]")
    page.wait_for_load_state()
    assert "Chưa lưu" in page.content()
    assert page.input_value("#v_c2_registered_on_time") == "31"
    assert page.input_value("#v_children_under16") == "1200"
    assert "không được lớn hơn" in page.locator("#e-c2_registered_on_time").text_content()
    page.screenshot(path=str(SHOTS / "09-nojs-error.png"))
    page.fill("#v_c2_registered_on_time", "29")
    page.click("button[value=preview]")  # "Tính điểm" without JavaScript
    page.wait_for_load_state()
    assert page.locator("#total").text_content() != ""
    page.click("button[value=save]")
    page.wait_for_selector("text=Đã lưu nháp.")
    assert page.input_value("#v_c2_registered_on_time") == "29"
    ctx.close()


def test_typed_figures_survive_a_lost_page(server: LiveServer, browser: Any):
    """Typed but not saved (connection dropped, tab closed): the browser offers them back."""
    ctx = browser.new_context(viewport={"width": 1024, "height": 800})
    page = ctx.new_page()
    server.login(page, "xa-iadal")
    page.click("tr:has-text('2026') >> text=Mở")
    page.wait_for_selector("#assessment-form")
    page.wait_for_load_state("load")  # live.js is deferred: it runs before the load event
    page.fill("#v_children_under16", "777")
    page.fill("input[name=s_children_under16]", "Sổ theo dõi trẻ em thôn")
    page.check("input[name=v_c1_officer][value=co]")
    page.wait_for_timeout(100)
    page.reload()  # nothing was saved: the server shows the stored (empty) figures
    page.wait_for_selector("#restore:not([hidden])")
    assert page.input_value("#v_children_under16") == ""
    page.screenshot(path=str(SHOTS / "10-restore-offer.png"))
    page.click("#restore-yes")
    assert page.input_value("#v_children_under16") == "777"
    assert page.input_value("input[name=s_children_under16]") == "Sổ theo dõi trẻ em thôn"
    assert page.is_checked("input[name=v_c1_officer][value=co]")
    page.click("button[value=save]")
    page.wait_for_selector("text=Đã lưu nháp.")
    # Saved: the copy is dropped, nothing is offered any more.
    page.wait_for_function("() => localStorage.length === 0")  # once the (deferred) script has run
    page.reload()
    assert page.locator("#restore").is_hidden()
    ctx.close()


def test_province_team_2026_journey(server: LiveServer, browser: Any):
    """2026: the provincial team (no district any more) finds a commune among 96 by typing without
    diacritics, sees the overview of the province, and reads Ia Dom's 2022 history under Ia Tơi."""
    for width, height, tag in ((1366, 768, "desktop"), (390, 844, "phone")):
        ctx = browser.new_context(viewport={"width": width, "height": height})
        page = ctx.new_page()
        server.login(page, "thamdinh-qn")
        page.wait_for_selector("#queue")
        assert "Thẩm định cấp tỉnh — Tỉnh Quảng Ngãi" in page.inner_text("h1")
        assert page.locator("#queue tr").count() == 97  # header + 96 communes of 2026
        page.fill("input[name=q]", "ia toi")
        page.click("button:has-text('Lọc')")
        page.wait_for_load_state()
        rows = page.locator("#queue tr")
        assert rows.count() == 2 and "Xã Ia Tơi" in rows.nth(1).inner_text()
        page.screenshot(path=str(SHOTS / f"20-province-queue-2026-{tag}.png"))
        page.goto(f"{server}/district/?period=2026")
        assert "Tổng hợp cấp tỉnh" in page.inner_text("h1")
        assert page.locator("#communes tr").count() == 97
        page.screenshot(path=str(SHOTS / f"21-province-overview-2026-{tag}.png"))
        page.goto(f"{server}/district/years/23538")
        assert "Gồm cả số liệu của Xã Ia Dom (23537)" in page.inner_text("#merge-note")
        assert "Xã Ia Dom" in page.inner_text("#before")
        page.screenshot(path=str(SHOTS / f"22-ia-toi-years-{tag}.png"), full_page=True)
        ctx.close()
