"""Suggested moments through the library and the command line, on a generated scene whose truth is
known (tests/voicegen.py, seed 1, the short plan: a coo at 6.77 s answered by the parent 0.56 s after
it ends, the parent speaking at 16.61 s answered by the baby, a coo answered after a wait, a chain of
four turns, a cry soothed).

The user's actions: run ``vfeedback suggest``, accept one as a moment, reject one, undo each; a
second decision on the same suggestion; a cancelled analysis; a recording deleted; a new engine
version. And the promise that suggestions reach nothing a family sees."""

from __future__ import annotations

import ast
import os
import shutil
from pathlib import Path
from typing import Any

import pytest
from mediagen import MediaSet
from sqlalchemy import func, select
from test_cli import Cli
from voicegen import SHORT, make_scene_video

from vfeedback.cli.main import run
from vfeedback.core.errors import BadInput
from vfeedback.core.jobs import Cancelled
from vfeedback.media import voices
from vfeedback.services import Library
from vfeedback.storage import tables as t

pytestmark = pytest.mark.skipif(os.system("command -v espeak-ng >/dev/null") != 0, reason="needs espeak-ng")

ROOT = Path(__file__).resolve().parent.parent
SUGGESTION_KEYS = {
    "id", "kind", "start_us", "end_us", "serve", "answer", "latency_us", "code", "explanation", "status",
}  # fmt: skip
SPAN_KEYS = {"actor", "start_us", "end_us"}


@pytest.fixture(scope="module")
def scene(tmp_path_factory: pytest.TempPathFactory) -> Path:
    kept = os.environ.get("VFEEDBACK_TEST_MEDIA")
    folder = Path(kept) if kept else tmp_path_factory.mktemp("voices")
    path, _ = make_scene_video(folder, 1, "pink", 10, SHORT)
    return path


@pytest.fixture(scope="module")
def analysed(tmp_path_factory: pytest.TempPathFactory, scene: Path) -> Path:
    """A library whose recording 1 (family F01) has been analysed: each test gets a copy (the
    analysis is the slow part; the copy is the same SQLite file and folder)."""
    root = tmp_path_factory.mktemp("analysed") / "lib"
    with Library.open(root) as lib:
        lib.families.add("F01")
        rec = lib.recordings.import_file(scene, "F01").id
        lib.suggestions.analyse(rec)
    return root


@pytest.fixture
def cli(tmp_path: Path, capsys: pytest.CaptureFixture[str], analysed: Path) -> Cli:
    shutil.copytree(analysed, tmp_path / "lib")
    return Cli(tmp_path / "lib", capsys)


def _imported(cli: Cli, scene: Path) -> int:
    """Recording 1 of the copied library (already analysed)."""
    return 1


def _counts(root: Path) -> dict[str, int]:
    with Library.open(root) as lib, lib.ctx.read() as conn:
        return {
            name: int(conn.execute(select(func.count()).select_from(table)).scalar_one())
            for name, table in (
                ("suggestions", t.suggestions),
                ("voice_analyses", t.voice_analyses),
                ("moments", t.moments),
            )
        }


def test_suggest_json_lists_each_exchange_with_the_keys_the_readme_promises(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], scene: Path
) -> None:
    cli = Cli(tmp_path / "fresh", capsys)  # a new library: suggest runs the analysis
    assert cli("family", "add", "F01")[0] == 0
    rec = int(cli.json("import", str(scene), "--family", "F01")["id"])
    found: list[dict[str, Any]] = cli.json("suggest", str(rec))
    assert found and all(set(s) == SUGGESTION_KEYS for s in found)
    assert all(set(s["serve"]) == SPAN_KEYS and set(s["answer"]) == SPAN_KEYS for s in found)
    assert {s["status"] for s in found} == {"open"}
    assert {s["kind"] for s in found} == {"turn", "waiting", "chain", "repair"}
    first = found[0]
    # Truth: coo 6.768-7.933 s, the parent from 8.491 s (latency 0.558 s); within 0.5 s.
    assert (
        first["kind"] == "turn"
        and first["serve"]["actor"] == "infant"
        and first["answer"]["actor"] == "adult"
    )
    assert abs(first["serve"]["start_us"] - 6_767_687) <= 500_000
    assert abs(first["latency_us"] - 558_125) <= 500_000
    assert first["latency_us"] == first["answer"]["start_us"] - first["serve"]["end_us"]
    assert first["code"] == "Developing attuned interactions / Receiving then responding"
    assert first["explanation"].startswith("Baby vocalised at 00:06.")
    voices_json: list[dict[str, Any]] = cli.json("voices", str(rec))
    assert voices_json and all(set(v) == {"actor", "start_us", "end_us", "f0_hz"} for v in voices_json)
    assert {v["actor"] for v in voices_json} == {"infant", "adult", "cry"}


def test_accepting_makes_the_moment_and_undo_takes_both_back(cli: Cli, scene: Path) -> None:
    rec = _imported(cli, scene)
    first = cli.json("suggest", str(rec))[0]
    status, out, err = cli("suggest", "accept", str(first["id"]))
    assert status == 0, err
    assert out.startswith("Added moment 1: 00:00:06.") and out.endswith(
        ", Receiving then responding, parent.\n"
    )
    with Library.open(cli.root) as lib:
        (moment,) = lib.moments.all(rec)
        assert moment.caption == "You answered each other, taking turns"
        assert lib.schemes.code(moment.code_id).name == "Receiving then responding"
        # The moment covers the exchange, snapped to frames (10 fps: 100 ms frames).
        assert first["start_us"] - 100_000 < moment.start_us <= first["start_us"]
        assert lib.suggestions.get(first["id"]).status == "accepted"
        assert lib.suggestions.get(first["id"]).moment_id == moment.id
    assert cli("undo")[1].startswith("Undone: Accept suggested moment at 00:00:06.")
    assert _counts(cli.root)["moments"] == 0
    assert cli.json("suggest", str(rec))[0]["status"] == "open"


def test_accept_with_a_code_and_caption_of_ones_own(cli: Cli, scene: Path) -> None:
    rec = _imported(cli, scene)
    first = cli.json("suggest", str(rec))[0]
    moment = cli.json("suggest", "accept", str(first["id"]), "--code", "Taking turns", "--caption", "Hello")
    assert (moment["code"], moment["caption"]) == ("Taking turns", "Hello")


def test_rejecting_is_undoable_and_a_second_decision_is_refused_in_one_sentence(
    cli: Cli, scene: Path
) -> None:
    rec = _imported(cli, scene)
    second = cli.json("suggest", str(rec))[1]
    status, out, _ = cli("suggest", "reject", str(second["id"]))
    assert status == 0 and out.startswith(f"Rejected suggestion {second['id']} at 00:00:")
    before = _counts(cli.root)
    status, _, err = cli("suggest", "accept", str(second["id"]))
    assert (status, err) == (3, f"vfeedback: Suggestion {second['id']} was already rejected.\n")
    assert _counts(cli.root) == before
    cli("undo")
    assert cli.json("suggest", str(rec))[1]["status"] == "open"
    status, _, err = cli("suggest", "reject", "999")
    assert err == "vfeedback: There is no suggestion 999 in this library.\n"
    status, _, err = cli("suggest", "accept", "one")
    assert err == "vfeedback: 'one' is not an id: give a recording id, or accept ID or reject ID.\n"


def test_the_analysis_is_cached_and_a_new_engine_version_redoes_it_keeping_decisions(
    tmp_path: Path, analysed: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    shutil.copytree(analysed, tmp_path / "lib")
    library = Library.open(tmp_path / "lib")
    rec = 1
    found = library.suggestions.analyse(rec)
    library.suggestions.reject(found[1].id)
    with library.ctx.read() as conn:
        built = conn.execute(select(t.voice_analyses.c.built_at)).scalar_one()
    assert [s.id for s in library.suggestions.analyse(rec)] == [s.id for s in found]
    with library.ctx.read() as conn:
        assert conn.execute(select(t.voice_analyses.c.built_at)).scalar_one() == built
    monkeypatch.setattr(voices, "ANALYSIS_VERSION", voices.ANALYSIS_VERSION + 1)
    assert not library.suggestions.is_current(rec)
    fractions: list[float] = []
    again = library.suggestions.analyse(rec, fractions.append)
    assert fractions[-1] == 1.0 and fractions == sorted(fractions)
    entries = [e for e in library.audit.entries("F01") if e.action == "analyse"]
    assert [e.detail for e in entries] == [
        f"Listened for turn-taking in recording 1 on this computer (analysis version {v}): "
        f"{len(library.suggestions.voices(rec) or [])} vocalisations, {len(again)} suggested moments"
        for v in (voices.ANALYSIS_VERSION - 1, voices.ANALYSIS_VERSION)
    ]
    assert [s.status for s in again].count("rejected") == 1
    assert next(s for s in again if s.status == "rejected").id == found[1].id
    assert len(again) == len(found)
    library.close()


def test_a_cancelled_analysis_stores_nothing(library: Library, scene: Path) -> None:
    library.families.add("F01")
    rec = library.recordings.import_file(scene, "F01").id
    with pytest.raises(Cancelled):
        library.suggestions.analyse(rec, should_cancel=lambda: True)
    assert library.suggestions.all(rec) == [] and library.suggestions.voices(rec) is None


def test_deleting_the_recording_deletes_its_analysis_and_suggestions(tmp_path: Path, analysed: Path) -> None:
    shutil.copytree(analysed, tmp_path / "lib")
    with Library.open(tmp_path / "lib") as library:
        found = library.suggestions.all(1)
        library.suggestions.accept(found[0].id)
        library.cases.delete_recording(1)
        with library.ctx.read() as conn:
            for table in (t.suggestions, t.voice_analyses, t.moments):
                assert conn.execute(select(func.count()).select_from(table)).scalar_one() == 0


FAMILY_FACING = ("export", "render", "interchange", "ui/review")
FAMILY_FACING_SERVICES = ("exports.py", "reels.py", "interchange.py", "supervision.py")


def test_nothing_a_family_sees_or_another_tool_reads_can_reach_a_suggestion() -> None:
    """Every export path (clips, reels, stills, handouts, review mode, ELAN/BORIS/OTIO files, the
    supervision pack) is built from moments only: none of their modules names the suggestions, the
    service or the analysis. (Planted: ``t.suggestions`` read in export/plan.py fails this.)"""
    package = ROOT / "vfeedback"
    files = [p for d in FAMILY_FACING for p in (package / d).rglob("*.py")]
    files += [package / "services" / name for name in FAMILY_FACING_SERVICES]
    assert len(files) > 20
    for path in files:
        tree = ast.parse(path.read_text("utf-8"))
        names = {n.attr for n in ast.walk(tree) if isinstance(n, ast.Attribute)}
        names |= {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)}
        modules = {n.module or "" for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)}
        assert not names & {"suggestions", "voice_analyses", "Suggestions"}, path
        assert not {m for m in modules if m.endswith(("suggestions", "turns", "voices"))}, path


@pytest.mark.parametrize("kind", ["csv", "srt", "vtt", "eaf"])
def test_each_file_export_of_the_recording_carries_its_moments_and_no_suggestion(
    cli: Cli, scene: Path, kind: str
) -> None:
    rec = _imported(cli, scene)
    found = cli.json("suggest", str(rec))
    cli("suggest", "accept", str(found[0]["id"]))
    assert cli("consent", "F01", "--give", "supervision", "--by", "Mum")[0] == 0
    out = cli.root.parent / f"rec.{kind}"
    status, _, err = cli("export", kind, str(rec), "--out", str(out), "--purpose", "supervision")
    assert status == 0, err
    text = out.read_text("utf-8")
    assert "You answered each other, taking turns" in text  # the accepted one is a real moment now
    for s in found:
        assert s["explanation"] not in text
    assert "You waited and gave your baby space" not in text  # an open waiting suggestion's draft
    assert "Baby vocalised" not in text and "vocalis" not in text.lower()


def test_an_imported_scheme_proposes_the_codes_its_file_maps_and_none_elsewhere(
    tmp_path: Path, analysed: Path
) -> None:
    shutil.copytree(analysed, tmp_path / "lib")
    scheme = tmp_path / "mini.toml"
    scheme.write_text(
        'format = 1\nname = "Mini"\nversion = "1"\n'
        '[[principle]]\nname = "Turns"\ncolour = "#77AADD"\nkind = "strength"\nparent_wording = "Turns"\n'
        '  [[principle.item]]\n  name = "Waiting"\n  parent_wording = "You waited"\n'
        '[suggestions]\nwaiting = "Turns/Waiting"\n',
        "utf-8",
    )
    with Library.open(tmp_path / "lib") as library:
        mini = library.schemes.import_file(scheme)
        found = library.suggestions.all(1, scheme="Mini")
        codes = {s.kind.value: s.code for s in found}
        assert codes["turn"] is None and codes["chain"] is None
        waiting = codes["waiting"]
        assert waiting is not None and (waiting.scheme_id, waiting.name) == (mini.id, "Waiting")
        first = next(s for s in found if s.kind.value == "turn")
        with pytest.raises(BadInput) as refused:
            library.suggestions.accept(first.id, scheme="Mini")
        assert str(refused.value) == (
            "The coding scheme proposes no code for turn suggestions; choose one (--code)."
        )


def test_a_film_without_sound_has_no_suggestions_and_says_so(
    library: Library, media: MediaSet, capsys: pytest.CaptureFixture[str]
) -> None:
    library.families.add("F01")
    rec = library.recordings.import_file(media.no_audio, "F01").id
    assert library.suggestions.analyse(rec) == []
    assert library.suggestions.voices(rec) == []
    figures = library.suggestions.figures(rec)
    assert figures is not None and (figures.turns, figures.infant_started) == (0, None)
    assert run(["--library", str(library.path), "suggest", str(rec)]) == 0
    assert capsys.readouterr().out == "No suggested moments in this recording.\n"
