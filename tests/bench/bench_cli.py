"""`cfc` from the command line: start-up, and `cfc score --json` over 3,000 YAML and 3,000 JSON files.

    make bench    (or: python tests/bench/bench_cli.py [--files N] [--reference DIR | --reference-commit C])

Targets (issue 13): start-up ≤ 0.3 s; ≥ 3,000 JSON files/s; ≥ 1,500 YAML files/s (whole runs, start-up
included, best of 3 on this shared machine). Printed beside every figure, measured in the same run:
- the code before issue 13's CLI work (commit df9a5f1) and before this round of it (4d77683), each extracted
  with `git archive` (or checkouts given with --reference), run on the same files;
- the same code in one process (CFC_PROCS=1), since by default many files are shared by one worker process
  per core (engine/cli/score.py);
- in process, per file: reading and parsing (the CLI's part), validating, and the engine's scoring and JSON
  line (the engine's part, tests/bench/bench_engine.py), so that either part can be seen apart.
Whole runs are timed by the wall clock (what a user waits for); the CPU seconds of all the run's processes
are in brackets (steadier on a shared machine, but they add up the workers' time).
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import random
import resource
import subprocess
import sys
import tarfile
import tempfile
import time
from io import BytesIO
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

import yaml  # noqa: E402

from engine.io.load import load_criteria_set  # noqa: E402
from tests.strategies import random_assessment  # noqa: E402

# (label, commit): main before issue 13's CLI work, and main before this round of it.
REFERENCE_COMMITS = (("before", "df9a5f1"), ("last round", "4d77683"))


def best_of(cmd: list[str], cwd: Path, runs: int = 3, env: dict | None = None) -> tuple[float, float]:
    """(best wall seconds, best CPU seconds of the run's processes)."""
    best_wall = best_cpu = float("inf")
    for _ in range(runs):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        out = subprocess.run(cmd, cwd=cwd, capture_output=True, env=env)
        best_wall = min(best_wall, time.perf_counter() - start)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        best_cpu = min(best_cpu, after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime)
        assert out.returncode == 0, out.stderr.decode()[-2000:]
    return best_wall, best_cpu


def measure(folder: Path, json_files: list[str], yaml_files: list[str], env: dict) -> dict:
    cfc = [sys.executable, "-m", "engine"]
    return {
        "startup": best_of([*cfc, "--help"], folder, runs=5, env=env),
        "one": best_of([*cfc, "score", "--json", yaml_files[0]], folder, runs=5, env=env),
        "json": best_of([*cfc, "score", "--json", *json_files], folder, env=env),
        "yaml": best_of([*cfc, "score", "--json", *yaml_files], folder, env=env),
    }


def reference_tree(commit: str, into: Path) -> Path | None:
    """The repository's files at `commit`, or None when this is not a git checkout that has it."""
    try:
        tar = subprocess.run(["git", "-C", str(ROOT), "archive", commit], capture_output=True, check=True)
    except (OSError, subprocess.CalledProcessError):
        return None
    with tarfile.open(fileobj=BytesIO(tar.stdout)) as archive:
        archive.extractall(into, filter="data")
    return into


def split(folder: Path, names: list[str]) -> dict[str, float]:
    """Microseconds per file, in this process: read and parse / validate / score / JSON line."""
    from engine.io.engines import Engines
    from engine.io.files import read_assessment
    from engine.io.jsonout import result_json

    engines = Engines()
    gc.freeze()
    best: dict[str, float] = {}
    for _ in range(3):
        spent = dict.fromkeys(("read", "validate", "score", "json"), 0.0)
        for name in names:
            a = time.process_time()
            doc, _ = read_assessment(folder / name)
            b = time.process_time()
            eng = engines.for_document(doc)
            valid, _ = eng.validator.validate(doc)
            c = time.process_time()
            result = eng.score_valid(valid)
            d = time.process_time()
            result_json(result)
            e = time.process_time()
            for key, t in zip(spent, (b - a, c - b, d - c, e - d), strict=True):
                spent[key] += t
        if not best or sum(spent.values()) < sum(best.values()):
            best = spent
    return {k: v / len(names) * 1e6 for k, v in best.items()}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--files", type=int, default=3000)
    parser.add_argument("--reference", type=Path, action="append",
                        help="a checkout of the code before (e.g. `git archive df9a5f1 | tar -x -C DIR`); "
                             "may be given more than once")
    parser.add_argument("--reference-commit", action="append",
                        help="a commit measured as 'before' (default: " +
                             ", ".join(c for _, c in REFERENCE_COMMITS) + ")")
    args = parser.parse_args()
    cs = load_criteria_set(ROOT / "criteria" / "qd06-2019.yaml")
    rng = random.Random(13)
    n = args.files
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "files"
        folder.mkdir()
        for i in range(n):
            doc = random_assessment(cs, rng, missing=True)
            (folder / f"{i:04d}.json").write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
            (folder / f"{i:04d}.yaml").write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
        json_files = sorted(p.name for p in folder.glob("*.json"))
        yaml_files = sorted(p.name for p in folder.glob("*.yaml"))
        # PYTHONDONTWRITEBYTECODE (set on some machines, this one included) makes every run compile the
        # sources again (≈ 60 ms of start-up); an installed cfc has its bytecode, so the runs write and reuse
        # it like one (best_of keeps the best run, never the first that writes it).
        env = {k: v for k, v in os.environ.items() if k not in ("CFC_PROCS", "PYTHONDONTWRITEBYTECODE")}
        if args.reference:
            references = [(f"before ({path.name})", path) for path in args.reference]
        else:
            commits = ([(f"before ({c})", c) for c in args.reference_commit] if args.reference_commit
                       else [(f"{label} ({c})", c) for label, c in REFERENCE_COMMITS])
            references = []
            for place, (label, commit) in enumerate(commits):
                tree = reference_tree(commit, Path(tmp) / f"reference{place}")
                if tree is not None:
                    references.append((label, tree))
        runs = {"now": measure(folder, json_files, yaml_files, env)}
        runs["now, one process"] = measure(folder, json_files, yaml_files, dict(env, CFC_PROCS="1"))
        for label, tree in references:
            runs[label] = measure(folder, json_files, yaml_files,
                                  dict(env, PYTHONPATH=str(Path(tree).resolve())))
        parts = {"JSON": split(folder, json_files[:1000]), "YAML": split(folder, yaml_files[:1000])}

    def fmt(pair: tuple[float, float], per_file: bool) -> str:
        if per_file:
            return f"{n / pair[0]:>6,.0f} files/s [{pair[1]:>5.2f} s CPU]"
        return f"{pair[0]:>6.2f} s       [{pair[1]:>5.2f} s CPU]"

    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    print(f"cfc — whole runs, wall clock (CPU of all the run's processes in brackets); {cores} cores here")
    print(f"  {'':<28} {'now':<30} " + " ".join(f"{k:<30}" for k in runs if k != "now") + "target")
    for label, key, per_file, target in (
        ("start-up (cfc --help)", "startup", False, "≤ 0.3 s"),
        ("score --json, 1 YAML file", "one", False, "—"),
        (f"score --json, {n:,} JSON", "json", True, "≥ 3,000/s"),
        (f"score --json, {n:,} YAML", "yaml", True, "≥ 1,500/s"),
    ):
        cells = " ".join(f"{fmt(runs[k][key], per_file):<30}" for k in runs)
        print(f"  {label:<28} {cells} {target}")
    print("  in process, µs per file (CPU): read+parse is the CLI's part; score+JSON the engine's")
    for kind, spent in parts.items():
        total = sum(spent.values())
        print(f"    {kind}: read+parse {spent['read']:5.0f}   validate {spent['validate']:5.0f}   "
              f"score {spent['score']:5.0f}   JSON {spent['json']:5.0f}   = {total:5.0f} µs "
              f"({1e6 / total:,.0f} files/s on one core)")


if __name__ == "__main__":
    main()
