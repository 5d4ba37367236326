"""One handler per command. Each takes the parsed arguments and returns an exit status."""

from __future__ import annotations

import argparse
from collections import Counter
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

from vfeedback.cli import output as out
from vfeedback.cli.blur_args import blur_options
from vfeedback.cli.parser import whole_number
from vfeedback.cli.progress import progress
from vfeedback.core.errors import BadInput
from vfeedback.core.frames import FrameIndex
from vfeedback.core.model import Highlight, Moment
from vfeedback.core.timecode import format_time, parse_time
from vfeedback.services import Library
from vfeedback.services.audit import ExportedFile
from vfeedback.services.schemes import DEFAULT_SCHEME_KEY

Handler = Callable[[Library, argparse.Namespace], int]


def probe(args: argparse.Namespace) -> int:
    """Needs no library: runs before one is opened."""
    from vfeedback.media.probe import probe as probe_file

    info = probe_file(Path(args.file))
    data = out.media_json(info)
    if args.json:
        out.emit_json(data)
    else:
        for key, value in data.items():
            if key != "tags":
                print(f"{key:20} {value}")
    return 0


def recording_to_open(args: argparse.Namespace) -> int:
    """``open FILE`` imports (or finds) the file, ``open RECORDING`` checks the id; the caller then
    starts the window on it. Problems are reported on the terminal, before any window opens."""
    target = Path(args.target).expanduser()
    with Library.open(args.library) as lib:
        if args.target.isdigit() and not target.exists():
            return lib.recordings.get(whole_number(args.target)).id
        with progress(f"Importing {target.name}", enabled=True, unit="B") as bar:
            return lib.recordings.open_file(target, args.family, progress=bar.bytes).id


def family_add(lib: Library, args: argparse.Namespace) -> int:
    fam = lib.families.add(args.code, args.label)
    if args.json:
        out.emit_json(out.family_json(fam, 0))
    else:
        print(f"Added family {fam.code}.")
    return 0


def family_edit(lib: Library, args: argparse.Namespace) -> int:
    fam = lib.families.edit(args.family, code=args.new_code, label=args.label)
    count = len(lib.recordings.all(fam.id))
    if args.json:
        out.emit_json(out.family_json(fam, count))
    else:
        print(f"Family {fam.code} saved.")
    return 0


def families(lib: Library, args: argparse.Namespace) -> int:
    counts = Counter(r.family_id for r in lib.recordings.all())
    fams = lib.families.all()
    if args.json:
        out.emit_json([out.family_json(f, counts[f.id]) for f in fams])
    elif not fams:
        print("No families yet. Add one with: vfeedback family add CODE")
    else:
        out.table(["CODE", "RECORDINGS", "LABEL"], [(f.code, counts[f.id], f.label) for f in fams])
    return 0


def import_(lib: Library, args: argparse.Namespace) -> int:
    recorded = _date(args.recorded) if args.recorded else None
    path = Path(args.file)
    with progress(f"Importing {path.name}", enabled=not args.json, unit="B") as bar:
        rec = lib.recordings.import_file(
            path,
            args.family,
            recorded_on=recorded,
            context=args.context,
            reference=args.reference,
            progress=bar.bytes,
        )
    if args.json:
        out.emit_json(out.recording_json(rec, lib.recordings.path(rec)))
    else:
        how = "referenced" if args.reference else "copied into the library"
        print(f"Imported {path.name} as recording {rec.id} of family {rec.family_code} ({how}).")
    return 0


def recordings(lib: Library, args: argparse.Namespace) -> int:
    recs = lib.recordings.all(args.family)
    if args.json:
        out.emit_json([out.recording_json(r, lib.recordings.path(r)) for r in recs])
    elif not recs:
        print("No recordings yet. Import one with: vfeedback import FILE --family CODE")
    else:
        out.table(
            ["ID", "FAMILY", "RECORDED", "DURATION", "SIZE", "CONTEXT", "FILE"],
            [
                (
                    r.id,
                    r.family_code,
                    r.recorded_on,
                    format_time(r.media.duration_us),
                    f"{r.media.display_width}x{r.media.display_height}",
                    r.context,
                    r.original_name,
                )
                for r in recs
            ],
        )
    return 0


def index(lib: Library, args: argparse.Namespace) -> int:
    idx = _index(lib, args.recording, args.json)
    rec = lib.recordings.get(args.recording)
    data = {
        "recording_id": rec.id,
        "frame_count": len(idx),
        "duration_us": idx.duration_us,
        "variable_frame_rate": idx.is_variable_rate(),
        "first_frames_us": list(idx.times[:10]),
    }
    if args.json:
        out.emit_json(data)
    else:
        rate = "variable" if data["variable_frame_rate"] else "constant"
        print(f"Recording {rec.id}: {len(idx)} frames, {format_time(idx.duration_us)}, {rate} frame rate.")
    return 0


def relink(lib: Library, args: argparse.Namespace) -> int:
    with progress("Looking for moved files", enabled=not args.json, unit="B") as bar:
        found = lib.recordings.relink(Path(args.folder), progress=bar.bytes)
    if args.json:
        out.emit_json([out.recording_json(r, p) for r, p in found])
    elif not found:
        print("No missing recording was found in that folder.")
    else:
        for rec, path in found:
            print(f"Recording {rec.id} ({rec.original_name}) now points to {path}.")
    return 0


def moments_add(lib: Library, args: argparse.Namespace) -> int:
    lib.recordings.get(args.recording)
    idx = _index(lib, args.recording, args.json)
    m = lib.moments.add(
        args.recording,
        parse_time(args.start),
        parse_time(args.end) if args.end else None,
        code=args.code,
        actor=args.actor,
        caption=args.caption or "",
        note=args.note or "",
        coder=args.coder,
    )
    return _print_moment(lib, m, idx, args.json, "Added")


def moments_edit(lib: Library, args: argparse.Namespace) -> int:
    current = lib.moments.get(args.id)
    idx = _index(lib, current.recording_id, args.json)
    m = lib.moments.edit(
        args.id,
        start=parse_time(args.start) if args.start else None,
        end=parse_time(args.end) if args.end else None,
        code=args.code,
        actor=args.actor,
        caption=args.caption,
        note=args.note,
        coder=args.coder,
    )
    return _print_moment(lib, m, idx, args.json, "Saved")


def moments_delete(lib: Library, args: argparse.Namespace) -> int:
    m = lib.moments.get(args.id)
    lib.moments.delete(args.id)
    if args.json:
        out.emit_json({"deleted": m.id})
    else:
        print(f"Deleted moment {m.id} at {format_time(m.start_us)}. `vfeedback undo` brings it back.")
    return 0


def moments_list(lib: Library, args: argparse.Namespace) -> int:
    lib.recordings.get(args.recording)
    idx = _index(lib, args.recording, args.json)
    _print_moments(lib, lib.moments.all(args.recording), {args.recording: idx}, args.json)
    return 0


def moments_search(lib: Library, args: argparse.Namespace) -> int:
    found = lib.moments.search(args.text)
    indexes = {rid: lib.media.frame_index(rid) for rid in {m.recording_id for m in found}}
    _print_moments(lib, found, indexes, args.json)
    return 0


def schemes(lib: Library, args: argparse.Namespace) -> int:
    if args.action == "import":
        if not args.file:
            raise BadInput("Say which scheme file to import: vfeedback schemes import FILE.")
        scheme = lib.schemes.import_file(Path(args.file))
        if args.json:
            out.emit_json(out.scheme_json(scheme, None))
        else:
            print(f"Imported coding scheme {scheme.name} with {len(scheme.codes)} codes.")
        return 0
    default = lib.ctx.setting(DEFAULT_SCHEME_KEY)
    default_id = int(default) if default else None
    all_schemes = lib.schemes.all()
    if args.json:
        out.emit_json([out.scheme_json(s, default_id) for s in all_schemes])
        return 0
    for s in all_schemes:
        mark = " (default)" if s.id == default_id else ""
        print(f"{s.name}{mark}")
        for c in s.codes:
            indent = "  " if c.parent_id is None else "      "
            key = f"[{c.key}] " if c.key else "    "
            print(f"{indent}{key}{c.name}  (id {c.id}, {c.kind.value})")
        print()
    return 0


def undo(lib: Library, args: argparse.Namespace) -> int:
    changes = lib.undo()
    _said(args.json, "undone", changes.label)
    return 0


def redo(lib: Library, args: argparse.Namespace) -> int:
    changes = lib.redo()
    _said(args.json, "redone", changes.label)
    return 0


def check(lib: Library, args: argparse.Namespace) -> int:
    repaired = lib.integrity.repair() if args.repair else []
    label = "Hashing every file" if args.deep else "Checking recordings"
    with progress(label, enabled=not args.json, unit="B") as bar:
        report = lib.integrity.report(progress=bar.bytes, deep=args.deep)
    problems = report.problems
    if args.json:
        out.emit_json(
            {
                "ok": not problems,
                "problems": [
                    {"what": p.what, "recording_id": p.recording_id, "kind": p.kind} for p in problems
                ],
                "audit_chain_ok": report.audit_chain_ok,
                "repaired": repaired,
                "notices": report.notices,
            }
        )
        return 1 if problems else 0
    for rel in repaired:
        print(f"Removed {rel}: no recording or export owned it.")
    for notice in report.notices:
        print(notice)
    if problems:
        print(f"{len(problems)} problem(s) found:")
        for p in problems:
            print(f"- {p.what}")
    else:
        files = "every file matches its hash"
        if not args.deep:
            files = "every recording's file is present and unchanged"
        print(f"The library at {lib.path} is sound: the audit record is intact and {files}.")
    return 1 if problems else 0


def export_clip(lib: Library, args: argparse.Namespace) -> int:
    from vfeedback.export.options import ClipOptions

    folder = lib.files.folder(args.out) if args.out else None  # before any work
    freeze_at, freeze_s = _freeze(args.freeze) if args.freeze else (None, 0.0)
    hiding: dict[str, Any] = dict(blur_options(args))
    made = []
    for moment_id in args.moments:
        lib.moments.get(moment_id)
        options = ClipOptions(
            padding_us=round(args.padding * 1_000_000),
            captions=args.captions,
            slow_replay=args.slow,
            freeze_at_us=_freeze_time(lib, moment_id, freeze_at),
            freeze_s=freeze_s,
            max_height=args.max_height,
            mute=args.mute,
            **hiding,
        )
        with progress(f"Exporting moment {moment_id}", enabled=not args.json) as bar:
            made.append(lib.exports.clip(moment_id, options, progress=bar.fraction, purpose=args.purpose))
    _deliver(lib, made, folder, args.json)
    return 0


def export_still(lib: Library, args: argparse.Namespace) -> int:
    folder = lib.files.folder(args.out) if args.out else None
    moment = lib.moments.get(args.moment)
    at = None
    if args.at:
        at, _ = lib.media.frame_index(moment.recording_id).resolve(parse_time(args.at))
    _deliver(lib, [lib.exports.still(args.moment, at, purpose=args.purpose)], folder, args.json)
    return 0


def export_reel(lib: Library, args: argparse.Namespace) -> int:
    if args.out:
        lib.files.destination(args.out, default_name="reel.mp4")  # refused before anything is made
    with progress("Exporting the reel", enabled=not args.json) as bar:
        reel, made = lib.exports.new_reel(
            args.title, args.moments, args.date_text, progress=bar.fraction, purpose=args.purpose
        )
    _deliver(lib, [made], _file_for(lib, args.out, made), args.json)
    if args.separate:
        # The same moments as separate clips (stored, reusable, listed by `highlights`).
        separate = [lib.exports.clip(moment_id, purpose=args.purpose) for moment_id in reel.moment_ids]
        if not args.json:
            for h in separate:
                print(f"Clip {h.id}: {lib.exports.path(h)}")
    return 0


def export_handout(lib: Library, args: argparse.Namespace) -> int:
    if args.pdf:
        lib.files.destination(args.pdf, default_name="handout.pdf")
    with progress("Making the handout", enabled=not args.json) as bar:
        made = lib.exports.handout(args.reel, progress=bar.fraction, purpose=args.purpose)
    _deliver(lib, [made], _file_for(lib, args.pdf, made), args.json)
    return 0


def highlights(lib: Library, args: argparse.Namespace) -> int:
    found = lib.exports.all(args.family, text=args.search)
    if args.json:
        out.emit_json([out.highlight_json(h, lib.exports.path(h)) for h in found])
    elif not found:
        print("Nothing exported yet. Try: vfeedback export clip MOMENT")
    else:
        out.table(
            ["ID", "KIND", "DURATION", "SIZE", "MOMENTS", "CAPTION", "FILE"],
            [
                (
                    h.id,
                    h.kind.value,
                    format_time(h.duration_us) if h.duration_us else "",
                    f"{h.width}x{h.height}",
                    ",".join(map(str, h.moment_ids)),
                    h.caption,
                    Path(h.path).name,
                )
                for h in found
            ],
        )
    return 0


def _file_for(lib: Library, out: str | None, made: Highlight) -> Path | None:
    """Where ``--out FILE`` (or a folder, which gets the export's own name) puts one export."""
    return lib.files.destination(out, default_name=lib.exports.path(made).name) if out else None


def _deliver(lib: Library, made: list[Highlight], out_to: Path | None, as_json: bool) -> None:
    """Print what was made; with ``--out``, also copy it outside the library (``out_to`` is the folder
    for several exports, or the file for one reel or handout, already checked)."""
    copies = {}
    if out_to is not None:
        for h in made:
            target = out_to / lib.exports.path(h).name if out_to.is_dir() else out_to
            copies[h.id] = lib.exports.deliver(h, target)
    if as_json:
        data = [out.highlight_json(h, lib.exports.path(h), copies.get(h.id)) for h in made]
        out.emit_json(data[0] if len(data) == 1 else data)
        return
    for h in made:
        extra = f" (copied to {copies[h.id]})" if h.id in copies else ""
        print(f"{h.kind.value.capitalize()} {h.id}: {lib.exports.path(h)}{extra}")


def _freeze(text: str) -> tuple[str, float]:
    at, sep, seconds = text.rpartition(":")
    try:
        value = float(seconds)
    except ValueError:
        value = -1.0
    if not sep or value <= 0 or value > 30:
        raise BadInput(f"'{text}' is not a freeze: use T:SECONDS, e.g. 0:03.2:2 (hold 00:00:03.200 for 2 s).")
    return at, value


def _freeze_time(lib: Library, moment_id: int, text: str | None) -> int | None:
    if text is None:
        return None
    moment = lib.moments.get(moment_id)
    us, _ = lib.media.frame_index(moment.recording_id).resolve(parse_time(text))
    return us


def consent(lib: Library, args: argparse.Namespace) -> int:
    fam = lib.families.get(args.family)
    change = args.give or args.withdraw
    kept: list[Highlight] = []
    files: list[ExportedFile] = []
    if change:
        if not args.by:
            raise BadInput("Say who recorded the consent: --by NAME.")
        on = _date(args.date) if args.date else None
        if args.give:
            lib.consent.give(fam.id, change, args.by, on)
        else:
            _, kept = lib.consent.withdraw(fam.id, change, args.by, on)
            files = lib.audit.exported_files(fam.id, change)
        if not args.json:
            verb = "given" if args.give else "withdrawn"
            print(f"Consent for {change} {verb} for family {fam.code}.")
            _print_exported(change, files)
    state = lib.consent.state(fam.id)
    register = lib.consent.register(fam.id)
    if args.json:
        out.emit_json(
            {
                "family": fam.code,
                "purposes": {p.value: bool(e and e.given) for p, e in state.items()},
                "register": [
                    {
                        "purpose": e.purpose.value,
                        "given": e.given,
                        "date": e.on_date,
                        "recorded_by": e.recorded_by,
                        "recorded_at": e.recorded_at,
                    }
                    for e in register
                ],
                "exported_under_withdrawn": [h.id for h in kept],
                "exported": [
                    {"path": f.path, "at": f.at, "what": f.what, "notes": f.notes} for f in files
                ],
            }
        )
    elif not change:
        for purpose, entry in state.items():
            status = "not recorded" if entry is None else ("given" if entry.given else "withdrawn")
            when = f" on {entry.on_date} by {entry.recorded_by}" if entry else ""
            print(f"{purpose.wording:28} {status}{when}")
    return 0


def _print_exported(purpose: str, files: list[ExportedFile]) -> None:
    """Every file the audit record says went out for the purpose: the clinician decides what to do."""
    if not files:
        return
    print(f"{len(files)} file(s) were exported for {purpose}; delete or recall them if they must go:")
    for f in files:
        notes = {True: "with private notes", False: "no notes", None: "notes not recorded"}[f.notes]
        where = f.path or "(where it went was not recorded)"
        print(f"  {f.at:%Y-%m-%d %H:%M}  {where}  ({notes}): {f.what}")


def audit(lib: Library, args: argparse.Namespace) -> int:
    if args.csv:
        count = lib.audit.write_csv(Path(args.csv), args.family)
        if not args.json:
            print(f"Wrote {count} entries to {args.csv}.")
    entries = lib.audit.entries(args.family)
    if args.json:
        out.emit_json(
            [
                {
                    "id": e.id,
                    "at": e.at,
                    "actor": e.actor,
                    "action": e.action,
                    "family": e.family_code,
                    "purpose": e.purpose,
                    "detail": e.detail,
                    "destination": e.destination,
                    "notes": e.notes,
                    "hash": e.hash,
                }
                for e in entries
            ]
        )
    elif not args.csv:
        out.table(
            ["WHEN", "WHO", "WHAT", "FAMILY", "DETAIL"],
            [(e.at.strftime("%Y-%m-%d %H:%M"), e.actor, e.action, e.family_code, e.detail) for e in entries],
        )
        head = lib.audit.head()
        if head is not None:
            print(f"Newest entry {head[0]}, hash {head[1]} (note it elsewhere to prove the record later).")
    return 0


def retention(lib: Library, args: argparse.Namespace) -> int:
    fam = lib.cases.set_retention(
        args.family,
        closed_on=_date(args.closed) if args.closed else None,
        rule=args.rule,
        reopen=args.reopen,
        remove_rule=args.no_rule,
    )
    from vfeedback.core.retention import due_date

    when = due_date(fam.retention_rule, fam.closed_on) if fam.retention_rule else None
    if args.json:
        out.emit_json(
            {"family": fam.code, "closed_on": fam.closed_on, "rule": fam.retention_rule, "due": when}
        )
    else:
        closed = fam.closed_on.isoformat() if fam.closed_on else "not closed"
        due = f"; due for deletion on {when}" if when else ""
        print(f"Family {fam.code}: {closed}, rule '{fam.retention_rule or 'none'}'{due}.")
    return 0


def due(lib: Library, args: argparse.Namespace) -> int:
    found = lib.cases.due()
    if args.json:
        out.emit_json([{"family": f.code, "due": when, "rule": f.retention_rule} for f, when in found])
    elif not found:
        print("No family is due for deletion.")
    else:
        out.table(["FAMILY", "DUE", "RULE"], [(f.code, when, f.retention_rule) for f, when in found])
        print("Delete with: vfeedback delete family CODE --yes")
    return 0


def delete_family(lib: Library, args: argparse.Namespace) -> int:
    fam = lib.families.get(args.family)
    if not args.yes:
        raise BadInput(f"Deleting family {fam.code} cannot be undone; add --yes to confirm.")
    left = lib.cases.delete_family(fam.id)
    _deleted(args.json, f"family {fam.code}", left)
    return 0


def delete_recording(lib: Library, args: argparse.Namespace) -> int:
    rec = lib.recordings.get(args.recording)
    if not args.yes:
        raise BadInput(f"Deleting recording {rec.id} cannot be undone; add --yes to confirm.")
    left = lib.cases.delete_recording(rec.id)
    _deleted(args.json, f"recording {rec.id}", left)
    return 0


def _deleted(as_json: bool, what: str, left: list[str]) -> None:
    if as_json:
        out.emit_json({"deleted": what, "left": left})
        return
    print(f"Deleted {what} and everything made from it.")
    for line in left:
        print(line)


def _said(as_json: bool, verb: str, label: str) -> None:
    if as_json:
        out.emit_json({verb: label})
    else:
        print(f"{verb.capitalize()}: {label}.")


def _index(lib: Library, recording_id: int, quiet: bool) -> FrameIndex:
    with progress("Indexing frames", enabled=not quiet) as bar:
        return lib.media.frame_index(recording_id, progress=bar.fraction)


def _print_moment(lib: Library, m: Moment, idx: FrameIndex, as_json: bool, verb: str) -> int:
    code = lib.schemes.code(m.code_id)
    if as_json:
        out.emit_json(out.moment_json(m, code, idx))
    else:
        span = format_time(m.start_us) if m.is_point else f"{format_time(m.start_us)}-{format_time(m.end_us)}"
        print(
            f"{verb} moment {m.id}: {span} (frame {idx.frame_at(m.start_us)}), {code.name}, {m.actor.value}."
        )
    return 0


def _print_moments(
    lib: Library, moments: list[Moment], indexes: dict[int, FrameIndex], as_json: bool
) -> None:
    codes = {c.id: c for s in lib.schemes.all() for c in s.codes}
    if as_json:
        out.emit_json([out.moment_json(m, codes[m.code_id], indexes.get(m.recording_id)) for m in moments])
        return
    if not moments:
        print("No moments.")
        return
    out.table(
        ["ID", "REC", "START", "END", "FRAMES", "CODE", "ACTOR", "CODER", "CAPTION"],
        [
            (
                m.id,
                m.recording_id,
                format_time(m.start_us),
                "" if m.is_point else format_time(m.end_us),
                _frames(indexes.get(m.recording_id), m),
                codes[m.code_id].name,
                m.actor.value,
                m.coder,
                m.caption,
            )
            for m in moments
        ],
    )


def _frames(idx: FrameIndex | None, m: Moment) -> str:
    if idx is None:
        return ""
    a, b = idx.frame_at(m.start_us), idx.frame_at(m.end_us)
    return str(a) if a == b else f"{a}-{b}"


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise BadInput(f"'{text}' is not a date: use YYYY-MM-DD, e.g. 2026-03-14.") from None


HANDLERS: dict[tuple[str, str | None], Handler] = {
    ("family", "add"): family_add,
    ("family", "edit"): family_edit,
    ("families", None): families,
    ("import", None): import_,
    ("recordings", None): recordings,
    ("index", None): index,
    ("relink", None): relink,
    ("moments", "add"): moments_add,
    ("moments", "edit"): moments_edit,
    ("moments", "delete"): moments_delete,
    ("moments", "list"): moments_list,
    ("moments", "search"): moments_search,
    ("export", "clip"): export_clip,
    ("export", "still"): export_still,
    ("export", "reel"): export_reel,
    ("export", "handout"): export_handout,
    ("highlights", None): highlights,
    ("consent", None): consent,
    ("retention", None): retention,
    ("due", None): due,
    ("delete", "family"): delete_family,
    ("delete", "recording"): delete_recording,
    ("audit", None): audit,
    ("schemes", None): schemes,
    ("schemes", "import"): schemes,
    ("undo", None): undo,
    ("redo", None): redo,
    ("check", None): check,
}
