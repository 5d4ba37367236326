"""BORIS project files (.boris, JSON, optionally gzipped): the coded events of one observation.

The structure follows BORIS's own code (github.com/olivierfriard/BORIS, ``boris/config.py`` and
``boris/project_functions.py``): ``project_format_version``; ``behaviors_conf`` {index: {"code",
"type": "Point event" | "State event" (or "... with coding map")}}; ``observations`` {id: {"type":
"MEDIA" | "LIVE" | "IMAGES", "file": {"1": [paths], "2": [...]}, "time offset": seconds, "events":
[[time, subject, behaviour code, modifier, comment, (frame index)], ...]}}. A media observation's
event time is the player position plus the time offset, so the video time is ``time - offset``.

State events are recorded as a start and a stop of the same behaviour, subject and modifier: the
events alternate start, stop in time order (as BORIS pairs them). A start without its stop is refused,
as BORIS itself refuses to analyse such an observation until "Fix unpaired events" closes it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from vfeedback.core import text as texts
from vfeedback.core.errors import BadInput
from vfeedback.core.text import excerpt
from vfeedback.core.timecode import checked_seconds, format_time
from vfeedback.interchange.limits import MAX_BYTES, clean_text, load_json

WHAT = "a BORIS project"
NEWEST_MAJOR = 7  # BORIS 8 and 9 still write project_format_version "7.0"
MEDIA_TYPES = ("MEDIA", "VIDEO", "AUDIO")  # the last two: observations of BORIS before 2016
_LIST_MAX = 8


@dataclass(frozen=True, slots=True)
class BorisEvent:
    """A point event (``stop_s`` None) or a paired state event, in seconds of the video."""

    behaviour: str
    subject: str
    start_s: float
    stop_s: float | None
    comment: str
    modifier: str


@dataclass(frozen=True, slots=True)
class BorisObservation:
    obs_id: str
    kind: str
    media: tuple[str, ...]
    """Player 1's files (BORIS plays them one after another)."""
    offset_s: float
    events: tuple[tuple[Any, ...], ...]
    """As stored: [time, subject, behaviour, modifier, comment, ...]."""


@dataclass(frozen=True, slots=True)
class BorisProject:
    name: str
    file_name: str
    version: str
    behaviour_types: dict[str, str]
    """Behaviour code -> "point" or "state"."""
    observations: dict[str, BorisObservation]


def read_project(path: Path, limit: int = MAX_BYTES) -> BorisProject:
    """Read and check a BORIS project; BadInput for anything else."""
    path = Path(path)
    return parse_project(load_json(path, WHAT, limit=limit), path.name)


def parse_project(data: Any, name: str) -> BorisProject:
    if not isinstance(data, dict) or not isinstance(data.get("observations"), dict):
        raise BadInput(f"{name} is not a BORIS project: it has no observations.")
    version = str(data.get("project_format_version", "")).strip()
    match = re.fullmatch(r"(\d{1,3})(?:\.(\d{1,3}))?", version)
    if match is None:
        raise BadInput(
            f"{name} is from a very old BORIS (no project format version); open it in a current BORIS "
            "and save it again."
        )
    if int(match[1]) > NEWEST_MAJOR:
        raise BadInput(
            f"{name} is in BORIS project format {version}, newer than this version of vfeedback reads "
            f"(up to {NEWEST_MAJOR}.x)."
        )
    ethogram = data.get("behaviors_conf")
    if not isinstance(ethogram, dict):
        raise BadInput(f"{name} is not a BORIS project: it has no ethogram (behaviors_conf).")
    types: dict[str, str] = {}
    for entry in ethogram.values():
        if not isinstance(entry, dict) or not isinstance(entry.get("code"), str):
            raise BadInput(f"{name} is damaged: its ethogram has a behaviour without a code.")
        kind = str(entry.get("type", "")).lower()
        code = clean_text(entry["code"], texts.TIER_NAME, "code of a behaviour of its ethogram", name)
        types[code] = "state" if kind.startswith("state") else "point"
    observations = {
        str(obs_id): _observation(str(obs_id), obs, name) for obs_id, obs in data["observations"].items()
    }
    if not observations:
        raise BadInput(f"{name} has no observations to import.")
    return BorisProject(str(data.get("project_name", "")), name, version, types, observations)


def _observation(obs_id: str, obs: Any, name: str) -> BorisObservation:
    if not isinstance(obs, dict):
        raise BadInput(f"{name} is damaged: observation '{obs_id}' is not readable.")
    files = obs.get("file", {})
    if isinstance(files, dict):
        player1 = files.get("1", [])
    elif isinstance(files, list):  # before format 1: a plain list, player 1 first
        player1 = files[:1]
    else:
        player1 = []
    if not isinstance(player1, list):
        player1 = []
    events = obs.get("events", [])
    if not isinstance(events, list):
        raise BadInput(f"{name} is damaged: the events of observation '{obs_id}' are not a list.")
    offset = obs.get("time offset", 0) or 0
    return BorisObservation(
        obs_id=obs_id,
        kind=str(obs.get("type", "")).upper(),
        media=tuple(str(p) for p in player1),
        offset_s=_seconds(offset, name, f"the time offset of observation '{obs_id}'"),
        events=tuple(tuple(e) if isinstance(e, list) else (e,) for e in events),
    )


def choose_observation(project: BorisProject, observation: str | None, media_name: str | None = None) -> str:
    """The observation to import: the one asked for, the only one, or the only one that plays a file
    called ``media_name``; otherwise a sentence listing them."""
    ids = list(project.observations)
    if observation is not None:
        if observation in project.observations:
            return observation
        raise BadInput(f"{project.file_name} has no observation '{observation}'; it has {_listed(ids)}.")
    if len(ids) == 1:
        return ids[0]
    if media_name:
        wanted = media_name.lower()
        playing = [
            o.obs_id
            for o in project.observations.values()
            if any(_base(p).lower() == wanted for p in o.media)
        ]
        if len(playing) == 1:
            return playing[0]
    raise BadInput(f"{project.file_name} has {len(ids)} observations; say which to import: {_listed(ids)}.")


def behaviours(project: BorisProject, obs_id: str) -> list[str]:
    """The behaviour codes the observation's events use, sorted."""
    name = project.file_name
    found = {
        _text(e[2], texts.TIER_NAME, f"behaviour of event {n} of observation '{obs_id}'", name)
        for n, e in enumerate(project.observations[obs_id].events, 1)
        if len(e) >= 3
    }
    return sorted(found, key=str.lower)


def observation_events(project: BorisProject, obs_id: str) -> list[BorisEvent]:
    """The observation's events in video seconds, state events paired into intervals."""
    name = project.file_name
    obs = project.observations[obs_id]
    if obs.kind not in MEDIA_TYPES:
        what = {"LIVE": "a live observation", "IMAGES": "an observation of still images"}.get(
            obs.kind, f"an observation of type '{obs.kind[:20]}'"
        )
        raise BadInput(f"Observation '{obs_id}' of {name} is {what}, not one coded on a video.")
    if len(obs.media) > 1:
        raise BadInput(
            f"Observation '{obs_id}' of {name} plays {len(obs.media)} videos one after another; "
            "only observations of a single video can be imported."
        )
    rows = []
    for n, event in enumerate(obs.events, 1):
        if len(event) < 5:
            raise BadInput(f"{name} is damaged: event {n} of observation '{obs_id}' is incomplete.")
        when = _seconds(event[0], name, f"the time of event {n} of observation '{obs_id}'") - obs.offset_s
        where = f"event {n} of observation '{obs_id}'"
        subject = _text(event[1], texts.PERSON, f"subject of {where}", name)
        behaviour = _text(event[2], texts.TIER_NAME, f"behaviour of {where}", name)
        modifier = _text(event[3], texts.TIER_NAME, f"modifier of {where}", name)
        comment = _text(event[4], texts.NOTE, f"comment of {where}", name)
        if behaviour not in project.behaviour_types:
            raise BadInput(f"{name} is damaged: the behaviour '{behaviour}' is used but not in its ethogram.")
        rows.append((when, n, subject, behaviour, modifier, comment))
    rows.sort()

    result: list[BorisEvent] = []
    open_states: dict[tuple[str, str, str], tuple[float, str]] = {}
    for when, _, subject, behaviour, modifier, comment in rows:
        if project.behaviour_types[behaviour] == "point":
            result.append(BorisEvent(behaviour, subject, when, None, comment, modifier))
            continue
        key = (subject, behaviour, modifier)
        if key in open_states:
            start, first_comment = open_states.pop(key)
            both = " ".join(c for c in (first_comment, comment) if c)
            result.append(BorisEvent(behaviour, subject, start, when, both, modifier))
        else:
            open_states[key] = (when, comment)
    if open_states:
        (subject, behaviour, _), (start, _) = min(open_states.items(), key=lambda kv: kv[1][0])
        who = f" of {subject}" if subject else ""
        raise BadInput(
            f"In {name}, the state event '{behaviour}'{who} starting at {format_time(round(start * 1e6))} "
            "never stops; close it in BORIS (Observations > Fix unpaired events) and import again."
        )
    result.sort(key=lambda e: (e.start_s, e.behaviour))
    return result


def _seconds(value: Any, name: str, what: str) -> float:
    try:
        return checked_seconds(value)
    except ValueError:
        shown = excerpt(str(value) if isinstance(value, str | int | float) else type(value).__name__, 20)
        raise BadInput(f"{name} is damaged: {what} is not a time ('{shown}').") from None


def _text(value: Any, kind: texts.Kind, what: str, name: str) -> str:
    return "" if value is None else clean_text(str(value), kind, what, name)


def _base(path: str) -> str:
    return re.split(r"[\\/]", path)[-1]


def _listed(ids: list[str]) -> str:
    shown = ", ".join(f"'{i}'" for i in ids[:_LIST_MAX])
    return shown + (f" and {len(ids) - _LIST_MAX} more" if len(ids) > _LIST_MAX else "")
