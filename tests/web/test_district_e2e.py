"""In Chromium: an officer uploads a filled spreadsheet and submits; the reviewer opens the district overview.
Screenshots in test-output/ (district-*.png)."""

from __future__ import annotations

from typing import Any

from .conftest import SHOTS, LiveServer, example_values


def _filled_template(path: Any) -> None:
    from engine.io.catalog import Catalog
    from engine.io.sheets import template_workbook

    from .conftest import ROOT

    cs = Catalog.load(ROOT / "criteria").for_period(2022)
    wb = template_workbook(cs, 2022, [{"code": "23538", "name": "Xã Ia Tơi", "district": "Huyện Ia H'Drai",
                                       "province": "Tỉnh Kon Tum", "type": "mien_nui_dbkk",
                                       "region": "tay_nguyen", "ntm_tdmnpb_override": False}])
    ws = wb["Tự đánh giá"]
    keys = {c.value: c.column for c in ws[5] if c.value}
    for key, value in example_values().items():
        ws.cell(6, keys[f"values.{key}"], ("Có" if value else "Không") if isinstance(value, bool) else value)
    wb.save(path)


def test_upload_then_district_overview(server: LiveServer, browser: Any, tmp_path: Any) -> None:
    ctx = browser.new_context(viewport={"width": 1280, "height": 900}, locale="vi-VN")
    page = ctx.new_page()
    server.login(page, "xa-iatoi")
    page.click("text=Bảng tính Excel")
    # The page opens on the newest year (2026 since the reform); this file is the 2022 one.
    page.goto(server + "/district/upload?period=2022")
    xlsx = tmp_path / "ia-toi.xlsx"
    _filled_template(xlsx)
    page.set_input_files("input[name=file]", str(xlsx))
    page.click("button.primary")
    page.wait_for_selector("text=Đã lưu: 0 hồ sơ mới, 1 hồ sơ cập nhật")
    page.screenshot(path=str(SHOTS / "district-01-upload.png"))
    page.goto(server + "/assessment/")
    page.click("tr:has-text('2022') >> text=Mở")
    page.click("button[value=submit]")
    page.click("#confirm button[value=submit]")  # the confirmation page before sending
    page.wait_for_selector("text=Đã gửi hồ sơ tự đánh giá cho tổ thẩm định.")
    ctx.close()

    ctx = browser.new_context(viewport={"width": 1280, "height": 900}, locale="vi-VN")
    page = ctx.new_page()
    server.login(page, "thamdinh")
    page.click("text=Tổng hợp cấp huyện")
    page.wait_for_selector("svg.chart")
    assert page.locator("svg.chart").count() == 2
    assert page.locator("#matrix tr").count() == 14  # header + 13 criteria
    page.screenshot(path=str(SHOTS / "district-02-overview.png"), full_page=True)
    page.set_viewport_size({"width": 375, "height": 800})
    page.screenshot(path=str(SHOTS / "district-03-overview-phone.png"), full_page=True)
    # Tables scroll inside their box: the page itself does not scroll sideways on a phone.
    assert page.evaluate("document.documentElement.scrollWidth") <= 380
    ctx.close()
