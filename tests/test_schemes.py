"""Coding schemes: the shipped files are complete and kind to parents; bad files fail clearly."""

from __future__ import annotations

import itertools
import re
import subprocess
import sys
from pathlib import Path

import pytest

import vfeedback.resources
from vfeedback.core.errors import BadInput
from vfeedback.core.schemes import (
    DEFAULT_SCHEME_FILE,
    DEFAULT_SCHEME_NAME,
    MAX_SCHEME_BYTES,
    RESERVED_KEYS,
    CodeSpec,
    SchemeSpec,
    parse_scheme,
)
from vfeedback.interchange.scheme_file import builtin_scheme_paths, load_scheme

ROOT = Path(__file__).resolve().parents[1]


def builtins() -> list[tuple[Path, SchemeSpec]]:
    return [(path, load_scheme(path)) for path in builtin_scheme_paths()]


def vig() -> SchemeSpec:
    return load_scheme(ROOT / "resources" / "schemes" / "vig.toml")


# --- the shipped schemes -----------------------------------------------------------------------


def test_builtin_schemes_are_found_with_the_default_first() -> None:
    names = [p.name for p in builtin_scheme_paths()]
    assert names[0] == DEFAULT_SCHEME_FILE
    assert sorted(names) == ["marte-meo.toml", "vig.toml", "vipp-sd.toml"]
    assert all(p.parent == ROOT / "resources" / "schemes" for p in builtin_scheme_paths())


def test_every_builtin_scheme_loads_with_its_texts() -> None:
    seen = set()
    for path, scheme in builtins():
        assert scheme.name and scheme.version and scheme.description, path
        # Licensed methods: the file must say where the names come from.
        assert len(scheme.attribution) > 40, path
        assert scheme.codes, path
        seen.add(scheme.name)
        # Parsing the text gives the same result as loading the file.
        assert parse_scheme(path.read_text(encoding="utf-8"), path.name) == scheme
    assert len(seen) == 3


def test_default_scheme_is_vig() -> None:
    assert vig().name == DEFAULT_SCHEME_NAME


def test_vig_has_the_six_principles_with_their_sub_items() -> None:
    scheme = vig()
    assert [p.name for p in scheme.codes] == [
        "Being attentive",
        "Encouraging initiatives",
        "Receiving initiatives",
        "Developing attuned interactions",
        "Guiding",
        "Deepening discussion",
    ]
    items = {p.name: [c.name.lower() for c in p.children] for p in scheme.codes}
    expected = {
        "Being attentive": [
            "turned towards",
            "looking interested",
            "giving time and space",
            "wondering what they feel",
            "enjoying watching",
        ],
        "Encouraging initiatives": [
            "waiting",
            "listening actively",
            "warm intonation",
            "naming positively what you see",
        ],
        "Receiving initiatives": [
            "showing you noticed",
            "returning eye contact or a smile",
            "receiving with words",
            "using their sounds or words",
        ],
        "Developing attuned interactions": [
            "receiving then responding",
            "checking understanding",
            "taking turns",
            "having fun together",
        ],
        "Guiding": [
            "scaffolding",
            "extending the child's idea",
            "offering manageable choices",
        ],
    }
    for principle, names in expected.items():
        assert items[principle] == names, principle
    assert items["Deepening discussion"], "supervision codes are missing"
    assert {c.kind for c in scheme.all_codes()} == {"strength"}
    assert [p.key for p in scheme.codes] == ["1", "2", "3", "4", "5", "6"]
    assert scheme.codes[-1].default_actor == "clinician"
    assert all(c.default_actor == "parent" for p in scheme.codes[:5] for c in (p, *p.children))


def test_vipp_and_marte_meo_hold_their_themes() -> None:
    schemes = {s.name: s for _, s in builtins()}
    vipp = schemes["VIPP-SD themes"]
    vipp_names = [p.name.lower() for p in vipp.codes]
    assert any("exploration" in n and "attachment" in n for n in vipp_names)
    assert "speaking for the child" in vipp_names
    chain = next(p for p in vipp.codes if p.name == "Sensitivity chain")
    assert [c.name for c in chain.children[:3]] == [
        "Child signal",
        "Parent response",
        "Child reaction",
    ]
    assert [c.default_actor for c in chain.children[:3]] == ["infant", "parent", "infant"]
    assert "sharing emotions" in vipp_names
    assert {c.kind for c in vipp.all_codes()} == {"strength", "neutral", "concern"}

    marte = schemes["Marte Meo elements"]
    assert [p.name for p in marte.codes] == [
        "Following the child's initiative",
        "Naming",
        "Confirming",
        "Turn-taking",
        "Positive leading",
    ]


def test_builtin_keys_are_unique_valid_and_not_reserved() -> None:
    for path, scheme in builtins():
        keys = [c.key for c in scheme.all_codes() if c.key is not None]
        assert len(keys) == len(set(keys)), path
        assert not set(keys) & RESERVED_KEYS, path
        assert [p.key for p in scheme.codes] == [str(i) for i in range(1, len(scheme.codes) + 1)]
        for principle in scheme.codes:
            for child in principle.children:
                assert child.key is None or re.fullmatch(r"[a-z]", child.key), (path, child)
            assert scheme.code_for_key(principle.key or "") == principle
        assert scheme.code_for_key("A") == scheme.code_for_key("a") is not None


# Words a nervous parent should not meet in the wording shown to them.
JARGON = (
    "attun",
    "initiative",
    "scaffold",
    "sensitiv",
    "interven",
    "behaviour",
    "signal",
    "infant",
    "concern",
    "clinic",
    "dyad",
    "mentaliz",
    "mentalis",
    "intonation",
)
JUDGEMENT = ("should", "failed", "wrong", "poor", "bad ", "not enough", "didn't", "did not")


def test_every_code_has_warm_second_person_parent_wording() -> None:
    for path, scheme in builtins():
        wordings = []
        for code in scheme.all_codes():
            wording = code.parent_wording
            where = f"{path.name}: {code.name}"
            assert wording, where
            assert re.search(r"\byou(r)?\b", wording, re.IGNORECASE), where
            lowered = wording.lower()
            assert not any(word in lowered for word in JARGON), where
            assert not any(word in lowered for word in JUDGEMENT), where
            assert wording.lower() != code.name.lower(), where
            assert len(wording) <= 80, where
            wordings.append(wording)
        assert len(wordings) == len(set(wordings)), f"{path.name} repeats a parent wording"


def test_sub_items_have_their_inherited_fields_written_out() -> None:
    scheme = vig()
    for principle in scheme.codes:
        for child in principle.children:
            assert child.colour == principle.colour
            assert child.kind == principle.kind
            assert child.default_actor == principle.default_actor
            assert child.children == ()
    vipp = load_scheme(ROOT / "resources" / "schemes" / "vipp-sd.toml")
    chain = next(p for p in vipp.codes if p.name == "Sensitivity chain")
    assert chain.default_actor is None
    missed = next(c for c in chain.children if c.kind == "concern")
    assert missed.colour != chain.colour
    assert missed.default_actor == "parent"


# --- colours: readable, calm and distinguishable, also for colour-blind eyes -----------------


def _linear(channel: int) -> float:
    c = channel / 255
    return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4


def _rgb(colour: str) -> tuple[float, float, float]:
    r, g, b = (_linear(int(colour[i : i + 2], 16)) for i in (1, 3, 5))
    return r, g, b


def _luminance(colour: str) -> float:
    r, g, b = _rgb(colour)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def _contrast(a: str, b: str) -> float:
    hi, lo = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


# Machado, Oliveira & Fernandes (2009), severity 1.0, on linear RGB.
_CVD = {
    "normal": ((1, 0, 0), (0, 1, 0), (0, 0, 1)),
    "protanopia": (
        (0.152286, 1.052583, -0.204868),
        (0.114503, 0.786281, 0.099216),
        (-0.003882, -0.048116, 1.051998),
    ),
    "deuteranopia": (
        (0.367322, 0.860646, -0.227968),
        (0.280085, 0.672501, 0.047413),
        (-0.011820, 0.042940, 0.968881),
    ),
    "tritanopia": (
        (1.255528, -0.076749, -0.178779),
        (-0.078411, 0.930809, 0.147602),
        (0.004733, 0.691367, 0.303900),
    ),
}


def _lab(colour: str, vision: str) -> tuple[float, float, float]:
    rgb = _rgb(colour)
    r, g, b = (
        min(1.0, max(0.0, sum(m * c for m, c in zip(row, rgb, strict=True))))
        for row in _CVD[vision]
    )
    x = (0.4124 * r + 0.3576 * g + 0.1805 * b) / 0.95047
    y = 0.2126 * r + 0.7152 * g + 0.0722 * b
    z = (0.0193 * r + 0.1192 * g + 0.9505 * b) / 1.08883

    def f(t: float) -> float:
        return t ** (1 / 3) if t > 0.008856 else 7.787 * t + 16 / 116

    return 116 * f(y) - 16, 500 * (f(x) - f(y)), 200 * (f(y) - f(z))


def _distance(a: str, b: str, vision: str) -> float:
    squares = sum((p - q) ** 2 for p, q in zip(_lab(a, vision), _lab(b, vision), strict=True))
    return float(squares**0.5)


def test_builtin_colours_are_readable_with_dark_or_white_text() -> None:
    for path, scheme in builtins():
        for code in scheme.all_codes():
            best = max(_contrast(code.colour, "#1F1F1F"), _contrast(code.colour, "#FFFFFF"))
            assert best >= 4.5, (path.name, code.name, code.colour, best)


def test_builtin_colours_are_told_apart_with_colour_blindness() -> None:
    for path, scheme in builtins():
        colours = sorted({c.colour for c in scheme.all_codes()})
        assert len({p.colour for p in scheme.codes}) == len(scheme.codes), path.name
        for a, b in itertools.combinations(colours, 2):
            assert _distance(a, b, "normal") >= 20, (path.name, a, b)
            for vision in ("protanopia", "deuteranopia", "tritanopia"):
                assert _distance(a, b, vision) >= 12, (path.name, vision, a, b)


def test_colour_checks_can_fail() -> None:
    # The checks above are not vacuous: red and green collapse for deuteranopes.
    assert _distance("#CC3333", "#33AA33", "normal") > 50
    assert _distance("#CC6633", "#669933", "deuteranopia") < 12
    assert _contrast("#FFFF00", "#FFFFFF") < 4.5


# --- what a valid file may do ----------------------------------------------------------------

BASE = """\
name = "Test scheme"
version = "1"

[[principle]]
name = "Alpha"
key = "1"
colour = "#77AADD"
kind = "strength"
actor = "parent"
parent_wording = "You did alpha"

  [[principle.item]]
  name = "One"
  key = "a"
  parent_wording = "You did one"

  [[principle.item]]
  name = "Two"
  parent_wording = "You did two"

[[principle]]
name = "Beta"
colour = "#ee8866"
kind = "neutral"
parent_wording = "You did beta"
"""


def test_a_minimal_scheme_loads_with_defaults_filled_in() -> None:
    scheme = parse_scheme(BASE, "test.toml")
    assert scheme.name == "Test scheme"
    assert scheme.version == "1"
    assert scheme.description == scheme.attribution == ""
    alpha, beta = scheme.codes
    assert alpha == CodeSpec(
        name="Alpha",
        description="",
        colour="#77AADD",
        key="1",
        kind="strength",
        parent_wording="You did alpha",
        default_actor="parent",
        children=(
            CodeSpec("One", "", "#77AADD", "a", "strength", "You did one", "parent"),
            CodeSpec("Two", "", "#77AADD", None, "strength", "You did two", "parent"),
        ),
    )
    assert beta.colour == "#EE8866"
    assert beta.key is None
    assert beta.default_actor is None
    assert [c.name for c in scheme.all_codes()] == ["Alpha", "One", "Two", "Beta"]


def test_the_same_item_name_may_appear_under_two_principles() -> None:
    text = BASE + '\n  [[principle.item]]\n  name = "One"\n  parent_wording = "You did it"\n'
    scheme = parse_scheme(text, "test.toml")
    assert scheme.codes[1].children[0].name == "One"


def test_keys_are_case_insensitive_and_stored_lower_case() -> None:
    scheme = parse_scheme(BASE.replace('key = "a"', 'key = "A"'), "test.toml")
    assert scheme.codes[0].children[0].key == "a"
    assert scheme.code_for_key("A") is scheme.codes[0].children[0]


# --- what a bad file gets: one sentence naming the file -----------------------------------------


def assert_one_sentence(message: str, file_name: str) -> None:
    assert file_name in message
    assert "\n" not in message
    assert message.endswith(".") and not message.endswith("..")
    assert not re.search(r"[.!?]\s+[A-Z]", message[:-1]), message
    assert "Traceback" not in message


BAD_CASES = {
    "bad TOML": (BASE.replace('kind = "neutral"', "kind = neutral"), "line 24, column 8"),
    "bad TOML at the end": ('name = "x"\nversion = "1"\nprinciple = [', "end of the file (line 3)"),
    "missing name": (BASE.replace('name = "Test scheme"\n', ""), "no name"),
    "empty name": (BASE.replace('name = "Test scheme"', 'name = "  "'), "no name"),
    "missing code name": (BASE.replace('name = "Beta"\n', ""), "principle 2 has no name"),
    "missing version": (BASE.replace('version = "1"\n', ""), "no version"),
    "float version": (BASE.replace('version = "1"', "version = 1.10"), "in quotes"),
    "bad colour": (BASE.replace("#ee8866", "#ee886"), "'#ee886'"),
    "colour name": (BASE.replace('"#ee8866"', '"orange"'), "#RRGGBB"),
    "missing colour": (BASE.replace('colour = "#ee8866"\n', ""), "no colour"),
    "duplicate key": (BASE.replace('name = "Two"', 'name = "Two"\n  key = "A"'), "already uses"),
    "duplicate item name": (BASE.replace('"Two"', '"one"'), "two items named 'one'"),
    "duplicate principle name": (BASE.replace('"Beta"', '"Alpha"'), "two principles named"),
    "reserved letter key": (BASE.replace('key = "a"', 'key = "J"'), "keeps for itself"),
    "reserved space key": (BASE.replace('key = "a"', 'key = " "'), "keeps for itself"),
    "reserved word space": (BASE.replace('key = "a"', 'key = "space"'), "keeps for itself"),
    "reserved question key": (BASE.replace('key = "a"', 'key = "?"'), "keeps for itself"),
    "reserved plus key": (BASE.replace('key = "a"', 'key = "+"'), "keeps for itself"),
    "long key": (BASE.replace('key = "a"', 'key = "ab"'), "single character"),
    "digit item key": (BASE.replace('key = "a"', 'key = "7"'), "must be letters"),
    "principle key out of order": (BASE.replace('key = "1"', 'key = "2"'), "must be '1'"),
    "principle letter key": (BASE.replace('key = "1"', 'key = "b"'), "digits 1 to 9 in order"),
    "unknown kind": (BASE.replace('"neutral"', '"weakness"'), "'weakness'"),
    "missing kind": (BASE.replace('kind = "neutral"\n', ""), "no kind"),
    "unknown actor": (BASE.replace('actor = "parent"', 'actor = "baby"'), "'baby'"),
    "missing parent wording": (
        BASE.replace('  parent_wording = "You did two"\n', ""),
        "item 2 ('Two') of principle 1 ('Alpha') has no parent_wording",
    ),
    "multi-line parent wording": (
        BASE.replace('"You did two"', '"""You did\ntwo"""'),
        "one line",
    ),
    "three levels": (
        BASE.replace(
            '  parent_wording = "You did two"\n',
            '  parent_wording = "You did two"\n\n    [[principle.item.item]]\n'
            '    name = "Deep"\n    parent_wording = "You went deep"\n',
        ),
        "two levels deep",
    ),
    "empty scheme": ('name = "Empty"\nversion = "1"\n', "no codes"),
    "empty principle list": ('name = "Empty"\nversion = "1"\nprinciple = []\n', "no codes"),
    "single principle table": (
        'name = "x"\nversion = "1"\n[principle]\nname = "A"\n',
        "write [[principle]]",
    ),
    "misspelt field": (BASE.replace("colour =", "color =", 1), "did you mean 'colour'"),
    "unknown top field": ("author = 'me'\n" + BASE, "unknown field 'author'"),
    "newer format": ("format = 2\n" + BASE, "newer vfeedback"),
    "name not text": (BASE.replace('name = "Test scheme"', "name = 3"), "should be text"),
}


@pytest.mark.parametrize("case", sorted(BAD_CASES))
def test_bad_scheme_files_raise_one_clear_sentence(case: str, tmp_path: Path) -> None:
    text, fragment = BAD_CASES[case]
    path = tmp_path / "team-scheme.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(BadInput) as caught:
        load_scheme(path)
    message = str(caught.value)
    assert_one_sentence(message, str(path))
    assert fragment in message, message
    # parse_scheme names whatever source it is given.
    with pytest.raises(BadInput) as again:
        parse_scheme(text, "pasted.toml")
    assert_one_sentence(str(again.value), "pasted.toml")


def test_a_file_over_one_megabyte_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "huge.toml"
    path.write_text(BASE + "# padding\n" * (MAX_SCHEME_BYTES // 10), encoding="utf-8")
    assert path.stat().st_size > MAX_SCHEME_BYTES
    with pytest.raises(BadInput) as caught:
        load_scheme(path)
    assert_one_sentence(str(caught.value), str(path))
    assert "1 MB" in str(caught.value)
    with pytest.raises(BadInput, match="1 MB"):
        parse_scheme(path.read_text(encoding="utf-8"), "huge.toml")


def test_a_missing_or_non_text_file_is_bad_input(tmp_path: Path) -> None:
    missing = tmp_path / "gone.toml"
    with pytest.raises(BadInput) as caught:
        load_scheme(missing)
    assert_one_sentence(str(caught.value), str(missing))
    binary = tmp_path / "photo.toml"
    binary.write_bytes(b"\xff\xd8\xff\xe0 not a scheme")
    with pytest.raises(BadInput) as caught:
        load_scheme(binary)
    assert_one_sentence(str(caught.value), str(binary))
    assert "UTF-8" in str(caught.value)


def test_principle_keys_stop_at_nine() -> None:
    principles = "".join(
        f'[[principle]]\nname = "P{i}"\nkey = "{i}"\ncolour = "#77AADD"\nkind = "strength"\n'
        f'parent_wording = "You {i}"\n'
        for i in range(1, 11)
    )
    with pytest.raises(BadInput, match="only the first nine principles"):
        parse_scheme('name = "x"\nversion = "1"\n' + principles, "ten.toml")
    # Without a key, a tenth principle is fine.
    scheme = parse_scheme(
        'name = "x"\nversion = "1"\n' + principles.replace('key = "10"\n', ""), "ten.toml"
    )
    assert len(scheme.codes) == 10


# --- finding the resources -----------------------------------------------------------------------


def test_resources_dir_prefers_the_copy_inside_an_installed_package(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    package = tmp_path / "site-packages" / "vfeedback"
    (package / "resources" / "schemes").mkdir(parents=True)
    monkeypatch.setattr(vfeedback.resources, "_PACKAGE", package)
    assert vfeedback.resources.resources_dir() == package / "resources"
    # A stray "resources" folder without schemes beside the package is not ours.
    (package / "resources" / "schemes").rmdir()
    (tmp_path / "site-packages" / "resources").mkdir()
    with pytest.raises(FileNotFoundError):
        vfeedback.resources.resources_dir()


def test_resources_dir_finds_the_checkout() -> None:
    assert vfeedback.resources.resources_dir() == ROOT / "resources"


def test_loading_schemes_never_imports_qt() -> None:
    code = (
        "import sys, vfeedback.interchange.scheme_file as s\n"
        "[s.load_scheme(p) for p in s.builtin_scheme_paths()]\n"
        "assert not [m for m in sys.modules if m.startswith('PySide6')], 'Qt imported'\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT, timeout=60)


def test_the_example_in_the_format_readme_is_a_valid_scheme() -> None:
    readme = (ROOT / "resources" / "schemes" / "README.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```toml\n(.*?)```", readme, re.DOTALL)
    assert len(blocks) == 1
    scheme = parse_scheme(blocks[0], "README.md")
    (principle,) = scheme.codes
    assert [c.kind for c in principle.children] == ["strength", "concern"]
    assert principle.children[0].colour == principle.colour
