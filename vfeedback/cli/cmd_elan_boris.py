"""``export eaf``, ``import eaf`` and ``import boris``: moments to and from ELAN and BORIS.

An import that still needs a mapping (foreign ELAN tiers, BORIS behaviours) lists what to map and
exits with status 1, having imported nothing.
"""

from __future__ import annotations

import argparse
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from vfeedback.cli import output as out
from vfeedback.cli.arguments import json_flag, link_original_flag, purpose_option, write_out
from vfeedback.cli.cmd_moments import print_moments
from vfeedback.core.errors import BadInput, Conflict
from vfeedback.core.timecode import format_time

if TYPE_CHECKING:
    from vfeedback.core.model import Moment
    from vfeedback.services import Library

EXIT_NEEDS_MAPPING = 1


def add_export_parsers(exp_sub: Any) -> None:
    """``export eaf RECORDING --out FILE [--notes] [--purpose P] [--json]``."""
    c = exp_sub.add_parser("eaf", help="a recording's moments as an ELAN file (.eaf), linked to its video")
    c.add_argument("recording", type=int, metavar="RECORDING")
    write_out(c, "the .eaf file to write (or a folder)")
    c.add_argument(
        "--notes", action="store_true", help="also write the private clinical notes (never for families)"
    )
    purpose_option(c)
    link_original_flag(c)
    json_flag(c)


def export_eaf(lib: Library, args: argparse.Namespace) -> int:
    done = lib.interchange.export_eaf(
        args.recording,
        Path(args.out),
        include_notes=bool(args.notes),
        purpose=getattr(args, "purpose", "feedback"),
        link_original=bool(getattr(args, "link_original", False)),
    )
    beside = done.place_beside[0] if done.place_beside else None
    if args.json:
        out.emit_json(
            {
                "path": str(done.path),
                "recording_id": args.recording,
                "moments": done.moments,
                "notes": done.notes,
                "place_beside": beside,
            }
        )
    else:
        notes = ", with the private notes" if done.notes else ""
        print(f"Wrote {_moments(done.moments)} of recording {args.recording} to {done.path}{notes}.")
        if beside is not None:
            print(out.beside_sentence([beside], "ELAN"))
    return 0


def import_eaf(lib: Library, args: argparse.Namespace) -> int:
    from vfeedback.services.elan_boris import SKIP, unmapped_tiers

    path = Path(args.file)
    mapping: dict[str, tuple[str, str | None] | None] = {}
    for tier, target in _pairs(args.map, "TIER=ACTOR[:CODER]"):
        if target.lower() == SKIP:
            mapping[tier] = None
        else:
            actor, _, coder = target.partition(":")
            mapping[tier] = (actor.strip(), coder.strip() or None)
    lib.recordings.get(args.recording)
    again = bool(getattr(args, "again", False))
    _refuse_repeat(lib, path, args.recording, again, boris=False, observation=None)
    tiers = lib.interchange.eaf_tiers(path)
    missing = unmapped_tiers(tiers, mapping)
    if missing:
        rows: list[dict[str, Any]] = [
            {
                "tier": t.tier_id,
                "participant": t.participant,
                "annotator": t.annotator,
                "annotations": t.annotations,
            }
            for t in missing
        ]
        return _needs_mapping(
            args.json,
            rows,
            "Nothing was imported. Say who each of these ELAN tiers is with --map TIER=ACTOR[:CODER] "
            "(actor: parent, infant or clinician), or leave one out with --map TIER=skip:",
            (
                f"  {r['tier']}  ({_count(r['annotations'], 'annotation')}"
                + (f", participant {r['participant']}" if r["participant"] else "")
                + ")"
                for r in rows
            ),
        )
    linked = lib.interchange.eaf_angles(path, args.recording)
    moments = lib.interchange.import_eaf(path, args.recording, mapping, again=again)
    status = _report(lib, args, moments, path)
    if not args.json:  # the films it links beside the main one (camera angles)
        for angle in linked:
            if angle.problem is not None:
                print(angle.problem)
            elif not angle.already:
                sign = "-" if angle.offset_us < 0 else "+"
                print(
                    f"Recording {angle.recording_id} is an angle of recording {args.recording} again, at "
                    f"{sign}{format_time(abs(angle.offset_us))}."
                )
    return status


def import_boris(lib: Library, args: argparse.Namespace) -> int:
    from vfeedback.services.elan_boris import SKIP

    path = Path(args.file)
    mapping: dict[str, str | None] = {
        behaviour: (None if code.lower() == SKIP else code)
        for behaviour, code in _pairs(args.map, "BEHAVIOUR=CODE")
    }
    lib.recordings.get(args.recording)
    observation = getattr(args, "observation", None)
    again = bool(getattr(args, "again", False))
    _refuse_repeat(lib, path, args.recording, again, boris=True, observation=observation)
    found = lib.interchange.boris_behaviours(path, observation, recording_id=args.recording)
    missing = [b for b in found if b not in mapping]
    if missing:
        return _needs_mapping(
            args.json,
            [{"behaviour": b} for b in missing],
            "Nothing was imported. Say which code each of these BORIS behaviours is with "
            "--map BEHAVIOUR=CODE (`vfeedback schemes` lists the codes), or leave one out with "
            "--map BEHAVIOUR=skip:",
            (f"  {b}" for b in missing),
        )
    moments = lib.interchange.import_boris(path, args.recording, mapping, observation, again=again)
    return _report(lib, args, moments, path)


def _refuse_repeat(
    lib: Library, path: Path, recording: int, again: bool, *, boris: bool, observation: str | None
) -> None:
    """Before asking for a mapping: a file already imported into the recording is refused at once
    (exit 3), unless --again."""
    if again:
        return
    from vfeedback.services.elan_boris import repeat_sentence

    when = lib.interchange.previous_import(path, recording, boris=boris, observation=observation)
    if when is not None:
        raise Conflict(repeat_sentence(path.name, recording, when))


def _pairs(items: Iterable[str] | None, form: str) -> list[tuple[str, str]]:
    pairs = []
    for item in items or []:
        # Split at the last "=": a tier or behaviour name may hold one, an actor or code does not.
        left, sep, right = item.rpartition("=")
        if not sep or not left.strip() or not right.strip():
            raise BadInput(f"--map takes {form}; '{item}' is not of that form.")
        pairs.append((left.strip(), right.strip()))
    return pairs


def _needs_mapping(as_json: bool, rows: list[dict[str, Any]], heading: str, lines: Iterable[str]) -> int:
    if as_json:
        out.emit_json({"imported": 0, "needs_mapping": rows})
    else:
        print(heading)
        for line in lines:
            print(line)
    return EXIT_NEEDS_MAPPING


def _report(lib: Library, args: argparse.Namespace, moments: list[Moment], path: Path) -> int:
    if args.json:
        print_moments(lib, moments, {args.recording: lib.media.frame_index(args.recording)}, as_json=True)
    else:
        print(f"Imported {_moments(len(moments))} into recording {args.recording} from {path.name}.")
    return 0


def _count(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def _moments(n: int) -> str:
    return _count(n, "moment")
