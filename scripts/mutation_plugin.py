"""pytest plugin for ``make mutation`` (scripts/mutation.py), loaded with ``-p mutation_plugin``.

Two modes, chosen by the environment:

- ``VFEEDBACK_MUTATION_TRACE=<module file>`` with ``VFEEDBACK_MUTATION_TRACE_OUT=<json file>``: every
  test runs as usual while the lines it executes in that one module (its fixtures' setup and teardown
  included, in every thread the test starts) are recorded, and written with how long the test took as
  ``{node id: {"lines": [line, ...], "seconds": s}}``.
- ``VFEEDBACK_MUTATION_SELECT=<file of node ids, one a line>``: only those tests run, in that order
  (the quickest first: with ``-x`` a mutant is decided by the first test that fails).

So a mutant is first run against only the tests that execute the function it is in, which is what
makes a mutation run fit on a 2-core machine; a mutant those tests leave alive is run against them all
(scripts/mutation.py), so a test this tracing cannot see (a subprocess, a thread started before the
test) can only cost time, never a kill.
"""

from __future__ import annotations

import json
import os
import sys
import threading
import time
from collections.abc import Callable, Generator
from pathlib import Path
from types import FrameType
from typing import Any

import pytest

TRACE = "VFEEDBACK_MUTATION_TRACE"
TRACE_OUT = "VFEEDBACK_MUTATION_TRACE_OUT"
SELECT = "VFEEDBACK_MUTATION_SELECT"

Tracer = Callable[[FrameType, str, Any], Any]


class LineRecorder:
    """The lines of one file executed while it is on, by any thread it was on in."""

    def __init__(self, filename: str) -> None:
        self.filename = filename
        self.lines: set[int] = set()

    def _local(self, frame: FrameType, event: str, arg: Any) -> Tracer | None:
        if event == "line":
            self.lines.add(frame.f_lineno)
        return self._local

    def _global(self, frame: FrameType, event: str, arg: Any) -> Tracer | None:
        if frame.f_code.co_filename != self.filename:
            return None
        self.lines.add(frame.f_lineno)
        return self._local

    def start(self) -> None:
        self.lines = set()
        threading.settrace(self._global)
        sys.settrace(self._global)

    def stop(self) -> set[int]:
        sys.settrace(None)
        threading.settrace(None)
        return self.lines


class Trace:
    def __init__(self, module: str, out: str) -> None:
        self.recorder = LineRecorder(str(Path(module).resolve()))
        self.out = Path(out)
        self.lines: dict[str, dict[str, Any]] = {}

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_protocol(self, item: pytest.Item, nextitem: pytest.Item | None) -> Generator[None]:
        started = time.perf_counter()
        self.recorder.start()
        try:
            yield
        finally:
            lines = sorted(self.recorder.stop())
            self.lines[item.nodeid] = {"lines": lines, "seconds": time.perf_counter() - started}

    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        self.out.write_text(json.dumps(self.lines))


class Select:
    def __init__(self, listing: str) -> None:
        self.order = {test: n for n, test in enumerate(Path(listing).read_text().splitlines())}

    def pytest_collection_modifyitems(self, config: pytest.Config, items: list[pytest.Item]) -> None:
        keep = sorted((i for i in items if i.nodeid in self.order), key=lambda i: self.order[i.nodeid])
        dropped = [i for i in items if i.nodeid not in self.order]
        if dropped:
            config.hook.pytest_deselected(items=dropped)
        items[:] = keep


def pytest_configure(config: pytest.Config) -> None:
    if os.environ.get(TRACE):
        config.pluginmanager.register(Trace(os.environ[TRACE], os.environ[TRACE_OUT]), "mutation-trace")
    elif os.environ.get(SELECT):
        config.pluginmanager.register(Select(os.environ[SELECT]), "mutation-select")
