"""Live updates on a team library: a colleague's change reaches every open window within a second.

The database's triggers (migration 0011, ``storage/team.py``) ``NOTIFY`` the channel ``vfeedback``
after every change of a moment, recording, highlight, consent, share or tagging row, with the table,
the family id and the row id (never a caption or a note: anyone connected may listen). One thread per
open library holds one extra connection that ``LISTEN``s and blocks in psycopg's ``notifies()``; its
timeout is only there so ``stop()`` is heard. What arrives within ``SETTLE_S`` is announced as one
``Changes`` through the library's own announcements (``Context.announce``), which the window already
hops onto its GUI thread; the window then reads again through its own connection, so it shows only
what the row policies let this login see.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from typing import Any

from vfeedback.services.context import Context
from vfeedback.services.undo import Changes
from vfeedback.storage.team import CHANNEL

SETTLE_S = 0.05
"""A burst (an import of 500 moments) becomes one announcement, not 500 redraws."""
WAKE_S = 0.5
"""How often the listening thread looks up from ``notifies()`` to see whether it should stop."""
LABEL = "A colleague's change"

# A consent or a share changes which moments and highlights a supervisor sees: their views reload.
_ALSO = {"consents": ("moments", "highlights"), "shares": ("moments", "highlights")}


class Live:
    """``start()`` listens (a no-op on SQLite), ``stop()`` ends the thread and its connection."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()
        self._ready = threading.Event()
        self.on_error: Callable[[BaseException], None] | None = None

    @property
    def available(self) -> bool:
        return self.ctx.db.engine.dialect.name == "postgresql"

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def start(self, timeout_s: float = 10.0) -> bool:
        """Listen from now on; True once the LISTEN is in place (False on SQLite)."""
        if not self.available:
            return False
        if self.running:
            return True
        self._stop.clear()
        self._ready.clear()
        self._thread = threading.Thread(target=self._run, name="vfeedback-live", daemon=True)
        self._thread.start()
        return self._ready.wait(timeout_s)

    def stop(self) -> None:
        self._stop.set()
        thread, self._thread = self._thread, None
        if thread is not None:
            thread.join(WAKE_S * 4 + 2)

    # --- the listening thread -----------------------------------------------------------------------
    def _connect(self) -> Any:
        import psycopg

        engine = self.ctx.db.engine
        args, params = engine.dialect.create_connect_args(engine.url)
        return psycopg.connect(*args, **params, autocommit=True)

    def _run(self) -> None:
        try:
            with self._connect() as conn:
                conn.execute(f"LISTEN {CHANNEL}")
                self._ready.set()
                while not self._stop.is_set():
                    waiting: dict[str, set[int]] = {}
                    for note in conn.notifies(timeout=WAKE_S, stop_after=1):
                        _collect(waiting, note.payload)
                    if not waiting:
                        continue
                    # what else arrives within SETTLE_S joins this announcement
                    deadline = time.monotonic() + SETTLE_S
                    while (left := deadline - time.monotonic()) > 0:
                        for note in conn.notifies(timeout=left):
                            _collect(waiting, note.payload)
                    self.ctx.announce(
                        Changes(LABEL, {table: frozenset(ids) for table, ids in waiting.items()})
                    )
        except Exception as exc:  # the connection went away: the window says so, nothing is lost
            self._ready.set()
            if self.on_error is not None and not self._stop.is_set():
                self.on_error(exc)


def _collect(waiting: dict[str, set[int]], payload: str) -> None:
    """Add one notification: ``{"table": ..., "family": ..., "id": ...}``."""
    try:
        found = json.loads(payload)
        table, row = str(found["table"]), int(found["id"])
        family = None if found.get("family") is None else int(found["family"])
    except (ValueError, KeyError, TypeError):
        return
    # a consent is announced by its family, as Consent announces its own
    waiting.setdefault(table, set()).add(family if table == "consents" and family is not None else row)
    for other in _ALSO.get(table, ()):
        waiting.setdefault(other, set())
