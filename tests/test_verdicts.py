"""Verdicts beyond the cases: the failed conditions spelled out, an empty form, the examples, provisional
items. Each condition and tier on and next to its threshold: criteria/tests/qd06-2019.verdicts.cases.yaml."""

from __future__ import annotations

from tests.conftest import ROOT


def test_failed_conditions_are_spelled_out(engine, ia_toi):
    ia_toi["commune"]["type"] = "con_lai"
    ia_toi["values"]["c3_abused"] = 5
    ia_toi["values"]["c3_sexually_abused"] = 1
    del ia_toi["values"]["c9_checked"]
    result = engine.score(ia_toi)
    assert result.failed_conditions == [
        "Chưa đạt: tất cả 13 tiêu chí đều được đánh giá (đủ số liệu hợp lệ) — tiêu chí 9 chưa đánh giá "
        "(thiếu: Số trẻ em được khám sức khỏe định kỳ)",
        "Chưa đạt: không có tiêu chí nào đạt 0 điểm — tiêu chí 3 (Trẻ em bị xâm hại) đạt 0 điểm",
        "Chưa đạt: tổng điểm đạt điểm chuẩn theo loại xã — tổng điểm 715 thấp hơn điểm chuẩn 850 "
        "(Xã, phường, thị trấn còn lại)",
    ]
    assert result.missing_inputs == ["c9_checked"]
    assert not result.criterion("9").assessed
    assert result.item("9.1").explanation == (
        "Chưa có số liệu: Số trẻ em được khám sức khỏe định kỳ → chưa đánh giá")


def test_empty_assessment_is_not_assessed_not_a_crash(engine):
    result = engine.score({"commune": {"code": "23535", "name": "Xã Ia Đal", "type": "mien_nui_dbkk",
                                       "region": "tay_nguyen"}, "period": 2022, "values": {}})
    assert result.total == 0
    assert not result.recognised
    assert not any(c.assessed for c in result.criteria)
    assert len(result.missing_inputs) == 39


def test_examples(engine):
    from engine.io.files import read_assessment

    totals = {}
    for name in ("ia-toi", "ia-dal", "ia-dom"):
        doc, errors = read_assessment(ROOT / "examples" / f"{name}-2022.yaml")
        assert errors == []
        result = engine.score(doc)
        totals[name] = (result.total, result.recognised, result.missing_inputs)
    assert totals == {
        "ia-toi": (845, True, []),
        "ia-dal": (650, False, []),
        "ia-dom": (895, False, ["c9_checked"]),
    }


def test_provisional_items_counted(engine, ia_toi, criteria_set):
    result = engine.score(ia_toi)
    assert result.provisional_items == 22
    assert result.provisional_notice == (
        "Kết quả tạm tính: 22 mục của bộ tiêu chí chưa được đối chiếu với văn bản gốc")
    confirmed = [i.id for i in criteria_set.items if i.status == "confirmed"]
    assert confirmed == ["1.1", "1.2", "1.3", "1.4"]
    # the top bands of 6.1, 6.2 and 7.1 are confirmed, the rest of those items provisional
    for item_id in ("6.1", "6.2", "7.1"):
        item = criteria_set.item(item_id)
        assert item.band_status(item.bands[0]) == "confirmed"
        assert item.status == "provisional"
