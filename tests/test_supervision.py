"""Supervision on a real library: two coders' moments on a generated film, the figures, the refusals,
and the `agreement` command's output."""

from __future__ import annotations

import argparse
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from mediagen import MediaSet
from sqlalchemy import delete

from vfeedback.cli import cmd_supervision
from vfeedback.cli.parser import Parser
from vfeedback.core.errors import BadInput
from vfeedback.services import Library
from vfeedback.services import supervision as sup
from vfeedback.services.moments import NewMoment
from vfeedback.storage import tables as t

S = 1_000_000


@pytest.fixture
def coded(tmp_path: Path, media: MediaSet) -> Iterator[tuple[Library, int]]:
    """cfr25 (10 s, 25 fps). Alice sees Waiting from 1 s to the frame at 3.0 s, Bob from 1.2 s to the
    frame at 4.0 s; Alice tags Turned towards at 5 s, Bob at 8 s; Carol tags once."""
    with Library.open(tmp_path / "library") as lib:
        lib.families.add("S1")
        rec = lib.recordings.import_file(media["cfr25"], "S1")
        lib.moments.add_many(
            rec.id,
            [
                NewMoment(1 * S, 3 * S, "Waiting", coder="alice"),
                NewMoment(5 * S, 5 * S, "Turned towards", coder="alice", note="PRIVATE"),
                NewMoment(1_200_000, 4 * S, "Waiting", coder="bob"),
                NewMoment(8 * S, 8 * S, "Turned towards", coder="bob"),
                NewMoment(4 * S, 4 * S, "Waiting", coder="carol"),
            ],
            "Two coders",
        )
        yield lib, rec.id


def test_coders_are_listed_most_moments_first(coded: tuple[Library, int]) -> None:
    lib, rec = coded
    assert lib.supervision.coders(rec) == ["alice", "bob", "carol"]
    assert lib.supervision.coder_counts(rec) == {"alice": 2, "bob": 2, "carol": 1}


def test_figures_on_a_real_recording(coded: tuple[Library, int]) -> None:
    lib, rec = coded
    r = lib.supervision.agreement(rec, "alice", "bob")
    assert r.coders == ("alice", "bob") and r.recording_id == rec
    assert r.duration_us == 10 * S and r.slices == 10
    # A last frame starts at 3.0 s (4.0 s) and stays on screen until 3.04 s (4.04 s): 40 ms of the next
    # slice, far from most of it. A point moment's one frame holds no 1 s slice either (an event only).
    # A = . W W . . . . . . .   B = . W W W . . . . . .   (B's 0.8 s of slice 1 is most of it)
    # po = .9; none: A .8, B .7; W: A .2, B .3 -> pe = .56 + .06 = .62; kappa = .28/.38 = 14/19
    assert r.per_code["Waiting"].slices_a == 2 and r.per_code["Waiting"].slices_b == 3
    assert r.kappa == pytest.approx(14 / 19)
    assert r.observed == pytest.approx(0.9)
    assert r.per_code["Waiting"].kappa == pytest.approx(14 / 19)
    # Turned towards holds no slice for either: absent everywhere, kappa undefined.
    assert r.per_code["Turned towards"].kappa is None
    assert (r.events.matched, r.events.only_a, r.events.only_b) == (1, 1, 1)
    assert r.code_ids["Waiting"] == lib.schemes.code("Waiting").id
    kinds = [(d.start_us, d.end_us, d.kind, d.a_label, d.b_label) for d in r.disagreements]
    assert kinds == [
        (3 * S, 4 * S, "slices", None, "Waiting"),
        (5 * S, 5_040_000, "only_a", "Turned towards", None),  # the point moment covers its one frame
        (8 * S, 8_040_000, "only_b", None, "Turned towards"),
    ]

    wider = lib.supervision.agreement(rec, "alice", "bob", slice_s=5, tolerance_s=3)
    # Slices [0,5) [5,10): A's Waiting holds 2.04 s of the first (no code 2.96 s), B's 2.84 s of it.
    # A = . .  B = W .  po = .5; pe = 1·.5 + 0·.5 = .5 -> kappa 0. T events 3 s apart match.
    assert wider.kappa == 0.0
    assert (wider.events.matched, wider.events.only_a, wider.events.only_b) == (2, 0, 0)


def test_refusals_are_one_clear_sentence(coded: tuple[Library, int], monkeypatch: pytest.MonkeyPatch) -> None:
    lib, rec = coded
    with pytest.raises(BadInput) as err:
        lib.supervision.agreement(rec, "alice", "dave")
    assert str(err.value) == (
        f"Nobody called 'dave' has coded recording {rec}; coders here: alice, bob, carol."
    )
    with pytest.raises(BadInput, match=r"^Choose two different coders to compare; both are 'bob'\.$"):
        lib.supervision.agreement(rec, "bob", " bob ")
    for bad in (0, -1, float("nan"), float("inf"), 601):
        with pytest.raises(BadInput, match=r"slice length must be between 0\.01 and 600 seconds"):
            lib.supervision.agreement(rec, "alice", "bob", slice_s=bad)
    for bad in (-0.5, float("nan")):
        with pytest.raises(BadInput, match="tolerance must be between 0 and 600 seconds"):
            lib.supervision.agreement(rec, "alice", "bob", tolerance_s=bad)
    monkeypatch.setattr(sup, "MAX_SLICES", 100)
    with pytest.raises(BadInput, match=r"into 200 pieces; use 0\.1 s or more\."):
        lib.supervision.agreement(rec, "alice", "bob", slice_s=0.05)


def test_a_recording_nobody_coded(coded: tuple[Library, int], media: MediaSet) -> None:
    lib, _ = coded
    other = lib.recordings.import_file(media["no_audio"], "S1")
    assert lib.supervision.coders(other.id) == []
    with pytest.raises(BadInput, match=rf"Nobody has coded recording {other.id} yet"):
        lib.supervision.agreement(other.id, "alice", "bob")


def test_without_the_film_the_stored_duration_is_used(coded: tuple[Library, int]) -> None:
    lib, rec = coded
    recording = lib.recordings.get(rec)
    with lib.ctx.db.write() as conn:
        conn.execute(delete(t.frame_indexes).where(t.frame_indexes.c.recording_id == rec))
    lib.recordings.path(recording).unlink()
    r = lib.supervision.agreement(rec, "alice", "bob")
    assert r.duration_us == recording.media.duration_us
    assert r.per_code["Waiting"].slices_a == 2  # end + one frame at 25 fps reaches 3.04 s: not slice 3
    assert r.kappa == pytest.approx(14 / 19)
    assert (r.events.matched, r.events.only_a, r.events.only_b) == (1, 1, 1)


def _parse(argv: list[str]) -> argparse.Namespace:
    p = Parser(prog="vfeedback")
    sub = p.add_subparsers(dest="command", parser_class=Parser)
    cmd_supervision.add_agreement(sub)
    return p.parse_args(argv)


def test_cli_json(coded: tuple[Library, int], capsys: pytest.CaptureFixture[str]) -> None:
    lib, rec = coded
    args = _parse(["agreement", str(rec), "--coders", "alice", "bob", "--slice", "1", "--json"])
    assert cmd_supervision.HANDLERS[("agreement", None)](lib, args) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["kappa"] == pytest.approx(14 / 19)
    assert data["slice_s"] == 1.0 and data["tolerance_s"] == 1.0
    assert data["coders"] == ["alice", "bob"] and data["recording"] == rec
    assert data["per_code"] == {"Turned towards": None, "Waiting": pytest.approx(14 / 19)}
    assert {k: data["events"][k] for k in ("matched", "only_a", "only_b")} == {
        "matched": 1,
        "only_a": 1,
        "only_b": 1,
    }
    assert data["events"]["per_code"]["Waiting"]["matched"] == 1
    assert data["confusion"]["categories"] == [None, "Turned towards", "Waiting"]
    assert data["disagreements"][0] == {
        "start_us": 3 * S,
        "end_us": 4 * S,
        "start": "00:00:03.000",
        "end": "00:00:04.000",
        "a": None,
        "b": "Waiting",
        "kind": "slices",
    }
    assert "PRIVATE" not in json.dumps(data)


def test_cli_table(coded: tuple[Library, int], capsys: pytest.CaptureFixture[str]) -> None:
    lib, rec = coded
    args = _parse(["agreement", str(rec), "--coders", "alice", "bob"])
    assert cmd_supervision.HANDLERS[("agreement", None)](lib, args) == 0
    text = capsys.readouterr().out
    assert "kappa 0.74 (substantial)" in text
    assert "the same in 90% of slices, 62% expected by chance" in text
    assert "1 matched, 1 only alice, 1 only bob" in text
    rows = {line.split("  ")[0]: line.split() for line in text.splitlines() if line[:1].isalpha()}
    assert rows["Waiting"][1:] == ["0.74", "2", "3", "1", "0", "0"]


def test_cli_through_main(coded: tuple[Library, int], capsys: pytest.CaptureFixture[str]) -> None:
    from vfeedback.cli.main import run

    lib, rec = coded
    root = str(lib.path)
    assert run(["--library", root, "agreement", str(rec), "--coders", "alice", "bob", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["kappa"] == pytest.approx(14 / 19)
    assert run(["--library", root, "agreement", str(rec), "--coders", "alice", "zed"]) == 3
    assert capsys.readouterr().err.startswith("vfeedback: Nobody called 'zed' has coded recording")
    assert run(["--library", root, "agreement", str(rec), "--coders", "alice"]) == 2


def test_whole_second_moments_typed_at_the_cli_give_the_hand_kappa(
    tmp_path: Path, media: MediaSet, capsys: pytest.CaptureFixture[str]
) -> None:
    """Two clinicians code cfr25 (10 s) in whole seconds at the command line:

        alice  Waiting 0-8 s                      -> slices W W W W W W W W . .
        bob    Turned towards 0-2, Waiting 2-8 s  -> slices T T W W W W W W . .

    (Each moment ends with the frame at its last whole second, on screen for 40 ms more: not most of
    the next slice.) Rows alice, columns bob, categories (none, T, W):
    [[2, 0, 0], [0, 0, 0], [0, 2, 6]]; po = 8/10; pe = (2·2 + 0·2 + 8·6)/100 = .52;
    kappa = (.8 - .52)/(1 - .52) = 7/12 = 0.583 (vfeedback said 0.444 when a touch named a slice).
    """
    from vfeedback.cli.main import run

    root = str(tmp_path / "library")
    assert run(["--library", root, "family", "add", "K1"]) == 0
    capsys.readouterr()
    assert run(["--library", root, "import", str(media["cfr25"]), "--family", "K1", "--json"]) == 0
    rec = json.loads(capsys.readouterr().out)["id"]
    for start, end, code, coder in (
        ("0", "8", "Waiting", "alice"),
        ("0", "2", "Turned towards", "bob"),
        ("2", "8", "Waiting", "bob"),
    ):
        argv = ["moments", "add", str(rec), "--start", start, "--end", end, "--code", code, "--coder", coder]
        assert run(["--library", root, *argv]) == 0
    capsys.readouterr()
    assert run(["--library", root, "agreement", str(rec), "--coders", "alice", "bob", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert set(data) == {
        "recording", "coders", "slice_s", "tolerance_s", "duration_us", "slices", "kappa", "observed",
        "expected", "per_code", "events", "codes", "confusion", "disagreements",
    }  # fmt: skip
    assert data["confusion"] == {
        "categories": [None, "Turned towards", "Waiting"],
        "counts": [[2, 0, 0], [0, 0, 0], [0, 2, 6]],
    }
    assert data["observed"] == pytest.approx(0.8) and data["expected"] == pytest.approx(0.52)
    assert data["kappa"] == pytest.approx(7 / 12)
    assert [(d["start"], d["end"], d["a"], d["b"], d["kind"]) for d in data["disagreements"]] == [
        ("00:00:00.000", "00:00:02.000", "Waiting", "Turned towards", "slices"),
        # The Waiting moments start 2 s apart, beyond the 1 s tolerance: no event matches.
        ("00:00:00.000", "00:00:08.040", "Waiting", None, "only_a"),
        ("00:00:00.000", "00:00:02.040", None, "Turned towards", "only_b"),
        ("00:00:02.000", "00:00:08.040", None, "Waiting", "only_b"),
    ]
    # Nothing is said about 8-10 s, where both lanes are empty.
    assert all(d["end_us"] <= 8_040_000 for d in data["disagreements"])
    assert run(["--library", root, "agreement", str(rec), "--coders", "alice", "bob"]) == 0
    assert "kappa 0.58 (moderate)" in capsys.readouterr().out
