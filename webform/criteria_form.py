"""The entry form for one item's bands: generated from the item's rule kind, it yields YAML.

The holder of the official table types points and thresholds; the result is the same YAML an editor would
write (only that item's block of the document is rewritten, comments and the rest kept byte for byte), and
it goes through the same check, diff and impact preview as an uploaded file.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

import yaml

from engine.criteria import CriteriaSet, Item
from engine.yamlsource import load_yaml_bytes

from .form_values import nfc

EXTRA_ROWS = 2  # empty band rows offered below the existing ones
MAX_ROWS = 8
STATUS_CHOICES = {"": "Theo mục", "confirmed": "Đã xác nhận", "provisional": "Tạm tính"}
MSG_NUMBER = "Phải là một số (ví dụ: 95 hoặc 96,5)."
MSG_POINTS = "Điểm phải là số nguyên dương."
MSG_PAIR = "Nhập cả ngưỡng và điểm, hoặc để trống cả hai."
MSG_ONE_BAND = "Nhập ít nhất một mức điểm."
MSG_SOURCE = "Mục đã xác nhận phải ghi nguồn: văn bản và điều, khoản hoặc bảng."


@dataclass
class BandRow:
    threshold: str = ""
    points: str = ""
    status: str = ""


@dataclass
class ItemForm:
    """What the form shows (as typed) and the errors beside its fields."""

    rows: list[BandRow]
    status: str
    document: str = ""
    article: str = ""
    page: str = ""
    if_none: str = ""
    note: str = ""
    errors: dict[str, str] = field(default_factory=dict)


def threshold_label(item: Item) -> str:
    unit = "tỷ lệ (%)" if item.is_rate else "số lượng"
    return f"{unit} {'tối thiểu (≥)' if item.higher_is_better else 'tối đa (≤)'}"


def _number(value: Decimal | None) -> str:
    if value is None:
        return ""
    text = format(value.normalize(), "f") if value == value.to_integral() else format(value, "f")
    return text.replace(".", ",")


def form_of(item: Item) -> ItemForm:
    rows = [BandRow(_number(b.threshold), str(b.points), b.status or "") for b in item.bands]
    if item.rule != "yes_no":
        rows += [BandRow() for _ in range(min(EXTRA_ROWS, MAX_ROWS - len(rows)))]
    src = item.source
    return ItemForm(rows=rows, status=item.status, document=src.document if src else "",
                    article=src.article if src else "", page=(src.page or "") if src else "",
                    if_none=item.if_none or "", note=item.note or "")


def _decimal(text: str) -> Decimal | None:
    text = text.strip().replace(" ", "").replace(",", ".")
    if not re.fullmatch(r"\d+(\.\d+)?", text):
        return None
    try:
        return Decimal(text)
    except InvalidOperation:
        return None


def _row_count(item: Item, form: Any) -> int:
    """How many band rows the form posted: one for a yes/no item, else the hidden count, capped."""
    if item.rule == "yes_no":
        return 1
    return min(MAX_ROWS, int(form.get("rows", "0") or 0) if str(form.get("rows", "0")).isdigit() else 0)


def _typed_form(item: Item, form: Any) -> ItemForm:
    """The form as typed (NFC), to show again beside its errors."""
    rows = [BandRow(nfc(form.get(f"t{n}")), nfc(form.get(f"p{n}")), form.get(f"s{n}", ""))
            for n in range(_row_count(item, form))]
    return ItemForm(rows=rows, status=form.get("status", ""), document=nfc(form.get("document")),
                    article=nfc(form.get("article")), page=nfc(form.get("page")),
                    if_none=form.get("if_none", ""), note=nfc(form.get("note")))


def _check_choices(item: Item, typed: ItemForm, errors: dict[str, str]) -> None:
    if typed.status not in ("confirmed", "provisional"):
        errors["status"] = "Chọn trạng thái của mục."
    if item.is_rate and typed.if_none not in ("full", "zero"):
        errors["if_none"] = "Chọn cách tính khi không có trường hợp phải tính."


def _band_condition(item: Item, row: BandRow, n: int, errors: dict[str, str]) -> dict[str, Any] | None:
    """The band's condition ("when" or the threshold), or None with the error beside the threshold."""
    if item.rule == "yes_no":
        row.threshold = "Có"  # shown in the form: a yes/no item has one band, for "yes"
        return {"when": True}
    if not row.threshold or not row.points:
        errors[f"t{n}"] = MSG_PAIR
        return None
    value = _decimal(row.threshold)
    if value is None:
        errors[f"t{n}"] = MSG_NUMBER
        return None
    return {"at_least" if item.higher_is_better else "at_most":
            int(value) if value == value.to_integral() else float(value)}


def _band(item: Item, row: BandRow, n: int, errors: dict[str, str]) -> dict[str, Any] | None:
    """One row as a YAML band, or None with the errors beside its fields."""
    band = _band_condition(item, row, n, errors)
    if band is None:
        return None
    if not row.points.isdigit() or int(row.points) <= 0:
        errors[f"p{n}"] = MSG_POINTS
        return None
    band["points"] = int(row.points)
    if row.status:
        band["status"] = row.status
    return band


def _bands(item: Item, rows: list[BandRow], errors: dict[str, str]) -> list[dict[str, Any]]:
    bands: list[dict[str, Any]] = []
    for n, row in enumerate(rows):
        if row.status not in STATUS_CHOICES:
            errors[f"s{n}"] = "Chọn trạng thái."
        if item.rule != "yes_no" and not row.threshold and not row.points:
            continue  # an empty row is not a band
        band = _band(item, row, n, errors)
        if band is not None:
            bands.append(band)
    return bands


def _check_texts(typed: ItemForm, errors: dict[str, str]) -> None:
    if typed.status == "confirmed" and (not typed.document or not typed.article):
        errors["document" if not typed.document else "article"] = MSG_SOURCE
    for name, limit in (("document", 300), ("article", 200), ("page", 40), ("note", 1000)):
        if len(getattr(typed, name)) > limit:
            errors[name] = f"Tối đa {limit} ký tự."


def _item_mapping(item: Item, typed: ItemForm, bands: list[dict[str, Any]]) -> dict[str, Any]:
    """The item as YAML, its keys in the order the shipped files write them."""
    out: dict[str, Any] = {"id": item.id, "text": item.text, "legal_ref": item.legal_ref,
                           "status": typed.status}
    if typed.document or typed.article:
        source: dict[str, Any] = {"document": typed.document, "article": typed.article}
        if typed.page:
            source["page"] = typed.page
        out["source"] = source
    if typed.note:
        out["note"] = typed.note
    out["rule"] = item.rule
    for name in ("input", "numerator", "denominator"):
        if getattr(item, name):
            out[name] = getattr(item, name)
    if item.is_rate:
        out["if_none"] = typed.if_none
    out["bands"] = bands
    return out


def parse(item: Item, form: Any) -> tuple[ItemForm, dict[str, Any] | None]:
    """The typed form and the item as a YAML mapping, or None with the errors beside the fields."""
    typed = _typed_form(item, form)
    errors = typed.errors
    _check_choices(item, typed, errors)
    bands = _bands(item, typed.rows, errors)
    if not bands and not errors:
        errors["t0"] = MSG_ONE_BAND
    _check_texts(typed, errors)
    if errors:
        return typed, None
    return typed, _item_mapping(item, typed, bands)


class _Dumper(yaml.SafeDumper):
    # Lists indented under their key, as the shipped files write them ("bands:\n  - {...}").
    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        super().increase_indent(flow, False)


def _item_block(lines: dict[tuple, int], cs: CriteriaSet, item_id: str) -> tuple[int, int | None]:
    """1-based first line of the item, and the first line after it (the next item or criterion), or None."""
    starts: list[tuple[int, str | None]] = []
    for ci, crit in enumerate(cs.criteria):
        starts.append((lines[("criteria", ci)], None))
        for ti, item in enumerate(crit.items):
            starts.append((lines[("criteria", ci, "items", ti)], item.id))
    starts.sort()
    for n, (line, iid) in enumerate(starts):
        if iid == item_id:
            return line, starts[n + 1][0] if n + 1 < len(starts) else None
    raise KeyError(item_id)


def replace_item(raw: bytes, cs: CriteriaSet, item_id: str, item: dict[str, Any]) -> bytes:
    """The document with only this item's block rewritten; everything else stays as it was."""
    _, source = load_yaml_bytes(raw, "phiên bản")
    first, after = _item_block(source.lines, cs, item_id)
    newline = "\r\n" if b"\r\n" in raw else "\n"
    text = raw.decode("utf-8")
    lines = text.splitlines(keepends=True)
    end = len(lines) if after is None else after - 1  # index just past the block (0-based exclusive)
    # Blank and comment lines at the end of the block belong to what follows (a criterion's heading).
    while end > first and (not lines[end - 1].strip() or lines[end - 1].lstrip().startswith("#")):
        end -= 1
    head = lines[first - 1]
    indent = len(head) - len(head.lstrip(" "))
    dumped = yaml.dump([item], Dumper=_Dumper, allow_unicode=True, sort_keys=False, default_flow_style=None,
                       width=100)
    block = "".join(" " * indent + line + newline for line in dumped.splitlines())
    return ("".join(lines[:first - 1]) + block + "".join(lines[end:])).encode("utf-8")
