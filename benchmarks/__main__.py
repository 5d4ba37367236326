"""``make bench``: every figure, written to benchmarks/results.json and printed as a table."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks")
    parser.add_argument("--cache", default=str(ROOT / "benchmarks" / ".cache"),
                        help="where generated media is kept between runs")  # fmt: skip
    parser.add_argument("--only", choices=["media", "library"], help="run one group")
    args = parser.parse_args()
    cache = Path(args.cache)
    cache.mkdir(parents=True, exist_ok=True)

    from benchmarks import bench_library, common

    sys.path.insert(0, str(ROOT / "tests"))
    from benchmarks import bench_media

    figures: list[common.Figure] = []
    if args.only in (None, "media"):
        figures += bench_media.run(cache)
    if args.only in (None, "library"):
        figures += bench_library.run(cache)
    common.write(figures)
    common.print_table(figures)
    return 0


if __name__ == "__main__":
    sys.exit(main())
