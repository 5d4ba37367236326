"""What a clinician can choose about an exported clip, checked once, with a stable key for reuse."""

from __future__ import annotations

import hashlib
import json
import math
from dataclasses import asdict, dataclass
from typing import Literal, get_args

from vfeedback.core.errors import BadInput
from vfeedback.core.marks import Mark, checked
from vfeedback.export.blur import FACES_VERSION, Region, regions

Captions = Literal["burn", "soft", "both", "none"]
Quality = Literal["small", "standard", "high"]
LayoutKind = Literal["single", "side-by-side", "pip"]
Corner = Literal["top-left", "top-right", "bottom-left", "bottom-right"]

# Bump whenever the same options would make a different file (filter graph, encoder settings, caption
# layout): the library then stops reusing clips made by the old recipe.
RECIPE_VERSION = 1

MAX_PADDING_US = 60_000_000
MAX_FREEZE_S = 60.0
MIN_MAX_HEIGHT = 144


@dataclass(frozen=True, slots=True)
class Encoding:
    """libx264 and AAC settings behind a quality name."""

    crf: int
    preset: str
    audio_kbps: int


# veryfast is ~2x quicker than medium on a 2-core machine for a few percent more bytes at the same
# CRF; "high" is for the reel shown on a big screen, where the wait is worth it.
ENCODINGS: dict[str, Encoding] = {
    "small": Encoding(crf=28, preset="veryfast", audio_kbps=96),
    "standard": Encoding(crf=23, preset="veryfast", audio_kbps=128),
    "high": Encoding(crf=18, preset="medium", audio_kbps=160),
}


@dataclass(frozen=True, slots=True)
class Layout:
    """How a session's camera angles share the picture (``vfeedback.export.layout`` draws it).

    ``single``: one angle, the chosen one (``angle``; None is the main recording, exactly as a clip
    was made before angles existed). ``side-by-side``: every angle of the session, main first, each
    letterboxed into an equal cell. ``pip``: the chosen angle large and one other small in ``corner``
    (the main recording, or the first other angle when the large one is the main). The sound comes
    from the chosen angle in every layout. ``angle`` is a recording id, checked by the library.
    """

    kind: LayoutKind = "single"
    angle: int | None = None
    corner: Corner = "top-right"  # a burned caption is at the bottom: the small picture stays clear of it

    def __post_init__(self) -> None:
        if self.kind not in get_args(LayoutKind):
            raise BadInput(f"The layout '{self.kind}' is not one of single, side-by-side or pip.")
        if self.corner not in get_args(Corner):
            raise BadInput(
                f"The corner '{self.corner}' is not one of top-left, top-right, bottom-left or bottom-right."
            )
        if self.angle is not None and (not _is_int(self.angle) or self.angle <= 0):
            raise BadInput("The angle of a layout is a recording number.")

    @property
    def is_default(self) -> bool:
        """Today's clip: the main recording alone."""
        return self.kind == "single" and self.angle is None

    def to_dict(self) -> dict[str, object]:
        return {"kind": self.kind, "angle": self.angle, "corner": self.corner}

    @classmethod
    def from_value(cls, value: object) -> Layout:
        if isinstance(value, Layout):
            return value
        if isinstance(value, dict):
            return cls(**{k: v for k, v in value.items() if k in ("kind", "angle", "corner")})
        raise BadInput("A layout is single, side-by-side or pip, with an angle and a corner.")


SINGLE = Layout()


@dataclass(frozen=True, slots=True)
class ClipOptions:
    """How a moment becomes a clip. Nonsense raises BadInput with one sentence when constructed.

    ``padding_us``: shown before the moment's start and after its end, clamped to the recording.
    ``captions``: ``burn`` draws the caption on the picture, ``soft`` adds a subtitle track, ``both``
    does both, ``none`` neither; every mode but ``none`` also writes a ``.vtt`` beside the clip.
    ``slow_replay``: after the clip, the same span again at half speed (silent).
    ``freeze_at_us``/``freeze_s``: hold the frame on screen at that recording time for that many
    seconds, at its place in the clip (silent while held); both or neither.
    ``max_height``: limit on the picture's shorter side (the "720" of 720p), so a portrait phone video
    at 720 comes out 720 x 1280; never enlarged.
    ``blur``: areas of the upright picture (``blur.Region``, fractions 0..1) blurred for the whole
    clip; ``blur_faces``: faces found in the clip blurred too, except those centred in a ``keep``
    area (which only means something with ``blur_faces``). See ``vfeedback.export.blur``.
    ``crop``: a closer frame on the baby and parent (``blur.Region`` of the upright picture), kept
    at the source's own pixels (never enlarged); ``marks``: soft circles and arrows
    (``core.marks.Mark``) shown while the freeze holds its frame. See ``vfeedback.export.pointing``.
    ``layout``: the session's camera angles in the picture (``Layout``); the default is the main
    recording alone, as before angles existed (and its key is unchanged).
    """

    padding_us: int = 1_000_000
    captions: Captions = "burn"
    slow_replay: bool = False
    freeze_at_us: int | None = None
    freeze_s: float = 0.0
    max_height: int | None = None
    mute: bool = False
    quality: Quality = "standard"
    blur: tuple[Region, ...] = ()
    blur_faces: bool = False
    keep: tuple[Region, ...] = ()
    crop: Region | None = None
    marks: tuple[Mark, ...] = ()
    layout: Layout = SINGLE

    def __post_init__(self) -> None:
        object.__setattr__(self, "layout", Layout.from_value(self.layout))
        # Areas may come as [x, y, w, h] lists (stored settings, the command line): keep Regions.
        object.__setattr__(self, "blur", regions(self.blur, "blur"))
        object.__setattr__(self, "keep", regions(self.keep, "keep"))
        if self.crop is not None and not isinstance(self.crop, Region):
            object.__setattr__(self, "crop", regions([self.crop], "frame closer")[0])
        object.__setattr__(
            self, "marks", checked(m if isinstance(m, Mark) else Mark.from_value(m) for m in self.marks)
        )
        problem = self._problem()
        if problem:
            raise BadInput(problem)

    def _problem(self) -> str | None:
        if not _is_int(self.padding_us) or self.padding_us < 0:
            return "The padding around a clip must be zero or more seconds."
        if self.padding_us > MAX_PADDING_US:
            return f"The padding around a clip can be at most {MAX_PADDING_US // 1_000_000} seconds."
        if self.captions not in get_args(Captions):
            return f"The caption mode '{self.captions}' is not one of burn, soft, both or none."
        if self.quality not in get_args(Quality):
            return f"The quality '{self.quality}' is not one of small, standard or high."
        if not isinstance(self.slow_replay, bool) or not isinstance(self.mute, bool):
            return "Slow replay and mute are either on or off."
        if self.freeze_at_us is not None and not _is_int(self.freeze_at_us):
            return "The freeze time must be a time in the recording."
        if isinstance(self.freeze_s, bool) or not isinstance(self.freeze_s, int | float):
            return "The length of a freeze must be a number of seconds."
        if not math.isfinite(self.freeze_s) or self.freeze_s < 0 or self.freeze_s > MAX_FREEZE_S:
            return f"A freeze must last between 0 and {MAX_FREEZE_S:g} seconds."
        if (self.freeze_at_us is None) != (self.freeze_s == 0):
            return "A freeze needs both the time of the frame to hold and how many seconds to hold it."
        if self.max_height is not None and (not _is_int(self.max_height) or self.max_height < MIN_MAX_HEIGHT):
            return f"The maximum picture height must be at least {MIN_MAX_HEIGHT} pixels."
        if not isinstance(self.blur_faces, bool):
            return "Blurring faces is either on or off."
        if self.keep and not self.blur_faces:
            return "Areas to keep only spare faces from automatic blurring: turn on face blurring too."
        if self.marks and not self.has_freeze:
            return "Marks on a clip show while it holds a frame: add a freeze too."
        if self.crop is not None and self.hides_identities:
            return "A closer frame cannot yet be combined with blurring; blur the clip, or frame it closer."
        if not self.layout.is_default and (self.hides_identities or self.crop is not None or self.marks):
            return (
                "Blurring, a closer frame and marks work on one camera's picture: export the clip "
                "with the single layout to use them."
            )
        return None

    @property
    def encoding(self) -> Encoding:
        return ENCODINGS[self.quality]

    @property
    def has_freeze(self) -> bool:
        return self.freeze_at_us is not None and self.freeze_s > 0

    @property
    def hides_identities(self) -> bool:
        return bool(self.blur) or self.blur_faces

    def to_dict(self) -> dict[str, object]:
        """The settings as plain JSON values (what the library stores with the clip)."""
        data = asdict(self)
        data["blur"] = [r.as_list() for r in self.blur]
        data["keep"] = [r.as_list() for r in self.keep]
        data["crop"] = None if self.crop is None else self.crop.as_list()
        data["marks"] = [m.to_list() for m in self.marks]
        if self.layout.is_default:
            del data["layout"]  # a clip of one camera is stored exactly as before angles existed
        else:
            data["layout"] = self.layout.to_dict()
        return data

    def key(self) -> str:
        """A short, stable hash of these settings and the recipe version: equal keys, equal clips
        (for the same span, caption and recording, which the library adds to its own lookup).

        A clip with any area blurred never shares a key with one without: the blur settings (and
        the face recipe) are in the hash whenever they are not the defaults; left out when they
        are, so the keys of clips made before blurring existed stay valid."""
        data = self.to_dict()
        data["freeze_s"] = repr(float(self.freeze_s))  # 2 and 2.0 are the same freeze
        for name in ("blur", "keep", "blur_faces", "crop", "marks"):
            if not data[name]:
                del data[name]
        if self.blur:
            data["blur"] = [[repr(float(v)) for v in r.as_list()] for r in self.blur]
        if self.keep:
            data["keep"] = [[repr(float(v)) for v in r.as_list()] for r in self.keep]
        if self.crop is not None:
            data["crop"] = [repr(float(v)) for v in self.crop.as_list()]
        if self.blur_faces:
            data["faces_recipe"] = FACES_VERSION
        data["recipe"] = RECIPE_VERSION
        blob = json.dumps(data, sort_keys=True, separators=(",", ":")).encode()
        return hashlib.sha256(blob).hexdigest()[:16]


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)
