"""Shared by the benchmark modules: timing, figures, and the results file."""

from __future__ import annotations

import json
import statistics
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

Figure = dict[str, Any]
RESULTS = Path(__file__).resolve().parent / "results.json"


def timings_ms(action: Callable[[], object], runs: int) -> list[float]:
    out = []
    for _ in range(runs):
        started = time.perf_counter()
        action()
        out.append((time.perf_counter() - started) * 1000)
    return out


def p(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def figure(name: str, value: float, unit: str, baseline: float | None, target: str) -> Figure:
    ratio = round(value / baseline, 3) if baseline else None
    return {
        "name": name,
        "value": round(value, 3),
        "unit": unit,
        "baseline": None if baseline is None else round(baseline, 3),
        "ratio": ratio,
        "target": target,
    }


def held_to_ratio(name: str) -> bool:
    """A figure named ``*_ratio`` or ``*_ratio_<variant>`` (``probe_ratio_phone_mov``) is held to its
    ratio against the baseline; any other to its value."""
    return name.endswith("_ratio") or "_ratio_" in name


def meets(f: Figure) -> bool | None:
    """Whether a figure holds its target (``<= X`` or ``>= X``); None for ``info`` figures. See
    ``held_to_ratio`` for whether the ratio or the value is held."""
    target = str(f.get("target", "")).strip()
    for op in ("<=", ">="):
        if target.startswith(op):
            limit = float(target[len(op) :].split()[0])
            measured = f["ratio"] if held_to_ratio(str(f["name"])) else f["value"]
            if measured is None:
                return False
            return bool(measured <= limit) if op == "<=" else bool(measured >= limit)
    return None


def missed(figures: list[Figure]) -> list[Figure]:
    """The figures that miss their target."""
    return [f for f in figures if meets(f) is False]


def median(values: list[float]) -> float:
    return statistics.median(values)


def write(figures: list[Figure]) -> None:
    """Replace these figures in results.json, keeping the others (a run of one group updates only
    its own)."""
    kept: list[Figure] = []
    if RESULTS.exists():
        try:
            kept = json.loads(RESULTS.read_text(encoding="utf-8")).get("figures", [])
        except (ValueError, AttributeError):
            kept = []
    names = {f["name"] for f in figures}
    merged = [f for f in kept if f.get("name") not in names] + figures
    RESULTS.write_text(json.dumps({"figures": merged}, indent=2) + "\n", encoding="utf-8")


def print_table(figures: list[Figure]) -> None:
    print(f"{'figure':24} {'value':>10} {'unit':5} {'baseline':>10} {'ratio':>7}  target")
    for f in figures:
        base = "" if f["baseline"] is None else f"{f['baseline']:.3f}"
        ratio = "" if f["ratio"] is None else f"{f['ratio']:.3f}"
        print(f"{f['name']:24} {f['value']:>10.3f} {f['unit']:5} {base:>10} {ratio:>7}  {f['target']}")
