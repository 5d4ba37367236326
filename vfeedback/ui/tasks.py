"""One runner for all long work (probe, frame index, proxy, filmstrip, waveform, import): a thread pool,
progress and cancel in the status bar, and errors shown to the user, never only logged.

A job is a plain function ``job(progress, should_cancel) -> result``; it runs on a worker thread and
must not touch widgets. Its callbacks run on the GUI thread. A job that makes a file the clinician asked
for (a clip, a still, a reel) is submitted with ``export=`` saying what it makes, so closing the window
can ask about it instead of dropping it (``exports()``).
"""

from __future__ import annotations

import contextlib
import itertools
import threading
import traceback
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import wait as futures_wait
from dataclasses import dataclass, field
from typing import Any

from PySide6.QtCore import QObject, Signal, Slot

from vfeedback.core.errors import VfeedbackError
from vfeedback.core.jobs import Cancelled, Progress, ShouldCancel

Job = Callable[[Progress, ShouldCancel], Any]


@dataclass
class Task:
    id: int
    label: str
    progress: float = 0.0
    cancel_event: threading.Event = field(default_factory=threading.Event)
    export: str | None = None
    """What an export makes, in words ("the clip of moment 3"); None for other work."""

    def cancel(self) -> None:
        self.cancel_event.set()

    @property
    def cancelled(self) -> bool:
        return self.cancel_event.is_set()


class _Signals(QObject):
    progressed = Signal(int, float)
    succeeded = Signal(int, object)
    failed = Signal(int, str, str)
    cancelled = Signal(int)


class _Runnable:
    """One job on a worker thread. Python's own thread pool, not Qt's: its threads are joined by
    Python at exit, whereas a Qt pool thread touching Python during interpreter shutdown is killed."""

    def __init__(self, task: Task, job: Job, signals: _Signals) -> None:
        self.task, self.job, self.signals = task, job, signals

    def run(self) -> None:
        # Not even an emit on a signal object deleted because the window closed may escape.
        with contextlib.suppress(BaseException):
            self._run()

    def _run(self) -> None:
        task, signals = self.task, self.signals

        def progress(value: float) -> None:
            if task.cancelled:
                raise Cancelled
            signals.progressed.emit(task.id, float(value))

        try:
            result = self.job(progress, lambda: task.cancelled)
        except Cancelled:
            signals.cancelled.emit(task.id)
        except VfeedbackError as exc:
            # An export failure carries ffmpeg's last lines for the "details" box.
            signals.failed.emit(task.id, str(exc), str(getattr(exc, "details", "") or ""))
        except Exception as exc:
            if task.cancelled:
                signals.cancelled.emit(task.id)
            else:
                message = f"{task.label} failed unexpectedly ({type(exc).__name__}: {exc})."
                signals.failed.emit(task.id, message, traceback.format_exc())
        else:
            if task.cancelled:
                signals.cancelled.emit(task.id)
            else:
                signals.succeeded.emit(task.id, result)


class TaskRunner(QObject):
    """Runs jobs off the GUI thread. ``changed`` fires whenever the set of tasks or a progress changes."""

    changed = Signal()
    error = Signal(str, str)  # sentence, details (traceback or tool output)

    def __init__(self, parent: QObject | None = None, max_threads: int = 3) -> None:
        super().__init__(parent)
        self._pool = ThreadPoolExecutor(max_workers=max_threads, thread_name_prefix="vfeedback-task")
        self._futures: set[Future[None]] = set()
        self._closed = False
        self._ids = itertools.count(1)
        self._tasks: dict[int, Task] = {}
        self._callbacks: dict[int, tuple[Callable[[Any], None] | None, Callable[[str], None] | None]] = {}
        self._signals = _Signals(self)
        self._signals.progressed.connect(self._on_progress)
        self._signals.succeeded.connect(self._on_success)
        self._signals.failed.connect(self._on_failure)
        self._signals.cancelled.connect(self._on_cancel)

    def submit(
        self,
        label: str,
        job: Job,
        on_done: Callable[[Any], None] | None = None,
        on_error: Callable[[str], None] | None = None,
        *,
        export: str | None = None,
    ) -> Task:
        """Start ``job``. ``on_error`` replaces the default error report (the ``error`` signal);
        ``export`` says what file the job makes, when it makes one the clinician asked for."""
        task = Task(next(self._ids), label, export=export)
        if self._closed:  # a late callback of a finished job, after the window closed
            task.cancel()
            return task
        self._tasks[task.id] = task
        self._callbacks[task.id] = (on_done, on_error)
        future = self._pool.submit(_Runnable(task, job, self._signals).run)
        self._futures.add(future)
        future.add_done_callback(self._futures.discard)
        self.changed.emit()
        return task

    def tasks(self) -> list[Task]:
        return list(self._tasks.values())

    def exports(self) -> list[Task]:
        """The exports still running (oldest first)."""
        return [t for t in self._tasks.values() if t.export is not None]

    def cancel_all(self) -> None:
        for task in self._tasks.values():
            task.cancel()

    def shutdown(self) -> None:
        """Cancel everything and release the worker threads (the window is closing)."""
        self._closed = True
        self.cancel_all()
        self._pool.shutdown(wait=False, cancel_futures=True)

    def wait(self, msecs: int = -1) -> bool:
        """Block until every job has finished (used on close and in tests)."""
        _done, pending = futures_wait(list(self._futures), timeout=None if msecs < 0 else msecs / 1000)
        return not pending

    @Slot(int, float)
    def _on_progress(self, task_id: int, value: float) -> None:
        task = self._tasks.get(task_id)
        if task is not None:
            task.progress = value
            self.changed.emit()

    @Slot(int, object)
    def _on_success(self, task_id: int, result: object) -> None:
        on_done, _ = self._finish(task_id)
        if on_done is not None and not self._closed:
            on_done(result)

    @Slot(int, str, str)
    def _on_failure(self, task_id: int, message: str, details: str) -> None:
        _, on_error = self._finish(task_id)
        if on_error is not None:
            on_error(message)
        else:
            self.error.emit(message, details)

    @Slot(int)
    def _on_cancel(self, task_id: int) -> None:
        self._finish(task_id)

    def _finish(self, task_id: int) -> tuple[Callable[[Any], None] | None, Callable[[str], None] | None]:
        self._tasks.pop(task_id, None)
        callbacks = self._callbacks.pop(task_id, (None, None))
        self.changed.emit()
        return callbacks
