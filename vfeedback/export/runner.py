"""Running an export plan: progress, cancel, verification and an atomic result.

The output is written to ``.<name>.<pid>.part`` beside the target, checked against the plan
(``verify``), flushed, and only then renamed into place; sidecars (the clip's .vtt) are placed just
before it, the same way. On any failure or cancel the temporary files are removed and nothing new
is left at the target. If the whole process is killed, a ``.part`` naming a dead process may stay:
``remove_stale_exports`` (run by the library when it opens) removes those.
"""

from __future__ import annotations

import errno
import re
from dataclasses import dataclass
from pathlib import Path

from vfeedback.core.errors import BadInput
from vfeedback.core.jobs import Cancelled, Progress, ShouldCancel
from vfeedback.export.plan import ExportPlan, Kind
from vfeedback.export.verify import NotAsPlanned, verify
from vfeedback.media import ffmpeg
from vfeedback.system.files import (
    FILE_MODE,
    fsync_dir,
    fsync_file,
    private_folder,
    remove_stale,
    sha256_file,
    write_private,
)

_CAPTION_SCRIPT = re.compile(r"^.+\.(\d+)\.(?:track\.)?caption\.ass$")


class ExportError(BadInput):
    """An export failed; ``str()`` is one sentence, ``details`` ffmpeg's last lines for a details box."""

    def __init__(self, message: str, details: str = "") -> None:
        super().__init__(message)
        self.details = details


@dataclass(frozen=True, slots=True)
class ExportResult:
    """A finished export, in place at ``path``: what the library stores in its row."""

    path: Path
    kind: Kind
    duration_us: int
    frame_count: int
    width: int
    height: int
    sha256: str
    size_bytes: int
    sidecars: tuple[Path, ...] = ()


def run_export(
    plan: ExportPlan,
    progress: Progress | None = None,
    should_cancel: ShouldCancel | None = None,
) -> ExportResult:
    """Carry out ``plan``. ``progress`` gets fractions 0..1 (ending with 1.0); ``should_cancel``
    returning True stops the work and raises Cancelled. Failures raise ExportError (a BadInput)."""
    what = "clip" if plan.kind == "clip" else "still"
    for source in (plan.source, *plan.sources):  # the angles of a layout too
        if not source.is_file():
            raise ExportError(f"The {what} could not be made: its recording {_name(source)} is missing.")
    made: list[Path] = []
    placed: list[Path] = []
    try:
        private_folder(plan.out.parent)
        for path, text in plan.temp_files.items():
            private_folder(path.parent)
            made.append(path)
            write_private(path, text.encode("utf-8"))
        if plan.argv:
            _run_ffmpeg(plan, what, progress, should_cancel)
        elif plan.action is not None:
            try:
                plan.action(plan.part, should_cancel)
            except ExportError:
                raise
            except BadInput as exc:  # the decoder's sentence (a damaged frame, a vanished file)
                why = str(exc)
                raise ExportError(f"The {what} could not be made: {why[:1].lower()}{why[1:]}") from exc
        if should_cancel is not None and should_cancel():
            raise Cancelled
        try:
            facts = verify(plan, plan.part)
        except NotAsPlanned as exc:
            raise ExportError(
                f"The exported {what} did not come out as planned ({exc}), so it was not kept."
            ) from exc
        # The bytes hashed are the bytes on disk before the rename.
        fsync_file(plan.part)
        digest, size = sha256_file(plan.part)
        for sidecar, text in plan.sidecars.items():
            placed.append(sidecar)
            write_private(sidecar, text.encode("utf-8"))
        plan.part.chmod(FILE_MODE)
        plan.part.replace(plan.out)
        placed.clear()
        fsync_dir(plan.out.parent)
    except OSError as exc:
        for sidecar in placed:
            sidecar.unlink(missing_ok=True)
        raise ExportError(_disk_sentence(what, exc), details=str(exc)) from exc
    except BaseException:
        for sidecar in placed:
            sidecar.unlink(missing_ok=True)
        raise
    finally:
        plan.part.unlink(missing_ok=True)
        for path in made:
            path.unlink(missing_ok=True)
    if progress is not None:
        progress(1.0)
    return ExportResult(
        path=plan.out,
        kind=plan.kind,
        duration_us=facts.duration_us,
        frame_count=facts.frame_count,
        width=facts.width,
        height=facts.height,
        sha256=digest,
        size_bytes=size,
        sidecars=tuple(plan.sidecars),
    )


def _run_ffmpeg(
    plan: ExportPlan,
    what: str,
    progress: Progress | None,
    should_cancel: ShouldCancel | None,
) -> None:
    try:
        outcome = ffmpeg.run(
            plan.argv,
            duration_us=plan.expected_duration_us,
            progress=progress,
            should_cancel=should_cancel,
            cap=0.99,
            hide=(plan.source, *plan.sources, plan.part, *plan.temp_files),
        )
    except ffmpeg.CannotStart as exc:
        raise ExportError(
            f"The {what} could not be made: vfeedback needs the ffmpeg program (on Debian or "
            "Ubuntu: sudo apt install ffmpeg)."
        ) from exc
    if not outcome.ok:
        raise ExportError(_failure_sentence(plan, what, outcome), details=outcome.details)


def _failure_sentence(plan: ExportPlan, what: str, outcome: ffmpeg.Outcome) -> str:
    for source in (plan.source, *plan.sources):
        if not source.is_file():
            return f"The {what} could not be made: its recording {_name(source)} is missing."
    if outcome.disk_full:
        return _disk_sentence(what, OSError(errno.ENOSPC, "No space left on device"))
    return f"The {what} could not be made: ffmpeg failed ({outcome.last_words[:160]})."


def _disk_sentence(what: str, exc: OSError) -> str:
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return f"The {what} could not be saved: the disk is full. Free some space and try again."
    if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return f"The {what} could not be saved: vfeedback may not write to its folder."
    return f"The {what} could not be saved ({exc.strerror or 'system error'})."


def _name(path: Path) -> str:
    from vfeedback.core.text import quoted_name

    return quoted_name(path)


def remove_stale_exports(folder: Path, older_than_s: float = 0.0) -> list[Path]:
    """Temporaries that exports whose process has died left in ``folder`` (``.part`` files and
    caption scripts); those of live processes, this one's included, are left alone (and, on a
    team's share, those touched within ``older_than_s``: see ``remove_stale``)."""
    return remove_stale(folder, extra=_CAPTION_SCRIPT, older_than_s=older_than_s)
