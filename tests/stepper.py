"""The one loop the window-driving scripts (e2e, angles, journey) run on: a generator yields, step by
step, either a number of seconds to let the window live, or a condition to wait for; ``run_steps``
advances it from a 40 ms timer on the Qt event loop, so the real window keeps painting and playing in
between, and stops the loop when the script ends, breaks, or waits too long."""

from __future__ import annotations

import time
import traceback
from collections.abc import Callable, Iterator
from typing import Any

from PySide6.QtCore import QCoreApplication, QTimer

Step = float | Callable[[], object]


def run_steps(
    app: QCoreApplication,
    steps: Iterator[Step],
    report: dict[str, Any],
    *,
    timed_out: Callable[[], str],
    whole_s: float | None = None,
    wait_s: float | None = None,
) -> None:
    """Run ``steps`` until they end. The script fails (``report["error"]``, said by ``timed_out()``,
    which may also take a last screenshot) when it runs past ``whole_s`` in all, or one condition is
    waited for longer than ``wait_s``; an exception in a step is reported with where it happened."""
    started = time.monotonic()
    state: dict[str, Any] = {"wait": None, "until": 0.0, "deadline": float("inf")}

    def stop(error: str | None = None) -> None:
        if error is not None:
            report["error"] = error
        app.quit()

    def advance() -> None:
        if "error" in report:
            return
        now = time.monotonic()
        wait = state["wait"]
        waiting = callable(wait) and not wait()
        if (whole_s is not None and now - started > whole_s) or (waiting and now > state["deadline"]):
            stop(timed_out())
            return
        if waiting or now < float(state["until"]):
            return
        try:
            step = next(steps)
        except StopIteration:
            stop()
            return
        except Exception as exc:  # the report says which step broke; the test shows it
            report["where"] = traceback.format_exc()[-1500:]
            stop(f"{type(exc).__name__}: {exc}")
            return
        state["wait"], state["until"] = (step, 0.0) if callable(step) else (None, now + step)
        state["deadline"] = now + wait_s if wait_s is not None else float("inf")

    timer = QTimer()
    timer.timeout.connect(advance)
    timer.start(40)
    app.exec()
    timer.stop()
