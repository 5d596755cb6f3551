"""In Chromium: the review journey that means something. The officer confirms before sending; the reviewer
sees "Đã xem N/M mục", accepts items without a page load, is refused verifying early, sees the message at the
corrected figure, accepts the rest after a confirmation, confirms the verification and the proposal. The same
without JavaScript. Screenshots at 1366×768 and 390×844 go to test-output/review-*.png.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from .conftest import IA_TOI, SHOTS, LiveServer, example_values

DESKTOP = {"width": 1366, "height": 768}
PHONE = {"width": 390, "height": 844}


def _items() -> list[str]:
    from engine.io.catalog import Catalog

    from .conftest import ROOT

    return [i.id for i in Catalog.load(ROOT / "criteria").for_period(2022).items]


def _fill(page: Any, values: dict[str, Any]) -> None:
    for key, value in values.items():
        if isinstance(value, bool):
            page.check(f"input[name=v_{key}][value={'co' if value else 'khong'}]")
        else:
            page.fill(f"#v_{key}", str(value))


def _shot(page: Any, name: str, full_page: bool = False) -> None:
    page.screenshot(path=str(SHOTS / f"review-{name}.png"), full_page=full_page)


def _no_sideways_scroll(page: Any) -> None:
    width = page.viewport_size["width"]
    assert page.evaluate("document.documentElement.scrollWidth") <= width + 2


def _in_view(page: Any, selector: str) -> bool:
    return page.evaluate(
        "s => { const r = document.querySelector(s).getBoundingClientRect();"
        " return r.top >= 0 && r.bottom <= window.innerHeight; }", selector)


def test_review_journey_with_javascript(server: LiveServer, browser: Any):
    items = _items()
    n = len(items)
    values = example_values()  # Xã Ia Tơi: "Đạt", so the journey goes on to the tờ trình
    from engine import Engine
    from engine.io.catalog import Catalog

    from .conftest import ROOT

    catalog = Catalog.load(ROOT / "criteria")
    eng = Engine(catalog.for_period(2022), flags=catalog.commune_flags())
    expected = eng.score({"commune": IA_TOI, "period": 2022, "values": values})

    # --- the officer sends, after a confirmation page that states the result
    # wait_for_function evaluates its predicate as a string, which the app's CSP (no unsafe-eval) forbids.
    ctx = browser.new_context(viewport=DESKTOP, locale="vi-VN", bypass_csp=True)
    page = ctx.new_page()
    server.login(page, "xa-iatoi")
    assert page.locator("#years-link").is_visible()  # "Qua các năm" from the home page
    assert page.locator("#copy").is_visible()  # a new year can start from this year's figures
    _shot(page, "00-commune-home")
    page.set_viewport_size(PHONE)
    _shot(page, "00b-commune-home-phone")
    _no_sideways_scroll(page)
    page.set_viewport_size(DESKTOP)
    page.click("tr:has-text('2022') >> text=Mở")
    page.wait_for_selector("#assessment-form")
    page.wait_for_load_state("load")  # live.js is deferred: it runs before the load event
    _fill(page, values)
    page.wait_for_function(f"() => document.getElementById('total') && "
                           f"document.getElementById('total').textContent == '{expected.total}'")
    page.click("button[value=submit]")
    page.wait_for_selector("#confirm")
    assert page.locator("#confirm-total").text_content() == str(expected.total)
    assert page.locator("#confirm-verdict").text_content() == expected.verdict
    _shot(page, "01-submit-confirm")
    page.set_viewport_size(PHONE)
    _shot(page, "01b-submit-confirm-phone")
    _no_sideways_scroll(page)
    page.set_viewport_size(DESKTOP)
    page.click("#confirm button[value=submit]")
    page.wait_for_selector("text=Đã gửi hồ sơ tự đánh giá cho tổ thẩm định.")
    ctx.close()

    # --- the reviewer
    ctx = browser.new_context(viewport=DESKTOP, locale="vi-VN", bypass_csp=True)  # string predicates
    page = ctx.new_page()
    server.login(page, "thamdinh")
    page.click("tr:has-text('Xã Ia Tơi') >> text=Thẩm định")
    page.wait_for_selector("#progress")
    assert page.locator("#progress-text").text_content() == f"Đã xem 0/{n} mục"
    assert page.locator("#actions-top button:has-text('Bắt đầu thẩm định')").is_visible()  # at the top
    _shot(page, "02-review-top")
    page.click("#actions-top button:has-text('Bắt đầu thẩm định')")
    page.wait_for_selector("#state:has-text('Đang thẩm định')")

    # Accept without a page load: a marker set on the window survives, the count and the tag follow.
    page.evaluate("window.__same_page = 'yes'")
    page.locator("#item-1\\.1").scroll_into_view_if_needed()
    page.click("#item-1\\.1 button:has-text('Chấp nhận')")
    page.wait_for_selector("#item-1\\.1 .tag:has-text('Đã chấp nhận')")
    page.wait_for_selector("#item-1\\.1 .notice-at:has-text('Đã chấp nhận mục 1.1.')")
    assert page.evaluate("window.__same_page") == "yes"
    assert page.locator("#progress-text").text_content() == f"Đã xem 1/{n} mục"
    assert page.locator("#item-1\\.1 form.accept").count() == 0
    assert page.evaluate("document.activeElement.classList.contains('notice-at')")  # focus kept at the item
    _shot(page, "03-accepted-in-place")
    page.set_viewport_size(PHONE)
    page.evaluate("window.scrollTo(0, 0)")
    _shot(page, "03b-review-top-phone")
    _no_sideways_scroll(page)
    page.set_viewport_size(DESKTOP)
    # A second accept in place still works: the page's version moved on with the first.
    second = "#item-" + items[1].replace(".", r"\.")
    page.click(second + " button:has-text('Chấp nhận')")
    page.wait_for_function(
        f"() => document.getElementById('progress-text').textContent == 'Đã xem 2/{n} mục'")
    assert page.evaluate("window.__same_page") == "yes"
    assert page.locator(".left-count").first.text_content() == str(n - 2)
    assert page.locator("#next-item").text_content() == items[2]  # the first item still to look at

    # Verify too early: refused, naming the items left.
    page.click("#actions-top button:has-text('Xác nhận kết quả')")
    page.wait_for_selector("p.flash.error:has-text('Chưa xác nhận được kết quả')")
    message = page.locator("p.flash.error").first.text_content()
    assert f"còn {n - 2}/{n} mục" in message and items[-1] in message
    _shot(page, "04-verify-refused")

    # Correct a figure: the message is at the figure, in view.
    row = page.locator("#in-c6_special_supported + tr")
    row.locator("summary").click()
    row.locator("input[name=value]").fill(str(values["c6_special_supported"] + 1))
    row.locator("input[name=reason]").fill("Hồ sơ trợ giúp ghi nhiều hơn")
    row.locator("button:has-text('Lưu điều chỉnh')").click()
    page.wait_for_selector("#in-c6_special_supported .notice-at:has-text('Đã lưu điều chỉnh')")
    page.wait_for_timeout(200)
    assert _in_view(page, "#in-c6_special_supported .notice-at")
    _shot(page, "05-correction-message-at-item")

    # Accept the rest: a confirmation page listing the items, then one history entry each.
    page.click("#actions-top button:has-text('Chấp nhận các mục còn lại')")
    page.wait_for_selector("#confirm")
    assert page.locator(".confirm-items li").count() > 0
    _shot(page, "06-accept-rest-confirm")
    page.set_viewport_size(PHONE)
    _shot(page, "06b-accept-rest-confirm-phone")
    _no_sideways_scroll(page)
    page.set_viewport_size(DESKTOP)
    page.click("#confirm button.primary")
    page.wait_for_selector(f"#progress-text:has-text('Đã xem {n}/{n} mục')")

    # Verify, confirmed on its own page.
    page.click("#actions-top button:has-text('Xác nhận kết quả')")
    page.wait_for_selector("#confirm")
    assert "Sau khi xác nhận" in page.locator("#confirm").inner_text()
    _shot(page, "07-verify-confirm")
    page.click("#confirm button.primary")
    page.wait_for_selector("#state:has-text('Đã thẩm định')")
    verified = page.locator("#verified-verdict").text_content()
    _shot(page, "08-verified")
    page.set_viewport_size(PHONE)
    page.evaluate("window.scrollTo(0, 0)")
    _shot(page, "08b-verified-phone")
    _no_sideways_scroll(page)
    page.set_viewport_size(DESKTOP)

    assert verified == "Đạt"
    # The tờ trình with its number and date, confirmed.
    page.fill("#actions-top input[name=proposal_number]", "15")
    later = f"{date.today() + timedelta(days=3):%d/%m/%Y}"  # on or after the biên bản's day
    page.fill("#actions-top input[name=proposal_date]", later)
    page.click("#actions-top button:has-text('Lập tờ trình')")
    page.wait_for_selector(f"#confirm:has-text('Tờ trình: Số 15, ngày {later}.')")
    _shot(page, "09-propose-confirm")
    page.click("#confirm button.primary")
    page.wait_for_selector(f"#proposal-ref:has-text('số 15, ngày {later}')")
    _shot(page, "10-proposed")
    ctx.close()

    # --- the commune sees what the team changed
    ctx = browser.new_context(viewport=DESKTOP, locale="vi-VN", bypass_csp=True)  # string predicates
    page = ctx.new_page()
    server.login(page, "xa-iatoi")
    page.click("tr:has-text('2022') >> text=Mở")
    page.wait_for_selector("#corrections")
    assert "Hồ sơ trợ giúp ghi nhiều hơn" in page.locator("#t-c6_special_supported").inner_text()
    page.locator("#corrections").scroll_into_view_if_needed()
    _shot(page, "11-commune-sees-corrections")
    page.set_viewport_size(PHONE)
    page.locator("#corrections").scroll_into_view_if_needed()
    _shot(page, "11b-commune-sees-corrections-phone")
    _no_sideways_scroll(page)
    ctx.close()


def test_review_without_javascript(server: LiveServer, browser: Any):
    values = example_values("ia-dom-2022.yaml")
    # Figures that do not pass: the confirmation says so plainly.
    values.update(c1_officer=False, c12_play_area=False, c13_children_satisfied=0, c13_adults_satisfied=0)
    values.setdefault("c9_checked", values["c9_eligible"])  # the example leaves this one blank
    ctx = browser.new_context(java_script_enabled=False, viewport=DESKTOP, locale="vi-VN")
    page = ctx.new_page()
    server.login(page, "xa-iadal")  # (Ia Dom's officer is deactivated since the 2025 merge)
    page.click("tr:has-text('2022') >> text=Mở")
    _fill(page, values)
    page.click("button[value=submit]")
    page.wait_for_selector("#confirm")
    assert page.locator("#confirm-verdict").text_content() == "Không đạt"
    assert page.locator("#confirm-fail").is_visible()
    _shot(page, "12-nojs-submit-confirm-khong-dat")
    page.click("#confirm button[value=submit]")
    page.wait_for_selector("text=Đã gửi hồ sơ tự đánh giá cho tổ thẩm định.")
    ctx.close()

    ctx = browser.new_context(java_script_enabled=False, viewport=DESKTOP, locale="vi-VN")
    page = ctx.new_page()
    server.login(page, "thamdinh")
    page.goto(server + "/review/?period=2022")
    page.click("tr:has-text('Xã Ia Đal') >> text=Thẩm định")
    page.click("#actions button:has-text('Bắt đầu thẩm định')")  # the bottom copy works as well
    page.wait_for_selector("#state:has-text('Đang thẩm định')")
    page.click("#item-1\\.2 button:has-text('Chấp nhận')")  # a normal post and a page load
    page.wait_for_selector("#item-1\\.2 .notice-at:has-text('Đã chấp nhận mục 1.2.')")
    assert page.url.endswith("#item-1.2")
    _shot(page, "13-nojs-accepted-at-item")
    page.click("#actions-top button:has-text('Chấp nhận các mục còn lại')")
    page.click("#confirm button.primary")
    page.click("#actions-top button:has-text('Xác nhận kết quả')")
    page.wait_for_selector("#confirm")
    assert "Không đạt" in page.locator("#confirm").inner_text()
    page.click("#confirm button.primary")
    page.wait_for_selector("#state:has-text('Đã thẩm định')")
    assert page.locator("#verified-verdict").text_content() == "Không đạt"
    ctx.close()
