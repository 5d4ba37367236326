"""``vfeedback --self-check``: does this installation do the whole job, here, now?

Every step uses the same code the app uses, on a film made on the spot, in a temporary library that
is removed afterwards (nothing of the user's is read or written): the ffmpeg programs found, a
library opened, a two-second test film made with that ffmpeg, probed, imported, indexed, one frame
decoded exactly, the film played through libVLC for a moment, and a frame-exact clip exported with a
caption. Each step prints one line, ``ok`` or ``failed``, with the versions it found or one sentence
saying what went wrong; the exit status is 0 only when every step passed.

The test film carries its own frame numbers: frame ``n`` is a flat grey of luma ``16 + 4n``, so a
decoded frame (or a clip's first frame) says which frame it is without any other decoder's opinion.
libVLC first plays to its dummy outputs; the window steps (Qt starting on this display, and libVLC
drawing into a real window) come from ``vfeedback.ui``, which passes them in to run last.
"""

from __future__ import annotations

import contextlib
import platform
import re
import shutil
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Protocol, TextIO

if TYPE_CHECKING:
    from vfeedback.core.frames import FrameIndex
    from vfeedback.services import Library

FPS = 25
SECONDS = 2
FRAMES = FPS * SECONDS
SIZE = (160, 120)
LUMA_STEP = 4
"""Frame n is a flat grey of luma 16 + 4n: neighbours differ by 4 luma levels (4.7 in RGB)."""
TOLERANCE = 1.5
"""How far (RGB levels) a decoded flat grey may drift from its exact value: less than half a step."""
DECODE_FRAME = 37
"""Decoded exactly, from a keyframe 12 frames earlier (the film has a keyframe every 25 frames)."""
CLIP_FROM_US, CLIP_TO_US = 400_000, 1_160_000
"""The exported moment: frames 10 to 29."""
PLAY_S = 1.2
CODE = "SELFCHECK"
NAME_WIDTH = 8


class Window(Protocol):
    """A native window VLC may draw into (given by the desktop app's check)."""

    def handle(self) -> int: ...

    def wait(self, seconds: float) -> None:
        """Let the window system run for ``seconds`` (events, painting)."""
        ...


@dataclass(frozen=True, slots=True)
class Outcome:
    name: str
    ok: bool
    detail: str
    seconds: float

    def line(self) -> str:
        word = "ok" if self.ok else "failed"
        return f"{word:<7} {self.name:<{NAME_WIDTH}} {self.detail}"


class StepFailed(Exception):
    """A step's one sentence saying what went wrong."""


@dataclass
class Workspace:
    """What the steps share: the temporary folder, and what earlier steps made."""

    folder: Path
    window: Window | None = None
    library: Library | None = None
    film: Path | None = None
    recording_id: int | None = None
    index: FrameIndex | None = None
    closers: list[Callable[[], None]] = field(default_factory=list)

    def need_library(self) -> Library:
        if self.library is None:
            raise StepFailed("needs the temporary library, which could not be opened")
        return self.library

    def need_recording(self) -> int:
        if self.recording_id is None:
            raise StepFailed("needs the test film in the library, which could not be imported")
        return self.recording_id


Step = tuple[str, Callable[[Workspace], str]]


# --- the steps -----------------------------------------------------------------------------------


def python_step(_ws: Workspace) -> str:
    how = "this installation's own" if getattr(sys, "frozen", False) else "from a source checkout"
    return f"Python {platform.python_version()} ({how}), {platform.system()} {platform.machine()}"


def ffmpeg_step(_ws: Workspace) -> str:
    from vfeedback.system import processes

    found = []
    for program in ("ffmpeg", "ffprobe"):
        path = shutil.which(program)
        if path is None:
            raise StepFailed(f"the {program} program was not found")
        done = processes.run([program, "-hide_banner", "-version"], timeout=30)
        if done.returncode != 0:
            raise StepFailed(f"the {program} program at {path} does not run")
        found.append((program, path, done.stdout.decode("utf-8", "replace")))
    version = ffmpeg_version(found[0][2])
    return f"ffmpeg {version} ({found[0][1]}), ffprobe ({found[1][1]})"


def ffmpeg_version(said: str) -> str:
    """The version from ``ffmpeg -version``'s first line ("ffmpeg version 5.1.6-0+deb12u1 Copyright")."""
    match = re.match(r"\S+ version (\S+)", said)
    return match.group(1) if match else "of unknown version"


def library_step(ws: Workspace) -> str:
    from vfeedback.services import Library

    lib = Library.open(ws.folder / "library")
    ws.closers.append(lib.close)
    lib.user = "self-check"
    ws.library = lib
    schemes = lib.schemes.all()
    if not schemes:
        raise StepFailed("the library opened without any coding scheme: the shipped schemes are missing")
    return f"a temporary library with {len(schemes)} coding schemes"


def film_argv(out: Path, ffmpeg: str = "ffmpeg") -> list[str]:
    """Two seconds of 25 fps H.264 and AAC in MP4; frame n a flat grey of luma 16 + 4n."""
    width, height = SIZE
    picture = (
        f"color=c=black:s={width}x{height}:r={FPS}:d={SECONDS},format=yuv420p,"
        f"geq=lum='16+{LUMA_STEP}*N':cb=128:cr=128"
    )
    return [
        ffmpeg, "-nostdin", "-hide_banner", "-loglevel", "error", "-y",
        "-f", "lavfi", "-i", picture,
        "-f", "lavfi", "-i", f"sine=frequency=440:sample_rate=48000:duration={SECONDS}",
        "-c:v", "libx264", "-preset", "veryfast", "-crf", "12", "-g", str(FPS), "-pix_fmt", "yuv420p",
        "-c:a", "aac", "-shortest", "-movflags", "+faststart",
        str(out),
    ]  # fmt: skip


def film_step(ws: Workspace) -> str:
    from vfeedback.media import ffmpeg

    out = ws.folder / "self-check film.mp4"  # a space, as in most real folders and names
    outcome = ffmpeg.run(film_argv(out), hide=[out])
    if not outcome.ok or not out.is_file():
        raise StepFailed(f"ffmpeg could not make the test film: {outcome.last_words}")
    ws.film = out
    return f"{SECONDS} s of H.264 and AAC made with ffmpeg ({out.stat().st_size} bytes)"


def probe_step(ws: Workspace) -> str:
    from vfeedback.media.probe import probe

    if ws.film is None:
        raise StepFailed("needs the test film, which could not be made")
    info = probe(ws.film)
    if (info.width, info.height) != SIZE or info.video_codec != "h264" or not info.has_audio:
        raise StepFailed(
            f"ffprobe saw {info.width}x{info.height} {info.video_codec} "
            f"{'with' if info.has_audio else 'without'} sound, not {SIZE[0]}x{SIZE[1]} h264 with sound"
        )
    lib = ws.need_library()
    rec = lib.recordings.import_file(ws.film, lib.families.add(CODE).code)
    ws.recording_id = rec.id
    return f"{info.width}x{info.height} {info.video_codec} + {info.audio_codec}, imported"


def index_step(ws: Workspace) -> str:
    lib = ws.need_library()
    index = lib.media.frame_index(ws.need_recording())
    if len(index) != FRAMES:
        raise StepFailed(f"the frame index has {len(index)} frames, not {FRAMES}")
    ws.index = index
    return f"{len(index)} frames indexed"


def decode_step(ws: Workspace) -> str:
    from vfeedback.media.decoder import FrameDecoder

    lib = ws.need_library()
    if ws.index is None:
        raise StepFailed("needs the frame index, which could not be built")
    rec = lib.recordings.get(ws.need_recording())
    decoder = FrameDecoder(lib.recordings.path(rec), ws.index)
    try:
        frame = decoder.frame(DECODE_FRAME)
    finally:
        decoder.close()
    shown = frame_shown(float(frame.image.mean()))
    if shown != DECODE_FRAME:
        raise StepFailed(f"asked for frame {DECODE_FRAME}, the decoder gave {describe(shown)}")
    return f"frame {DECODE_FRAME} decoded exactly (PyAV {_av_version()})"


def frame_shown(mean_rgb: float) -> int | None:
    """Which frame of the test film a flat grey of this mean RGB level is, or None."""
    luma = 16 + mean_rgb * 219 / 255
    n = round((luma - 16) / LUMA_STEP)
    expected_rgb = LUMA_STEP * n * 255 / 219
    return n if 0 <= n < FRAMES and abs(mean_rgb - expected_rgb) <= TOLERANCE else None


def describe(shown: int | None) -> str:
    return "a picture that is no frame of the test film" if shown is None else f"frame {shown}"


def vlc_step(ws: Workspace) -> str:
    from vfeedback.media.player import PlayerState
    from vfeedback.media.vlc_player import VlcPlayer, load_vlc

    lib = ws.need_library()
    rec = lib.recordings.get(ws.need_recording())
    # python-vlc ends the process (SystemExit) when PYTHON_VLC_LIB_PATH names a library it cannot
    # load: here that is a failed step, not an installation that vanishes.
    try:
        vlc = load_vlc()
    except SystemExit as exc:
        raise StepFailed("the bundled VLC library could not be loaded") from exc
    player = VlcPlayer(headless=ws.window is None)
    try:
        if ws.window is not None:
            player.set_window(ws.window.handle())
        player.open(lib.recordings.path(rec), rec.media.duration_us)
        player.play()
        ends = time.monotonic() + PLAY_S
        while time.monotonic() < ends:
            player.tick()
            if ws.window is not None:
                ws.window.wait(0.02)
            else:
                time.sleep(0.02)
        state, error = player.state(), player.error()
        mp = player.vlc_media_player
        width, height = mp.video_get_size(0) or (0, 0)
        seen_ms = mp.get_time()
    finally:
        player.close()
    if error:
        raise StepFailed(error)
    if state is not PlayerState.PLAYING or seen_ms <= 0:
        raise StepFailed(f"libVLC did not play the test film (it was {state.name.lower()} at {seen_ms} ms)")
    if (width, height) != SIZE:
        raise StepFailed("libVLC played the test film without showing its picture")
    version = vlc.libvlc_get_version().decode("utf-8", "replace").split()[0]
    where = "into a window" if ws.window is not None else "to its dummy outputs"
    return f"libVLC {version} played {seen_ms} ms {where}"


def export_step(ws: Workspace) -> str:
    from vfeedback.export.options import ClipOptions
    from vfeedback.media.container import open_video

    lib = ws.need_library()
    recording_id = ws.need_recording()
    lib.consent.give(CODE, "feedback", "self-check")
    moment = lib.moments.add(
        recording_id, CLIP_FROM_US, CLIP_TO_US, code="Waiting", caption="You wait for her"
    )
    clip = lib.exports.clip(moment.id, ClipOptions(padding_us=0, captions="burn"))
    path = lib.exports.path(clip)
    container, stream = open_video(path)
    try:
        first = next(container.decode(stream)).to_ndarray(format="rgb24")
    finally:
        container.close()
    # The caption is drawn along the bottom: the top half still says which frame this is.
    shown = frame_shown(float(first[: first.shape[0] // 2].mean()))
    wanted = CLIP_FROM_US * FPS // 1_000_000
    if shown != wanted:
        raise StepFailed(f"the clip starts on {describe(shown)}, not on frame {wanted}")
    return f"a {clip.frame_count}-frame clip from frame {wanted}, caption burnt in"


STEPS: tuple[Step, ...] = (
    ("python", python_step),
    ("ffmpeg", ffmpeg_step),
    ("library", library_step),
    ("film", film_step),
    ("probe", probe_step),
    ("index", index_step),
    ("decode", decode_step),
    ("libvlc", vlc_step),
    ("export", export_step),
)


# --- running them --------------------------------------------------------------------------------


def run(out: TextIO, *, desktop: Sequence[Step] = (), steps: Sequence[Step] = STEPS) -> int:
    """Run ``steps`` then ``desktop`` (the window steps: last, since a Qt that cannot start on this
    display aborts the process), printing one line each and a summary; 0 when all passed, else 1."""
    outcomes: list[Outcome] = []
    with _workspace() as ws:
        for name, step in (*steps, *desktop):
            outcome = run_step(name, step, ws)
            outcomes.append(outcome)
            print(outcome.line(), file=out, flush=True)
    failed = [o.name for o in outcomes if not o.ok]
    if failed:
        print(
            f"vfeedback self-check: {len(failed)} of {len(outcomes)} steps failed ({', '.join(failed)}).",
            file=out,
        )
        return 1
    print(f"vfeedback self-check: all {len(outcomes)} steps passed.", file=out)
    return 0


def run_step(name: str, step: Callable[[Workspace], str], ws: Workspace) -> Outcome:
    """One step, timed; any error becomes its one line (a broken installation raises anything)."""
    from vfeedback.core.errors import VfeedbackError

    started = time.monotonic()
    try:
        detail = step(ws)
        ok = True
    except (StepFailed, VfeedbackError) as exc:
        detail, ok = str(exc), False
    except Exception as exc:  # a missing library, a broken plugin: report it, go on with the rest
        detail, ok = f"{type(exc).__name__}: {_first_line(exc)}", False
    return Outcome(name, ok, _one_line(detail).rstrip("."), time.monotonic() - started)


@contextlib.contextmanager
def _workspace() -> Iterator[Workspace]:
    with tempfile.TemporaryDirectory(prefix="vfeedback-self-check-") as folder:
        ws = Workspace(Path(folder))
        try:
            yield ws
        finally:
            for close in reversed(ws.closers):
                with contextlib.suppress(Exception):
                    close()


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else "no details"


def _one_line(text: str) -> str:
    return " ".join("".join(ch if ch.isprintable() else " " for ch in text).split())[:300]


def _av_version() -> str:
    import av

    return str(getattr(av, "__version__", "?"))
