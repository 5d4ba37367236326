"""Coding schemes: the vocabularies of codes a clinician tags moments with.

A scheme is a TOML file (format: resources/schemes/README.md) with two levels of codes: principles,
each with optional sub-items. Loading validates everything and fills in what a sub-item inherits
from its principle (colour, kind, actor), so the result needs no further checks. Every problem is
one BadInput sentence naming the file and the code, because teams write these files by hand.
"""

from __future__ import annotations

import difflib
import re
import tomllib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Literal, NoReturn

from vfeedback.core import text as texts
from vfeedback.core.errors import BadInput

CodeKind = Literal["strength", "concern", "neutral"]
Actor = Literal["parent", "infant", "clinician"]

DEFAULT_SCHEME_NAME = "Video Interaction Guidance (VIG)"
DEFAULT_SCHEME_FILE = "vig.toml"
FORMAT_VERSION = 1
MAX_SCHEME_BYTES = 1_000_000

# Keys the player keeps for itself (lower case; keys are compared without regard to case).
RESERVED_KEYS = frozenset({" ", "j", "k", "l", "i", "o", "m", "n", "x", "+", "-", "?"})
_RESERVED_TEXT = "space, J, K, L, I, O, M, N, X, +, - and ?"

_KINDS: dict[str, CodeKind] = {"strength": "strength", "concern": "concern", "neutral": "neutral"}
_ACTORS: dict[str, Actor] = {"parent": "parent", "infant": "infant", "clinician": "clinician"}

_TOP_FIELDS = ("format", "name", "version", "description", "attribution", "principle", "suggestions")
SUGGESTION_KINDS = ("turn", "chain", "waiting", "repair")
_CODE_FIELDS = ("name", "description", "colour", "key", "kind", "actor", "parent_wording")
_COLOUR = re.compile(r"^#[0-9A-Fa-f]{6}$")
_TOML_POSITION = re.compile(r"\s*\(at (?:line (\d+), column (\d+)|end of document)\)$")
_MAX_NAME = texts.SCHEME_NAME.limit
_MAX_VERSION = texts.SCHEME_VERSION.limit
_MAX_WORDING = texts.PARENT_WORDING.limit


@dataclass(frozen=True, slots=True)
class CodeSpec:
    """One code as loaded: every inherited field written out, ``key`` in lower case or None."""

    name: str
    description: str
    colour: str
    key: str | None
    kind: CodeKind
    parent_wording: str
    default_actor: Actor | None
    children: tuple[CodeSpec, ...] = ()


@dataclass(frozen=True, slots=True)
class SchemeSpec:
    """A whole scheme; ``codes`` are the principles, each with its sub-items as ``children``."""

    name: str
    version: str
    description: str
    attribution: str
    codes: tuple[CodeSpec, ...]
    suggestions: tuple[tuple[str, str], ...] = ()
    """``[suggestions]``: the code (``Principle/Item`` or a name) proposed for each kind of
    suggested moment (turn, chain, waiting, repair)."""

    def all_codes(self) -> Iterator[CodeSpec]:
        """Every code, each principle followed by its sub-items."""
        for principle in self.codes:
            yield principle
            yield from principle.children

    def code_for_key(self, key: str) -> CodeSpec | None:
        """The code a shortcut key selects (case does not matter), or None."""
        wanted = key.lower()
        return next((code for code in self.all_codes() if code.key == wanted), None)


def parse_scheme(text: str, source: str) -> SchemeSpec:
    """Validate scheme text; ``source`` names the file in error messages."""
    if len(text) > MAX_SCHEME_BYTES or len(text.encode("utf-8")) > MAX_SCHEME_BYTES:
        raise too_large(source)
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise BadInput(_toml_error(source, str(exc), text)) from exc
    except RecursionError:
        # tomllib recurses once per level of nested arrays and inline tables: a hostile file ends
        # here. A scheme needs two levels at most.
        raise BadInput(
            f"The coding scheme file {source} is nested far too deeply to be a coding scheme."
        ) from None
    return _Reader(source).scheme(data)


def too_large(source: str) -> BadInput:
    return BadInput(
        f"The coding scheme file {source} is larger than 1 MB, which is far too big for a scheme; "
        "check that it is the right file."
    )


def _toml_error(source: str, message: str, text: str) -> str:
    # Python 3.11's TOMLDecodeError carries the position only inside its message.
    position = _TOML_POSITION.search(message)
    detail = _TOML_POSITION.sub("", message).rstrip(".")
    detail = detail[:1].lower() + detail[1:]
    if position and position.group(1):
        where = f"line {position.group(1)}, column {position.group(2)}"
    elif position:
        where = f"the end of the file (line {text.count(chr(10)) + 1})"
    else:
        return f"The coding scheme file {source} is not valid TOML: {detail}."
    return f"The coding scheme file {source} is not valid TOML at {where}: {detail}."


def _describe(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


class _Reader:
    """Turns parsed TOML into specs, failing with one sentence at the first problem."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.keys: dict[str, str] = {}  # lower-case key -> where it is used

    def fail(self, what: str) -> NoReturn:
        raise BadInput(f"In the coding scheme file {self.source}, {what.rstrip('.')}.")

    def scheme(self, data: Mapping[str, object]) -> SchemeSpec:
        self.unknown_fields(data, _TOP_FIELDS, "the top of the file")
        fmt = data.get("format", FORMAT_VERSION)
        if not isinstance(fmt, int) or isinstance(fmt, bool) or fmt < 1:
            self.fail(f"format is {_describe(fmt)}, but it should be the number {FORMAT_VERSION}")
        if fmt > FORMAT_VERSION:
            self.fail(
                f"format is {fmt}, which a newer vfeedback wrote; this version reads format {FORMAT_VERSION}"
            )
        name = self.line(data, "name", "the scheme", required=True, kind=texts.SCHEME_NAME)
        version = data.get("version")
        if isinstance(version, int) and not isinstance(version, bool):
            version = str(version)
        if version is None:
            self.fail('the scheme has no version: add a line like version = "1.0"')
        if not isinstance(version, str) or not version.strip():
            self.fail(f'the version is {_describe(version)}; write it in quotes, like "1.0"')
        if len(version.strip()) > _MAX_VERSION or "\n" in version:
            self.fail(f"the version is longer than one short line ({_MAX_VERSION} characters)")
        version = self.cleaned(version, texts.SCHEME_VERSION, "version of the scheme")
        description = self.text(data, "description", "the scheme")
        attribution = self.text(data, "attribution", "the scheme")
        tables = self.tables(data.get("principle"), "[[principle]]", "the scheme")
        if not tables:
            self.fail("there are no codes: add at least one [[principle]] table")
        principles = tuple(self.principle(i, table) for i, table in enumerate(tables, start=1))
        self.unique_names(principles, "principle", "the scheme")
        mapping = self.suggestions(data.get("suggestions", {}), principles)
        return SchemeSpec(name, version, description, attribution, principles, mapping)

    def suggestions(self, value: object, codes: tuple[CodeSpec, ...]) -> tuple[tuple[str, str], ...]:
        if not isinstance(value, dict):
            self.fail('[suggestions] should be a table of kind = "code" lines')
        self.unknown_fields(value, SUGGESTION_KINDS, "[suggestions]")
        labels = {c.name.lower() for c in codes}
        labels |= {f"{p.name}/{c.name}".lower() for p in codes for c in p.children}
        labels |= {c.name.lower() for p in codes for c in p.children}
        out = []
        for kind, code in value.items():
            if not isinstance(code, str) or code.strip().lower() not in labels:
                self.fail(
                    f"[suggestions] maps {kind} to {_describe(code)}, which is not a code of this scheme"
                )
            out.append((kind, code.strip()))
        return tuple(out)

    def principle(self, index: int, table: Mapping[str, object]) -> CodeSpec:
        where = self.where(f"principle {index}", table)
        self.unknown_fields(table, (*_CODE_FIELDS, "item"), where)
        name = self.line(table, "name", where, required=True, kind=texts.SCHEME_NAME)
        colour = self.colour(table, where, inherited=None)
        kind = self.kind(table, where, inherited=None)
        actor = self.actor(table, where, inherited=None)
        key = self.key(table, where, principle_index=index)
        items = self.tables(table.get("item"), "[[principle.item]]", where)
        children = tuple(
            self.item(j, item, name, colour, kind, actor, where) for j, item in enumerate(items, start=1)
        )
        self.unique_names(children, "item", where)
        return CodeSpec(
            name=name,
            description=self.text(table, "description", where),
            colour=colour,
            key=key,
            kind=kind,
            parent_wording=self.line(table, "parent_wording", where, required=True),
            default_actor=actor,
            children=children,
        )

    def item(
        self,
        index: int,
        table: Mapping[str, object],
        principle: str,
        colour: str,
        kind: CodeKind,
        actor: Actor | None,
        parent_where: str,
    ) -> CodeSpec:
        where = f"{self.where(f'item {index}', table)} of {parent_where}"
        if "item" in table:
            self.fail(
                f"{where} has items of its own, but codes can only be two levels deep "
                "(principles and their items)"
            )
        self.unknown_fields(table, _CODE_FIELDS, where)
        return CodeSpec(
            name=self.line(table, "name", where, required=True, kind=texts.SCHEME_NAME),
            description=self.text(table, "description", where),
            colour=self.colour(table, where, inherited=colour),
            key=self.key(table, where, principle_index=None),
            kind=self.kind(table, where, inherited=kind),
            parent_wording=self.line(table, "parent_wording", where, required=True),
            default_actor=self.actor(table, where, inherited=actor),
        )

    # --- single fields -------------------------------------------------------------------------

    def where(self, position: str, table: Mapping[str, object]) -> str:
        name = table.get("name")
        if isinstance(name, str) and name.strip():
            return f"{position} ('{name.strip()}')"
        return position

    def unknown_fields(self, table: Mapping[str, object], allowed: tuple[str, ...], where: str) -> None:
        for field in table:
            if field not in allowed:
                close = difflib.get_close_matches(field, allowed, n=1)
                hint = f" (did you mean '{close[0]}'?)" if close else ""
                self.fail(f"{where} has an unknown field '{field}'{hint}")

    def tables(self, value: object, syntax: str, where: str) -> list[Mapping[str, object]]:
        if value is None:
            return []
        if isinstance(value, Mapping):
            self.fail(f"{where} has a single table where a list is expected: write {syntax}")
        if not isinstance(value, list) or not all(isinstance(v, Mapping) for v in value):
            self.fail(f"{where} lists its codes wrongly: write each one as a {syntax} table")
        return value

    def text(
        self,
        table: Mapping[str, object],
        field: str,
        where: str,
        kind: texts.Kind = texts.SCHEME_TEXT,
    ) -> str:
        value = table.get(field, "")
        if not isinstance(value, str):
            self.fail(f"the {field} of {where} is {_describe(value)}, but it should be text")
        return self.cleaned(value, kind, f"{field} of {where}")

    def cleaned(self, value: str, kind: texts.Kind, what: str) -> str:
        """``value`` cleaned as ``kind`` (core.text), a problem told as this file's sentence."""
        try:
            return texts.clean(value, kind, what)
        except BadInput as exc:
            sentence = str(exc)
            self.fail(sentence[:1].lower() + sentence[1:])

    def line(
        self,
        table: Mapping[str, object],
        field: str,
        where: str,
        *,
        required: bool,
        kind: texts.Kind = texts.PARENT_WORDING,
    ) -> str:
        raw = table.get(field, "")
        if isinstance(raw, str) and any(brk in raw.strip() for brk in "\n\r\x85\u2028\u2029"):
            self.fail(f"the {field} of {where} runs over several lines; keep it to one line")
        if isinstance(raw, str) and len(raw.strip()) > kind.limit:
            self.fail(f"the {field} of {where} is longer than {kind.limit} characters")
        value = self.text(table, field, where, kind)
        if required and not value:
            self.fail(f'{where} has no {field}: add a line like {field} = "..."')
        return value

    def colour(self, table: Mapping[str, object], where: str, inherited: str | None) -> str:
        value = table.get("colour")
        if value is None:
            if inherited is None:
                self.fail(f'{where} has no colour: add a line like colour = "#77AADD"')
            return inherited
        if not isinstance(value, str) or not _COLOUR.match(value):
            self.fail(
                f"{where} has the colour {_describe(value)}, which is not of the form #RRGGBB "
                '(for example "#77AADD")'
            )
        return value.upper()

    def kind(self, table: Mapping[str, object], where: str, inherited: CodeKind | None) -> CodeKind:
        value = table.get("kind")
        if value is None:
            if inherited is None:
                self.fail(f'{where} has no kind: add kind = "strength", "concern" or "neutral"')
            return inherited
        if not isinstance(value, str) or value not in _KINDS:
            self.fail(
                f"{where} has the kind {_describe(value)}, which is not one of "
                '"strength", "concern" or "neutral"'
            )
        return _KINDS[value]

    def actor(self, table: Mapping[str, object], where: str, inherited: Actor | None) -> Actor | None:
        value = table.get("actor")
        if value is None:
            return inherited
        if not isinstance(value, str) or value not in _ACTORS:
            self.fail(
                f"{where} has the actor {_describe(value)}, which is not one of "
                '"parent", "infant" or "clinician"'
            )
        return _ACTORS[value]

    def key(self, table: Mapping[str, object], where: str, principle_index: int | None) -> str | None:
        value = table.get("key")
        if value is None:
            return None
        if isinstance(value, int) and not isinstance(value, bool):
            value = str(value)  # key = 1 written without quotes means the digit
        if not isinstance(value, str):
            self.fail(f"{where} has the key {_describe(value)}; write one character in quotes")
        key = value.lower()
        if key in RESERVED_KEYS or key == "space":
            self.fail(
                f"{where} uses the key {_describe(value)}, which the player keeps for itself "
                f"({_RESERVED_TEXT})"
            )
        if principle_index is not None:
            expected = str(principle_index)
            if principle_index > 9:
                self.fail(f"{where} has a key, but only the first nine principles can (1 to 9)")
            if key != expected:
                self.fail(
                    f"{where} has the key {_describe(value)}, but principle keys are the digits "
                    f"1 to 9 in order, so this one must be '{expected}'"
                )
        elif len(key) != 1:
            self.fail(f"{where} has the key {_describe(value)}, but a key is a single character")
        elif not (key.isascii() and key.isalpha()):
            self.fail(f"{where} has the key {_describe(value)}, but item keys must be letters")
        if key in self.keys:
            self.fail(f"{where} has the key {_describe(value)}, which {self.keys[key]} already uses")
        self.keys[key] = where
        return key

    def unique_names(self, codes: tuple[CodeSpec, ...], what: str, where: str) -> None:
        seen: set[str] = set()
        for code in codes:
            folded = code.name.casefold()
            if folded in seen:
                self.fail(f"{where} has two {what}s named '{code.name}'")
            seen.add(folded)
