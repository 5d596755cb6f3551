"""Every sentence the engine says to a person, in Vietnamese (NFC). Code stays in English."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

PROVISIONAL_NOTICE = "Kết quả tạm tính: {n} mục của bộ tiêu chí chưa được đối chiếu với văn bản gốc"

VERDICT_YES = "Đạt"
VERDICT_NO = "Không đạt"
NOT_ASSESSED = "chưa đánh giá"
CONDITION_MET = "Đạt"
CONDITION_NOT_MET = "Chưa đạt"


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:]


def met(condition: str) -> str:
    """'Đạt: tổng điểm đạt điểm chuẩn theo loại xã' (a condition sentence that says plainly how it stands)."""
    return f"{CONDITION_MET}: {_lower_first(condition)}"


def not_met(condition: str) -> str:
    """'Chưa đạt: tổng điểm đạt điểm chuẩn theo loại xã'."""
    return f"{CONDITION_NOT_MET}: {_lower_first(condition)}"

# --- criteria file checks (cfc criteria check) ---
CK_NOT_MAPPING = "tệp phải là một bảng (mapping) YAML ở cấp ngoài cùng"
CK_DUPLICATE_ID = "mã «{id}» bị trùng"
CK_UNKNOWN_INPUT = "số liệu «{id}» chưa được khai báo trong inputs"
CK_UNUSED_INPUT = "số liệu «{id}» được khai báo nhưng không mục nào dùng"
CK_PART_NOT_COUNT = "part_of chỉ dùng giữa hai số liệu kiểu count"
CK_PART_OF_SELF = "một số liệu không thể là phần của chính nó"
CK_ITEM_ID_PREFIX = "mục «{id}» nằm trong tiêu chí {crit} nên mã phải bắt đầu bằng «{crit}.»"
CK_CRITERION_SUM = "tiêu chí {id} khai báo tối đa {max} điểm nhưng các mục cộng lại được {sum} điểm"
CK_TOTAL_SUM = "tổng điểm khai báo là {total} nhưng các tiêu chí cộng lại được {sum} điểm"
CK_DATES = "ngày hết hiệu lực phải sau ngày có hiệu lực"
CK_RULE_NEEDS = "quy tắc {rule} cần trường «{field}»"
CK_RULE_FORBIDS = "quy tắc {rule} không dùng trường «{field}»"
CK_INPUT_TYPE = "số liệu «{id}» phải có kiểu {type} để dùng với quy tắc {rule}"
CK_NUMERATOR_PART = "tử số «{num}» phải khai báo part_of: {den} (phần không được lớn hơn tổng)"
CK_BAND_NEEDS = "mức điểm của quy tắc {rule} cần trường «{field}»"
CK_BAND_FORBIDS = "mức điểm của quy tắc {rule} không dùng trường «{field}»"
CK_YES_NO_TRUE = "quy tắc yes_no cho điểm khi «Có»: when phải là true"
CK_YES_NO_ONE_BAND = "quy tắc yes_no có đúng một mức điểm"
CK_RATE_RANGE = "tỷ lệ phải nằm trong khoảng 0–100 %"
CK_RATE_PRECISION = "ngưỡng tỷ lệ chỉ được có tối đa 3 chữ số thập phân"
CK_COUNT_WHOLE = "ngưỡng số lượng phải là số nguyên"
CK_CONFIRMED_BAND = "mục đã xác nhận (confirmed) không thể có mức điểm tạm tính (provisional)"
CK_CONFIRMED_SOURCE = (
    "mục đã xác nhận (confirmed) phải ghi nguồn: source với document (văn bản), article (điều, khoản hoặc "
    "bảng) và page (trang, nếu có)"
)
CK_BAND_POINTS_ORDER = "các mức điểm phải xếp từ cao xuống thấp, điểm giảm dần"
CK_BAND_ORDER_HIGHER = "với quy tắc «càng cao càng tốt», ngưỡng các mức phải giảm dần"
CK_BAND_ORDER_LOWER = "với quy tắc «càng thấp càng tốt», ngưỡng các mức phải tăng dần"


def pydantic_error_vi(error: Mapping[str, Any]) -> str:
    """A pydantic error of a criteria file, said in Vietnamese (the original kept for the maintainer)."""
    kind = error["type"]
    text = {
        "missing": "thiếu trường bắt buộc",
        "extra_forbidden": "trường không có trong mẫu (viết sai tên?)",
        "int_type": "phải là số nguyên",
        "int_parsing": "phải là số nguyên",
        "int_from_float": "phải là số nguyên",
        "decimal_type": "phải là một số",
        "decimal_parsing": "phải là một số",
        "bool_type": "phải là true hoặc false",
        "bool_parsing": "phải là true hoặc false",
        "string_type": "phải là một chuỗi chữ",
        "string_pattern_mismatch": "mã không đúng dạng",
        "literal_error": "giá trị không hợp lệ",
        "date_from_datetime_parsing": "phải là ngày dạng YYYY-MM-DD",
        "date_parsing": "phải là ngày dạng YYYY-MM-DD",
        "date_type": "phải là ngày dạng YYYY-MM-DD",
        "too_short": "không được để trống",
        "string_too_short": "không được để trống",
        "greater_than": "phải lớn hơn {gt}",
        "greater_than_equal": "phải lớn hơn hoặc bằng {ge}",
        "list_type": "phải là một danh sách",
        "dict_type": "phải là một bảng (mapping)",
        "model_type": "phải là một bảng (mapping)",
    }.get(kind)
    if text is None:
        return error["msg"]
    ctx = error.get("ctx") or {}
    if kind == "literal_error":
        # pydantic lists the choices in English ("'a', 'b' or 'c'").
        text += f" (cần một trong: {str(ctx.get('expected', '')).replace(' or ', ' hoặc ')})"
    elif "{" in text:
        text = text.format(**{k: v for k, v in ctx.items()})
    return text
