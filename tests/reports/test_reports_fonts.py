"""The font check runs before rendering: missing Liberation Serif stops with how to install it."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

import reports
from reports import fonts
from reports.cli import report
from tests.reports.conftest import EXAMPLES


def test_liberation_serif_with_vietnamese_is_installed():
    fonts.check_fonts()     # raises when missing


@pytest.fixture
def no_fonts(monkeypatch):
    fonts._check_cached.cache_clear()
    monkeypatch.setattr(fonts, "_fc_list", lambda pattern: [])
    yield
    fonts._check_cached.cache_clear()


def test_missing_font_raises_with_install_hint(no_fonts):
    with pytest.raises(fonts.FontMissingError) as exc:
        fonts.check_fonts()
    assert "apt-get install fonts-liberation2" in str(exc.value)
    assert "Liberation Serif" in str(exc.value)


def test_missing_font_stops_rendering(no_fonts, toi_results, cs):
    with pytest.raises(reports.FontMissingError):
        reports.render_self_assessment(toi_results[0], criteria_set=cs)


def test_missing_font_cli_says_how_to_install(no_fonts, tmp_path):
    out = tmp_path / "x.pdf"
    res = CliRunner().invoke(report, ["self", str(EXAMPLES / "ia-toi-2022.yaml"), "-o", str(out)])
    assert res.exit_code == 3
    assert "apt-get install fonts-liberation2" in res.output
    assert not out.exists()
