"""View models: engine results -> plain rows the templates print.

Typed on the engine's own classes (engine/API.md): a `CriteriaSet` and the `Result`s scored under it, given
by the caller. `attr()` remains only for what callers may give as a mapping (corrections, summary entries).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from markupsafe import Markup

from engine import messages as msg
from engine.criteria import CriteriaSet, Source
from engine.ntm.models import NtmTable
from engine.result import ItemResult, Result
from engine.states import STATE_LABELS

from .fmt import nfc, vn_number

_MISSING = object()


def attr(obj: Any, name: str, default: Any = None) -> Any:
    """obj.name or obj[name], else default."""
    if obj is None:
        return default
    if isinstance(obj, Mapping):
        return obj.get(name, default)
    value = getattr(obj, name, _MISSING)
    return default if value is _MISSING else value


def _first(obj: Any, names: Iterable[str], default: Any = None) -> Any:
    for name in names:
        value = attr(obj, name, _MISSING)
        if value is not _MISSING and value is not None:
            return value
    return default


def in_text(name: str) -> str:
    """'Xã Ia Tơi' -> 'xã Ia Tơi' inside a sentence (the unit word is not a proper noun)."""
    name = nfc(name).strip()
    for unit in ("Xã ", "Phường ", "Thị trấn "):
        if name.startswith(unit):
            return unit.lower() + name[len(unit):]
    return name


def bare_name(name: str) -> str:
    """'Xã Ia Tơi' -> 'Ia Tơi' (the place name used in the date line when none is configured)."""
    name = nfc(name).strip()
    for unit in ("Xã ", "Phường ", "Thị trấn "):
        if name.startswith(unit):
            return name[len(unit):]
    return name


def state_label(state: str | None) -> str:
    if not state:
        return "—"
    return STATE_LABELS.get(str(state), nfc(state))  # the shared labels: engine/states.py


@dataclass
class Correction:
    """A district correction: the commune's value and the team's value side by side, with the reason."""

    field: str
    commune_value: Any
    verified_value: Any
    reason: str = ""
    evidence: str = ""

    @classmethod
    def coerce(cls, obj: Any) -> Correction:
        if isinstance(obj, Correction):
            return obj
        fld = str(_first(obj, ("field", "input", "input_id"), ""))
        if fld.startswith("values."):
            fld = fld[len("values."):]
        return cls(
            field=fld,
            commune_value=_first(obj, ("commune_value", "self_value", "old_value", "old")),
            verified_value=_first(obj, ("verified_value", "team_value", "new_value", "value", "new")),
            reason=nfc(_first(obj, ("reason",), "")),
            evidence=nfc(_first(obj, ("evidence", "evidence_note", "source"), "")),
        )


@dataclass
class AnnexSection:
    """An extra annex appended after the score annex (hook for "Phụ lục: liên hệ nông thôn mới").

    Give either `columns` + `rows` (plain text cells, escaped) or `html` (trusted markup of the body).
    `title` is the annex heading (e.g. "LIÊN HỆ VỚI TIÊU CHÍ NÔNG THÔN MỚI"), `note` an optional italic line.
    The number ("Phụ lục II", ...) is assigned in order.
    """

    title: str
    columns: list[str] = field(default_factory=list)
    rows: list[list[Any]] = field(default_factory=list)
    html: str | None = None
    note: str = ""
    widths: list[str] = field(default_factory=list)   # optional CSS widths, one per column

    def body(self) -> Markup | None:
        return Markup(self.html) if self.html is not None else None


def ntm_annex(result: Result, ntm_table: NtmTable | None = None) -> AnnexSection | None:
    """"Phụ lục: liên hệ nông thôn mới" from `result.ntm` (the engine's link statuses); None when empty.

    ntm_table (optional, the engine's NtmTable in force) names the NTM set the indicators come from.
    """
    if not result.ntm:
        return None
    rows: list[list[Any]] = []
    for s in result.ntm:
        indicator, text = nfc(s.indicator), nfc(s.text)
        rows.append([
            # An indicator numbered differently by the sources is keyed by its text: no number to print.
            indicator if indicator != text else "—",
            text,
            ", ".join(str(i) for i in s.items),
            nfc(s.status_text),
            nfc(s.explanation),
        ])
    note = ("Trạng thái suy ra từ kết quả chấm điểm sau thẩm định: “Đạt”, “Chưa đạt”, hoặc “Cần xem xét” "
            "(để tổ nông thôn mới xem xét thêm); đây là số liệu tham khảo, không thay cho đánh giá "
            "nông thôn mới.")
    if ntm_table is not None:
        basis = ntm_table.legal_basis
        ref = nfc(basis[0].ref) if basis else ""
        name = nfc(ntm_table.name)
        note = f"Bộ tiêu chí nông thôn mới: {name}{f' ({ref})' if ref else ''}. " + note
    return AnnexSection(
        title="Liên hệ với tiêu chí nông thôn mới",
        columns=["Chỉ tiêu NTM", "Nội dung chỉ tiêu", "Mục liên quan", "Trạng thái", "Căn cứ"],
        rows=rows,
        widths=["9%", "30%", "10%", "11%", "40%"],
        note=note,
    )


def _value_text(value: Any) -> str:
    if value is None:
        return "—"
    return vn_number(value)


def _points(value: Any) -> str:
    return "—" if value is None else vn_number(value)


@dataclass
class ItemRow:
    id: str
    text: str
    max: int
    provisional: bool
    inputs: list[dict]           # {label, self, verified, differs}
    rate_self: str
    rate_verified: str
    band_self: str
    band_verified: str
    points_self: int | None  # None: the result has no such item
    points_verified: int | None
    assessed_self: bool
    assessed_verified: bool
    source: str = ""  # where a confirmed item's points were read (document, article or table, page)

    @property
    def differs(self) -> bool:
        return (any(i["differs"] for i in self.inputs) or self.points_self != self.points_verified
                or self.rate_self != self.rate_verified)


@dataclass
class CriterionRow:
    id: str
    name: str
    max: int
    points_self: int | None
    points_verified: int | None
    assessed_self: bool
    assessed_verified: bool
    items: list[ItemRow]

    @property
    def differs(self) -> bool:
        return self.points_self != self.points_verified or any(i.differs for i in self.items)


def _source_text(source: Source | None) -> str:
    """ "Quyết định số 06/QĐ-TTg, Tiêu chí 1, trang 4" from an item's source."""
    if not source:
        return ""
    parts = [source.document, source.article]
    page = source.page
    return nfc(", ".join([*(p for p in parts if p), *([f"trang {page}"] if page else [])]))


def _input_label(cs: CriteriaSet, input_id: str) -> str:
    # An id the set does not know (a correction of a field no longer in it) prints as itself.
    return nfc(cs.input(input_id).label or input_id) if cs.has_input(input_id) else nfc(input_id)


def _keep(text: str) -> str:
    """No line break inside '93,75 %' or '≥ 95 %' (a lone '%' at a line start reads badly in narrow cells)."""
    for sign in (" %", "≥ ", "≤ ", "= "):
        text = text.replace(sign, sign.replace(" ", "\u00a0"))
    return text


def _band_text(res: ItemResult | None) -> str:
    """The band that gave the points ("≥ 95 %", "Có"); an assessed item that reached none says so."""
    if res is None:
        return ""
    if res.band:
        return _keep(nfc(res.band))
    return "Không đạt mức nào" if res.assessed else ""


def _rate_text(res: ItemResult | None) -> str:
    return _keep(nfc(res.rate or "")) if res is not None else ""


def score_rows(cs: CriteriaSet, result_self: Result, result_verified: Result | None = None,
               values_self: Mapping | None = None,
               values_verified: Mapping | None = None) -> list[CriterionRow]:
    """Every criterion of the set and every item under it, self-assessed and verified side by side.

    With no verified result, the verified columns repeat the self-assessed ones (self-assessment report).
    Input values default to the ones each result was scored from (`result.values`).
    """
    result_verified = result_self if result_verified is None else result_verified
    if values_self is None:
        values_self = result_self.values
    if values_verified is None:
        values_verified = result_verified.values
    crit_s = {c.id: c for c in result_self.criteria}
    crit_v = {c.id: c for c in result_verified.criteria}
    item_s = {i.id: i for i in result_self.items}
    item_v = {i.id: i for i in result_verified.items}
    rows: list[CriterionRow] = []
    for crit in cs.criteria:
        cid = crit.id
        items: list[ItemRow] = []
        for item in crit.items:
            iid = item.id
            rs, rv = item_s.get(iid), item_v.get(iid)
            inputs = []
            for input_id in item.inputs:
                vs, vv = values_self.get(input_id), values_verified.get(input_id)
                inputs.append({"label": _input_label(cs, input_id), "self": _value_text(vs),
                               "verified": _value_text(vv), "differs": vs != vv})
            items.append(ItemRow(
                id=iid,
                text=nfc(item.text),
                max=item.max,
                provisional=item.status == "provisional",
                inputs=inputs,
                rate_self=_rate_text(rs),
                rate_verified=_rate_text(rv),
                band_self=_band_text(rs),
                band_verified=_band_text(rv),
                points_self=rs.points if rs is not None else None,
                points_verified=rv.points if rv is not None else None,
                assessed_self=rs is not None and rs.assessed,
                assessed_verified=rv is not None and rv.assessed,
                source=_source_text(item.source),
            ))
        cs_, cv_ = crit_s.get(cid), crit_v.get(cid)
        rows.append(CriterionRow(
            id=cid,
            name=nfc(crit.name),
            max=crit.max,
            points_self=cs_.points if cs_ is not None else None,
            points_verified=cv_.points if cv_ is not None else None,
            assessed_self=cs_ is not None and cs_.assessed,
            assessed_verified=cv_ is not None and cv_.assessed,
            items=items,
        ))
    return rows


def conditions(result: Result, rows: list[CriterionRow], verified: bool = True) -> list[dict]:
    """The recognition conditions and whether each holds — the engine's own (`result.conditions`), each
    with a short figure beside it for the reader (how many criteria were assessed, which scored 0, total)."""
    n = len(rows)
    assessed = [r.assessed_verified if verified else r.assessed_self for r in rows]
    points = [r.points_verified if verified else r.points_self for r in rows]
    zero = [r.id for r, a, p in zip(rows, assessed, points, strict=True) if a and not p]
    total, threshold = result.total, result.threshold
    details = {
        "all_assessed": f"{sum(assessed)}/{n} tiêu chí được đánh giá",
        "no_zero_criterion": (("Tiêu chí " + ", ".join(zero) + " đạt 0 điểm") if zero
                              else "Không có tiêu chí nào 0 điểm"),
        "threshold": f"Tổng điểm {_points(total)}; điểm chuẩn {_points(threshold)}",
    }
    out = []
    for c in result.conditions:
        cid = c.id
        text, holds = nfc(c.text), c.holds
        # "Đạt: …" / "Chưa đạt: …" first, so that a condition worded as a goal is never read as met.
        out.append({"text": text, "holds": holds, "detail": details.get(cid, ""),
                    "status": msg.CONDITION_MET if holds else msg.CONDITION_NOT_MET,
                    "sentence": msg.met(text) if holds else msg.not_met(text)})
    return out


def signer_block(authority: str, title: str, name: str) -> dict:
    return {"authority": nfc(authority).upper(), "title": nfc(title).upper(), "name": nfc(name)}


def today() -> dt.date:
    return dt.date.today()
