"""Shared by the benchmark modules: timing, figures, and the results file."""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import threading
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


def _tree_rss_kb(root: int) -> int:
    """Resident memory of ``root`` and every process descended from it, summed (kB)."""
    children: dict[int, list[int]] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry.name}/stat").read_text(encoding="ascii", errors="replace")
            fields = stat.rsplit(")", 1)[1].split()
        except OSError:  # ended meanwhile
            continue
        children.setdefault(int(fields[1]), []).append(int(entry.name))
    total, todo = 0, [root]
    while todo:
        pid = todo.pop()
        todo += children.get(pid, [])
        try:
            status = Path(f"/proc/{pid}/status").read_text(encoding="ascii", errors="replace")
        except OSError:
            continue
        total += next((int(line.split()[1]) for line in status.splitlines() if line.startswith("VmRSS:")), 0)
    return total


def run_tree_peak(
    argv: list[str], *, timeout: float | None = None, interval_s: float = 0.02, **popen: Any
) -> tuple[str, str, int, float]:
    """Run ``argv`` to the end, as ``subprocess.run`` with text output, sampling the resident memory
    of it and all its descendants (ffmpeg, helpers) every ``interval_s``: (stdout, stderr, exit
    status, peak MB of the whole tree)."""
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **popen)
    peak = [0]
    done = threading.Event()

    def sample() -> None:
        while not done.is_set():
            peak[0] = max(peak[0], _tree_rss_kb(proc.pid))
            done.wait(interval_s)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.communicate()
        raise
    finally:
        done.set()
        sampler.join()
    return out, err, proc.returncode, peak[0] / 1024


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
