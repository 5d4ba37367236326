"""``make bench`` holds each figure to its target: a missed target makes the run fail, naming it."""

from __future__ import annotations

import sys
import types
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks import __main__ as bench  # noqa: E402
from benchmarks import common  # noqa: E402


def _group(monkeypatch: pytest.MonkeyPatch, figures: list[common.Figure]) -> None:
    module = types.ModuleType("benchmarks.bench_planted")
    module.run = lambda cache: figures  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "benchmarks.bench_planted", module)
    monkeypatch.setattr(bench, "GROUPS", {"planted": "bench_planted"})
    monkeypatch.setattr(common, "RESULTS", ROOT / "benchmarks" / ".cache" / "planted-results.json")
    monkeypatch.setattr(sys, "argv", ["benchmarks", "--only", "planted"])


def test_a_missed_target_fails_the_run_and_names_the_figure(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    _group(monkeypatch, [
        common.figure("seek_p95_ms", 180.0, "ms", 400.0, "<= 150"),  # value against <=: missed
        common.figure("clip_export_ratio", 1000.0, "ms", 1000.0, "<= 1.15"),  # ratio 1.0: held
        common.figure("face_detect_ms", 99.0, "ms", None, "info"),
    ])  # fmt: skip
    assert bench.main() == 1
    err = capsys.readouterr().err
    assert "MISSED seek_p95_ms: 180.0 against its target <= 150" in err
    assert "clip_export_ratio" not in err and "face_detect_ms" not in err


def test_every_target_held_passes(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _group(monkeypatch, [
        common.figure("seek_p95_ms", 120.0, "ms", 400.0, "<= 150"),
        common.figure("suggest_realtime_factor", 40.0, "x", None, ">= 30"),
        common.figure("clip_export_ratio", 1100.0, "ms", 1000.0, "<= 1.15"),
    ])  # fmt: skip
    assert bench.main() == 0
    assert "MISSED" not in capsys.readouterr().err


@pytest.mark.parametrize(("figure", "held"), [
    (common.figure("a_ratio", 5.0, "ms", 4.0, "<= 1.3"), True),   # 1.25
    (common.figure("a_ratio", 6.0, "ms", 4.0, "<= 1.3"), False),  # 1.5
    # A variant of a ratio figure is held to its ratio too, not to its milliseconds.
    (common.figure("a_ratio_phone_mov", 224.6, "ms", 228.1, "<= 1.3"), True),  # 0.985
    (common.figure("a_ratio_phone_mov", 1.2, "ms", 0.6, "<= 1.3"), False),  # 2.0
    (common.figure("a_ms", 250.0, "ms", 4.0, "<= 250"), True),
    (common.figure("a_ms", 250.5, "ms", 4.0, "<= 250"), False),
    (common.figure("a_x", 29.9, "x", None, ">= 30"), False),
    (common.figure("a_ratio", 5.0, "ms", None, "<= 1.3"), False),  # no baseline: no ratio to hold
    (common.figure("a_ms", 1.0, "ms", None, "info"), None),
])  # fmt: skip
def test_which_figures_meet_their_target(figure: common.Figure, held: bool | None) -> None:
    assert common.meets(figure) is held


def test_peak_memory_counts_the_children_a_process_starts() -> None:
    """A parent of ~10 MB starts a child that holds 150 MB for a second: the peak of the tree is at
    least the child's 150 MB (sampling the parent alone would say ~10 MB)."""
    child = "x = bytearray(150 * 1024 * 1024); import time; time.sleep(1)"
    parent = (
        f"import subprocess, sys; subprocess.run([sys.executable, '-c', {child!r}], check=True); print('ok')"
    )
    out, _err, status, peak_mb = common.run_tree_peak([sys.executable, "-c", parent], timeout=60)
    assert (out.strip(), status) == ("ok", 0)
    assert 150 <= peak_mb < 400
