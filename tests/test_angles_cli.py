"""``vfeedback angle add|set|remove`` and ``vfeedback angles`` (issue 15), as a clinician types them:
typed offsets (negative ones too), offsets found from the sound, the documented JSON keys, exit
statuses, and hostile values refused in one line with nothing changed."""

from __future__ import annotations

from pathlib import Path

import anglegen
import pytest
from anglegen import AngleSet
from mediagen import MediaSet
from test_cli import Cli

KEYS = ["recording_id", "main_id", "offset_us", "method", "confidence"]


@pytest.fixture
def cli(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Cli:
    return Cli(tmp_path / "lib", capsys)


def _import(cli: Cli, angles: AngleSet) -> tuple[str, str]:
    assert cli("family", "add", "F1")[0] == 0
    main = cli.json("import", str(angles.paths[0]), "--family", "F1")["id"]
    angle = cli.json("import", str(angles.paths[1]), "--family", "F1")["id"]
    return str(main), str(angle)


def _refused(cli: Cli, status: int, sentence: str, *args: str) -> None:
    code, out, err = cli(*args)
    assert (code, out, err) == (status, "", f"vfeedback: {sentence}\n")


def test_typed_offsets_negative_ones_too(cli: Cli, media: MediaSet) -> None:
    main, angle = _import(cli, anglegen.make_pair(media.folder, "vfr_early"))
    m, a = int(main), int(angle)
    added = cli.json("angle", "add", angle, "--to", main, "--offset=-0.9")
    assert list(added) == KEYS
    assert added == {"recording_id": a, "main_id": m, "offset_us": -900_000, "method": "manual",
                     "confidence": None}  # fmt: skip
    # argparse takes "-1.37" as a value (it looks like a negative number), not as an option ...
    assert cli.json("angle", "set", angle, "--offset", "-1.37")["offset_us"] == -1_370_000
    # ... but not "-00:00:01.370": that needs the "=" the README shows.
    assert cli.json("angle", "set", angle, "--offset=-00:00:01.250")["offset_us"] == -1_250_000
    code, out, err = cli("angle", "set", angle, "--offset", "-00:00:01.370")
    assert code == 2 and out == "" and err.startswith("vfeedback: argument --offset: expected one argument")
    assert cli.json("angle", "set", angle, "--offset", "+0:02.5")["offset_us"] == 2_500_000
    assert cli.json("angles", main) == [
        {"recording_id": a, "main_id": m, "offset_us": 2_500_000, "method": "manual", "confidence": None}
    ]
    assert cli.json("angles", angle) == cli.json("angles", main)  # an angle's session is its main's
    assert cli("angles", main)[1].splitlines() == [
        "RECORDING  OFFSET         HOW",
        f"{a:<9}  +00:00:02.500  (manual)",
    ]
    assert cli("angle", "remove", angle) == (
        0, f"Recording {a} is no longer an angle of recording {m}.\n", ""
    )  # fmt: skip
    assert cli.json("angles", main) == []
    assert cli("undo")[0] == 0
    assert cli.json("angles", main)[0]["offset_us"] == 2_500_000


def test_the_offset_found_from_the_sound(cli: Cli, media: MediaSet) -> None:
    angles = anglegen.make_pair(media.folder, "ntsc")
    main, angle = _import(cli, angles)
    added = cli.json("angle", "add", angle, "--to", main, "--auto")
    assert list(added) == KEYS and added["method"] == "auto"
    assert abs(added["offset_us"] - angles.offsets_us[1]) <= 1_000
    assert 0.7 <= added["confidence"] <= 1
    assert cli("angle", "remove", angle)[0] == 0
    # Without --offset or --auto the sound is used, and the sentence says how it was found.
    code, out, err = cli("angle", "add", angle, "--to", main)
    assert code == 0 and err == ""
    assert out.startswith(f"Recording {angle} is an angle of recording {main} at +00:00:01.370 (found from")
    assert cli("angle", "add", angle, "--to", main, "--auto", "--offset", "1")[0] == 2


def test_an_unrelated_pair_is_refused_with_status_3(cli: Cli, media: MediaSet) -> None:
    main, angle = _import(cli, anglegen.make_unrelated(media.folder))
    _refused(
        cli, 3,
        f"The sounds of recording {angle} and recording {main} do not match well enough to line them "
        "up; line them up by hand.",
        "angle", "add", angle, "--to", main, "--auto",
    )  # fmt: skip
    assert cli.json("angles", main) == []


NOT_AN_OFFSET = (
    "is not an offset: use seconds (1.37) or hours:minutes:seconds (00:00:01.370), with a minus sign "
    "when the angle started first (--offset=-1.37)."
)


@pytest.mark.parametrize(
    ("typed", "shown"),
    [
        (str(10**400), None),  # far too long to be a time
        ("nan", "nan"),
        ("inf", "inf"),
        ("-nan", "-nan"),
        ("1e3", "1e3"),
        ("f12", "f12"),  # a frame number: whose frames?
        ("--1", "--1"),
        ("-", "-"),
        ("", ""),
        ("1\x1b[31m", "1\\u001b[31m"),
        ("9999999999", None),  # beyond any film (parse_time's limit)
    ],
)
def test_hostile_offsets_are_refused_in_one_line(
    cli: Cli, media: MediaSet, typed: str, shown: str | None
) -> None:
    main, angle = _import(cli, anglegen.make_pair(media.folder, "vfr_early"))
    cli.json("angle", "add", angle, "--to", main, "--offset", "1")
    before = cli.json("angles", main)
    for args in (
        ("angle", "set", angle, f"--offset={typed}"),
        ("angle", "add", angle, "--to", main, f"--offset={typed}"),
    ):
        code, out, err = cli(*args)
        assert code == 3 and out == "" and err.count("\n") == 1, err
        assert err.startswith("vfeedback: '") and err.endswith(f"' {NOT_AN_OFFSET}\n"), err
        if shown is not None:
            assert err == f"vfeedback: '{shown}' {NOT_AN_OFFSET}\n"
    assert cli.json("angles", main) == before


def test_offsets_beyond_the_films_and_unknown_recordings(cli: Cli, media: MediaSet) -> None:
    main, angle = _import(cli, anglegen.make_pair(media.folder, "vfr_early"))
    _refused(
        cli, 3,
        f"At an offset of +00:01:00.000 recording {angle} would not overlap recording {main} at all; "
        "check the offset.",
        "angle", "add", angle, "--to", main, "--offset", "1:00",
    )  # fmt: skip
    _refused(cli, 3, "There is no recording 999 in this library.", "angle", "add", "999", "--to", main,
             "--offset", "1")  # fmt: skip
    _refused(cli, 3, "There is no recording 999 in this library.", "angles", "999")
    _refused(cli, 3, "There is no recording 999 in this library.", "angle", "remove", "999")
    _refused(cli, 3, f"Recording {angle} is not an angle of another recording.", "angle", "remove", angle)
    _refused(cli, 3, f"Recording {angle} is not an angle of another recording.", "angle", "set", angle,
             "--offset", "1")  # fmt: skip
    code, _, err = cli("angle", "add", str(10**400), "--to", main)
    assert code == 2 and err.startswith("vfeedback: argument RECORDING: '") and err.count("\n") == 1
    code, _, err = cli("angle", "add", str(10**25), "--to", main, "--offset", "1")
    assert code == 3 and err.endswith("ids and numbers in vfeedback go up to 9223372036854775807.\n")
    code, _, err = cli("angle", "add", angle)
    assert code == 2 and "--to" in err and err.count("\n") == 1
    assert cli.json("angles", main) == []
