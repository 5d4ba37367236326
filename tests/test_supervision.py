"""Supervision on a real library: two coders' moments on a generated film, the figures, the refusals,
and the `agreement` command's output."""

from __future__ import annotations

import argparse
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import delete

from vfeedback.cli import cmd_supervision
from vfeedback.cli.parser import Parser
from vfeedback.core.errors import BadInput
from vfeedback.services import Library
from vfeedback.services import supervision as sup
from vfeedback.services.moments import NewMoment
from vfeedback.services.supervision import SupervisionMixin
from vfeedback.storage import tables as t

S = 1_000_000
# Until Library includes the mixin, a local subclass stands in for it.
Lib: type[Library] = (
    Library if issubclass(Library, SupervisionMixin) else type("Lib", (SupervisionMixin, Library), {})
)


@pytest.fixture
def coded(tmp_path: Path, media) -> Iterator[tuple[Library, int]]:
    """cfr25 (10 s, 25 fps). Alice and Bob both see Waiting from about 1 s to the frame at 3.0 s;
    Alice tags Turned towards at 5 s, Bob at 8 s; Carol tags once."""
    with Lib.open(tmp_path / "library") as lib:
        lib.add_family("S1")
        rec = lib.import_recording(media["cfr25"], "S1")
        lib.add_moments(
            rec.id,
            [
                NewMoment(1 * S, 3 * S, "Waiting", coder="alice"),
                NewMoment(5 * S, 5 * S, "Turned towards", coder="alice", note="PRIVATE"),
                NewMoment(1_200_000, 3 * S, "Waiting", coder="bob"),
                NewMoment(8 * S, 8 * S, "Turned towards", coder="bob"),
                NewMoment(4 * S, 4 * S, "Waiting", coder="carol"),
            ],
            "Two coders",
        )
        yield lib, rec.id


def test_coders_are_listed_most_moments_first(coded) -> None:
    lib, rec = coded
    assert lib.coders(rec) == ["alice", "bob", "carol"]
    assert lib.coder_counts(rec) == {"alice": 2, "bob": 2, "carol": 1}


def test_figures_on_a_real_recording(coded) -> None:
    lib, rec = coded
    r = lib.agreement(rec, "alice", "bob")
    assert r.coders == ("alice", "bob") and r.recording_id == rec
    assert r.duration_us == 10 * S and r.slices == 10
    # The moments' last frame starts at 3.0 s and stays on screen until 3.04 s, so it touches slice 3:
    # A = . W W W . T . . . .   B = . W W W . . . . T .
    # po = .8; both coders: none .6, W .3, T .1 -> pe = .36 + .09 + .01 = .46; kappa = .34/.54
    assert r.per_code["Waiting"].slices_a == 3
    assert r.kappa == pytest.approx(0.34 / 0.54)
    assert r.observed == pytest.approx(0.8)
    assert r.per_code["Waiting"].kappa == pytest.approx(1.0)
    # Turned towards: one slice each, never the same: po = .8, pe = .1·.1 + .9·.9 = .82 -> -.02/.18
    assert r.per_code["Turned towards"].kappa == pytest.approx(-1 / 9)
    assert (r.events.matched, r.events.only_a, r.events.only_b) == (1, 1, 1)
    assert r.code_ids["Waiting"] == lib.code("Waiting").id
    kinds = [(d.start_us, d.kind, d.a_label, d.b_label) for d in r.disagreements]
    assert kinds == [
        (5 * S, "slices", "Turned towards", None),
        (5 * S, "only_a", "Turned towards", None),
        (8 * S, "slices", None, "Turned towards"),
        (8 * S, "only_b", None, "Turned towards"),
    ]
    only_a = r.disagreements[1]
    assert only_a.end_us == 5_040_000  # the point moment covers its one frame

    wider = lib.agreement(rec, "alice", "bob", slice_s=5, tolerance_s=3)
    # Slices [0,5) [5,10): A = W T, B = W T (8 s is in the second): perfect; T events 3 s apart match.
    assert wider.kappa == pytest.approx(1.0)
    assert (wider.events.matched, wider.events.only_a, wider.events.only_b) == (2, 0, 0)


def test_refusals_are_one_clear_sentence(coded, monkeypatch: pytest.MonkeyPatch) -> None:
    lib, rec = coded
    with pytest.raises(BadInput) as err:
        lib.agreement(rec, "alice", "dave")
    assert str(err.value) == (
        f"Nobody called 'dave' has coded recording {rec}; coders here: alice, bob, carol."
    )
    with pytest.raises(BadInput, match=r"^Choose two different coders to compare; both are 'bob'\.$"):
        lib.agreement(rec, "bob", " bob ")
    for bad in (0, -1, float("nan"), float("inf"), 601):
        with pytest.raises(BadInput, match=r"slice length must be between 0\.01 and 600 seconds"):
            lib.agreement(rec, "alice", "bob", slice_s=bad)
    for bad in (-0.5, float("nan")):
        with pytest.raises(BadInput, match="tolerance must be between 0 and 600 seconds"):
            lib.agreement(rec, "alice", "bob", tolerance_s=bad)
    monkeypatch.setattr(sup, "MAX_SLICES", 100)
    with pytest.raises(BadInput, match=r"into 200 pieces; use 0\.1 s or more\."):
        lib.agreement(rec, "alice", "bob", slice_s=0.05)


def test_a_recording_nobody_coded(coded, media) -> None:
    lib, _ = coded
    other = lib.import_recording(media["no_audio"], "S1")
    assert lib.coders(other.id) == []
    with pytest.raises(BadInput, match=rf"Nobody has coded recording {other.id} yet"):
        lib.agreement(other.id, "alice", "bob")


def test_without_the_film_the_stored_duration_is_used(coded) -> None:
    lib, rec = coded
    recording = lib.recording(rec)
    with lib.db.write() as conn:
        conn.execute(delete(t.frame_indexes).where(t.frame_indexes.c.recording_id == rec))
    lib.media_path(recording).unlink()
    r = lib.agreement(rec, "alice", "bob")
    assert r.duration_us == recording.media.duration_us
    assert r.per_code["Waiting"].slices_a == 3  # end + one frame at 25 fps still reaches 3.04 s
    assert (r.events.matched, r.events.only_a, r.events.only_b) == (1, 1, 1)


def _parse(argv: list[str]) -> argparse.Namespace:
    p = Parser(prog="vfeedback")
    sub = p.add_subparsers(dest="command", parser_class=Parser)
    cmd_supervision.add_parsers(sub)
    return p.parse_args(argv)


def test_cli_json(coded, capsys: pytest.CaptureFixture[str]) -> None:
    lib, rec = coded
    args = _parse(["agreement", str(rec), "--coders", "alice", "bob", "--slice", "1", "--json"])
    assert cmd_supervision.HANDLERS[("agreement", None)](lib, args) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["kappa"] == pytest.approx(0.34 / 0.54)
    assert data["slice_s"] == 1.0 and data["tolerance_s"] == 1.0
    assert data["coders"] == ["alice", "bob"] and data["recording"] == rec
    assert data["per_code"] == {"Turned towards": pytest.approx(-1 / 9), "Waiting": 1.0}
    assert {k: data["events"][k] for k in ("matched", "only_a", "only_b")} == {
        "matched": 1,
        "only_a": 1,
        "only_b": 1,
    }
    assert data["events"]["per_code"]["Waiting"]["matched"] == 1
    assert data["confusion"]["categories"] == [None, "Turned towards", "Waiting"]
    assert data["disagreements"][0] == {
        "start_us": 5 * S,
        "end_us": 6 * S,
        "start": "00:00:05.000",
        "end": "00:00:06.000",
        "a": "Turned towards",
        "b": None,
        "kind": "slices",
    }
    assert "PRIVATE" not in json.dumps(data)


def test_cli_table(coded, capsys: pytest.CaptureFixture[str]) -> None:
    lib, rec = coded
    args = _parse(["agreement", str(rec), "--coders", "alice", "bob"])
    assert cmd_supervision.HANDLERS[("agreement", None)](lib, args) == 0
    text = capsys.readouterr().out
    assert "kappa 0.63 (substantial)" in text
    assert "the same in 80% of slices, 46% expected by chance" in text
    assert "1 matched, 1 only alice, 1 only bob" in text
    rows = {line.split("  ")[0]: line.split() for line in text.splitlines() if line[:1].isalpha()}
    assert rows["Waiting"][1:] == ["1.00", "3", "3", "1", "0", "0"]


@pytest.mark.skipif(
    not issubclass(Library, SupervisionMixin), reason="the agreement command is not wired in yet"
)
def test_cli_through_main(coded, capsys: pytest.CaptureFixture[str]) -> None:
    from vfeedback.cli.main import run

    lib, rec = coded
    root = str(lib.path)
    assert run(["--library", root, "agreement", str(rec), "--coders", "alice", "bob", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["kappa"] == pytest.approx(0.34 / 0.54)
    assert run(["--library", root, "agreement", str(rec), "--coders", "alice", "zed"]) == 3
    assert capsys.readouterr().err.startswith("vfeedback: Nobody called 'zed' has coded recording")
    assert run(["--library", root, "agreement", str(rec), "--coders", "alice"]) == 2
