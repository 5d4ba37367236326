"""A private X server (Xvfb) for the tests and benchmarks that need a real display (Qt's xcb
platform, VLC's own window): ``with Xvfb("1366x768") as display: ...`` gives ``":N"``."""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from pathlib import Path


class Xvfb:
    def __init__(self, screen: str = "1440x900", first: int = 140) -> None:
        self.screen, self.first = screen, first
        self.proc: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> str:
        if shutil.which("Xvfb") is None:
            raise FileNotFoundError("Xvfb is not installed (make test installs it)")
        number = self.first
        while Path(f"/tmp/.X11-unix/X{number}").exists() or Path(f"/tmp/.X{number}-lock").exists():
            number += 1
        self.proc = subprocess.Popen(
            ["Xvfb", f":{number}", "-screen", "0", f"{self.screen}x24", "-nolisten", "tcp"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        # The socket file appears before the server listens on it: wait until it takes a connection.
        for _ in range(200):
            with socket.socket(socket.AF_UNIX) as probe:
                try:
                    probe.connect(f"/tmp/.X11-unix/X{number}")
                    break
                except OSError:
                    time.sleep(0.05)
        return f":{number}"

    def __exit__(self, *_exc: object) -> None:
        if self.proc is not None:
            self.proc.terminate()
            self.proc.wait(10)
