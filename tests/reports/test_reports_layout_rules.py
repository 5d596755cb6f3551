"""Rules of Nghị định 30/2020 that are plain functions: the date line, numbers, configuration."""

from __future__ import annotations

import datetime as dt

import pytest

from reports.config import ConfigError, load_config
from reports.fmt import place_date, vn_date, vn_number


@pytest.mark.parametrize(("date", "text"), [
    (dt.date(2022, 2, 5), "ngày 05 tháng 02 năm 2022"),
    (dt.date(2022, 3, 9), "ngày 09 tháng 3 năm 2022"),
    (dt.date(2022, 1, 1), "ngày 01 tháng 01 năm 2022"),
    (dt.date(2022, 11, 25), "ngày 25 tháng 11 năm 2022"),
    (dt.date(2022, 10, 10), "ngày 10 tháng 10 năm 2022"),
    (dt.date(2022, 12, 31), "ngày 31 tháng 12 năm 2022"),
])
def test_leading_zero_for_days_below_10_and_months_1_and_2(date, text):
    assert vn_date(date) == text


def test_place_date_line():
    assert place_date("Ia Tơi", dt.date(2022, 11, 25)) == "Ia Tơi, ngày 25 tháng 11 năm 2022"


@pytest.mark.parametrize(("value", "text"), [
    (1850, "1.850"), (1000, "1.000"), (845, "845"), (0, "0"), (98.5, "98,5"), (True, "Có"), (False, "Không"),
    (None, "—"),
])
def test_vietnamese_number_format(value, text):
    assert vn_number(value) == text


def test_demo_config_names_ia_hdrai_bodies():
    cfg = load_config()
    assert cfg.demo is True
    assert cfg.reviewing_body.full_name == "Phòng Lao động - Thương binh và Xã hội huyện Ia H'Drai"
    assert cfg.reviewing_body.parent == "UBND HUYỆN IA H'DRAI"
    assert cfg.recognising_authority.addressee == "Chủ tịch Ủy ban nhân dân huyện Ia H'Drai"
    assert cfg.commune("23538").place == "Ia Tơi"
    assert cfg.commune("99999").place is None          # falls back to `default`, place from the name


def test_env_var_overrides_config(tmp_path, monkeypatch):
    path = tmp_path / "other.yaml"
    path.write_text(
        "reviewing_body: {name: 'PHÒNG VĂN HÓA - XÃ HỘI', full_name: 'Phòng Văn hóa - Xã hội xã Ia Tơi',"
        " abbrev: 'VHXH', place: 'Ia Tơi', signer: {title: 'TRƯỞNG PHÒNG', name: 'A'}}\n"
        "recognising_authority: {addressee: 'Chủ tịch UBND tỉnh Quảng Ngãi', body: 'UBND tỉnh Quảng Ngãi'}\n",
        encoding="utf-8")
    monkeypatch.setenv("CFC_REPORT_CONFIG", str(path))
    cfg = load_config()
    assert cfg.reviewing_body.abbrev == "VHXH" and cfg.source == str(path)


def test_invalid_config_is_reported_in_vietnamese(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text("reviewing_body: {name: X}\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="không hợp lệ"):
        load_config(path)
    with pytest.raises(ConfigError, match="Không tìm thấy"):
        load_config(tmp_path / "missing.yaml")
