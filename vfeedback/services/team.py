"""A team's library on PostgreSQL (issue 16): who is on the team, caseloads, and supervision shares.

What a login may see is the server's business (``storage/team.py``: roles, grants, row-level
security); this service only asks for it and says so in one sentence when the server refuses. Adding
a member, changing a caseload, sharing and withdrawing are each written to the audit record, in the
same transaction as the change.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Connection, and_, delete, insert, select, text, update

from vfeedback.core import text as texts
from vfeedback.core.errors import BadInput, Conflict, NotFound
from vfeedback.core.model import Moment
from vfeedback.services import rows
from vfeedback.services.audit import Audit
from vfeedback.services.context import Context
from vfeedback.services.families import Families
from vfeedback.services.rows import utc
from vfeedback.storage import tables as t
from vfeedback.storage import team as schema
from vfeedback.storage.database import Database

HEARTBEAT_S = 20
"""How often an open window says it is still tagging its recording."""
STALE_S = 3 * HEARTBEAT_S
"""A heartbeat older than this no longer counts (the window crashed or lost its connection)."""


@dataclass(frozen=True, slots=True)
class Member:
    login: str
    name: str
    role: str


@dataclass(frozen=True, slots=True)
class Share:
    id: int
    moment_id: int | None
    highlight_id: int | None
    owner: str
    with_login: str
    include_note: bool
    shared_at: datetime
    withdrawn_at: datetime | None

    @property
    def item(self) -> str:
        """How the command line names what was shared: ``12`` (a moment) or ``h7`` (a highlight)."""
        return str(self.moment_id) if self.moment_id is not None else f"h{self.highlight_id}"


def init(db: Database) -> None:
    """``vfeedback team init``: roles, functions, grants and policies on a migrated library."""
    with db.write() as conn:
        schema.install(conn)


def parse_item(item: str) -> tuple[int | None, int | None]:
    """``12`` is moment 12, ``h7`` highlight 7 (as ``vfeedback highlights`` numbers them)."""
    raw = item.strip().lower()
    digits = raw[1:] if raw.startswith("h") else raw
    if not digits.isdigit():
        raise BadInput(f"'{item}' is neither a moment number (12) nor a highlight (h7).")
    return (None, int(digits)) if raw.startswith("h") else (int(digits), None)


@dataclass(eq=False)
class Team:
    ctx: Context
    families: Families
    audit: Audit

    # --- members ----------------------------------------------------------------------------------
    def members(self) -> list[Member]:
        self._require_server()
        m = t.team_members
        with self.ctx.read() as conn:
            found = conn.execute(select(m.c.login, m.c.name, m.c.role).order_by(m.c.login)).all()
        return [Member(str(r[0]), str(r[1]), str(r[2])) for r in found]

    def display_name(self, login: str) -> str:
        """The name the team sees for ``login`` (the login itself when none was given)."""
        if self.ctx.login is None:
            return login
        with self.ctx.read() as conn:
            name = conn.execute(select(t.team_members.c.name).where(t.team_members.c.login == login)).scalar()
        return str(name) if name else login

    def add_member(self, login: str, role: str, name: str | None = None) -> Member:
        """Create the login if missing (no password: the server's own authentication decides how it
        connects), make it a member of exactly one team role, and keep its display name."""
        self._require_server()
        login = schema.check_login(login)
        if role not in schema.ROLES:
            raise BadInput(f"A team role is one of {', '.join(schema.ROLES)}, not '{role}'.")
        shown = texts.clean(name or "", texts.PERSON, "name") or login
        with self.ctx.write() as conn:
            self._require_team(conn)
            exists = conn.execute(text("SELECT 1 FROM pg_roles WHERE rolname = :l"), {"l": login}).first()
            if exists is None:
                conn.execute(text(f"CREATE ROLE {schema.quote(login)} LOGIN"))
            for other, group in schema.GROUP.items():
                verb = "GRANT" if other == role else "REVOKE"
                word = "TO" if other == role else "FROM"
                conn.execute(text(f"{verb} {group} {word} {schema.quote(login)}"))
            conn.execute(text(schema.search_path_sql(login, role)))
            m = t.team_members
            conn.execute(delete(m).where(m.c.login == login))
            conn.execute(insert(m).values(login=login, name=shown, role=role, added_at=self.ctx.now()))
            self.audit.record(conn, "team", None, f"Added {login} to the team as {role}")
        return Member(login, shown, role)

    # --- caseloads --------------------------------------------------------------------------------
    def caseload(self, family: str | int | None = None) -> list[tuple[str, str]]:
        """(family code, login) pairs the server lets this login see, by family then login."""
        self._require_server()
        c, f = t.caseloads, t.families
        query = select(f.c.code, c.c.login).join(f, f.c.id == c.c.family_id).order_by(f.c.code, c.c.login)
        if family is not None:
            query = query.where(f.c.id == self.families.get(family).id)
        with self.ctx.read() as conn:
            return [(str(r[0]), str(r[1])) for r in conn.execute(query)]

    def caseload_add(self, family: str | int, login: str) -> None:
        fam = self.families.get(family)
        login = schema.check_login(login)
        with self.ctx.write() as conn:
            self._require_team(conn)
            role = self._role(conn, login)
            if role != "clinician":
                raise BadInput(
                    f"{login} is not a clinician of the team (vfeedback team add {login} --role clinician)."
                )
            c = t.caseloads
            if conn.execute(select(c.c.login).where(c.c.family_id == fam.id, c.c.login == login)).first():
                raise Conflict(f"{login} already has family {fam.code} in their caseload.")
            conn.execute(insert(c).values(family_id=fam.id, login=login))
            self.audit.record(conn, "caseload", fam, f"Added family {fam.code} to {login}'s caseload")

    def caseload_remove(self, family: str | int, login: str) -> None:
        fam = self.families.get(family)
        login = schema.check_login(login)
        with self.ctx.write() as conn:
            self._require_team(conn)
            c = t.caseloads
            gone = conn.execute(delete(c).where(c.c.family_id == fam.id, c.c.login == login)).rowcount
            if not gone:
                raise NotFound(f"{login} does not have family {fam.code} in their caseload.")
            self.audit.record(conn, "caseload", fam, f"Removed family {fam.code} from {login}'s caseload")

    # --- supervision shares -------------------------------------------------------------------------
    def supervisors(self) -> list[Member]:
        return [m for m in self.members() if m.role == "supervisor"]

    def share(self, items: list[str], with_login: str, *, include_note: bool = False) -> list[Share]:
        """Share moments (``12``) and highlights (``h7``) with a supervisor; one audit entry each.
        An item already shared with them (not withdrawn) is left as it is."""
        self._require_server()
        parsed = [parse_item(i) for i in items]
        if not parsed:
            raise BadInput("Say which moments or highlights to share.")
        with_login = schema.check_login(with_login)
        made: list[Share] = []
        s = t.shares
        with self.ctx.write() as conn:
            self._require_team(conn)
            if self._role(conn, with_login) != "supervisor":
                raise BadInput(f"{with_login} is not a supervisor of the team; nothing was shared.")
            for moment_id, highlight_id in parsed:
                fam_id, what = self._item(conn, moment_id, highlight_id)
                current = self._open_share(conn, moment_id, highlight_id, with_login)
                if current is not None:
                    made.append(current)
                    continue
                values = {
                    "moment_id": moment_id,
                    "highlight_id": highlight_id,
                    "owner": self.ctx.user,
                    "with_login": with_login,
                    "include_note": include_note,
                    "shared_at": self.ctx.now(),
                }
                pk = conn.execute(insert(s).values(**values)).inserted_primary_key
                assert pk is not None
                note = " with the clinician's note" if include_note and moment_id is not None else ""
                self.audit.record(
                    conn,
                    "share",
                    self.families.get(fam_id),
                    f"Shared {what} with {with_login} for supervision{note}",
                )
                made.append(self._share(conn, int(pk[0])))
        return made

    def withdraw(self, items: list[str], with_login: str | None = None) -> list[Share]:
        """End the open shares of these items (with one supervisor, or with every one); audited."""
        self._require_server()
        parsed = [parse_item(i) for i in items]
        s = t.shares
        ended: list[Share] = []
        with self.ctx.write() as conn:
            for moment_id, highlight_id in parsed:
                fam_id, what = self._item(conn, moment_id, highlight_id)
                query = select(s.c.id).where(
                    s.c.withdrawn_at.is_(None),
                    s.c.owner == self.ctx.user,
                    s.c.moment_id == moment_id if moment_id is not None else s.c.highlight_id == highlight_id,
                )
                if with_login is not None:
                    query = query.where(s.c.with_login == schema.check_login(with_login))
                ids = [int(i) for i in conn.execute(query).scalars()]
                if not ids:
                    raise NotFound(
                        f"{what.capitalize()} is not shared by you for supervision; nothing was withdrawn."
                    )
                for share_id in ids:
                    conn.execute(update(s).where(s.c.id == share_id).values(withdrawn_at=self.ctx.now()))
                    share = self._share(conn, share_id)
                    self.audit.record(
                        conn,
                        "share",
                        self.families.get(fam_id),
                        f"Withdrew {what} from supervision with {share.with_login}",
                    )
                    ended.append(share)
        return ended

    def shares(self, *, include_withdrawn: bool = False) -> list[Share]:
        """The shares this login made, or (a supervisor) the ones made with them."""
        self._require_server()
        s = t.shares
        query = select(s).order_by(s.c.id)
        if not include_withdrawn:
            query = query.where(s.c.withdrawn_at.is_(None))
        with self.ctx.read() as conn:
            return [_row_share(r) for r in conn.execute(query).mappings()]

    def shared_moments(self, recording_id: int | None = None) -> list[Moment]:
        """The moments this login may see without reading the ``note`` column (a supervisor is not
        granted it): each with its note when it was shared with "include my note", else ""."""
        m = t.moments
        columns = [c for c in m.c if c.name != "note"]
        query = select(*columns).order_by(m.c.start_us, m.c.id)
        if recording_id is not None:
            query = query.where(m.c.recording_id == recording_id)
        notes = self.shared_notes()
        with self.ctx.read() as conn:
            found = [dict(r) for r in conn.execute(query).mappings()]
        return [rows.moment(r | {"note": notes.get(int(r["id"]), "")}) for r in found]

    def shared_notes(self) -> dict[int, str]:
        """A supervisor's view of the notes shared with them ("include my note"): moment id -> note."""
        with self.ctx.read() as conn:
            rows = conn.execute(text("SELECT moment_id, note FROM supervision_notes")).all()
        return {int(r[0]): str(r[1]) for r in rows}

    # --- who is tagging a recording (advisory, never a lock) ------------------------------------------
    def tagging(self, recording_id: int | None) -> None:
        """This login has ``recording_id`` open for tagging now (None: none): a heartbeat, renewed by
        the window every ``HEARTBEAT_S``; the row of a recording left is removed."""
        if self.ctx.login is None:
            return
        g, me, now = t.tagging, self.ctx.login, self.ctx.now()
        with self.ctx.write() as conn:
            if not schema.is_team(conn):
                return
            left = g.c.login == me
            if recording_id is not None:
                left = left & (g.c.recording_id != recording_id)
            conn.execute(delete(g).where(left))
            if recording_id is None:
                return
            beat = update(g).where(g.c.recording_id == recording_id, g.c.login == me).values(heartbeat=now)
            if not conn.execute(beat).rowcount:
                conn.execute(insert(g).values(recording_id=recording_id, login=me, since=now, heartbeat=now))

    def others_tagging(self, recording_id: int) -> list[tuple[str, datetime]]:
        """Who else has this recording open for tagging (display name, since when), by a heartbeat
        newer than ``STALE_S``: a window closed by a crash stops counting after that."""
        if self.ctx.login is None:
            return []
        g, m = t.tagging, t.team_members
        fresh = self.ctx.now() - timedelta(seconds=STALE_S)
        query = (
            select(g.c.login, m.c.name, g.c.since)
            .join(m, m.c.login == g.c.login, isouter=True)
            .where(g.c.recording_id == recording_id, g.c.login != self.ctx.login, g.c.heartbeat > fresh)
            .order_by(g.c.since)
        )
        with self.ctx.read() as conn:
            return [(str(r[1] or r[0]), utc(r[2])) for r in conn.execute(query)]

    # --- helpers ----------------------------------------------------------------------------------
    def _require_server(self) -> None:
        if self.ctx.login is None:
            raise BadInput(
                "This is a library on this computer; teams, caseloads and shares need a server library."
            )

    def _require_team(self, conn: Connection) -> None:
        self._require_server()
        if not schema.is_team(conn):
            raise BadInput("This server library has no team yet: run vfeedback team init first.")

    def _role(self, conn: Connection, login: str) -> str | None:
        m = t.team_members
        found = conn.execute(select(m.c.role).where(m.c.login == login)).scalar()
        return None if found is None else str(found)

    def _item(self, conn: Connection, moment_id: int | None, highlight_id: int | None) -> tuple[int, str]:
        """(family id, words for the audit) of a moment or highlight this login can see."""
        if moment_id is not None:
            m, r = t.moments, t.recordings
            fam = conn.execute(
                select(r.c.family_id).join(m, m.c.recording_id == r.c.id).where(m.c.id == moment_id)
            ).scalar()
            if fam is None:
                raise NotFound(f"There is no moment {moment_id} in your caseload.")
            return int(fam), f"moment {moment_id}"
        h = t.highlights
        fam = conn.execute(select(h.c.family_id).where(h.c.id == highlight_id)).scalar()
        if fam is None:
            raise NotFound(f"There is no highlight h{highlight_id} in your caseload.")
        return int(fam), f"highlight h{highlight_id}"

    def _open_share(
        self, conn: Connection, moment_id: int | None, highlight_id: int | None, with_login: str
    ) -> Share | None:
        s = t.shares
        item = s.c.moment_id == moment_id if moment_id is not None else s.c.highlight_id == highlight_id
        row = (
            conn.execute(
                select(s).where(and_(item, s.c.with_login == with_login, s.c.withdrawn_at.is_(None)))
            )
            .mappings()
            .first()
        )
        return None if row is None else _row_share(row)

    def _share(self, conn: Connection, share_id: int) -> Share:
        row = conn.execute(select(t.shares).where(t.shares.c.id == share_id)).mappings().one()
        return _row_share(row)


def _row_share(row: object) -> Share:
    r = dict(row)  # type: ignore[call-overload]
    return Share(
        id=int(r["id"]),
        moment_id=r["moment_id"],
        highlight_id=r["highlight_id"],
        owner=str(r["owner"]),
        with_login=str(r["with_login"]),
        include_note=bool(r["include_note"]),
        shared_at=utc(r["shared_at"]),
        withdrawn_at=None if r["withdrawn_at"] is None else utc(r["withdrawn_at"]),
    )
