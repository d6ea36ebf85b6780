"""Median cost of evaluating compiled expressions: a simple reference and a filter chain.

Prints one JSON line. Run from the repository root: .venv/bin/python -m bench.expressions
Goal: <= 20 us for the simple reference (compiled once, cached by text).
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from typing import Any

from soarflow.expressions import evaluate

SIMPLE_REFERENCE = "{{ steps.vt.output.data.attributes.reputation }}"
FILTER_CHAIN = (
    "{{ trigger.entities | selectattr('kind', 'eq', 'ip') | map(attribute='address')"
    " | unique | list }}"
)
MIXED_TEXT = "IP {{ item.address }} scored {{ steps.vt.output.data.attributes.reputation }}"


def scope() -> dict[str, Any]:
    entities = [
        {"kind": "ip" if i % 3 else "host", "address": f"203.0.113.{i % 60}"} for i in range(100)
    ]
    return {
        "trigger": {"entities": entities},
        "steps": {
            "vt": {
                "output": {"data": {"attributes": {"reputation": -12}}},
                "status": "succeeded",
                "error": None,
            }
        },
        "item": entities[1],
        "index": 1,
        "items": {},
        "vars": {},
        "run": {"id": "run-1", "started_at": "2025-03-01T08:00:00Z"},
        "playbook": {"id": "pb-1", "name": "bench"},
    }


def median_us(text: str, data: dict[str, Any], rounds: int, calls: int) -> float:
    evaluate(text, data)  # compiles and caches
    timings: list[float] = []
    for _ in range(rounds):
        started = time.perf_counter()
        for _ in range(calls):
            evaluate(text, data)
        timings.append((time.perf_counter() - started) / calls * 1e6)
    return statistics.median(timings)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=21)
    parser.add_argument("--calls", type=int, default=2000)
    args = parser.parse_args()
    data = scope()
    result = {
        "benchmark": "expressions",
        "rounds": args.rounds,
        "median_us_simple_reference": round(
            median_us(SIMPLE_REFERENCE, data, args.rounds, args.calls), 2
        ),
        "median_us_mixed_text": round(median_us(MIXED_TEXT, data, args.rounds, args.calls), 2),
        "median_us_filter_chain_100_items": round(
            median_us(FILTER_CHAIN, data, args.rounds, args.calls // 10), 2
        ),
    }
    print(json.dumps(result))


if __name__ == "__main__":
    main()
