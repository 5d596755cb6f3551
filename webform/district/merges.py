"""The registry of merges of communes (administrator): which commune joined which, from what day."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from flask import flash, redirect, render_template, request, url_for
from sqlalchemy import select

from ..auth import role_required
from ..dates import parse_day
from ..db import get_session, write_lock
from ..models import LEVEL_COMMUNE, ROLE_ADMIN, Commune, UnitSuccessor
from ..units import find_commune, sort_units, successors
from . import bp


@bp.route("/communes", methods=["GET", "POST"])
@role_required(ROLE_ADMIN)
def communes() -> Any:
    session = get_session()
    errors: list[str] = []
    if request.method == "POST":
        pred = find_commune(request.form.get("predecessor") or "")
        succ = find_commune(request.form.get("successor") or "")
        on = parse_day(request.form.get("merged_on") or "")
        if pred is None or succ is None:
            errors.append("Chọn xã sáp nhập và xã sau sáp nhập trong danh mục.")
        elif pred.id == succ.id:
            errors.append("Xã sáp nhập và xã sau sáp nhập phải khác nhau.")
        elif successors(pred):
            errors.append(f"{pred.name} đã được ghi sáp nhập vào xã khác.")
        elif successors(succ):
            errors.append(f"{succ.name} đã sáp nhập vào xã khác nên không nhận thêm xã.")
        if on is None:
            errors.append("Ngày sáp nhập không hợp lệ (ví dụ: 01/07/2025).")
        if not errors and pred is not None and succ is not None and on is not None:
            session.add(UnitSuccessor(predecessor_id=pred.id, successor_id=succ.id, on=on, kind="merge",
                                      source=f"Quản trị ghi ngày {date.today():%d/%m/%Y}"))
            pred.valid_to = on - timedelta(days=1)
            with write_lock():
                session.commit()
            flash(f"Đã ghi: {pred.name} sáp nhập vào {succ.name} từ {on:%d/%m/%Y}.", "success")
            return redirect(url_for("district.communes"))
    rows = sort_units(list(session.scalars(select(Commune).where(Commune.level == LEVEL_COMMUNE))))
    succ_of = {s.predecessor_id: s for s in session.scalars(select(UnitSuccessor))}
    page = render_template("district/communes.html", succ_of=succ_of, communes=rows, errors=errors)
    return page, 400 if errors else 200
