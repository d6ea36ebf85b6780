"""Median time to validate generated playbooks of 500 and 5,000 nodes.

Prints one JSON line. Run from the repository root: .venv/bin/python -m bench.validate
Goal on the 2-core reference machine: <= 10 ms at 500 nodes, <= 60 ms at 5,000.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from typing import Any

from bench.generate import CATALOG, generate
from soarflow.playbook import Problem, validate


def median_ms(document: dict[str, Any], repeat: int) -> tuple[float, int]:
    timings: list[float] = []
    problems: list[Problem] = []
    for _ in range(repeat):
        started = time.perf_counter()
        problems = validate(document, catalog=CATALOG)
        timings.append((time.perf_counter() - started) * 1000)
    return statistics.median(timings), len(problems)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=21)
    args = parser.parse_args()
    result: dict[str, object] = {"benchmark": "validate", "repeat": args.repeat}
    for size in (500, 5000):
        document = generate(size)
        median, problem_count = median_ms(document, args.repeat)
        result[f"median_ms_{size}"] = round(median, 2)
        result[f"nodes_{size}"] = len(document["nodes"])
        result[f"problems_{size}"] = problem_count
    print(json.dumps(result))


if __name__ == "__main__":
    main()
