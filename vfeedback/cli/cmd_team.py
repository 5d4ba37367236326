"""A team's library on a PostgreSQL server (issue 16): ``vfeedback team`` (init, add, list),
``vfeedback caseload`` (add, remove, list), ``vfeedback share`` (and ``share withdraw``) and
``vfeedback shares``."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

from vfeedback.cli import output as out
from vfeedback.cli.arguments import json_flag
from vfeedback.cli.registry import Grammar, Handler
from vfeedback.core.errors import BadInput

if TYPE_CHECKING:
    from vfeedback.services import Library
    from vfeedback.services.team import Share


def add_team(sub: Any) -> None:
    c = sub.add_parser("team", help="a team's server library: set it up, add logins, list who is on it")
    acts = c.add_subparsers(dest="action", metavar="ACTION", required=True)
    i = acts.add_parser(
        "init", help="create the schema, team roles and policies (once, by the server's administrator)"
    )
    i.add_argument(
        "url", metavar="URL", help="the library's database, e.g. postgresql+psycopg:///?service=team"
    )
    a = acts.add_parser("add", help="add a login to the team (creating it if missing)")
    a.add_argument("login", metavar="LOGIN")
    a.add_argument("--role", required=True, choices=("clinician", "supervisor", "admin"))
    a.add_argument("--name", metavar="TEXT", help="the name the team sees (default: the login)")
    ls = acts.add_parser("list", help="who is on the team")
    json_flag(ls)


def add_caseload(sub: Any) -> None:
    c = sub.add_parser("caseload", help="which clinicians see and change a family (a team library)")
    acts = c.add_subparsers(dest="action", metavar="ACTION", required=True)
    for name, words in (
        ("add", "give a clinician a family"),
        ("remove", "take a family off a clinician's caseload"),
    ):
        a = acts.add_parser(name, help=words)
        a.add_argument("family", metavar="FAMILY")
        a.add_argument("login", metavar="LOGIN")
    ls = acts.add_parser("list", help="the caseloads you may see")
    ls.add_argument("family", metavar="FAMILY", nargs="?")
    json_flag(ls)


def add_share(sub: Any) -> None:
    c = sub.add_parser(
        "share", help="share moments (12) or highlights (h7) with a supervisor; 'share withdraw ...' ends it"
    )
    c.add_argument("items", metavar="MOMENT|HIGHLIGHT", nargs="+")
    c.add_argument("--with", dest="with_login", metavar="LOGIN", help="the supervisor's login")
    c.add_argument("--include-note", action="store_true", help="let the supervisor read your private note")
    json_flag(c)


def add_shares(sub: Any) -> None:
    c = sub.add_parser(
        "shares", help="what you shared for supervision (a supervisor: what is shared with you)"
    )
    c.add_argument("--all", action="store_true", help="withdrawn shares too")
    json_flag(c)


def init(args: argparse.Namespace) -> int:
    """``team init URL``: run before any library is opened (it is the library being made)."""
    from vfeedback.services import Library
    from vfeedback.services.team import init as install
    from vfeedback.storage import layout

    if not layout.looks_like_url(args.url) or not args.url.startswith("postgresql"):
        raise BadInput("team init needs a PostgreSQL database URL, e.g. postgresql+psycopg:///?service=team.")
    with Library.open(args.url) as lib:  # the schema, through the ordinary migrations
        install(lib.ctx.db)
        where = layout._without_password(args.url)
        print(f"The team library is ready on {where}; add logins with vfeedback team add.")
    return 0


def team_add(lib: Library, args: argparse.Namespace) -> int:
    member = lib.team.add_member(args.login, args.role, args.name)
    print(f"{member.login} ({member.name}) is on the team as {member.role}.")
    return 0


def team_list(lib: Library, args: argparse.Namespace) -> int:
    members = lib.team.members()
    if args.json:
        out.emit_json([{"login": m.login, "name": m.name, "role": m.role} for m in members])
    else:
        for m in members:
            print(f"{m.login:20} {m.role:11} {m.name}")
    return 0


def caseload_add(lib: Library, args: argparse.Namespace) -> int:
    lib.team.caseload_add(args.family, args.login)
    print(f"{args.login} now has family {lib.families.get(args.family).code} in their caseload.")
    return 0


def caseload_remove(lib: Library, args: argparse.Namespace) -> int:
    lib.team.caseload_remove(args.family, args.login)
    print(f"{args.login} no longer has family {args.family} in their caseload.")
    return 0


def caseload_list(lib: Library, args: argparse.Namespace) -> int:
    pairs = lib.team.caseload(args.family)
    if args.json:
        out.emit_json([{"family": code, "login": login} for code, login in pairs])
    else:
        for code, login in pairs:
            print(f"{code:16} {login}")
    return 0


def share(lib: Library, args: argparse.Namespace) -> int:
    if args.items[0] == "withdraw":
        if args.include_note:
            raise BadInput("--include-note is for sharing, not for withdrawing.")
        made = lib.team.withdraw(args.items[1:], args.with_login)
        verb = "Withdrew"
    else:
        if not args.with_login:
            raise BadInput("Say which supervisor to share with: --with LOGIN.")
        made = lib.team.share(args.items, args.with_login, include_note=args.include_note)
        verb = "Shared"
    if args.json:
        out.emit_json([_share_json(s) for s in made])
    else:
        for s in made:
            print(f"{verb} {s.item} {'with' if verb == 'Shared' else 'from'} {s.with_login}.")
    return 0


def shares(lib: Library, args: argparse.Namespace) -> int:
    found = lib.team.shares(include_withdrawn=args.all)
    if args.json:
        out.emit_json([_share_json(s) for s in found])
    else:
        for s in found:
            note = ", with the note" if s.include_note else ""
            ended = f", withdrawn {s.withdrawn_at:%Y-%m-%d}" if s.withdrawn_at else ""
            print(f"{s.item:8} {s.owner} -> {s.with_login}{note} ({s.shared_at:%Y-%m-%d}{ended})")
    return 0


def _share_json(s: Share) -> dict[str, Any]:
    return {
        "id": s.id,
        "moment": s.moment_id,
        "highlight": s.highlight_id,
        "owner": s.owner,
        "with": s.with_login,
        "include_note": s.include_note,
        "shared_at": s.shared_at,
        "withdrawn_at": s.withdrawn_at,
    }


GRAMMAR: dict[str, Grammar] = {
    "team": add_team,
    "caseload": add_caseload,
    "share": add_share,
    "shares": add_shares,
}
HANDLERS: dict[tuple[str, str | None], Handler] = {
    ("team", "add"): team_add,
    ("team", "list"): team_list,
    ("caseload", "add"): caseload_add,
    ("caseload", "remove"): caseload_remove,
    ("caseload", "list"): caseload_list,
    ("share", None): share,
    ("shares", None): shares,
}
