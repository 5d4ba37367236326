"""Moments out to spreadsheets (CSV/TSV), subtitles (SRT/WebVTT) and video editors (OpenTimelineIO).

Real library, real recordings (NTSC 29.97, variable frame rate, 25 fps without sound), read back with
the csv module, a strict subtitle parser, ffmpeg's own subtitle readers and the OTIO library.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import re
import subprocess
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from decimal import Decimal
from pathlib import Path

import opentimelineio as otio
import pytest
from mediagen import MediaSet

from vfeedback.cli import cmd_exchange
from vfeedback.cli.parser import Parser
from vfeedback.core.errors import BadInput, NotFound, NothingToDo, VfeedbackError
from vfeedback.core.model import Moment
from vfeedback.core.text import clean_caption, spreadsheet_safe, spreadsheet_value
from vfeedback.core.timecode import format_time
from vfeedback.interchange import otio_reel, subtitles, table
from vfeedback.services import Library
from vfeedback.services import files as service_files
from vfeedback.system import files as system_files

NOTE = "PRIVATE-NOTE: mother exhausted, discuss with supervisor"


@dataclass
class World:
    lib: Library
    ntsc: int
    vfr: int
    mute: int
    bare: int
    """A recording whose only moment has no caption."""
    moments: dict[str, Moment]


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory, media: MediaSet) -> Iterator[World]:
    lib = Library.open(tmp_path_factory.mktemp("exchange") / "library")
    lib.families.add("C-17")
    lib.consent.give("C-17", "feedback", by="Dr Test")
    ntsc = lib.recordings.import_file(media["ntsc2997"], "C-17").id
    vfr = lib.recordings.import_file(media["vfr"], "C-17").id
    mute = lib.recordings.import_file(media["no_audio"], "C-17").id
    bare = lib.recordings.import_file(media["portrait"], "C-17", reference=True).id
    lib.moments.add(bare, 1_000_000, code="Waiting", note=NOTE)
    add = lib.moments.add
    moments = {
        "span": add(ntsc, 500_000, 1_200_000, code="Waiting", actor="parent", coder="Dr Ana",
                    caption="You wait for her,\nand she looks up — \"smiling\".", note=NOTE),
        "point": add(ntsc, 2_000_000, code="Turned towards", actor="infant", coder="Sam",
                     caption="Elle te regarde & tu réponds <3 --> sourire", note=NOTE),
        "late": add(ntsc, 3_500_000, 3_600_000, code="Being attentive", actor="clinician",
                    caption="", note=NOTE),
        "formula": add(ntsc, 1_000_000, code="Waiting", coder="=cmd|' /C calc'!A0",
                       caption="=HYPERLINK(\"http://x\",\"click\")", note=NOTE),
        "vfr": add(vfr, 2_500_000, 4_000_000, code="Waiting", caption="Slower now, and you follow"),
        "vfr_fast": add(vfr, 100_000, 200_000, code="Waiting", caption="@first look"),
        "mute": add(mute, 1_000_000, 2_000_000, code="Waiting", caption="-and you smile back"),
    }  # fmt: skip
    yield World(lib, ntsc, vfr, mute, bare, moments)
    lib.close()


def _us(seconds: str) -> int:
    return int(Decimal(seconds) * 1_000_000)


# --- CSV / TSV ----------------------------------------------------------------------------------


@pytest.mark.parametrize("which", ["ntsc", "vfr"])
def test_csv_reads_back_as_the_moments_and_has_no_notes(world: World, tmp_path: Path, which: str) -> None:
    lib = world.lib
    rec_id = getattr(world, which)
    out = lib.interchange.export_table(rec_id, tmp_path / "moments.csv").path
    data = out.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")  # a BOM for Excel
    assert NOTE.encode() not in data and b"PRIVATE" not in data
    assert out.stat().st_mode & 0o777 == 0o600
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    assert list(rows[0]) == list(table.COLUMNS) and "note" not in rows[0]
    index = lib.media.frame_index(rec_id)
    expected = sorted(lib.moments.all(rec_id), key=lambda m: (m.start_us, m.end_us, m.id))
    assert [int(r["moment"]) for r in rows] == [m.id for m in expected]
    for row, m in zip(rows, expected, strict=True):
        code = lib.schemes.code(m.code_id)
        begin, stop = index.outer_span(m.start_us, m.end_us)
        assert (_us(row["start_s"]), _us(row["end_s"])) == (begin, stop)
        assert re.fullmatch(r"\d+\.\d{6}", row["start_s"])
        assert (row["start_tc"], row["end_tc"]) == (format_time(begin), format_time(stop))
        assert (int(row["start_frame"]), int(row["end_frame"])) == (
            index.frame_at(m.start_us),
            index.frame_at(m.end_us),
        )
        # Without loss: the interval maps back to exactly the moment's frames.
        assert index.inner_span(_us(row["start_s"]), _us(row["end_s"])) == (m.start_us, m.end_us)
        assert spreadsheet_value(row["code"]) == code.name and row["principle"] == code.principle
        assert row["kind"] == code.kind.value and row["actor"] == m.actor.value
        assert spreadsheet_value(row["coder"]) == m.coder
        assert spreadsheet_value(row["caption"]) == m.caption
        assert (row["recording"], row["case"]) == (str(rec_id), "C-17")
    for point in (r for r in rows if int(r["moment"]) == world.moments["point"].id):
        assert point["start_frame"] == point["end_frame"]
        assert _us(point["end_s"]) > _us(point["start_s"])  # a point covers its one frame
    assert len(rows) == len(lib.moments.all(rec_id)) > 1


def test_tsv_with_notes_only_when_asked(world: World, tmp_path: Path) -> None:
    lib = world.lib
    out = lib.interchange.export_table(world.ntsc, tmp_path / "moments.tsv", include_notes=True).path
    data = out.read_bytes()
    assert not data.startswith(b"\xef\xbb\xbf")  # analysis tools read UTF-8 without one
    rows = list(csv.reader(io.StringIO(data.decode("utf-8"), newline=""), dialect="excel-tab"))
    assert rows[0] == [*table.COLUMNS, "note"]
    assert all(len(r) == len(rows[0]) for r in rows)
    assert {r[-1] for r in rows[1:]} == {NOTE}
    # An explicit dialect wins over the file's name.
    other = lib.interchange.export_table(world.ntsc, tmp_path / "moments.txt", dialect="tsv").path
    assert other.read_bytes().split(b"\r\n")[0] == "\t".join(table.COLUMNS).encode()
    assert NOTE.encode() not in other.read_bytes()


def test_cells_that_a_spreadsheet_would_run_are_defused(world: World, tmp_path: Path) -> None:
    out = world.lib.interchange.export_table(world.ntsc, tmp_path / "m.csv").path
    text = out.read_bytes().decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text, newline="")))
    row = next(r for r in rows if int(r["moment"]) == world.moments["formula"].id)
    assert row["caption"] == '\'=HYPERLINK("http://x","click")'
    assert row["coder"] == "'=cmd|' /C calc'!A0"
    # No cell of the file starts a formula.
    for r in csv.reader(io.StringIO(text, newline="")):
        assert not any(cell[:1] in ("=", "+", "-", "@", "\t", "\r") for cell in r)
    for raw in ("=1+1", "+1", "-2", "@SUM(A1)", "\tx", "\rx", "'already", "plain", ""):
        guarded = spreadsheet_safe(raw)
        assert spreadsheet_value(guarded) == raw
        assert guarded[:1] not in ("=", "+", "-", "@", "\t", "\r")
    assert table.seconds(12_480_000) == "12.480000" and table.seconds(5) == "0.000005"


def test_an_empty_recording_gives_just_the_header(world: World, tmp_path: Path, media: MediaSet) -> None:
    lib = world.lib
    rec = lib.recordings.import_file(media["unicode"], "C-17", reference=True)
    out = lib.interchange.export_table(rec.id, tmp_path / "none.csv").path
    assert out.read_bytes().decode("utf-8-sig") == ",".join(table.COLUMNS) + "\r\n"


# --- subtitles ----------------------------------------------------------------------------------

_TIMING = re.compile(r"^(\d\d):(\d\d):(\d\d)([,.])(\d{3}) --> (\d\d):(\d\d):(\d\d)([,.])(\d{3})$")


def _ms(h: str, m: str, s: str, ms: str) -> int:
    return ((int(h) * 60 + int(m)) * 60 + int(s)) * 1000 + int(ms)


def _parse(text: str, separator: str, *, ours: bool = True) -> list[tuple[int, int, int, str]]:
    """A strict parser: numbered blocks, one timing line, one or more text lines, one blank line
    between blocks, and nothing else. Our own files also never have "-->" in a cue's text."""
    blocks = text.split("\n\n")
    assert blocks[-1].endswith("\n") and not blocks[-1].endswith("\n\n")
    cues = []
    for n, block in enumerate(blocks, 1):
        lines = block.rstrip("\n").split("\n")
        assert lines[0] == str(n), block
        timing = _TIMING.match(lines[1])
        assert timing is not None, lines[1]
        g = timing.groups()
        assert g[3] == g[8] == separator
        assert len(lines) >= 3 and all(line.strip() for line in lines[2:]), block
        for line in lines[2:]:
            assert not ours or "-->" not in line
        cues.append((n, _ms(g[0], g[1], g[2], g[4]), _ms(g[5], g[6], g[7], g[9]), "\n".join(lines[2:])))
    return cues


def test_srt_cues_are_timed_to_the_frames_and_held_long_enough(world: World, tmp_path: Path) -> None:
    lib = world.lib
    out = lib.interchange.export_subtitles(world.ntsc, tmp_path / "captions.srt").path
    data = out.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf") and NOTE.encode() not in data
    cues = _parse(data.decode("utf-8-sig"), ",")
    index = lib.media.frame_index(world.ntsc)
    m = world.moments
    shown = [m["span"], m["formula"], m["point"]]  # time order; "late" has no caption
    assert [c[3].replace("\u2060", "") for c in cues] == [clean_caption(x.caption) for x in shown]
    spans = [index.outer_span(x.start_us, x.end_us) for x in shown]
    # Starts: the first frame's start, rounded down to the millisecond.
    assert [c[1] for c in cues] == [b // 1000 for b, _ in spans]
    # 0.5-1.2 s is shorter than 2 s, but the next cue starts inside it: it keeps its own end.
    assert cues[0][2] == spans[0][1] // 1000
    # The point at 1.0 s: held until the next cue, 1 s later.
    assert cues[1][2] == spans[2][0] // 1000
    # The point at 2.0 s: held the full 2 s, within the 4 s recording.
    assert cues[2][2] == (spans[2][0] + subtitles.MIN_CUE_US) // 1000
    # Markup a SubRip reader would act on is neutralised.
    assert "<\u2060" in cues[2][3] and "--\u2060>" in cues[2][3]


def test_a_cue_never_runs_past_the_end_of_the_recording(world: World) -> None:
    index = world.lib.media.frame_index(world.ntsc)
    last = index.times[-1]
    (cue,) = subtitles.cues([replace(world.moments["point"], start_us=last, end_us=last)], index)
    assert (cue.start_us, cue.end_us) == (last, index.duration_us)


def test_vtt_escapes_markup_and_keeps_line_breaks(world: World, tmp_path: Path) -> None:
    out = world.lib.interchange.export_subtitles(world.ntsc, tmp_path / "captions.vtt").path
    text = out.read_text(encoding="utf-8")
    assert text.startswith("WEBVTT\n\n")
    cues = _parse(text.removeprefix("WEBVTT\n\n"), ".")
    assert cues[0][3] == 'You wait for her,\nand she looks up — "smiling".'
    assert cues[2][3] == "Elle te regarde &amp; tu réponds &lt;3 --&gt; sourire"


@pytest.mark.parametrize("fmt", ["srt", "vtt"])
def test_ffmpeg_reads_our_subtitles_back_to_the_captions(world: World, tmp_path: Path, fmt: str) -> None:
    """A real reader: ffmpeg parses the file and writes the cues' plain text back."""
    out = world.lib.interchange.export_subtitles(world.ntsc, tmp_path / f"captions.{fmt}").path
    again = tmp_path / "again.srt"
    subprocess.run(
        ["ffmpeg", "-v", "error", "-nostdin", "-y", "-i", str(out), str(again)], check=True, timeout=30
    )
    read = _parse(again.read_text(encoding="utf-8-sig").rstrip("\n") + "\n", ",", ours=False)
    m = world.moments
    wanted = [clean_caption(x.caption) for x in (m["span"], m["formula"], m["point"])]
    assert [c[3].replace("\u2060", "") for c in read] == wanted


def test_subtitles_refuse_what_cannot_be_written(world: World, tmp_path: Path) -> None:
    lib = world.lib
    with pytest.raises(NothingToDo, match="no moments with a caption"):
        lib.interchange.export_subtitles(world.bare, tmp_path / "x.srt")
    with pytest.raises(BadInput, match=r"\.srt or \.vtt"):
        lib.interchange.export_subtitles(world.ntsc, tmp_path / "x.txt")
    assert (
        lib.interchange.export_subtitles(world.ntsc, tmp_path / "x.txt", "vtt")
        .path.read_text()
        .startswith("WEBVTT")
    )
    assert sorted(p.name for p in tmp_path.iterdir()) == ["x.txt"]


# --- OpenTimelineIO -----------------------------------------------------------------------------


def _us_of(t: otio.opentime.RationalTime) -> int:
    seconds: float = t.to_seconds()
    return round(seconds * 1_000_000)


def test_otio_round_trip_gives_back_exactly_the_moments_frames(world: World, tmp_path: Path) -> None:
    lib = world.lib
    m = world.moments
    order = [m["vfr"], m["span"], m["mute"], m["point"], m["vfr_fast"]]
    reel = lib.reels.create("Our moments together", [x.id for x in order], date_text="26 November 2026")
    out = lib.interchange.export_otio(reel.id, tmp_path / "reel.otio").path
    data = out.read_bytes()
    assert NOTE.encode() not in data and b"PRIVATE" not in data
    assert out.stat().st_mode & 0o777 == 0o600

    timeline = otio.adapters.read_from_file(str(out))
    assert timeline.name == "Our moments together"
    assert timeline.metadata["vfeedback"]["reel_id"] == reel.id
    video, audio = timeline.tracks
    assert video.kind == otio.schema.TrackKind.Video and audio.kind == otio.schema.TrackKind.Audio
    clips = list(video)
    assert [c.metadata["vfeedback"]["moment_id"] for c in clips] == [x.id for x in order]
    for clip, moment in zip(clips, order, strict=True):
        rec = lib.recordings.get(moment.recording_id)
        index = lib.media.frame_index(rec.id)
        sr = clip.source_range
        begin, stop = _us_of(sr.start_time), _us_of(sr.end_time_exclusive())
        assert index.inner_span(begin, stop) == (moment.start_us, moment.end_us)
        exact = index.outer_span(moment.start_us, moment.end_us)
        assert abs(begin - exact[0]) <= 1 and abs(stop - exact[1]) <= 1
        ref = clip.media_reference
        assert Path(otio.url_utils.filepath_from_url(ref.target_url)) == lib.recordings.path(rec)
        assert _us_of(ref.available_range.duration) in range(index.duration_us - 1, index.duration_us + 2)
        (marker,) = clip.markers
        assert marker.name == marker.comment == clean_caption(moment.caption)
        assert marker.marked_range == sr
        assert clip.metadata["vfeedback"]["actor"] == moment.actor.value
        assert clip.metadata["vfeedback"]["code"] == lib.schemes.code(moment.code_id).name
        if not index.is_variable_rate():
            # Constant frame rate: whole frames at the recording's own rate.
            assert sr.start_time.value == index.frame_at(moment.start_us)
            assert sr.duration.value == index.frame_at(moment.end_us) - index.frame_at(moment.start_us) + 1
    ntsc_clip = clips[1]
    assert ntsc_clip.source_range.start_time.rate == pytest.approx(30000 / 1001)
    # Sound where the recording has it, a gap of the same length where it has none.
    kinds = [type(item).__name__ for item in audio]
    assert kinds == ["Gap", "Clip", "Gap", "Clip", "Gap"]
    for v, a in zip(video, audio, strict=True):
        assert a.duration().to_seconds() == pytest.approx(v.duration().to_seconds())


def test_otio_edit_rates(world: World) -> None:
    lib = world.lib
    assert otio_reel.edit_rate(lib.media.frame_index(world.ntsc)) == pytest.approx(30000 / 1001)
    assert otio_reel.edit_rate(lib.media.frame_index(world.mute)) == 25.0
    # 2 s at 30 fps then 4 s at 15 fps: 20 frames a second on average, a standard rate.
    assert otio_reel.edit_rate(lib.media.frame_index(world.vfr)) == 20.0


def test_otio_refuses_empty_and_unknown_reels(world: World, tmp_path: Path) -> None:
    lib = world.lib
    reel = lib.reels.create("Soon empty", [world.moments["mute"].id])
    lib.reels.set_moments(reel.id, [])
    with pytest.raises(NothingToDo, match="no moments"):
        lib.interchange.export_otio(reel.id, tmp_path / "r.otio")
    with pytest.raises(NotFound, match="no reel 9999"):
        lib.interchange.export_otio(9999, tmp_path / "r.otio")
    assert list(tmp_path.iterdir()) == []


# --- files, audit, failures -------------------------------------------------------------------


def test_bad_targets_get_one_sentence_and_nothing_is_written(world: World, tmp_path: Path) -> None:
    lib = world.lib
    calls: list[Callable[[Path], object]] = [
        lambda p: lib.interchange.export_table(world.ntsc, p),
        lambda p: lib.interchange.export_subtitles(world.ntsc, p, "srt"),
        lambda p: lib.interchange.export_otio(lib.reels.create("R", [world.moments["span"].id]).id, p),
    ]
    for call in calls:
        with pytest.raises(BadInput) as missing:
            call(tmp_path / "no such folder" / "out.x")
        assert "does not exist" in str(missing.value) and "\n" not in str(missing.value)
        with pytest.raises(BadInput, match="is a folder"):
            call(tmp_path)
    with pytest.raises(NotFound, match="no recording 9999"):
        lib.interchange.export_table(9999, tmp_path / "x.csv")
    assert list(tmp_path.iterdir()) == []


def test_a_failed_write_keeps_the_old_file_and_leaves_no_temporary(
    world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    lib = world.lib
    target = tmp_path / "reel.otio"
    target.write_text("the editor's old timeline")
    reel = lib.reels.create("R", [world.moments["span"].id])

    def half_then_fail(target: Path, content: bytes) -> None:
        # The disk fills halfway through the temporary beside the target.
        with system_files.atomic_target(target) as tmp:
            tmp.write_bytes(content[: len(content) // 2])
            raise OSError(28, "No space left on device")

    monkeypatch.setattr(service_files, "write_private", half_then_fail)
    with pytest.raises(VfeedbackError, match="disk is full"):
        lib.interchange.export_otio(reel.id, target)
    assert target.read_text() == "the editor's old timeline"
    assert [p.name for p in tmp_path.iterdir()] == ["reel.otio"]
    monkeypatch.undo()
    lib.interchange.export_otio(reel.id, target)  # a save replaces the old file
    assert otio.adapters.read_from_file(str(target)).name == "R"


def test_each_export_is_in_the_audit_record(world: World, tmp_path: Path) -> None:
    lib = world.lib
    before = len(lib.audit.entries("C-17"))
    lib.interchange.export_table(world.ntsc, tmp_path / "a.csv")
    lib.interchange.export_table(world.ntsc, tmp_path / "b.tsv", include_notes=True)
    lib.interchange.export_subtitles(world.ntsc, tmp_path / "c.vtt")
    lib.interchange.export_otio(lib.reels.create("R", [world.moments["span"].id]).id, tmp_path / "d.otio")
    entries = lib.audit.entries("C-17")[before:]
    assert [e.action for e in entries] == ["export"] * 4
    assert all(e.purpose == "feedback" for e in entries)
    details = [e.detail for e in entries]
    assert "CSV" in details[0] and "a.csv" in details[0] and "notes" not in details[0]
    assert "TSV" in details[1] and "with private notes" in details[1] and "b.tsv" in details[1]
    assert "VTT" in details[2] and "c.vtt" in details[2]
    assert "OTIO" in details[3] and "d.otio" in details[3]


# --- command line -------------------------------------------------------------------------------


def _cli(lib: Library, *argv: str) -> int:
    p = Parser(prog="vfeedback")
    exp_sub = p.add_subparsers(dest="command").add_parser("export").add_subparsers(dest="action")
    cmd_exchange.add_export_parsers(exp_sub)
    args: argparse.Namespace = p.parse_args(["export", *argv])
    return cmd_exchange.HANDLERS[(args.command, args.action)](lib, args)


def test_cli_writes_each_kind_and_reports_one_line(
    world: World, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    lib = world.lib
    n = len(lib.moments.all(world.ntsc))
    assert _cli(lib, "csv", str(world.ntsc), "--out", str(tmp_path / "m.csv")) == 0
    assert capsys.readouterr().out == f"Wrote {n} moments to {tmp_path / 'm.csv'}.\n"
    assert _cli(lib, "csv", str(world.ntsc), "--out", str(tmp_path / "m.txt"), "--tsv", "--notes") == 0
    assert "with their private notes" in capsys.readouterr().out
    assert (tmp_path / "m.txt").read_bytes().count(b"\t") > 10
    assert _cli(lib, "srt", str(world.ntsc), "--out", str(tmp_path / "m.srt"), "--json") == 0
    assert json.loads(capsys.readouterr().out) == {"path": str(tmp_path / "m.srt"), "moments": 3}
    assert _cli(lib, "vtt", str(world.mute), "--out", str(tmp_path / "m.vtt")) == 0
    assert capsys.readouterr().out == f"Wrote the captions of 1 moment to {tmp_path / 'm.vtt'}.\n"
    reel = lib.reels.create("R", [world.moments["span"].id, world.moments["mute"].id])
    assert _cli(lib, "otio", str(reel.id), "--out", str(tmp_path / "r.otio")) == 0
    assert capsys.readouterr().out == f"Wrote a timeline of 2 moments to {tmp_path / 'r.otio'}.\n"
    with pytest.raises(SystemExit):
        _cli(lib, "otio", str(reel.id))  # --out is required


def test_each_export_needs_the_consent_for_its_purpose(world: World, tmp_path: Path) -> None:
    from vfeedback.core.errors import ConsentMissing

    lib = world.lib
    reel = lib.reels.create("For research", [world.moments[k].id for k in list(world.moments)[:1]])
    exports: tuple[Callable[[], object], ...] = (
        lambda: lib.interchange.export_table(world.ntsc, tmp_path / "m.csv", purpose="research"),
        lambda: lib.interchange.export_subtitles(world.ntsc, tmp_path / "m.srt", purpose="research"),
        lambda: lib.interchange.export_otio(reel.id, tmp_path / "r.otio", purpose="research"),
    )
    for export in exports:
        with pytest.raises(ConsentMissing, match="research"):
            export()
    assert list(tmp_path.iterdir()) == []
