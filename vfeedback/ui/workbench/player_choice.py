"""Which player the workbench plays with, and why there is no sound when VLC cannot start.

No Qt here: the app starts this on a thread while it imports the window (libvlc spends ~0.1 s
loading its plugins, in C, without holding Python's lock)."""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from vfeedback.media.player import Player


def choose_player() -> tuple[Player, str | None]:
    """The VLC player and None, or the silent fallback and the sentence saying what is missing. Only
    when VLC did not start do we ask why (that starts a second libvlc, ~0.2 s)."""
    from vfeedback.media.player import make_player, player_unavailable_reason
    from vfeedback.media.vlc_player import VlcPlayer

    player = make_player()
    return player, None if isinstance(player, VlcPlayer) else player_unavailable_reason()


class PlayerStarting:
    """``choose_player`` on its own thread; ``result()`` waits for it."""

    def __init__(self) -> None:
        self._chosen: tuple[Player, str | None] | None = None
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="vfeedback-player", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        try:
            self._chosen = choose_player()
        except BaseException as exc:  # handed to whoever waits, on their thread
            self._error = exc

    def result(self) -> tuple[Player, str | None]:
        self._thread.join()
        if self._error is not None:
            raise self._error
        assert self._chosen is not None
        return self._chosen
