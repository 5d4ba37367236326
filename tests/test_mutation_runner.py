"""make mutation's narrowing (scripts/mutation.py, scripts/mutation_plugin.py): a mutant first meets the
tests that ran its function, quickest first, and only a survivor of those meets the rest. A slip here
would let a mutant go untested (a survivor nobody could have killed) or waste the run's hours."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path
from types import SimpleNamespace
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))

import mutation  # noqa: E402

SOURCE = textwrap.dedent('''\
    LIMIT = 3


    def outer(x):
        def inner(y):
            return y + 1

        return inner(x) * 2


    def lone(x=LIMIT):
        return x - 1


    double = lambda x: x * 2
''')


def _item(line: int, column: int) -> Any:
    return SimpleNamespace(mutations=[SimpleNamespace(start_pos=(line, column))])


def test_a_mutant_in_a_function_meets_the_tests_that_ran_its_innermost_body() -> None:
    """Lines by hand: outer's body is 5-8, inner's 6, lone's 12, the lambda's body on 15. A mutant
    in inner (6) goes to the test that ran line 6 only, not to one that ran outer's other lines; one
    in outer's own line 8 to both outer tests; one at module level (1), in a default value (11) or a
    def line (4) to every test (None)."""
    bodies = mutation.function_bodies(SOURCE)
    lines = {
        "t::quick": {8, 12},  # ran outer without inner (as if inner were cut short) and lone
        "t::inner": {6, 8},
        "t::lone": {12},
        "t::double": {15},
    }
    assert mutation.covering_tests(_item(6, 15), bodies, lines) == ["t::inner"]
    assert mutation.covering_tests(_item(8, 11), bodies, lines) == ["t::quick", "t::inner"]
    assert mutation.covering_tests(_item(12, 11), bodies, lines) == ["t::quick", "t::lone"]
    assert mutation.covering_tests(_item(15, 19), bodies, lines) == ["t::double"]
    for line, column in ((1, 8), (11, 14), (4, 0)):
        assert mutation.covering_tests(_item(line, column), bodies, lines) is None


def _run_plugin(tmp_path: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    (tmp_path / "subject.py").write_text(SOURCE)
    (tmp_path / "test_subject.py").write_text(textwrap.dedent('''\
        import time
        from subject import lone, outer


        def test_slow_outer():
            time.sleep(0.3)
            assert outer(1) == 4


        def test_lone():
            assert lone() == 2


        def test_nothing_of_ours():
            assert True
    '''))
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "mutation_plugin",
         "--noconftest", "-rA", "test_subject.py"],
        cwd=tmp_path, capture_output=True, text=True, timeout=120,
        env={**os.environ, "PYTHONPATH": f"{tmp_path}{os.pathsep}{ROOT / 'scripts'}", **env},
    )  # fmt: skip


def test_the_traced_run_records_each_tests_lines_of_the_module_and_its_time(tmp_path: Path) -> None:
    """outer is called (its def line, 4, on the call), defines inner (5), runs it (6) and returns (8);
    lone is called (11) and returns (12). Nothing runs at import time inside a test."""
    out = tmp_path / "lines.json"
    trace = {mutation.TRACE: str(tmp_path / "subject.py"), mutation.TRACE_OUT: str(out)}
    done = _run_plugin(tmp_path, trace)
    assert done.returncode == 0, done.stdout + done.stderr
    traced = json.loads(out.read_text())
    assert {test: entry["lines"] for test, entry in traced.items()} == {
        "test_subject.py::test_slow_outer": [4, 5, 6, 8],
        "test_subject.py::test_lone": [11, 12],
        "test_subject.py::test_nothing_of_ours": [],
    }
    assert traced["test_subject.py::test_slow_outer"]["seconds"] >= 0.3
    assert traced["test_subject.py::test_lone"]["seconds"] < 0.3


def test_a_selection_runs_only_the_tests_listed_in_the_order_listed(tmp_path: Path) -> None:
    listing = tmp_path / "select"
    listing.write_text("test_subject.py::test_lone\ntest_subject.py::test_slow_outer\n")
    done = _run_plugin(tmp_path, {mutation.SELECT: str(listing)})
    assert done.returncode == 0, done.stdout + done.stderr
    ran = [line.split()[1] for line in done.stdout.splitlines() if line.startswith("PASSED ")]
    assert ran == ["test_subject.py::test_lone", "test_subject.py::test_slow_outer"]
    assert "1 deselected" in done.stdout
