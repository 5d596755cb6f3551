"""Jinja filters and globals shared by all templates."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from flask import Flask

from .workflow import STATE_LABELS

PRODUCT_NAME = "Đánh giá xã, phường, thị trấn phù hợp với trẻ em"
# Times are stored in UTC; officers read Vietnam time (UTC+7, no daylight saving).
VN_OFFSET = timedelta(hours=7)


def vn_datetime(value: datetime | None) -> str:
    if value is None:
        return ""
    return (value + VN_OFFSET).strftime("%H:%M %d/%m/%Y")


def vn_date(value: date | None) -> str:
    return value.strftime("%d/%m/%Y") if value else ""


def yesno_vi(value: object) -> str:
    if value is None:
        return "(trống)"
    if value is True:
        return "Có"
    if value is False:
        return "Không"
    return str(value)


def profile_label(kind: str, code: object) -> str:
    """The YAML label of a commune type ("tiers") or region ("regions") code; the newest set that knows it
    wins. Officers read the label, never the code (mien_nui_dbkk, tay_nguyen)."""
    from .engines import scoring

    for cs in reversed(scoring().sets()):
        for entry in getattr(cs, kind, ()) or ():
            if entry.id == code:
                return str(entry.label)
    return "" if code is None else str(code)


def _version_name(v: Any) -> str:
    from .versions import version_name

    return version_name(v)


def init_app(app: Flask) -> None:
    app.jinja_env.filters["tier_label"] = lambda code: profile_label("tiers", code)
    app.jinja_env.filters["region_label"] = lambda code: profile_label("regions", code)
    app.jinja_env.filters["state_label"] = lambda s: STATE_LABELS.get(s, s)
    app.jinja_env.filters["vn_datetime"] = vn_datetime
    app.jinja_env.filters["vn_date"] = vn_date
    app.jinja_env.filters["yesno_vi"] = yesno_vi
    app.jinja_env.filters["capitalize_first"] = lambda s: s[:1].upper() + s[1:]
    app.jinja_env.filters["version_name"] = _version_name

    @app.context_processor
    def _globals() -> dict[str, Any]:
        from flask_login import current_user

        from .units import level_word

        unit = getattr(current_user, "unit", None) if current_user else None
        # "cấp huyện" / "cấp tỉnh" follows the reviewing unit's level (district before 2025, province after).
        return {"product_name": PRODUCT_NAME, "scope_word": level_word(unit),
                "scope_unit": unit.name if unit is not None else ""}
