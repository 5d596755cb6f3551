"""Generate webform/data/units_legacy.json from the `vietnamadminunits` dataset (run by hand; committed).

Why a file: the library needs shapely and geopy at import time (for geocoding street addresses), which the
product never does. The product reads only the legacy units (63 provinces, their districts and communes) and
the old -> new mapping, so this script copies exactly those from the library's own data and records the
library version. Current units are resolved to the codes of `vietnam-provinces` (the official list the
import uses), by name within the new province, because the two libraries differ on about a hundred codes.

    .venv/bin/pip install -e '.[units-data]'      # vietnamadminunits (1.0.4 generated the committed file)
    .venv/bin/python tools/gen_legacy_units.py          # writes webform/data/units_legacy.json
"""

from __future__ import annotations

import json
import sqlite3
import sys
import unicodedata
from importlib.metadata import version
from pathlib import Path

OUT = Path(__file__).resolve().parent.parent / "webform" / "data" / "units_legacy.json"


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", (text or "").strip())


def main() -> int:
    import vietnam_provinces
    import vietnamadminunits  # noqa: F401  (the version recorded is the installed one)
    from vietnam_provinces import Ward

    data_dir = Path(vietnamadminunits.__file__).parent / "data"
    db = sqlite3.connect(data_dir / "dataset.db")
    db.row_factory = sqlite3.Row
    converter = json.loads((data_dir / "converter_2025.json").read_text(encoding="utf-8"))

    legacy = list(db.execute("SELECT DISTINCT province, provinceCode, provinceKey, district, districtType,"
                             " districtCode, districtKey, ward, wardType, wardCode, wardKey"
                             " FROM admin_units_legacy"))
    new_rows = list(db.execute("SELECT provinceKey, provinceCode, ward, wardKey FROM admin_units"))
    new_province_code = {r["provinceKey"]: r["provinceCode"] for r in new_rows}
    new_name = {(r["provinceKey"], r["wardKey"]): nfc(r["ward"]) for r in new_rows}
    vp_by_name = {(f"{w.province_code.value:02d}", nfc(w.name)): f"{w.code.value:05d}"
                  for w in Ward.iter_all()}
    vp_by_key = {(f"{w.province_code.value:02d}", w.codename.replace("_", "")): f"{w.code.value:05d}"
                 for w in Ward.iter_all()}

    def current_code(province_key: str, ward_key: str) -> str:
        pcode = new_province_code[province_key]
        name = new_name.get((province_key, ward_key), "")
        code = vp_by_name.get((pcode, name)) or vp_by_key.get((pcode, ward_key))
        if code is None:
            raise SystemExit(f"no current unit for {province_key}/{ward_key} ({name})")
        return code

    provinces: dict[str, list] = {}
    districts: dict[str, list] = {}
    wards: dict[str, list] = {}
    # "provinceKey_districtKey_wardKey" (the converter's key) -> ("xa", code) or ("huyen", code) for the
    # island districts that have no commune and became special zones (đặc khu).
    key_to_unit: dict[str, tuple[str, str]] = {}
    old_to_new_province = {old: new for new, olds in converter["DICT_PROVINCE"].items() for old in olds}
    for r in legacy:
        pcode = r["provinceCode"]
        new_pcode = new_province_code[old_to_new_province[r["provinceKey"]]]
        provinces[pcode] = [pcode, nfc(r["province"]), new_pcode]
        districts[r["districtCode"]] = [r["districtCode"], nfc(r["district"]), nfc(r["districtType"]), pcode]
        if r["wardCode"]:
            wards[r["wardCode"]] = [r["wardCode"], nfc(r["ward"]), nfc(r["wardType"]), r["districtCode"]]
            key_to_unit[f"{r['provinceKey']}_{r['districtKey']}_{r['wardKey']}"] = ("xa", r["wardCode"])
        else:
            key_to_unit[f"{r['provinceKey']}_{r['districtKey']}_"] = ("huyen", r["districtCode"])

    # merges: a current unit formed from one or more whole old units; splits: an old unit divided between
    # several current ones (the converter's "default" one holds the old seat).
    merges = []
    for pkey, by_new in sorted(converter["DICT_PROVINCE_WARD_NO_DIVIDED"].items()):
        for new_key, old_keys in sorted(by_new.items()):
            olds = [list(key_to_unit[k]) for k in old_keys]
            merges.append([current_code(pkey, new_key), olds])
    splits = []
    for pkey, by_old in sorted(converter["DICT_PROVINCE_WARD_DIVIDED"].items()):
        for old_key, news in sorted(by_old.items()):
            splits.append([list(key_to_unit[old_key]),
                           [[current_code(pkey, n["newWardKey"]), bool(n["isDefaultNewWard"])]
                            for n in news]])

    doc = {
        "source": {
            "package": "vietnamadminunits",
            "version": version("vietnamadminunits"),
            "tables": "admin_units_legacy (dataset.db), converter_2025.json",
            "current_codes_from": f"vietnam-provinces {vietnam_provinces.__version__} "
                                  f"(data {vietnam_provinces.__data_version__})",
            "generated_by": "tools/gen_legacy_units.py",
            "reform_date": "2025-07-01",
        },
        "provinces": sorted(provinces.values()),   # [code, name, current province code]
        "districts": sorted(districts.values()),   # [code, name, kind, province code]
        "wards": sorted(wards.values()),           # [code, name, kind, district code]
        "merges": sorted(merges),                  # [current ward code, [[level, old code], ...]]
        "splits": sorted(splits),                  # [[level, old code], [[current ward code, default], ...]]
    }
    OUT.parent.mkdir(parents=True, exist_ok=True)
    # One record per line: small diffs when the library is updated.
    lines = ["{"]
    lines.append(f'"source": {json.dumps(doc["source"], ensure_ascii=False)},')
    keys = ["provinces", "districts", "wards", "merges", "splits"]
    for n, key in enumerate(keys):
        rows = ",\n".join(json.dumps(row, ensure_ascii=False, separators=(",", ":")) for row in doc[key])
        lines.append(f'"{key}": [\n{rows}\n]' + ("," if n < len(keys) - 1 else ""))
    lines.append("}")
    OUT.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"{OUT}: {len(provinces)} provinces, {len(districts)} districts, {len(wards)} wards, "
          f"{len(merges)} merges, {len(splits)} splits", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
