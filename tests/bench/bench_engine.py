"""Engine benchmark: synthetic communes through the durable_rules engine in one process, side by side with
a plain-Python evaluation of the same criteria YAML, plus memory over many assessments.

    make bench        (or: python tests/bench/bench_engine.py [--communes N] [--memory-runs M])

Targets: ≥ 2,000 assessments/s on one core (issue 2); engine + NTM link + JSON line ≥ 5,000/s with
durable_rules deciding every band (issue 13); RSS growth ≤ 20 MB over 100,000 assessments. Each figure is
printed beside the reference figures BEFORE and FILED (below). The engine alone and with the NTM link
decide every band and status but build the sentences only when read: the "every object read" line is what
a page or the text output costs.
Figures are CPU time of this process (time.process_time): steadier than wall time on a shared machine.
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

import yaml  # noqa: E402

from engine import Engine  # noqa: E402
from engine.compile import build_fact, compile_rules, plan_items  # noqa: E402
from engine.io.catalog import Catalog  # noqa: E402
from engine.io.jsonout import result_json  # noqa: E402
from engine.io.load import load_criteria_set  # noqa: E402
from tests.oracle import evaluate  # noqa: E402
from tests.strategies import random_assessment  # noqa: E402

CRITERIA = ROOT / "criteria" / "qd06-2019.yaml"


# Reference figures, assessments (or facts) per second on this machine, printed beside each new one:
# "before" as measured at the start of the last speed-up (issue 13, second round), "filed" as issue 13
# reported them. Only for reading the new figures against; nothing asserts on them.
BEFORE = {"engine": 7_047, "ntm": 4_727, "full": 2_082, "ntm_batch": 5_577, "full_batch": 2_489}
FILED = {"engine": 3_900, "ntm": 1_700, "full": 1_340}


def row(label: str, value: float, key: str, note: str = "") -> None:
    def ref(table: dict[str, int]) -> str:
        return f"{table[key]:>8,}" if key in table else f"{'—':>8}"
    print(f"{label:<28}{value:>10,.0f}  {ref(BEFORE)}  {ref(FILED)}  {note}".rstrip())


def rss_mb() -> float:
    with open("/proc/self/statm") as f:
        pages = int(f.read().split()[1])
    return pages * resource.getpagesize() / 2**20


def rate(fn, docs, repeat: int = 3) -> float:
    best = 0.0
    for _ in range(repeat):
        start = time.process_time()
        for doc in docs:
            fn(doc)
        best = max(best, len(docs) / (time.process_time() - start))
    return best


def rate_batched(fn, docs, size: int = 200, repeat: int = 3) -> float:
    """`rate` for a function of a list of documents, given `size` at a time (cfc score's chunks)."""
    best = 0.0
    for _ in range(repeat):
        start = time.process_time()
        for i in range(0, len(docs), size):
            fn(docs[i:i + size])
        best = max(best, len(docs) / (time.process_time() - start))
    return best


def _read_all(result) -> None:
    for name in ("criteria", "items", "conditions", "failed_conditions", "ntm"):
        getattr(result, name)


def naive_ruleset(cs):
    """The same compiled rules run the way durable_rules' documentation suggests: a stock Host (its timer
    threads switched off) and a Python action per rule that records the firing in the session state. Kept
    here, not in engine/, only to measure what engine/rules.py's direct dispatch saves."""
    from durable import engine as durable_engine

    class QuietHost(durable_engine.Host):
        def _run(self) -> None:  # the stock timers race with synchronous calls
            pass

    def action_for(name):
        def action(c):
            c.s.fired = [*(c.s.fired or []), name]
        return action

    definition = {
        name: {"all": [{"m": {"$and": [{"cfc_fact": True}] + [t.to_durable() for t in terms]}}],
               "run": action_for(name)}
        for name, terms in compile_rules(cs).items()
    }
    definition["$fact"] = {"all": [{"m": {"cfc_fact": True}}], "run": action_for("$fact")}
    host = QuietHost()
    host.register_rulesets({"naive": definition})
    counter = iter(range(10**9))

    def fire(fact):
        sid = str(next(counter))
        try:
            host.assert_fact("naive", {**fact, "sid": sid, "cfc_fact": True})
        finally:
            host.delete_state("naive", sid)
    return fire


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--communes", type=int, default=10_000)
    parser.add_argument("--memory-runs", type=int, default=100_000)
    args = parser.parse_args()

    cs = load_criteria_set(CRITERIA)
    doc = yaml.safe_load(CRITERIA.read_text(encoding="utf-8"))
    engine = Engine(cs)
    rng = random.Random(2022)
    docs = [random_assessment(cs, rng, missing=True) for _ in range(args.communes)]

    # Both evaluate the same assessments; they must agree before their speeds mean anything.
    for d in docs[:500]:
        assert engine.score(d).total == evaluate(doc, d)["total"]

    engine_rate = rate(engine.score, docs)
    plain_rate = rate(lambda d: evaluate(doc, d), docs)
    catalog = Catalog.load()
    with_ntm = Engine(catalog.for_period(2022), catalog.ntm_tables)
    ntm_rate = rate(with_ntm.score, docs)
    full_rate = rate(lambda d: result_json(with_ntm.score(d)), docs)
    # The same, 200 assessments at a time (Engine.score_many: many facts per durable_rules session).
    ntm_batch = rate_batched(with_ntm.score_many, docs)
    full_batch = rate_batched(lambda ds: [result_json(r) for r in with_ntm.score_many(ds)], docs)
    # A result builds its objects and sentences when first read (engine/result.py): what a page or the
    # text output costs, every one of them read.
    read_rate = rate(lambda d: _read_all(with_ntm.score(d)), docs)
    old_json = rate(lambda d: json.dumps(with_ntm.score(d).as_dict(), ensure_ascii=False), docs, repeat=1)

    # The rule engine alone, on the same facts: how results are collected decides the speed.
    plans = plan_items(cs)
    facts = [build_fact(plans, engine.validator.validate(d)[0].values)[0] for d in docs[:3000]]
    direct_rate = rate(engine.rules.fire, facts)
    many_rate = rate_batched(engine.rules.fire_many, facts)
    naive_rate = rate(naive_ruleset(cs), facts, repeat=1)

    print(f"communes per run            {args.communes:>10,}")
    print(f"{'':28}{'now':>10}  {'before':>8}  {'filed':>8}  target / note")
    row("engine (durable_rules)", engine_rate, "engine", "≥ 2,000")
    row("plain Python, same YAML", plain_rate, "plain")
    print(f"ratio plain / engine        {plain_rate / engine_rate:>10.1f} ×")
    row("engine + NTM link", ntm_rate, "ntm", "what cfc and the web app run")
    row("  … and its JSON line", full_rate, "full", "≥ 5,000")
    row("engine + NTM, batched", ntm_batch, "ntm_batch", "score_many, 200 at a time")
    row("  … and its JSON line", full_batch, "full_batch", "≥ 5,000 (cfc score's path)")
    row("  … every object read", read_rate, "read", "every text built")
    row("  … JSON by json.dumps", old_json, "old_json", "as_dict + json.dumps")
    row("rules only, direct dispatch", direct_rate, "direct", "facts/s (engine/rules.py)")
    row("rules only, fire_many", many_rate, "many", "facts/s (50 facts per session)")
    row("rules only, stock actions", naive_rate, "naive", "facts/s (Host + a Python action per rule)")
    print(f"ratio direct / stock        {direct_rate / naive_rate:>10.1f} ×")

    before = rss_mb()
    done = 0
    while done < args.memory_runs:
        for d in docs:
            # The whole path, so that every cache (items, statuses, JSON fragments) is filled.
            result_json(with_ntm.score(d))
            done += 1
            if done >= args.memory_runs:
                break
    after = rss_mb()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"assessments for memory      {done:>10,}")
    print(f"RSS before / after          {before:>7.1f} MB / {after:.1f} MB")
    print(f"RSS growth                  {after - before:>10.1f} MB   (target ≤ 20 MB)")
    print(f"peak RSS                    {peak:>10.1f} MB")


if __name__ == "__main__":
    main()
