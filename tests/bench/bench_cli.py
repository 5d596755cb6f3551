"""`cfc` from the command line: start-up, and `cfc score --json` over 3,000 YAML and 3,000 JSON files.

    make bench        (or: python tests/bench/bench_cli.py [--files N])

Targets (issue 13): start-up ≤ 0.3 s; ≥ 3,000 JSON files/s; ≥ 1,500 YAML files/s (whole runs, start-up
included, best of 3 on this shared machine). The reference printed beside them is the same run with PyYAML's
pure-Python loader, the way every file was read before.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

import yaml  # noqa: E402

from engine import load_criteria_set  # noqa: E402
from tests.strategies import random_assessment  # noqa: E402


def best_of(cmd: list[str], cwd: Path, runs: int = 3, env: dict | None = None) -> float:
    best = float("inf")
    for _ in range(runs):
        start = time.perf_counter()
        out = subprocess.run(cmd, cwd=cwd, capture_output=True, env=env)
        best = min(best, time.perf_counter() - start)
        assert out.returncode == 0, out.stderr.decode()[-2000:]
    return best


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--files", type=int, default=3000)
    args = parser.parse_args()
    cs = load_criteria_set(ROOT / "criteria" / "qd06-2019.yaml")
    rng = random.Random(13)
    cfc = [sys.executable, "-m", "engine"]
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        for n in range(args.files):
            doc = random_assessment(cs, rng, missing=True)
            (folder / f"{n:04d}.json").write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
            (folder / f"{n:04d}.yaml").write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
        json_files = sorted(p.name for p in folder.glob("*.json"))
        yaml_files = sorted(p.name for p in folder.glob("*.yaml"))
        startup = best_of([*cfc, "--help"], folder, runs=5)
        one = best_of([*cfc, "score", "--json", yaml_files[0]], folder, runs=5)
        t_json = best_of([*cfc, "score", "--json", *json_files], folder)
        t_yaml = best_of([*cfc, "score", "--json", *yaml_files], folder)
        pure = dict(os.environ, CFC_PURE_YAML="1")
        t_yaml_pure = best_of([*cfc, "score", "--json", *yaml_files], folder, runs=1, env=pure)
    n = args.files
    print(f"cfc start-up (cfc --help)       {startup:>8.2f} s      (target ≤ 0.3 s; before: 0.51 s)")
    print(f"cfc score --json, one YAML file {one:>8.2f} s")
    print(f"cfc score --json, {n:,} JSON     {n / t_json:>8,.0f} files/s (target ≥ 3,000; before ≈ 1,000)")
    print(f"cfc score --json, {n:,} YAML     {n / t_yaml:>8,.0f} files/s (target ≥ 1,500; before 265–283)")
    print(f"  … same with pure-Python YAML  {n / t_yaml_pure:>8,.0f} files/s (old reader)")


if __name__ == "__main__":
    main()
