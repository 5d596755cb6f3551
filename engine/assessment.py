"""Strict validation of a commune's self-assessment before anything reaches the rule engine.

The rule engine compares strings with numbers lexicographically and lets a missing field match nothing,
so only whole numbers and booleans that passed these checks may reach it. Missing figures are not errors:
they leave their criterion "chưa đánh giá".
"""

from __future__ import annotations

import reprlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictInt, ValidationError, create_model

from engine.criteria import CriteriaSet
from engine.flags import BASE_FIELDS

# No commune counts anywhere near this many of anything; the cap keeps absurd figures (and values the rule
# engine cannot hold exactly) out.
MAX_COUNT = 10_000_000
_ABSENT = object()


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
    """The commune block of an assessment. Its yes/no flags are those the link tables declare
    (engine/flags.py); in the file they sit beside the fixed fields (`commune: {<flag id>: true}`)."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    code: str
    name: str
    district: str = ""
    province: str = ""
    type: str
    region: str
    flags: Mapping[str, StrictBool] = {}


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
    """Validates assessments against one criteria set; built once, used by every request.

    `flags`: the ids of the commune flags the link tables declare (engine/flags.py); any other key of the
    commune block is refused."""

    def __init__(self, cs: CriteriaSet, flags: Iterable[str] = ()) -> None:
        self.cs = cs
        self.flags = tuple(dict.fromkeys(f for f in flags if f not in BASE_FIELDS))
        fields: dict[str, Any] = {}
        for inp in cs.inputs:
            if inp.type == "count":
                fields[inp.id] = (Annotated[StrictInt | None, Field(ge=0, le=MAX_COUNT)], None)
            else:
                fields[inp.id] = (StrictBool | None, None)
        self._values_model = create_model(
            f"Values_{cs.id.replace('-', '_')}", __config__=ConfigDict(extra="forbid"), **fields
        )
        # The fast path for plain dicts of exact ints and booleans (see _values): in form order.
        self._kinds = [(inp.id, inp.type == "count") for inp in cs.inputs]
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
        missing = [] if len(values) == len(self._kinds) else [
            name for name, _ in self._kinds if name not in values]
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
        flags: dict[str, bool] = {}
        for flag in self.flags:
            value = raw.get(flag, False)
            if type(value) is not bool:  # YAML's yes/1/"true" are not booleans here: only true or false
                errors.append(FieldError(f"commune.{flag}", "Phải là true hoặc false."))
            elif flag in raw:
                flags[flag] = value
        for key in raw:
            if key not in BASE_FIELDS and key not in flags and key not in self.flags:
                name = _cut(str(key))
                errors.append(FieldError(f"commune.{name}", f"Mục «{name}» không có trong thông tin xã."))
        if len(errors) > start:
            return None
        fixed = {key: raw[key] for key in BASE_FIELDS if key in raw}
        # Validated, not model_construct()ed: pydantic-core checks these few strings faster than
        # model_construct() copies them (measured, pydantic 2.14).
        fixed["flags"] = flags
        return Commune.model_validate(fixed)

    def _values(self, raw: dict[str, Any], errors: list[FieldError]) -> dict[str, int | bool]:
        values = self._plain_values(raw)
        if values is None:
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

    def _plain_values(self, raw: dict[str, Any]) -> dict[str, int | bool] | None:
        """The values, in form order, when every key is an input and every value an exact int in range,
        an exact bool or None (what a JSON or YAML file and the web form give): what the pydantic model
        would give, without its cost. None for anything else, which the model then checks and explains."""
        values: dict[str, int | bool] = {}
        found = 0
        for name, is_count in self._kinds:
            value = raw.get(name, _ABSENT)
            if value is _ABSENT:
                continue
            found += 1
            if value is None:
                continue
            if is_count:
                if type(value) is not int or not 0 <= value <= MAX_COUNT:
                    return None
            elif type(value) is not bool:
                return None
            values[name] = value
        return values if found == len(raw) else None  # else a key that is no input

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
