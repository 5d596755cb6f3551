"""Strict validation of a commune's self-assessment before anything reaches the rule engine.

The rule engine compares strings with numbers lexicographically and lets a missing field match nothing,
so only whole numbers and booleans that passed these checks may reach it. Missing figures are not errors:
they leave their criterion "chưa đánh giá".
"""

from __future__ import annotations

import reprlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictInt, ValidationError, create_model

from engine.criteria import CriteriaSet

# No commune counts anywhere near this many of anything; the cap keeps absurd figures (and values the rule
# engine cannot hold exactly) out.
MAX_COUNT = 10_000_000


@dataclass(frozen=True)
class FieldError:
    field: str
    message: str

    def as_dict(self) -> dict[str, str]:
        return {"field": self.field, "message": self.message}


class InvalidAssessment(ValueError):
    def __init__(self, errors: list[FieldError]) -> None:
        self.errors = errors
        super().__init__("; ".join(f"{e.field}: {e.message}" for e in errors))


class Commune(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    code: str
    name: str
    district: str = ""
    province: str = ""
    type: str
    region: str
    ntm_tdmnpb_override: StrictBool = False


@dataclass(frozen=True)
class ValidAssessment:
    commune: Commune
    period: int
    values: dict[str, int | bool]
    missing: list[str] = field(default_factory=list)


def _cut(text: str, width: int = 60) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def _shown(value: Any) -> str:
    """What was typed, cut short: a hostile file may put a megabyte where a number belongs."""
    return _cut(reprlib.repr(value))


def _label(cs: CriteriaSet, input_id: str) -> str:
    return cs.input(input_id).label if cs.has_input(input_id) else input_id


class AssessmentValidator:
    """Validates assessments against one criteria set; built once, used by every request."""

    def __init__(self, cs: CriteriaSet) -> None:
        self.cs = cs
        fields: dict[str, Any] = {}
        for inp in cs.inputs:
            if inp.type == "count":
                fields[inp.id] = (Annotated[StrictInt | None, Field(ge=0, le=MAX_COUNT)], None)
            else:
                fields[inp.id] = (StrictBool | None, None)
        self._values_model = create_model(
            f"Values_{cs.id.replace('-', '_')}", __config__=ConfigDict(extra="forbid"), **fields
        )
        self._tiers = {t.id for t in cs.tiers}
        self._regions = {r.id for r in cs.regions}
        self._parts = [(i.id, i.part_of) for i in cs.inputs if i.part_of]

    def validate(self, data: Any) -> tuple[ValidAssessment | None, list[FieldError]]:
        errors: list[FieldError] = []
        if not isinstance(data, dict):
            return None, [FieldError("", "Tệp đánh giá phải là một bảng có các mục commune, period, values.")]
        for key in data:
            if key not in ("commune", "period", "values"):
                name = _cut(str(key))
                errors.append(FieldError(name, f"Mục «{name}» không có trong mẫu tự đánh giá."))

        commune = self._commune(data.get("commune"), errors)
        period = data.get("period")
        if type(period) is not int or not 2000 <= period <= 2100:
            errors.append(FieldError("period", "Năm đánh giá phải là một năm, ví dụ 2022."))

        raw_values = data.get("values")
        if raw_values is None:
            raw_values = {}
        values: dict[str, int | bool] = {}
        if not isinstance(raw_values, dict):
            errors.append(FieldError("values", "Mục values phải là một bảng số liệu."))
        else:
            values = self._values(raw_values, errors)

        if errors or commune is None or type(period) is not int:  # the period was checked above
            return None, errors
        missing = [i.id for i in self.cs.inputs if i.id not in values]
        return ValidAssessment(commune, period, values, missing), []

    def _commune(self, raw: Any, errors: list[FieldError]) -> Commune | None:
        if not isinstance(raw, dict):
            errors.append(FieldError("commune", "Thiếu thông tin xã (mã, tên, loại xã, vùng)."))
            return None
        start = len(errors)
        code = raw.get("code")
        if not (isinstance(code, str) and len(code) == 5 and code.isascii() and code.isdigit()):
            errors.append(FieldError("commune.code", "Mã xã phải gồm đúng 5 chữ số (mã đơn vị hành chính)."))
        name = raw.get("name")
        if not isinstance(name, str) or not name.strip():
            errors.append(FieldError("commune.name", "Phải nhập tên xã."))
        for key in ("district", "province"):
            if not isinstance(raw.get(key, ""), str):
                errors.append(FieldError(f"commune.{key}", "Phải là một chuỗi chữ."))
        # A list or a mapping where a string belongs must give its message, not a TypeError (unhashable).
        if not isinstance(raw.get("type"), str) or raw.get("type") not in self._tiers:
            errors.append(FieldError(
                "commune.type", "Loại xã phải là một trong: " + ", ".join(sorted(self._tiers)) + "."))
        if not isinstance(raw.get("region"), str) or raw.get("region") not in self._regions:
            errors.append(FieldError(
                "commune.region", "Vùng phải là một trong: " + ", ".join(sorted(self._regions)) + "."))
        if not isinstance(raw.get("ntm_tdmnpb_override", False), bool):
            errors.append(FieldError("commune.ntm_tdmnpb_override", "Phải là true hoặc false."))
        for key in raw:
            if key not in Commune.model_fields:
                name = _cut(str(key))
                errors.append(FieldError(f"commune.{name}", f"Mục «{name}» không có trong thông tin xã."))
        if len(errors) > start:
            return None
        return Commune.model_validate(raw)

    def _values(self, raw: dict[str, Any], errors: list[FieldError]) -> dict[str, int | bool]:
        try:
            model = self._values_model.model_validate(raw)
        except ValidationError as exc:
            for error in exc.errors():
                name = str(error["loc"][0]) if error["loc"] else ""
                errors.append(FieldError(f"values.{name}", self._value_message(name, error)))
            return {}
        values = {k: v for k, v in model.model_dump().items() if v is not None}
        for part, whole in self._parts:
            if part in values and whole in values and values[part] > values[whole]:
                errors.append(FieldError(
                    f"values.{part}",
                    f"«{_label(self.cs, part)}» ({values[part]}) không được lớn hơn "
                    f"«{_label(self.cs, whole)}» ({values[whole]}).",
                ))
        return values

    def _value_message(self, name: str, error: Mapping[str, Any]) -> str:
        if error["type"] == "extra_forbidden":
            return f"Số liệu «{name}» không có trong bộ tiêu chí {self.cs.id}."
        label = _label(self.cs, name)
        if self.cs.has_input(name) and self.cs.input(name).type == "bool":
            return f"«{label}»: phải chọn Có hoặc Không."
        if error["type"] == "greater_than_equal":
            return f"«{label}»: không được là số âm."
        if error["type"] == "less_than_equal":
            return f"«{label}»: số quá lớn (tối đa {MAX_COUNT:,}).".replace(",", ".")
        return f"«{label}»: phải là số nguyên không âm (đã nhập: {_shown(error.get('input'))})."
