"""Facts about a recording, as probed once at import and kept with it."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass(frozen=True, slots=True)
class MediaInfo:
    """What a media file holds. Times are integer microseconds; sizes are pixels.

    ``width``/``height`` are the coded size; ``display_width``/``display_height`` are what a viewer sees
    after the sample aspect ratio and the display rotation (``rotation``: clockwise degrees, 0/90/180/270).
    ``variable_frame_rate`` is judged from frame timestamps, never from the header.
    """

    container: str
    duration_us: int
    video_codec: str
    width: int
    height: int
    rotation: int
    display_width: int
    display_height: int
    avg_fps: float
    variable_frame_rate: bool
    frame_count: int
    start_time_us: int
    has_audio: bool
    audio_codec: str | None = None
    audio_sample_rate: int | None = None
    audio_channels: int | None = None
    pixel_format: str | None = None
    bit_rate: int | None = None
    tags: dict[str, str] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> MediaInfo:
        known = {f for f in cls.__dataclass_fields__}
        return cls(**{k: v for k, v in data.items() if k in known})
