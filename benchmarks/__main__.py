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
    "app": "bench_app",
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
    for group, module in GROUPS.items():
        if args.only in (None, group):
            figures += importlib.import_module(f"benchmarks.{module}").run(cache)
    common.write(figures)
    common.print_table(figures)
    return 0


if __name__ == "__main__":
    sys.exit(main())
