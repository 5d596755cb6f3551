"""`cfc score` and its output formats, run as a real subprocess."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys

from tests.conftest import EXAMPLES


def cfc(*args: str) -> subprocess.CompletedProcess:
    exe = shutil.which("cfc")
    cmd = [exe] if exe else [sys.executable, "-m", "engine"]
    return subprocess.run([*cmd, *args], capture_output=True, text=True)


def test_json_one_object_per_file_in_input_order():
    files = [str(EXAMPLES / f"{n}-2022.yaml") for n in ("ia-toi", "ia-dal", "ia-dom")]
    out = cfc("score", "--json", *files)
    assert out.returncode == 0, out.stderr
    lines = [json.loads(line) for line in out.stdout.splitlines()]
    assert [d["file"] for d in lines] == files
    toi = lines[0]
    assert {k: toi[k] for k in ("commune", "period", "criteria_set", "total", "max_total", "threshold",
                                "recognised", "provisional_items", "missing_inputs")} == {
        "commune": "23538", "period": 2022, "criteria_set": "qd06-2019", "total": 845, "max_total": 1000,
        "threshold": 800, "recognised": True, "provisional_items": 22, "missing_inputs": []}
    assert [c["id"] for c in toi["criteria"]] == [str(n) for n in range(1, 14)]
    assert toi["criteria"][0] == {"id": "1", "name": "Nguồn lực thực hiện quyền trẻ em", "points": 100,
                                  "max": 100, "assessed": True}
    assert toi["items"][0]["id"] == "1.1" and toi["items"][-1]["id"] == "13.2"
    assert toi["failed_conditions"] == []
    assert lines[2]["missing_inputs"] == ["c9_checked"] and lines[2]["recognised"] is False


def test_invalid_file_reported_and_others_still_scored(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"commune": {"code": "23538", "name": "Xã Ia Tơi", "type": "mien_nui_dbkk",
                                           "region": "tay_nguyen"}, "period": 2022,
                               "values": {"c2_births": 10, "c2_registered_on_time": 12, "c3_abused": "2"}}),
                   encoding="utf-8")
    garbage = tmp_path / "garbage.yaml"
    garbage.write_text("commune: [unclosed\n", encoding="utf-8")
    good = str(EXAMPLES / "ia-toi-2022.yaml")
    out = cfc("score", "--json", str(bad), good, str(garbage))
    assert out.returncode == 2
    first, second, third = (json.loads(line) for line in out.stdout.splitlines())
    assert first == {"file": str(bad), "errors": [
        {"field": "values.c3_abused",
         "message": "«Số trẻ em bị xâm hại trong kỳ»: phải là số nguyên không âm (đã nhập: '2')."},
    ]}
    assert second["total"] == 845
    assert third["file"] == str(garbage)
    assert third["errors"][0]["message"].startswith("Tệp không đúng định dạng YAML/JSON")


def test_part_over_whole_in_cli(tmp_path):
    bad = tmp_path / "bad.yaml"
    text = (EXAMPLES / "ia-toi-2022.yaml").read_text(encoding="utf-8")
    bad.write_text(text.replace("c2_registered_on_time: 42", "c2_registered_on_time: 43"), encoding="utf-8")
    out = cfc("score", "--json", str(bad))
    assert out.returncode == 2
    assert json.loads(out.stdout)["errors"][0]["field"] == "values.c2_registered_on_time"


def test_text_table():
    out = cfc("score", str(EXAMPLES / "ia-dom-2022.yaml"))
    assert out.returncode == 0
    text = out.stdout
    assert "Xã Ia Dom (23537) — năm 2022 — bộ tiêu chí qd06-2019" in text
    assert "Kết quả tạm tính: 22 mục của bộ tiêu chí chưa được đối chiếu với văn bản gốc" in text
    assert "Tổng điểm: 895/1000" in text
    assert "Kết luận: Không đạt" in text
    assert "tiêu chí 9" in text and "(thiếu: Số trẻ em được khám sức khỏe định kỳ)" in text
    assert "27/27 = 100 % ≥ 98 % → 50/50 điểm" in text


def test_explicit_criteria_file():
    out = cfc("score", "--json", "--criteria", "criteria/qd06-2019.yaml", str(EXAMPLES / "ia-dal-2022.yaml"))
    assert out.returncode == 0
    assert json.loads(out.stdout)["total"] == 650
