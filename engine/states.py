"""The states of an assessment and their Vietnamese labels (docs/reference/workflow-and-documents.md).

Shared by the web app (which moves assessments between them) and the PDF records (which print them).
"""

from __future__ import annotations

STATE_LABELS = {
    "draft": "Nháp",
    "submitted": "Đã gửi",
    "under_review": "Đang thẩm định",
    "returned": "Trả lại",
    "verified": "Đã thẩm định",
    "proposed": "Đã lập tờ trình đề nghị công nhận",
    "recognised": "Đã công nhận",
    "not_recognised": "Không công nhận",
}
