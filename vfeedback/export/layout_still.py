"""A still of a session's camera angles in a layout (``export.layout`` arranges the cells): each angle's
own frame on screen at the still's session time, decoded exactly by our decoder, fitted into its cell
(aspect kept, centred on black), dark where the angle has no picture; the clinician's marks are drawn
on the main recording's picture, where they were placed.

Which frame: as in a clip, the last of the angle's frames starting at or before the session time (on
its own clock, through its own frame index; ``layout.frame_for``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from vfeedback.core.errors import BadInput
from vfeedback.core.jobs import ShouldCancel
from vfeedback.core.marks import Mark
from vfeedback.core.timecode import format_time
from vfeedback.export.layout import BORDER, DARK, AngleSource, arrange, frame_for, no_angles_sentence
from vfeedback.export.options import Layout
from vfeedback.export.plan import ExportPlan
from vfeedback.system.files import part_path

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray


@dataclass(frozen=True, slots=True)
class StillCell:
    """One angle's picture in the still: its frame (None: dark) and where it goes."""

    angle: AngleSource
    frame: int | None
    x: int
    y: int
    w: int
    h: int
    border: int = 0


def layout_still_plan(
    layout: Layout,
    angles: Sequence[AngleSource],
    at_us: int,
    out: Path,
    *,
    marks: Sequence[Mark] = (),
) -> ExportPlan:
    """The plan for a PNG of ``angles`` (the main recording first) in ``layout`` at the session time
    ``at_us`` (a main frame's start). ``notes`` name the angles that have no picture then."""
    main = next(a for a in angles if a.is_main)
    if layout.kind != "single" and len(angles) < 2:
        raise BadInput(no_angles_sentence(main.recording_id, layout.kind))
    arrangement = arrange(layout, angles, None)
    cells = []
    notes = []
    for cell in arrangement.cells:
        frame = frame_for(cell.angle.source.index, cell.angle.offset_us, at_us)
        if frame is None:
            notes.append(gap_sentence(cell.angle.recording_id, at_us))
        cells.append(StillCell(cell.angle, frame, cell.x, cell.y, cell.w, cell.h, cell.border))
    size = (arrangement.width, arrangement.height)
    action = LayoutStillAction(tuple(cells), arrangement.empty, size, tuple(marks))
    return ExportPlan(
        kind="still",
        source=main.source.path,
        out=out,
        part=part_path(out),
        argv=[],
        expected_duration_us=0,
        expected_frames=1,
        width=size[0],
        height=size[1],
        action=action,
        sources=tuple(c.angle.source.path for c in cells if c.frame is not None),
        notes=tuple(notes),
    )


def gap_sentence(recording_id: int, at_us: int) -> str:
    return (
        f"Recording {recording_id} has no picture at {format_time(at_us)}; its part of the picture is dark."
    )


def _colour(text: str) -> tuple[int, int, int]:
    value = int(text, 16)
    return (value >> 16) & 255, (value >> 8) & 255, value & 255


@dataclass(frozen=True)
class LayoutStillAction:
    """Decode each cell's frame exactly, fit it into its cell and write the PNG."""

    cells: tuple[StillCell, ...]
    empty: tuple[tuple[int, int, int, int], ...]
    size: tuple[int, int]
    marks: tuple[Mark, ...] = ()

    def __call__(self, part: Path, should_cancel: ShouldCancel | None) -> None:
        import numpy as np

        from vfeedback.export.stills import draw_marks, write_png
        from vfeedback.media.decoder import FrameDecoder

        width, height = self.size
        canvas = np.zeros((height, width, 3), dtype=np.uint8)
        for x, y, w, h in self.empty:
            canvas[y : y + h, x : x + w] = _colour(DARK)
        for cell in self.cells:
            if cell.border:
                b = cell.border
                canvas[cell.y : cell.y + cell.h + 2 * b, cell.x : cell.x + cell.w + 2 * b] = _colour(BORDER)
            x, y = cell.x + cell.border, cell.y + cell.border
            if cell.frame is None:
                canvas[y : y + cell.h, x : x + cell.w] = _colour(DARK)
                continue
            source = cell.angle.source
            with FrameDecoder(source.path, source.index, source.media.rotation) as decoder:
                picture = decoder.frame(cell.frame, should_cancel).image
            if cell.angle.is_main:
                picture = draw_marks(picture, self.marks)
            canvas[y : y + cell.h, x : x + cell.w] = fitted(picture, cell.w, cell.h)
        write_png(part, canvas)


def fitted(picture: NDArray[np.uint8], w: int, h: int) -> NDArray[np.uint8]:
    """``picture`` scaled into ``w`` x ``h`` with its aspect kept, centred on black."""
    import cv2
    import numpy as np

    ph, pw = picture.shape[:2]
    scale = min(w / pw, h / ph)
    sw, sh = max(1, min(w, round(pw * scale))), max(1, min(h, round(ph * scale)))
    shrink = cv2.INTER_AREA if scale < 1 else cv2.INTER_CUBIC
    scaled = picture if (sw, sh) == (pw, ph) else cv2.resize(picture, (sw, sh), interpolation=shrink)
    cell = np.zeros((h, w, 3), dtype=np.uint8)
    x, y = (w - sw) // 2, (h - sh) // 2
    cell[y : y + sh, x : x + sw] = scaled
    return cell
