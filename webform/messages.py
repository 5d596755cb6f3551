"""The sentences the web app's operations say to a person, in Vietnamese (NFC), as an officer would say
them. Code stays in English. The engine's own sentences are engine/messages.py's.

One module so that a route and the service it calls (webform/services/) say the same thing in the same
words, and a test can name the sentence it expects.
"""

from __future__ import annotations

# --- the whole app
MSG_STALE = (
    "Chưa lưu: hồ sơ vừa được người khác thay đổi sau khi bạn mở trang. Trang đã được tải lại với số liệu "
    "mới nhất; vui lòng xem lại rồi thực hiện lại thao tác."
)
MSG_NO_CRITERIA = "Chưa có bộ tiêu chí áp dụng cho năm {period}."

# --- the commune's self-assessment (form)
MSG_HAS_ERRORS = "Chưa lưu: có số liệu chưa hợp lệ. Xem thông báo bên cạnh từng ô."
MSG_INCOMPLETE = "Chưa gửi được: còn {n} ô chưa nhập. Hồ sơ chỉ được gửi khi đã nhập đủ và hợp lệ."
MSG_CONFLICT = (
    "Chưa lưu: hồ sơ đã được {who} lưu lúc {when}, sau khi bạn mở trang. Số liệu bạn vừa nhập vẫn ở bên "
    "dưới; những ô khác với bản mới nhất được đánh dấu. Bấm “Lưu nháp” lần nữa để ghi bằng số liệu bên dưới, "
    "hoặc mở lại trang để xem bản mới nhất."
)
MSG_NOT_EDITABLE = "Hồ sơ ở trạng thái “{state}” nên không sửa được."
MSG_RESUBMITTED = ("Gửi lại sau khi bị trả lại: điều chỉnh của lần thẩm định trước được lưu trong lịch "
                   "sử")

# --- the district team's review
MSG_NOT_REVIEWING = "Chỉ điều chỉnh hoặc chấp nhận số liệu khi hồ sơ đang ở trạng thái “Đang thẩm định”."
MSG_REASON_REQUIRED = "Phải ghi lý do điều chỉnh."
MSG_VALUE_REQUIRED = "Phải nhập giá trị sau điều chỉnh."
MSG_REASON_TOO_LONG = "Lý do hoặc minh chứng quá dài (tối đa 2000 ký tự)."
MSG_CORRECTION_NOT_STORED = "Chưa lưu điều chỉnh: {error}"
MSG_COMMENT_REQUIRED = "Phải ghi ý kiến của tổ thẩm định khi trả lại hồ sơ."
COMMENT_MAX = 2000
MSG_COMMENT_TOO_LONG = f"Ý kiến quá dài (tối đa {COMMENT_MAX} ký tự). Chưa lưu gì."
MSG_NOT_ALL_DECIDED = (
    "Chưa xác nhận được kết quả: còn {left}/{total} mục chưa chấp nhận hoặc điều chỉnh (mục {ids}). Hãy xem "
    "từng mục, hoặc bấm “Chấp nhận các mục còn lại”."
)
MSG_VERIFY_INCOMPLETE = "Chưa xác nhận được: số liệu chưa đủ hoặc chưa hợp lệ"
MSG_PROPOSE_NOT_RECOGNISED = "Chỉ lập tờ trình khi kết quả thẩm định là “Đạt”."
MSG_NOT_RECOGNISE_PASSED = "Kết quả thẩm định là “Đạt”: hãy lập tờ trình đề nghị công nhận."
MSG_PROPOSAL_NUMBER = "Số tờ trình chỉ ghi phần số (ví dụ: 15); phần “/TTr-…” được in sẵn."
MSG_PROPOSAL_DATE = "Ngày tờ trình không hợp lệ (ví dụ: 20/12/2022)."
MSG_PROPOSAL_BEFORE_REVIEW = "Ngày tờ trình không được trước ngày thẩm định ({day:%d/%m/%Y})."
MSG_DECISION_NUMBER = "Phải ghi số quyết định."
MSG_DECISION_NUMBER_LONG = "Số quyết định quá dài (tối đa 60 ký tự)."
MSG_DECISION_SIGNER = "Phải ghi người ký quyết định."
MSG_DECISION_SIGNER_LONG = "Tên người ký quá dài (tối đa 120 ký tự)."
MSG_DECISION_DATE = "Ngày quyết định không hợp lệ (ví dụ: 20/12/2022)."

# --- the district's spreadsheets
MSG_NO_SHEET = "Chưa chọn tệp bảng tính (.xlsx, .xls hoặc .ods) để tải lên."
MSG_REVIEWER_DRAFTS_ONLY = (
    "hồ sơ đang ở trạng thái “{state}”: tổ thẩm định chỉ nhập bảng tính cho hồ sơ nháp. Số liệu của xã đã "
    "gửi chỉ được điều chỉnh trên trang thẩm định, từng ô, có ghi lý do; số liệu của dòng này không được "
    "lưu.")
MSG_SHEET_NOT_EDITABLE = ("hồ sơ đang ở trạng thái “{state}”, không sửa được từ bảng tính; số liệu của dòng "
                          "này không được lưu.")
MSG_CONFLICTS_WITH_DRAFT = (
    "«{label}»: số liệu trong tệp mâu thuẫn với số liệu xã đang nhập ở hồ sơ nháp (số liệu chưa gửi không "
    "được hiển thị cho cấp huyện).")
MSG_SHEET_CHANGED = ("Hồ sơ vừa được người khác thay đổi trong lúc tải lên; chưa lưu gì. Vui lòng tải tệp "
                     "lên lại.")
MSG_NO_CODE = "chưa nhập mã xã"
MSG_UNKNOWN_CODE = "mã xã {code} không có trong danh mục xã của hệ thống"
MSG_OUT_OF_SCOPE = ("{name} ({code}) không thuộc phạm vi tài khoản của bạn: không được nhập số liệu cho xã "
                    "khác")
MSG_CODE_TWICE = "{name} đã có ở dòng {row}: mỗi xã một dòng"
MSG_WRONG_PERIOD = "phải là năm {period} (năm đã chọn khi tải tệp lên)"

# --- the administrator's criteria versions
MSG_NOT_STORED = "Chưa lưu: tệp có {n} lỗi. Sửa từng lỗi dưới đây rồi tải lên lại; chưa có gì được lưu."
MSG_DUPLICATE = "Phiên bản này đã có (cùng nội dung: {name}, mã {label}); không lưu thêm."
MSG_STORED = "Đã lưu phiên bản mới (mã {label}, chưa áp dụng). Xem thay đổi và ảnh hưởng rồi kích hoạt."
MSG_ALREADY_ACTIVE = "Phiên bản này đã được kích hoạt; không kích hoạt lại."
MSG_NO_CRITERIA_FILE = "Chọn tệp YAML của bộ tiêu chí để tải lên."
MSG_EFFECTIVE_DATE = "Ngày có hiệu lực không hợp lệ (ví dụ: 01/01/2026)."
MSG_CONFIRM = "Đánh dấu ô xác nhận đã xem các thay đổi và ảnh hưởng trước khi kích hoạt."
# A commune flag is set by the administrator (Quản trị → Loại xã, vùng nông thôn mới, …): a self-assessment
# sheet that says otherwise is refused rather than silently ignored.
MSG_FLAG_NOT_FROM_SHEET = ("«{label}» của {name} đang là «{stored}»; thông tin này do quản trị hệ thống đặt, "
                           "không sửa qua bảng tự đánh giá. Ghi «{stored}» hoặc để trống ô này.")
