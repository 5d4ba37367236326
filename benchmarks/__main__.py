"""``make bench``: every figure, written to benchmarks/results.json and printed as a table."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GROUPS = {
    "media": "bench_media",
    "library": "bench_library",
    "decoder": "bench_decoder",
    "timeline": "bench_timeline",
    "filmstrip": "bench_filmstrip",
    "export": "bench_export",
    "reel": "bench_reel",
    "app": "bench_app",
    "supervision": "bench_supervision",
    "blur": "bench_blur",
    "interchange": "bench_interchange",
    "undo": "bench_undo",
    "pack": "bench_pack",
    "suggest": "bench_suggest",
    "angles": "bench_angles",
    "angle_step": "bench_angle_step",
    "team": "bench_team",
}


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks")
    parser.add_argument("--cache", default=str(ROOT / "benchmarks" / ".cache"),
                        help="where generated media is kept between runs")  # fmt: skip
    parser.add_argument("--only", choices=sorted(GROUPS), help="run one group")
    args = parser.parse_args()
    cache = Path(args.cache)
    cache.mkdir(parents=True, exist_ok=True)

    import importlib

    from benchmarks import common

    sys.path.insert(0, str(ROOT / "tests"))
    figures: list[common.Figure] = []
    failed = []
    for group, module in GROUPS.items():
        if args.only not in (None, group):
            continue
        try:
            found = importlib.import_module(f"benchmarks.{module}").run(cache)
        except Exception as exc:
            failed.append(f"{group}: {type(exc).__name__}: {exc}")
            continue
        common.write(found)  # as each group finishes, so a long run keeps what it measured
        figures += found
    common.print_table(figures)
    for line in failed:
        print(f"FAILED {line}", file=sys.stderr)
    misses = common.missed(figures)
    for f in misses:
        measured = f["ratio"] if common.held_to_ratio(str(f["name"])) else f["value"]
        print(f"MISSED {f['name']}: {measured} against its target {f['target']}", file=sys.stderr)
    return 1 if failed or misses else 0


if __name__ == "__main__":
    sys.exit(main())
