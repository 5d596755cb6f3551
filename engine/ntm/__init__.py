"""The new-rural-development (nông thôn mới, NTM) link tables.

- `models`: the `kind: ntm_link` files as pydantic models, their checks, the table in force for a period and
  the district view of the statuses (shared pieces with the criteria models are in engine/common.py);
- `linker`: a table compiled into rules against one criteria set, deriving each indicator's status;
- `messages`: every sentence the link says, in Vietnamese;
- `text`: the district view as `cfc ntm` prints it.
"""

from engine.ntm.linker import NtmLinker, link_ntm, linker_for_period
from engine.ntm.models import IndicatorView, NtmTable, district_view, table_for_period
from engine.ntm.text import render_district_view

__all__ = [
    "IndicatorView",
    "NtmLinker",
    "NtmTable",
    "district_view",
    "link_ntm",
    "linker_for_period",
    "render_district_view",
    "table_for_period",
]
