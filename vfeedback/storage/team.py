"""A team's library on PostgreSQL: roles, grants and row-level security, enforced by the server.

Three group roles (NOLOGIN): ``vfeedback_clinician``, ``vfeedback_supervisor``, ``vfeedback_admin``.
Each person is a login that is a member of one of them (``vfeedback team add``). The policies hold for
anyone connecting as that login, with vfeedback or with psql:

- a clinician sees and changes only the rows of the families in their caseload (``caseloads``):
  families, recordings, moments, highlights, reels, consent, audit entries, suggestions, imports,
  caches; and only their own undo history. A family a clinician adds joins their caseload (a trigger);
- a supervisor sees only the moments and highlights shared with them (``shares``), and only while the
  family's latest supervision consent is "given": the policy asks the consent register itself, so a
  withdrawal hides them at the next query. The ``note`` column of ``moments`` is not granted to
  supervisors at all; the notes of the shares made with "include my note" are in the view
  ``supervision_notes`` (below, "why a view"). A supervisor's search_path starts with the schema
  ``vfeedback_supervision``, whose view ``moments`` is the shared moments with only those notes (""
  for the others), so vfeedback (and psql) work for them unchanged while ``public.moments.note``
  stays refused;
- an admin manages logins and caseloads and reads families' codes, never a caption or a note: no
  privilege on moments, highlights, reels, consents or suggestions at all (a query is refused).

The audit record is append-only for everyone (storage/guards.py's triggers fire for every role, and
no role has UPDATE, DELETE or TRUNCATE on it). Its hash chain needs the newest entry's id and hash,
which a clinician's policy may hide: ``vfeedback_audit_head()`` (SECURITY DEFINER) returns only those.

Why a view for notes: column privileges alone cannot say "this row's note, not that one's"; row
policies cannot hide one column. ``supervision_notes`` is a ``security_barrier`` view owned by whoever
ran ``team init`` (a superuser): its WHERE (shared with ``current_user``, with "include my note", not
withdrawn, supervision consent given) is the only way a supervisor reaches a note, and the barrier
keeps a supervisor's own functions in a WHERE from seeing rows before that filter.

The helper functions are SECURITY DEFINER (the policies would otherwise recurse, moments asking
recordings asking moments) and take the login to answer for; each checks that the caller is that login
(or a member of it), so calling one by hand with a colleague's name returns nothing.

Tables are ENABLE and FORCE ROW LEVEL SECURITY: FORCE binds the table owner too, should ownership ever
be given to an ordinary login; ``team init`` must be run by a superuser (who is never bound by policies
and owns the definer functions).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from sqlalchemy import Connection, text

from vfeedback.core.errors import BadInput

ROLES = ("clinician", "supervisor", "admin")
GROUP = {role: f"vfeedback_{role}" for role in ROLES}
CHANNEL = "vfeedback"
"""The NOTIFY channel of every change a window may show (services/live.py)."""
LOGIN_PATTERN = re.compile(r"^[a-z_][a-z0-9_.-]{0,62}$")

_DEFINER = "LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp"
_MEMBER = "pg_has_role(session_user, who, 'MEMBER')"

# --- created by migration 0011 on every PostgreSQL library -----------------------------------------
_NOTIFIED = ("moments", "recordings", "highlights", "consents", "shares", "tagging")

MIGRATION_SQL: tuple[str, ...] = (
    f"""CREATE OR REPLACE FUNCTION vfeedback_audit_head()
        RETURNS TABLE (head_id integer, head_hash varchar, handed_out bigint) {_DEFINER} AS $$
          SELECT (SELECT max(id) FROM audit_log),
                 (SELECT hash FROM audit_log ORDER BY id DESC LIMIT 1),
                 pg_sequence_last_value(pg_get_serial_sequence('audit_log', 'id')::regclass)
        $$""",
    # The whole chain's links (never an entry's words): a clinician's check verifies every link, and
    # the hash of each entry their policy lets them read.
    f"""CREATE OR REPLACE FUNCTION vfeedback_audit_links()
        RETURNS TABLE (link_id integer, link_prev varchar, link_hash varchar) {_DEFINER} AS $$
          SELECT id, prev_hash, hash FROM audit_log ORDER BY id
        $$""",
    """CREATE OR REPLACE FUNCTION vfeedback_notify() RETURNS trigger LANGUAGE plpgsql
        SECURITY DEFINER SET search_path = public, pg_temp AS $$
        DECLARE r record; fam integer; rid integer;
        BEGIN
          IF TG_OP = 'DELETE' THEN r := OLD; ELSE r := NEW; END IF;
          IF TG_TABLE_NAME = 'moments' THEN
            rid := r.id; SELECT family_id INTO fam FROM recordings WHERE id = r.recording_id;
          ELSIF TG_TABLE_NAME = 'tagging' THEN
            rid := r.recording_id; SELECT family_id INTO fam FROM recordings WHERE id = r.recording_id;
          ELSIF TG_TABLE_NAME = 'shares' THEN
            rid := r.id;
            fam := coalesce(
              (SELECT c.family_id FROM moments m JOIN recordings c ON c.id = m.recording_id
                WHERE m.id = r.moment_id),
              (SELECT h.family_id FROM highlights h WHERE h.id = r.highlight_id));
          ELSE
            rid := r.id; fam := r.family_id;
          END IF;
          PERFORM pg_notify('vfeedback', json_build_object(
            'table', TG_TABLE_NAME, 'family', fam, 'id', rid, 'op', lower(TG_OP))::text);
          RETURN NULL;
        END $$""",
    *(
        statement
        for table in _NOTIFIED
        for statement in (
            f"DROP TRIGGER IF EXISTS {table}_notify ON {table}",
            f"""CREATE TRIGGER {table}_notify AFTER INSERT OR UPDATE OR DELETE ON {table}
                FOR EACH ROW EXECUTE FUNCTION vfeedback_notify()""",
        )
    ),
)

MIGRATION_DOWN_SQL: tuple[str, ...] = (
    *(f"DROP TRIGGER IF EXISTS {table}_notify ON {table}" for table in _NOTIFIED),
    "DROP FUNCTION IF EXISTS vfeedback_notify()",
    "DROP FUNCTION IF EXISTS vfeedback_audit_head()",
    "DROP FUNCTION IF EXISTS vfeedback_audit_links()",
)

# --- created by ``vfeedback team init`` -------------------------------------------------------------
_FUNCTIONS: tuple[str, ...] = (
    f"""CREATE OR REPLACE FUNCTION vfeedback_families_of(who name) RETURNS SETOF integer {_DEFINER} AS $$
          SELECT family_id FROM caseloads WHERE login = who AND {_MEMBER} $$""",
    # VOLATILE: a new family's policy check must see the caseload row its own trigger just wrote.
    f"""CREATE OR REPLACE FUNCTION vfeedback_sees_family(fid integer, who name) RETURNS boolean
        LANGUAGE sql VOLATILE SECURITY DEFINER SET search_path = public, pg_temp AS $$
          SELECT EXISTS (SELECT 1 FROM caseloads WHERE family_id = fid AND login = who AND {_MEMBER}) $$""",
    f"""CREATE OR REPLACE FUNCTION vfeedback_recordings_of(who name) RETURNS SETOF integer {_DEFINER} AS $$
          SELECT r.id FROM recordings r JOIN caseloads c ON c.family_id = r.family_id
           WHERE c.login = who AND {_MEMBER} $$""",
    f"""CREATE OR REPLACE FUNCTION vfeedback_supervision_given(fid integer) RETURNS boolean {_DEFINER} AS $$
          SELECT coalesce((SELECT given FROM consents WHERE family_id = fid AND purpose = 'supervision'
                            ORDER BY id DESC LIMIT 1), false) $$""",
    f"""CREATE OR REPLACE FUNCTION vfeedback_shared_moments(who name) RETURNS SETOF integer {_DEFINER} AS $$
          SELECT s.moment_id FROM shares s JOIN moments m ON m.id = s.moment_id
            JOIN recordings r ON r.id = m.recording_id
           WHERE s.with_login = who AND s.withdrawn_at IS NULL AND {_MEMBER}
             AND vfeedback_supervision_given(r.family_id) $$""",
    f"""CREATE OR REPLACE FUNCTION vfeedback_shared_highlights(who name) RETURNS SETOF integer {_DEFINER}
        AS $$
          SELECT s.highlight_id FROM shares s JOIN highlights h ON h.id = s.highlight_id
           WHERE s.with_login = who AND s.withdrawn_at IS NULL AND {_MEMBER}
             AND vfeedback_supervision_given(h.family_id) $$""",
    f"""CREATE OR REPLACE FUNCTION vfeedback_shared_recordings(who name) RETURNS SETOF integer {_DEFINER}
        AS $$
          SELECT m.recording_id FROM moments m WHERE m.id IN (SELECT vfeedback_shared_moments(who))
          UNION
          SELECT h.recording_id FROM highlights h
           WHERE h.recording_id IS NOT NULL AND h.id IN (SELECT vfeedback_shared_highlights(who)) $$""",
    f"""CREATE OR REPLACE FUNCTION vfeedback_shared_families(who name) RETURNS SETOF integer {_DEFINER}
        AS $$
          SELECT r.family_id FROM recordings r WHERE r.id IN (SELECT vfeedback_shared_recordings(who))
          UNION
          SELECT h.family_id FROM highlights h WHERE h.id IN (SELECT vfeedback_shared_highlights(who)) $$""",
    # A family a clinician adds joins their caseload. Only a family being inserted now, by this session
    # (its id is this session's last from the sequence, and no such family exists yet), can be claimed;
    # a family already in a caseload (undoing its deletion) is left as it is.
    """CREATE OR REPLACE FUNCTION vfeedback_claim(fid integer, who name) RETURNS void LANGUAGE plpgsql
        SECURITY DEFINER SET search_path = public, pg_temp AS $$
        BEGIN
          IF EXISTS (SELECT 1 FROM caseloads WHERE family_id = fid) THEN RETURN; END IF;
          IF NOT EXISTS (SELECT 1 FROM team_members WHERE login = who AND role = 'clinician') THEN
            RETURN;
          END IF;
          IF NOT pg_has_role(session_user, who, 'MEMBER') OR EXISTS (SELECT 1 FROM families WHERE id = fid)
             OR fid IS DISTINCT FROM currval(pg_get_serial_sequence('families', 'id')) THEN
            RAISE EXCEPTION 'only a family being added now can join your caseload';
          END IF;
          INSERT INTO caseloads (family_id, login) VALUES (fid, who);
        END $$""",
    """CREATE OR REPLACE FUNCTION vfeedback_family_added() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN PERFORM vfeedback_claim(NEW.id, current_user); RETURN NEW; END $$""",
    "DROP TRIGGER IF EXISTS families_claim ON families",
    """CREATE TRIGGER families_claim BEFORE INSERT ON families
        FOR EACH ROW EXECUTE FUNCTION vfeedback_family_added()""",
    # The only way a supervisor reaches a note (see the module docstring).
    """CREATE OR REPLACE VIEW supervision_notes WITH (security_barrier) AS
          SELECT s.id AS share_id, m.id AS moment_id, m.note
            FROM public.shares s JOIN public.moments m ON m.id = s.moment_id
           WHERE s.with_login = current_user AND s.include_note AND s.withdrawn_at IS NULL
             AND m.id IN (SELECT vfeedback_shared_moments(current_user))""",
    # What a supervisor's "moments" is (their search_path puts this schema first, ``team add``): the
    # shared moments, each note only when shared with it, so vfeedback works for them unchanged.
    "CREATE SCHEMA IF NOT EXISTS vfeedback_supervision",
    """CREATE OR REPLACE VIEW vfeedback_supervision.moments WITH (security_barrier) AS
          SELECT m.id, m.recording_id, m.start_us, m.end_us, m.code_id, m.actor, m.caption,
                 coalesce((SELECT n.note FROM public.supervision_notes n WHERE n.moment_id = m.id LIMIT 1),
                          '') AS note,
                 m.coder, m.created_at, m.updated_at, m.picture_us, m.family_words
            FROM public.moments m WHERE m.id IN (SELECT vfeedback_shared_moments(current_user))""",
)

_FUNCTION_SIGNATURES = (
    "vfeedback_families_of(name)",
    "vfeedback_sees_family(integer, name)",
    "vfeedback_recordings_of(name)",
    "vfeedback_supervision_given(integer)",
    "vfeedback_shared_moments(name)",
    "vfeedback_shared_highlights(name)",
    "vfeedback_shared_recordings(name)",
    "vfeedback_shared_families(name)",
    "vfeedback_claim(integer, name)",
    "vfeedback_audit_head()",
    "vfeedback_audit_links()",
)

_C, _S, _A = GROUP["clinician"], GROUP["supervisor"], GROUP["admin"]
_MINE = "IN (SELECT vfeedback_families_of(current_user))"
_MY_RECORDINGS = "IN (SELECT vfeedback_recordings_of(current_user))"

# table: [(policy, command, roles, USING, WITH CHECK or None)]
POLICIES: dict[str, list[tuple[str, str, str, str, str | None]]] = {
    "families": [
        ("families_clinician", "ALL", _C, "vfeedback_sees_family(id, current_user)", None),
        ("families_supervisor", "SELECT", _S, "id IN (SELECT vfeedback_shared_families(current_user))", None),
        ("families_admin", "SELECT", _A, "true", None),
    ],
    "recordings": [
        ("recordings_clinician", "ALL", _C, f"family_id {_MINE}", None),
        (
            "recordings_supervisor",
            "SELECT",
            _S,
            "id IN (SELECT vfeedback_shared_recordings(current_user))",
            None,
        ),
    ],
    "moments": [
        ("moments_clinician", "ALL", _C, f"recording_id {_MY_RECORDINGS}", None),
        ("moments_supervisor", "SELECT", _S, "id IN (SELECT vfeedback_shared_moments(current_user))", None),
    ],
    "highlights": [
        ("highlights_clinician", "ALL", _C, f"family_id {_MINE}", None),
        (
            "highlights_supervisor",
            "SELECT",
            _S,
            "id IN (SELECT vfeedback_shared_highlights(current_user))",
            None,
        ),
    ],
    "highlight_moments": [
        ("highlight_moments_team", "ALL", f"{_C}, {_S}", "highlight_id IN (SELECT id FROM highlights)", None),
    ],
    "reels": [("reels_clinician", "ALL", _C, f"family_id {_MINE}", None)],
    "reel_items": [("reel_items_clinician", "ALL", _C, "reel_id IN (SELECT id FROM reels)", None)],
    "consents": [
        ("consents_clinician", "ALL", _C, f"family_id {_MINE}", None),
        # the register that lets a supervisor see a family's moments (their window shows it)
        (
            "consents_supervisor",
            "SELECT",
            _S,
            "family_id IN (SELECT vfeedback_shared_families(current_user))",
            None,
        ),
    ],
    "audit_log": [
        ("audit_read_clinician", "SELECT", _C, f"family_id {_MINE} OR actor = current_user", None),
        ("audit_read_own", "SELECT", f"{_S}, {_A}", "actor = current_user", None),
        (
            "audit_append",
            "INSERT",
            f"{_C}, {_S}, {_A}",
            "",
            "actor = current_user OR (actor = 'vfeedback' AND action = 'protection')",
        ),
    ],
    "suggestions": [("suggestions_clinician", "ALL", _C, f"recording_id {_MY_RECORDINGS}", None)],
    "interchange_imports": [("imports_clinician", "ALL", _C, f"recording_id {_MY_RECORDINGS}", None)],
    "voice_analyses": [("voice_clinician", "ALL", _C, f"recording_id {_MY_RECORDINGS}", None)],
    "frame_indexes": [
        ("frames_clinician", "ALL", _C, f"recording_id {_MY_RECORDINGS}", None),
        (
            "frames_supervisor",
            "SELECT",
            _S,
            "recording_id IN (SELECT vfeedback_shared_recordings(current_user))",
            None,
        ),
    ],
    # camera angles (issue 15): both films of the pair in the clinician's caseload
    "angles": [
        (
            "angles_clinician",
            "ALL",
            _C,
            f"recording_id {_MY_RECORDINGS} AND main_id {_MY_RECORDINGS}",
            None,
        ),
        (
            "angles_supervisor",
            "SELECT",
            _S,
            "main_id IN (SELECT vfeedback_shared_recordings(current_user))",
            None,
        ),
    ],
    "undo_log": [("undo_own", "ALL", f"{_C}, {_S}", '"user" = current_user', None)],
    "shares": [
        (
            "shares_owner",
            "ALL",
            _C,
            "owner = current_user",
            "owner = current_user"
            " AND (moment_id IS NULL OR moment_id IN (SELECT id FROM moments))"
            " AND (highlight_id IS NULL OR highlight_id IN (SELECT id FROM highlights))"
            " AND with_login IN (SELECT login FROM team_members WHERE role = 'supervisor')",
        ),
        ("shares_supervisor", "SELECT", _S, "with_login = current_user", None),
    ],
    "caseloads": [
        ("caseloads_clinician", "SELECT", _C, f"family_id {_MINE}", None),
        ("caseloads_admin", "ALL", _A, "true", None),
    ],
    "tagging": [
        ("tagging_read", "SELECT", _C, f"recording_id {_MY_RECORDINGS}", None),
        (
            "tagging_own",
            "ALL",
            _C,
            "login = current_user",
            f"login = current_user AND recording_id {_MY_RECORDINGS}",
        ),
    ],
}

_MOMENT_COLUMNS_FOR_SUPERVISORS = (
    "id, recording_id, start_us, end_us, code_id, actor, caption, coder, created_at, updated_at, "
    "picture_us, family_words"
)
_EVERYTHING = "SELECT, INSERT, UPDATE, DELETE"
GRANTS: tuple[str, ...] = (
    f"GRANT USAGE ON SCHEMA public TO {_C}, {_S}, {_A}",
    f"GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA public TO {_C}, {_S}, {_A}",
    f"GRANT SELECT ON alembic_version, coding_schemes, codes, settings, team_members TO {_C}, {_S}, {_A}",
    f"GRANT SELECT, INSERT ON audit_log TO {_C}, {_S}, {_A}",
    # clinicians: their caseload's everything (the policies narrow it), consent append-only but for a
    # family's deletion for good (storage/guards.py)
    f"""GRANT {_EVERYTHING} ON families, recordings, moments, highlights, highlight_moments, reels,
        reel_items, suggestions, interchange_imports, voice_analyses, frame_indexes, angles, undo_log,
        shares, tagging, coding_schemes, codes, settings TO {_C}""",
    f"GRANT SELECT, INSERT, DELETE ON consents TO {_C}",
    f"GRANT SELECT ON caseloads TO {_C}",
    # supervisors: what is shared with them, never the note column (supervision_notes has the noted ones)
    f"""GRANT SELECT ON families, recordings, highlights, highlight_moments, frame_indexes, angles,
        shares, supervision_notes, consents TO {_S}""",
    f"GRANT SELECT ({_MOMENT_COLUMNS_FOR_SUPERVISORS}) ON moments TO {_S}",
    f"GRANT USAGE ON SCHEMA vfeedback_supervision TO {_S}",
    f"GRANT SELECT ON vfeedback_supervision.moments TO {_S}",
    f"GRANT {_EVERYTHING} ON undo_log TO {_S}",
    # admins: logins and caseloads, families' codes; nothing with a caption or a note
    f"GRANT SELECT ON families TO {_A}",
    # (no row policy lets an admin see a highlight: this only lets vfeedback open the library)
    f"GRANT SELECT (id, path) ON highlights TO {_A}",
    f"GRANT {_EVERYTHING} ON team_members, caseloads TO {_A}",
)


def _roles_sql() -> list[str]:
    return [
        f"""DO $$ BEGIN
              IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{group}') THEN
                CREATE ROLE {group} NOLOGIN;
              END IF;
            END $$"""
        for group in GROUP.values()
    ]


def _policies_sql() -> list[str]:
    out: list[str] = []
    for table, policies in POLICIES.items():
        out.append(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
        out.append(f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY")
        found = f"SELECT policyname FROM pg_policies WHERE tablename = '{table}' AND schemaname = 'public'"
        out.append(
            f"""DO $$ DECLARE p record; BEGIN
                  FOR p IN {found} LOOP EXECUTE format('DROP POLICY %I ON {table}', p.policyname); END LOOP;
                END $$"""
        )
        for name, command, roles, using, check in policies:
            sql = f"CREATE POLICY {name} ON {table} FOR {command} TO {roles}"
            if using:
                sql += f" USING ({using})"
            if check:
                sql += f" WITH CHECK ({check})"
            out.append(sql)
    return out


def _functions_sql() -> list[str]:
    revoke = [f"REVOKE ALL ON FUNCTION {sig} FROM PUBLIC" for sig in _FUNCTION_SIGNATURES]
    grant = [f"GRANT EXECUTE ON FUNCTION {sig} TO {_C}, {_S}, {_A}" for sig in _FUNCTION_SIGNATURES]
    return [*_FUNCTIONS, *revoke, *grant]


def install(conn: Connection) -> None:
    """Roles, functions, grants and policies; inside the caller's transaction, run again safely."""
    if conn.dialect.name != "postgresql":
        raise BadInput("A team library needs a PostgreSQL server; this library is a folder on this computer.")
    who = conn.execute(text("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")).scalar()
    if not who:
        raise BadInput(
            "team init must be run by the server's administrator (a PostgreSQL superuser, e.g. postgres)."
        )
    # Two administrators at once would race on CREATE ROLE and the policies: one after the other.
    conn.execute(text("SELECT pg_advisory_xact_lock(x'7646656564626b32'::bigint)"))
    for statement in (*_roles_sql(), *_functions_sql(), *GRANTS, *_policies_sql()):
        conn.execute(text(statement))


def is_team(conn: Connection) -> bool:
    """Has ``team init`` been run on this library (its roles and policies exist)?"""
    if conn.dialect.name != "postgresql":
        return False
    found = conn.execute(text("SELECT to_regprocedure('vfeedback_families_of(name)') IS NOT NULL"))
    return bool(found.scalar())


def sees_everything(conn: Connection) -> bool:
    """Is this login above the policies (a superuser, or a role with BYPASSRLS)?"""
    found = conn.execute(
        text("SELECT rolsuper OR rolbypassrls FROM pg_roles WHERE rolname = current_user")
    ).scalar()
    return bool(found)


def role_of(conn: Connection, login: str) -> str | None:
    """The team role ``login`` is a member of, from the server's own role membership."""
    rows = conn.execute(
        text(
            "SELECT g.rolname FROM pg_auth_members m JOIN pg_roles g ON g.oid = m.roleid"
            " JOIN pg_roles u ON u.oid = m.member WHERE u.rolname = :login AND g.rolname = ANY(:groups)"
        ),
        {"login": login, "groups": list(GROUP.values())},
    ).scalars()
    found: Sequence[str] = list(rows)
    for role, group in GROUP.items():
        if group in found:
            return role
    return None


def search_path_sql(login: str, role: str) -> str:
    """A supervisor's ``moments`` is the shared ones (``vfeedback_supervision.moments``); everyone
    else's is the table."""
    if role == "supervisor":
        return f"ALTER ROLE {quote(login)} SET search_path = vfeedback_supervision, public"
    return f"ALTER ROLE {quote(login)} RESET search_path"


def check_login(login: str) -> str:
    """A login name vfeedback will create or grant: lower-case letters, digits, ``_ . -``."""
    cleaned = login.strip()
    if not LOGIN_PATTERN.match(cleaned):
        raise BadInput(
            f"'{cleaned}' is not a login name vfeedback can use "
            "(lower-case letters, digits, '_', '.' or '-', starting with a letter; at most 63)."
        )
    return cleaned


def quote(login: str) -> str:
    """A checked login as a quoted SQL identifier."""
    return '"' + check_login(login).replace('"', '""') + '"'
