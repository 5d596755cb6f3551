"""The states of an assessment, their Vietnamese labels and their groupings
(docs/reference/workflow-and-documents.md). The one place they are written down.

Shared by the web app (which moves assessments between them) and the PDF records (which print them).
Who may move an assessment from one state to another is the web app's (webform/workflow.py).
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
STATES = frozenset(STATE_LABELS)

# In the commune's hands: the commune edits its figures (form or spreadsheet), and the record follows the
# criteria version in force.
EDITABLE_STATES = frozenset({"draft", "returned"})
# The team corrects figures and accepts items only while it is reviewing.
REVIEWABLE_STATES = frozenset({"under_review"})
# Work waits for the district team in these states.
WAITING_STATES = frozenset({"submitted", "under_review"})
# The team's verified figures exist: the commune sees the team's corrections, the district scores them, a
# copy for next year starts from them, and the proposal file (tờ trình, biên bản, phụ lục) can be printed.
VERIFIED_STATES = frozenset({"verified", "proposed", "recognised", "not_recognised"})
