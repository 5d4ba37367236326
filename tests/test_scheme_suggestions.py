"""A scheme's ``[suggestions]`` table: which code each kind of suggested moment proposes."""

from __future__ import annotations

import pytest

from vfeedback.core.errors import BadInput
from vfeedback.core.schemes import SUGGESTION_KINDS, parse_scheme
from vfeedback.interchange.scheme_file import builtin_scheme_paths, load_scheme
from vfeedback.services import Library

SCHEME = """
format = 1
name = "Mini"
version = "1"
[[principle]]
name = "Turns"
parent_wording = "Turns"
colour = "#77AADD"
kind = "strength"
  [[principle.item]]
  name = "Waiting"
  parent_wording = "You waited"
{suggestions}
"""


def test_every_shipped_scheme_proposes_a_code_of_its_own_for_every_kind(library: Library) -> None:
    for path in builtin_scheme_paths():
        spec = load_scheme(path)
        assert {kind for kind, _ in spec.suggestions} == set(SUGGESTION_KINDS), path.name
        for _, label in spec.suggestions:
            assert library.schemes.code(label, spec.name).scheme_id == library.schemes.get(spec.name).id


def test_a_mapping_to_a_code_the_scheme_lacks_or_an_unknown_kind_is_refused_in_one_sentence() -> None:
    ok = parse_scheme(SCHEME.format(suggestions='[suggestions]\nwaiting = "Turns/Waiting"'), "mini.toml")
    assert ok.suggestions == (("waiting", "Turns/Waiting"),)
    with pytest.raises(BadInput) as missing:
        parse_scheme(SCHEME.format(suggestions='[suggestions]\nturn = "Taking turns"'), "mini.toml")
    assert str(missing.value) == (
        "In the coding scheme file mini.toml, [suggestions] maps turn to 'Taking turns', "
        "which is not a code of this scheme."
    )
    with pytest.raises(BadInput) as kind:
        parse_scheme(SCHEME.format(suggestions='[suggestions]\nturns = "Turns"'), "mini.toml")
    assert str(kind.value) == (
        "In the coding scheme file mini.toml, [suggestions] has an unknown field 'turns' "
        "(did you mean 'turn'?)."
    )
