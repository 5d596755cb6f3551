"""Bad input gets one clear Vietnamese message per problem and is never scored."""

from __future__ import annotations

import pytest

from engine import InvalidAssessment
from tests.conftest import commune


def _errors(engine, values=None, **top):
    doc = {"commune": commune(), "period": 2022, "values": values or {}}
    doc.update(top)
    return [(e.field, e.message) for e in engine.validate(doc)]


@pytest.mark.parametrize("value", ["12", 12.0, 12.5, True, [12], {"a": 1}, float("nan"), float("inf")])
def test_count_must_be_a_whole_number(engine, value):
    errors = _errors(engine, {"c2_births": value})
    assert len(errors) == 1
    field, message = errors[0]
    assert field == "values.c2_births"
    assert message.startswith("«Số trẻ em sinh ra trong kỳ»: phải là số nguyên không âm")


@pytest.mark.parametrize("value", [1, 0, "true", "Có", 2.0])
def test_yes_no_must_be_a_boolean(engine, value):
    errors = _errors(engine, {"c1_officer": value})
    assert errors == [
        ("values.c1_officer", "«Có người làm công tác bảo vệ trẻ em cấp xã»: phải chọn Có hoặc Không.")]


def test_negative_and_too_large(engine):
    assert _errors(engine, {"c2_births": -1}) == [
        ("values.c2_births", "«Số trẻ em sinh ra trong kỳ»: không được là số âm.")]
    assert _errors(engine, {"c2_births": 10_000_001}) == [
        ("values.c2_births", "«Số trẻ em sinh ra trong kỳ»: số quá lớn (tối đa 10.000.000).")]


def test_part_greater_than_whole_names_both_fields(engine):
    assert _errors(engine, {"c2_births": 40, "c2_registered_on_time": 41}) == [(
        "values.c2_registered_on_time",
        "«Số trẻ em sinh ra trong kỳ được đăng ký khai sinh đúng hạn» (41) không được lớn hơn "
        "«Số trẻ em sinh ra trong kỳ» (40).",
    )]
    # a rate over the whole population is a part of it too
    assert _errors(engine, {"children_under16": 10, "c5_injured": 11})[0][0] == "values.c5_injured"


def test_unknown_field(engine):
    assert _errors(engine, {"c99_foo": 1}) == [
        ("values.c99_foo", "Số liệu «c99_foo» không có trong bộ tiêu chí qd06-2019.")]
    assert _errors(engine, extra=1) == [("extra", "Mục «extra» không có trong mẫu tự đánh giá.")]


def test_commune_and_period(engine):
    doc = {"commune": {"code": "2353", "name": "", "type": "thanh_pho", "region": "mars",
                       "child_names": "x"}, "period": "2022", "values": {}}
    fields = [e.field for e in engine.validate(doc)]
    assert fields == ["commune.code", "commune.name", "commune.type", "commune.region",
                      "commune.child_names", "period"]
    assert engine.validate([]) [0].message.startswith("Tệp đánh giá phải là một bảng")


def test_one_message_per_problem_and_nothing_scored(engine):
    doc = {"commune": commune(), "period": 2022,
           "values": {"c2_births": "abc", "c3_abused": -2, "c1_board": 1}}
    with pytest.raises(InvalidAssessment) as caught:
        engine.score(doc)
    fields = [e.field for e in caught.value.errors]
    assert fields == ["values.c1_board", "values.c2_births", "values.c3_abused"]


def test_missing_is_not_an_error(engine):
    assert _errors(engine, {"c2_births": None, "c3_abused": 0}) == []
