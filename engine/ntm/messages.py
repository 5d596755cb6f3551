"""Every sentence the new-rural-development (NTM) link says to a person, in Vietnamese (NFC).

Kept apart from engine/messages.py so the link can evolve without touching the scoring texts.
"""

from __future__ import annotations

# The same sentences as for a criteria file: one wording for one problem.
from engine.messages import CK_DATES as CK_DATES
from engine.messages import CK_DUPLICATE_ID as CK_DUPLICATE_ID

STATUS_TEXT = {
    "dat": "Đạt",
    "chua_dat": "Chưa đạt",
    "can_xem_xet": "Cần xem xét",
}

NO_DATA = "chưa có số liệu"
SUPPORTING = "minh chứng hỗ trợ"
UNVERIFIED = (
    "Chỉ tiêu chưa được xác minh (số hiệu, nội dung, ngưỡng chưa đối chiếu với văn bản gốc)"
)
UNVERIFIED_NO_RULE = "chưa có quy tắc liên hệ"
UNVERIFIED_PROVISIONAL = "theo liên hệ tạm"
NOT_LINKED = "Không liên hệ được: bộ tiêu chí {got} khác bộ tiêu chí {want} của bảng liên hệ"

RATE_RESULT = "{label} {rate} {op} {threshold} (ngưỡng vùng {region}{why})"
RATE_NONE = "{label}: mẫu số bằng 0 ({denominator} = 0), chưa tính được tỷ lệ"
RATE_MISSING = "{label}: " + NO_DATA + " ({missing})"
INPUT_YES = "{label}: Có"
INPUT_NO = "{label}: Không"
INPUT_MISSING = "{label}: " + NO_DATA
ITEMS_ALL_TOP = "Các mục {items} đều đạt mức cao nhất"
ITEMS_ALL_MAX = "Các mục {items} đều đạt điểm tối đa"
ITEM_BELOW_TOP = "mục {item} chưa đạt mức cao nhất ({top}): {why}"
ITEM_BELOW_MAX = "mục {item} chưa đạt điểm tối đa: {why}"
ITEM_MISSING = "mục {item} " + NO_DATA

# --- link file checks ---
CK_UNKNOWN_CRITERIA_SET = "bộ tiêu chí «{id}» không có trong thư mục tiêu chí"
CK_UNKNOWN_ITEM = "mục «{id}» không có trong bộ tiêu chí {cs}"
CK_DUPLICATE_ITEM = "mục «{id}» bị lặp"
CK_DUPLICATE_INDICATOR = "chỉ tiêu «{key}» bị trùng"
CK_UNKNOWN_NTM_CRITERION = "tiêu chí nông thôn mới «{id}» không có trong ntm_criteria"
CK_RULE_REQUIRED = "chỉ tiêu đã xác nhận hoặc tạm tính phải có quy tắc (rule)"
CK_RULE_NEEDS_ITEMS = "quy tắc {kind} cần ít nhất một mục liên kết (items)"
CK_RULE_ITEM_NOT_LINKED = "mục «{id}» phải có trong danh sách items của chỉ tiêu"
CK_RULE_ITEM_NOT_RATE = "mục «{id}» không phải mục tỷ lệ; quy tắc {kind} cần một mục tỷ lệ"
CK_UNKNOWN_INPUT = "số liệu «{id}» không có trong bộ tiêu chí {cs}"
CK_INPUT_NOT_BOOL = "số liệu «{id}» phải có kiểu bool (Có/Không) để dùng với quy tắc {kind}"
CK_REGION_MISSING = "thiếu ngưỡng cho vùng «{id}»"
CK_REGION_UNKNOWN = "vùng «{id}» không có trong bộ tiêu chí {cs}"
CK_RATE_RANGE = "ngưỡng tỷ lệ phải nằm trong khoảng 0–100 %"
CK_RATE_PRECISION = "ngưỡng tỷ lệ chỉ được có tối đa 3 chữ số thập phân (bội số của 0,001 %)"
CK_OVERRIDE_FLAG = "«{id}» không phải một trường Có/Không trong thông tin xã"
CK_NUMBER_CRITERION = "số hiệu chỉ tiêu «{number}» phải thuộc tiêu chí {crit}"
