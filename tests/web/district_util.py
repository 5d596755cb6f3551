"""Helpers of the district tests: fill the downloaded template with openpyxl, upload it, read pages."""

from __future__ import annotations

import io
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from openpyxl import load_workbook

from engine.io.sheets import FIRST_ROW, ID_ROW, SHEET

from .conftest import assessment_of, form_data


def reviewer_of_another_district(app: Flask) -> FlaskClient:
    """A signed-in reviewer of district 524, a district none of the demo communes belongs to."""
    from webform.auth import hash_password
    from webform.db import get_session
    from webform.models import ROLE_REVIEWER, User
    from webform.units import find_reviewing_unit

    from .conftest import login

    with app.test_request_context():
        s = get_session()
        s.add(User(username="thamdinh2", full_name="Tổ khác", role=ROLE_REVIEWER,
                   unit_id=find_reviewing_unit("524").id,
                   password_hash=hash_password("demo2022"), active=True))
        s.commit()
    other = app.test_client()
    assert login(other, "thamdinh2").status_code == 302
    return other


def download_template(client: FlaskClient, period: int = 2022) -> Any:
    r = client.get(f"/district/template.xlsx?period={period}")
    assert r.status_code == 200, r.text[:300]
    assert r.mimetype.endswith("spreadsheetml.sheet")
    return load_workbook(io.BytesIO(r.data))


def keys(wb: Any) -> dict[str, int]:
    ws = wb[SHEET]
    return {str(c.value): c.column for c in ws[ID_ROW] if c.value is not None}


def row_of(wb: Any, code: str) -> int:
    ws = wb[SHEET]
    col = keys(wb)["commune.code"]
    for row in range(FIRST_ROW, ws.max_row + 1):
        if str(ws.cell(row, col).value) == code:
            return row
    raise AssertionError(f"no row for {code}")


def fill(wb: Any, row: int, values: dict[str, Any]) -> None:
    """Write values as an officer types them in Excel: numbers, and «Có»/«Không»."""
    ws, k = wb[SHEET], keys(wb)
    for key, value in values.items():
        column = k[key if "." in key or key == "period" else f"values.{key}"]
        if isinstance(value, bool):
            value = "Có" if value else "Không"
        ws.cell(row, column, value)


def upload(client: FlaskClient, wb: Any, period: int = 2022, name: str = "so-lieu.xlsx") -> Any:
    buffer = io.BytesIO()
    wb.save(buffer)
    return upload_bytes(client, buffer.getvalue(), period, name)


def upload_bytes(client: FlaskClient, data: bytes, period: int = 2022, name: str = "so-lieu.xlsx") -> Any:
    return client.post("/district/upload", data={"period": str(period), "file": (io.BytesIO(data), name)},
                       content_type="multipart/form-data")


def submit(app: Flask, officer: FlaskClient, values: dict[str, Any], code: str = "23538") -> int:
    a = assessment_of(app, code)
    r = officer.post(f"/assessment/{a.id}", data=form_data(values, a.version, action="submit"))
    assert r.status_code == 302, r.text[:500]
    return a.id


def verify(app: Flask, reviewer: FlaskClient, code: str = "23538") -> None:
    """Start the review, accept every item as scored, verify (confirmed)."""
    for step in ("start_review", "accept-rest", "verify"):
        a = assessment_of(app, code)
        data = {"version": a.version, "confirmed": "1"}
        if step == "accept-rest":
            r = reviewer.post(f"/review/{a.id}/accept-rest", data=data)
        else:
            r = reviewer.post(f"/review/{a.id}/transition", data={"name": step, **data})
        assert r.status_code == 302, r.text[:500]


def store_values(app: Flask, code: str, values: dict[str, Any], state: str, period: int = 2022) -> None:
    """Figures and state stored through the same history function as the form (for a commune whose
    officer can no longer log in, e.g. one merged away)."""
    from webform import history
    from webform.db import get_session
    from webform.engines import make_assessment, score_or_none, scoring
    from webform.models import Assessment

    with app.test_request_context():
        session = get_session()
        a = session.get(Assessment, assessment_of(app, code, period).id)
        cs = scoring().criteria_set(a.criteria_set_id)
        doc = make_assessment(a.commune.profile(period), period, values)
        result = score_or_none(scoring().engine(cs.id), doc)
        history.store_figures(session, a, None, dict(values), result.total if result else None,
                              [d.id for d in cs.inputs], reason="test")
        history.record(session, a, None, "state", a.state, state, "test")
        a.state = state
        session.commit()
