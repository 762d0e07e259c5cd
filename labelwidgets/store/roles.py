"""A PostgreSQL store that enforces its own rules: one login role per person, grants and row-level security.

`create_enforced` turns a store the owner (the teacher, the team's lead) opened with ``admin_url`` into one where
the database itself, for a member's connection and whatever client they use:

- takes decisions only under the member's own name (a policy ``WITH CHECK`` on ``annotator = lw_me()``, where
  ``lw_me()`` maps the login role to the member's name in ``lw_members``), and lets nobody but the owner update
  or delete one (members get ``INSERT`` and ``SELECT`` only: the log is append-only in fact);
- shows a member only their own decisions (``show_others=True``: also the others' on items they answered);
- keeps the answer key (``lw_gold``) out of every member's reach: a student reads an item's gold answer only through
  ``lw_reveal``, a ``SECURITY DEFINER`` function that returns it once their own answer on it is stored, and only in
  the feedback mode the teacher chose;
- lets only adjudicators record a session as adjudicator, and only the owner change the label set, the members, the
  assignments or the schema (nobody else owns a table or may create one).

Names, labels and passwords go in as data: bound parameters, ``psycopg.sql.Identifier`` for role names (generated,
never a person's name: ``pg_roles`` is readable by every login of the cluster) and ``psycopg.sql.Literal`` where a
statement takes no parameters. Passwords reach the server as SCRAM verifiers, so not even a statement log of the
server holds one.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import secrets
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from labelwidgets.errors import InputError, StoreError

if TYPE_CHECKING:
    from labelwidgets.store.sql import SQLStore

#: lw_meta's key that marks a created store; its value says what kind of store it is (JSON).
ENFORCED_KEY = "enforced"
#: lw_meta's key for the feedback mode a class's teacher chose ("after", "end" or "none").
FEEDBACK_KEY = "feedback"
#: What a member reads in place of another member's answer they may not see (`lw_activity`): that someone answered.
HIDDEN_ANSWER = "\u2022 answered, hidden by the store \u2022"
#: The kinds of person in ``lw_members``.
MEMBER, ADJUDICATOR, STUDENT = "member", "adjudicator", "student"
#: Actions that answer an item (`labelwidgets.decision.ANSWERING`), as the policies name them.
_ANSWERING_SQL = "('labeled', 'accepted', 'corrected', 'revised')"
_SCRAM_ITERATIONS = 4096


@dataclass(frozen=True)
class Person:
    name: str
    kind: str
    password: str | None = None  # None: generated


@dataclass
class Access:
    """Who logs in to a created store, and with which URL: handed back once, by `Team.create` / `Classroom.create`.

    The passwords live only here (the server keeps SCRAM verifiers): give each person their own `url` (a file, a
    message), never print them into a notebook whose output is saved. ``repr`` and the notebook's display show each
    URL with its password masked.
    """

    store: str  # the store's URL with the password masked
    roles: dict[str, str]  # name -> login role
    _urls: dict[str, str] = field(repr=False)

    @property
    def names(self) -> list[str]:
        return list(self.roles)

    def url(self, name: str) -> str:
        """The URL ``name`` opens the store with (their password in it): for them alone."""
        if name not in self._urls:
            raise InputError(f"{name!r} is not a member of this store; the members are {self.names}.")
        return self._urls[name]

    def write_files(self, folder: str | os.PathLike[str]) -> dict[str, Path]:
        """Write each person's URL into a file of their own in ``folder`` (readable by this user only), to hand out
        without printing a password into a notebook; returns name -> file."""
        import re

        target = Path(folder).expanduser()
        target.mkdir(parents=True, exist_ok=True)
        written: dict[str, Path] = {}
        for number, name in enumerate(self.roles, start=1):
            slug = re.sub(r"[^A-Za-z0-9_-]+", "-", name).strip("-")[:40] or "member"
            path = target / f"{number:03d}-{slug}.url"
            descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(descriptor, "w") as file:
                file.write(f"# labelwidgets store for {name!r}: keep it to yourself\n{self.url(name)}\n")
            written[name] = path
        return written

    def masked(self, name: str) -> str:
        from labelwidgets.store.sql import redact_url

        return redact_url(self.url(name))

    def __repr__(self) -> str:
        people = ", ".join(f"{name!r}: {self.masked(name)!r}" for name in self.roles)
        return f"Access(store={self.store!r}, {{{people}}}; access.url(name) gives a person's URL with the password)"

    def _repr_html_(self) -> str:
        import html

        return f"<pre>{html.escape(repr(self))}</pre>"


def people_from(
    names: Iterable[str] | Mapping[str, str] | None, kind: str, argument: str
) -> list[Person]:  # fmt: skip
    """``members=`` / ``roster=`` as people: a list of names (passwords generated) or names -> passwords."""
    if names is None:
        return []
    if isinstance(names, str):
        raise InputError(f"{argument}= takes a list of names, not the string {names!r}: {argument}=[{names!r}].")
    given = dict(names.items()) if isinstance(names, Mapping) else {name: None for name in names}
    people = []
    for name, password in given.items():
        if not isinstance(name, str) or not name.strip():
            raise InputError(f"{argument}= holds {name!r}: each person needs a name (a non-empty string).")
        if password is not None and (not isinstance(password, str) or len(password) < 8):
            raise InputError(
                f"the password given for {name!r} in {argument}= must be a string of 8 characters or more."
            )
        people.append(Person(name, kind, password))
    return people


def create_enforced(
    store: SQLStore,
    people: Sequence[Person],
    *,
    kind: str,
    show_others: bool = False,
    feedback: str | None = None,
    gold: Mapping[str, str] | None = None,
    items: Sequence[str] = (),
) -> Access:
    """Set up ``store``, opened by its owner (tables made by `SQLStore`, labels recorded), for ``people``.

    ``kind`` is "team" or "class"; ``gold`` the answer key (stored item key -> stored answer) and ``items`` every
    item's stored key, for a class. Runs in one transaction: a failure leaves no role and no policy behind.
    """
    from labelwidgets.store.sql import redact_url

    names = [p.name for p in people]
    repeated = sorted({n for n in names if names.count(n) > 1})
    if repeated:
        raise InputError(f"{repeated} named more than once; each person needs a name of their own.")
    if not people:
        raise InputError("a created store needs at least one member: members=[...] (roster=[...] for a class).")
    if store.engine.dialect.name != "postgresql" or store.engine.dialect.driver != "psycopg":
        raise InputError(
            f"create() sets up roles and row-level security in PostgreSQL through psycopg 3: give a URL such as "
            f"postgresql+psycopg://owner@host/db, not {store.description!r}."
        )
    admin_url = store.engine.url.render_as_string(hide_password=False)
    with _owner_transaction(store, "set up") as conn:
        urls, roles = _set_up(conn, admin_url, people, kind, show_others, feedback, gold or {}, items)
    return Access(store=redact_url(admin_url), roles=roles, _urls=urls)


@contextmanager
def _owner_transaction(store: SQLStore, doing: str) -> Iterator[Any]:
    """The owner's psycopg connection in one transaction; a database failure as a `StoreError` (password masked)."""
    raw = store.engine.raw_connection()
    try:
        conn = raw.driver_connection
        assert conn is not None
        try:
            with conn.transaction():
                yield conn
            conn.commit()  # the outer transaction too, when the pool handed the connection over inside one
        except (InputError, StoreError):
            raise
        except Exception as exc:
            raise StoreError(f"could not {doing} the store {store.description!r}: {store.masked(exc)}") from None
    finally:
        raw.close()


def _set_up(
    conn: Any,
    admin_url: str,
    people: Sequence[Person],
    kind: str,
    show_others: bool,
    feedback: str | None,
    gold: Mapping[str, str],
    items: Sequence[str],
) -> tuple[dict[str, str], dict[str, str]]:
    from psycopg import sql

    cur = conn.cursor()
    cur.execute("SELECT pg_advisory_xact_lock(7274620153)")  # the schema lock of SQLStore: one set-up at a time
    cur.execute("SELECT value FROM lw_meta WHERE key = %s", (ENFORCED_KEY,))
    if cur.fetchone() is not None:
        raise InputError(
            "this store was created already (it has its roles and policies): open it with its URL, "
            "lw.Team(url, df, ...) or lw.Classroom(url, df, ...); team.remove(name) stops a member's login."
        )
    cur.execute("SELECT current_schema(), current_user, current_database()")
    schema, owner, database = cur.fetchone()
    group = f"lw_{secrets.token_hex(5)}"
    q = {"schema": sql.Identifier(schema), "group": sql.Identifier(group)}

    def run(statement: str, params: Sequence[Any] | None = None, **extra: Any) -> None:
        cur.execute(sql.SQL(statement).format(**q, **extra), params)

    run("CREATE ROLE {group} NOLOGIN")
    run(
        "CREATE TABLE lw_members (annotator TEXT PRIMARY KEY, role_name TEXT NOT NULL UNIQUE, "
        "kind TEXT NOT NULL, active BOOLEAN NOT NULL DEFAULT TRUE)"
    )
    run("CREATE TABLE lw_gold (item_key TEXT PRIMARY KEY, gold TEXT NOT NULL)")
    run("CREATE TABLE lw_items (item_key TEXT PRIMARY KEY)")
    for statement in _functions(show_others):
        # BEGIN ATOMIC: the body is parsed now, in this schema, and kept as a parse tree, so that no caller's
        # search_path (or a temporary object of theirs) can change what it names later; and unlike SET search_path
        # it costs nothing per call (these run in the policies of every insert).
        run(
            "CREATE FUNCTION "
            + statement.signature
            + " LANGUAGE sql STABLE SECURITY DEFINER BEGIN ATOMIC "
            + statement.body
            + "; END"
        )
        run("REVOKE ALL ON FUNCTION " + statement.name + " FROM PUBLIC")
        run("GRANT EXECUTE ON FUNCTION " + statement.name + " TO {group}")
    for policy in _policies(show_others, kind):
        run(policy)
    for grant in (
        "GRANT USAGE ON SCHEMA {schema} TO {group}",
        "GRANT SELECT, INSERT ON lw_events TO {group}",
        "GRANT USAGE ON SEQUENCE lw_events_id_seq TO {group}",
        "GRANT SELECT, INSERT ON lw_sessions TO {group}",
        "GRANT SELECT, INSERT, UPDATE, DELETE ON lw_claims TO {group}",
        "GRANT SELECT ON lw_assignments TO {group}",
        "GRANT SELECT, UPDATE (value) ON lw_meta TO {group}",
    ):
        run(grant)
    # Only the owner may create objects here (PostgreSQL 15 revokes it from PUBLIC already; older clusters do not).
    cur.execute("SAVEPOINT lw_revoke")
    try:
        run("REVOKE CREATE ON SCHEMA {schema} FROM PUBLIC")
        cur.execute("RELEASE SAVEPOINT lw_revoke")
    except Exception:
        cur.execute("ROLLBACK TO SAVEPOINT lw_revoke")
    cur.execute("SELECT has_schema_privilege(%s, %s, 'CREATE')", (group, schema))
    if cur.fetchone()[0]:
        raise StoreError(
            f"members could create tables in the schema {schema!r} of {database!r} and this login cannot revoke it: "
            f"run REVOKE CREATE ON SCHEMA {schema} FROM PUBLIC as its owner, or use a database this login owns."
        )
    urls: dict[str, str] = {}
    roles: dict[str, str] = {}
    for person in people:
        role = f"{group}_{secrets.token_hex(4)}"
        password = person.password or secrets.token_urlsafe(18)
        run(
            "CREATE ROLE {role} LOGIN PASSWORD {verifier} IN ROLE {group}",
            role=sql.Identifier(role),
            verifier=sql.Literal(_scram_verifier(password)),
        )
        cur.execute(
            "INSERT INTO lw_members (annotator, role_name, kind) VALUES (%s, %s, %s)", (person.name, role, person.kind)
        )
        roles[person.name] = role
        urls[person.name] = member_url(admin_url, role, password)
    if items:
        cur.executemany("INSERT INTO lw_items (item_key) VALUES (%s)", [(key,) for key in items])
    if gold:
        cur.executemany("INSERT INTO lw_gold (item_key, gold) VALUES (%s, %s)", list(gold.items()))
    settings = {"kind": kind, "group": group, "owner": owner, "show_others": bool(show_others)}
    cur.execute("INSERT INTO lw_meta (key, value) VALUES (%s, %s)", (ENFORCED_KEY, json.dumps(settings)))
    cur.execute("INSERT INTO lw_meta (key, value) VALUES (%s, %s)", (FEEDBACK_KEY, feedback or "none"))
    return urls, roles


@dataclass(frozen=True)
class _Function:
    signature: str
    name: str  # with its argument types, for GRANT
    body: str


def _functions(show_others: bool) -> list[_Function]:
    """The SECURITY DEFINER functions: they run as the owner (who is not subject to row-level security), so a policy
    may ask about lw_events without recursing into its own policies, and a member learns only what each returns."""
    others = "TRUE" if show_others else "FALSE"
    return [
        # The member's name, from the login role: session_user, because inside these functions current_user is
        # the owner. A member removed (active = false) is nobody, even on a connection still open.
        _Function(
            "lw_me() RETURNS TEXT",
            "lw_me()",
            "SELECT annotator FROM lw_members WHERE role_name = session_user::text AND active",
        ),
        _Function(
            "lw_my_kind() RETURNS TEXT",
            "lw_my_kind()",
            "SELECT kind FROM lw_members WHERE role_name = session_user::text AND active",
        ),
        _Function(
            "lw_answered(item TEXT) RETURNS BOOLEAN",
            "lw_answered(TEXT)",
            "SELECT EXISTS (SELECT 1 FROM lw_events WHERE item_key = item AND annotator = lw_me() "
            f"AND action IN {_ANSWERING_SQL})",
        ),
        _Function(
            "lw_owns_event(event INTEGER) RETURNS BOOLEAN",
            "lw_owns_event(INTEGER)",
            "SELECT EXISTS (SELECT 1 FROM lw_events WHERE id = event AND annotator = lw_me())",
        ),
        _Function(
            "lw_schema_version() RETURNS TEXT",
            "lw_schema_version()",
            "SELECT value FROM lw_meta WHERE key = 'schema_version'",
        ),
        _Function(
            "lw_latest_id() RETURNS INTEGER",
            "lw_latest_id()",
            "SELECT coalesce(max(id), 0) FROM lw_events WHERE lw_me() IS NOT NULL",
        ),
        # Everyone's activity for a team member's queue (who took which item, so that overlap holds): the label
        # only where the member may read it, else a marker that says only that someone answered.
        _Function(
            "lw_activity(after INTEGER, item TEXT DEFAULT NULL) RETURNS TABLE (id INTEGER, item_key TEXT, "
            "annotator TEXT, action VARCHAR, label TEXT, undoes INTEGER)",
            "lw_activity(INTEGER, TEXT)",
            "SELECT e.id, e.item_key, e.annotator, e.action, CASE WHEN e.label IS NULL THEN NULL "
            "WHEN e.annotator = lw_me() OR lw_my_kind() = 'adjudicator' "
            f"OR ({others} AND lw_answered(e.item_key)) THEN e.label "
            f"ELSE {_literal(HIDDEN_ANSWER)} END, e.undoes FROM lw_events e "
            "WHERE e.id > after AND (item IS NULL OR e.item_key = item) AND lw_me() IS NOT NULL "
            "AND EXISTS (SELECT 1 FROM lw_meta WHERE key = 'enforced' AND value::jsonb ->> 'kind' = 'team') "
            "ORDER BY e.id",
        ),
        # The items that have a gold answer (the others are practice items): which, never what.
        _Function(
            "lw_scored_items() RETURNS SETOF TEXT",
            "lw_scored_items()",
            "SELECT item_key FROM lw_gold WHERE lw_me() IS NOT NULL ORDER BY item_key",
        ),
        # Whether an item's gold answer is open to the student: it has one, her own answer on it is stored, and the
        # teacher's feedback mode allows it: "after" each answer; "end" once she decided every item; "none" never.
        _Function(
            "lw_revealable(item TEXT) RETURNS BOOLEAN",
            "lw_revealable(TEXT)",
            "SELECT lw_me() IS NOT NULL AND EXISTS (SELECT 1 FROM lw_gold WHERE item_key = item) "
            "AND lw_answered(item) AND coalesce((SELECT value FROM lw_meta WHERE key = 'feedback') = 'after' OR ("
            "(SELECT value FROM lw_meta WHERE key = 'feedback') = 'end' AND NOT EXISTS (SELECT 1 FROM lw_items i "
            "WHERE NOT EXISTS (SELECT 1 FROM lw_events e WHERE e.item_key = i.item_key AND e.annotator = lw_me() "
            "AND e.action <> 'undo'))), FALSE)",
        ),
        _Function(
            "lw_reveal(keys TEXT[]) RETURNS TABLE (item_key TEXT, gold TEXT)",
            "lw_reveal(TEXT[])",
            "SELECT g.item_key, g.gold FROM lw_gold g WHERE g.item_key = ANY(keys) AND lw_revealable(g.item_key)",
        ),
        _Function(
            "lw_event_item(event INTEGER) RETURNS TEXT",
            "lw_event_item(INTEGER)",
            "SELECT item_key FROM lw_events WHERE id = event AND annotator = lw_me()",
        ),
    ]


def _literal(text: str) -> str:
    """A constant of this module as an SQL string literal (constants only: never a person's input)."""
    return "'" + text.replace("'", "''") + "'"


def _policies(show_others: bool, kind: str) -> list[str]:
    """Row-level security: what a member's connection may read and write, table by table (TO the members' group;
    the owner owns the tables and is not subject to them).

    In a class, once an item's answer is open to the student (`lw_revealable`), her answer on it is final: a new
    first answer or an undo of it is refused (the widget records a change as ``revised``, which the score leaves
    out), so that nobody answers, reads the gold answer, and answers again.
    """
    final = (
        " AND NOT (action IN ('labeled', 'accepted', 'corrected') AND lw_revealable(item_key))"
        " AND NOT (action = 'undo' AND lw_revealable(lw_event_item(undoes)))"
        if kind == "class"
        else ""
    )
    read_events = "annotator = lw_me() OR lw_my_kind() = 'adjudicator'" + (
        " OR lw_answered(item_key)" if show_others else ""
    )
    tables = ("lw_events", "lw_sessions", "lw_claims", "lw_assignments", "lw_meta", "lw_members", "lw_gold", "lw_items")
    return [
        *(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY" for table in tables),
        f"CREATE POLICY lw_read_own ON lw_events FOR SELECT TO {{group}} USING ({read_events})",
        "CREATE POLICY lw_write_own ON lw_events FOR INSERT TO {group} WITH CHECK "
        f"(annotator = lw_me() AND (undoes IS NULL OR lw_owns_event(undoes)){final})",
        # sessions: one's own, and who adjudicates (a team's members leave adjudicators' decisions out of overlap)
        "CREATE POLICY lw_sessions_read ON lw_sessions FOR SELECT TO {group} "
        "USING (annotator = lw_me() OR (info::jsonb ->> 'role') = 'adjudicator')",
        "CREATE POLICY lw_sessions_write ON lw_sessions FOR INSERT TO {group} WITH CHECK "
        "(annotator = lw_me() AND (info::jsonb ->> 'annotator') = lw_me() "
        "AND (coalesce(info::jsonb ->> 'role', '') <> 'adjudicator' OR lw_my_kind() = 'adjudicator'))",
        "CREATE POLICY lw_claims_read ON lw_claims FOR SELECT TO {group} USING (TRUE)",
        "CREATE POLICY lw_claims_take ON lw_claims FOR INSERT TO {group} WITH CHECK (annotator = lw_me())",
        "CREATE POLICY lw_claims_renew ON lw_claims FOR UPDATE TO {group} "
        "USING (annotator = lw_me()) WITH CHECK (annotator = lw_me())",
        # anyone may drop an expired claim: a kernel that died gives its items back
        "CREATE POLICY lw_claims_release ON lw_claims FOR DELETE TO {group} "
        "USING (annotator = lw_me() OR expires_at <= extract(epoch FROM clock_timestamp()))",
        "CREATE POLICY lw_assignments_read ON lw_assignments FOR SELECT TO {group} USING (TRUE)",
        "CREATE POLICY lw_meta_read ON lw_meta FOR SELECT TO {group} USING (TRUE)",
        # opening a store rewrites its schema version (a read-only store fails early): the same value, nothing else
        "CREATE POLICY lw_meta_same_version ON lw_meta FOR UPDATE TO {group} USING (TRUE) "
        "WITH CHECK (key = 'schema_version' AND value = lw_schema_version())",
    ]


def member_url(admin_url: str, role: str, password: str) -> str:
    """``admin_url`` with the member's login in place of the owner's (host, port, database and options kept)."""
    import sqlalchemy as sa

    url = sa.engine.make_url(admin_url).set(username=role, password=password)
    return url.render_as_string(hide_password=False)


def _scram_verifier(password: str) -> str:
    """The SCRAM-SHA-256 verifier PostgreSQL stores for ``password`` (RFC 5802/7677), computed here so that the
    password itself never reaches the server (nor its statement log). Non-ASCII passwords are normalised by
    SASLprep on the client; for them the same NFKC form is used here."""
    import unicodedata

    normalized = unicodedata.normalize("NFKC", password)
    salt = secrets.token_bytes(16)
    salted = hashlib.pbkdf2_hmac("sha256", normalized.encode("utf-8"), salt, _SCRAM_ITERATIONS)
    client_key = hmac.new(salted, b"Client Key", "sha256").digest()
    stored_key = hashlib.sha256(client_key).digest()
    server_key = hmac.new(salted, b"Server Key", "sha256").digest()

    def b64(data: bytes) -> str:
        return base64.b64encode(data).decode("ascii")

    return f"SCRAM-SHA-256${_SCRAM_ITERATIONS}:{b64(salt)}${b64(stored_key)}:{b64(server_key)}"


def remove_member(store: SQLStore, name: str) -> None:
    """Stop ``name``'s login and end their open connections; their decisions stay in the store."""
    from psycopg import sql

    with _owner_transaction(store, "remove a member from") as conn:
        cur = conn.cursor()
        cur.execute("SELECT role_name FROM lw_members WHERE annotator = %s", (name,))
        row = cur.fetchone()
        if row is None:
            cur.execute("SELECT annotator FROM lw_members ORDER BY annotator")
            known = [r[0] for r in cur.fetchall()]
            raise InputError(f"{name!r} is not a member of this store; the members are {known}.")
        (role,) = row
        cur.execute("UPDATE lw_members SET active = FALSE WHERE annotator = %s", (name,))
        cur.execute(sql.SQL("ALTER ROLE {} NOLOGIN").format(sql.Identifier(role)))
    # Their open connections end too where this login may signal them; for the others lw_me() is nobody already.
    with _owner_transaction(store, "end the connections of a member of") as conn:
        cur = conn.cursor()
        cur.execute("SELECT pid FROM pg_stat_activity WHERE usename = %s AND pid <> pg_backend_pid()", (role,))
        for (pid,) in cur.fetchall():
            cur.execute("SAVEPOINT lw_signal")
            try:
                cur.execute("SELECT pg_terminate_backend(%s)", (pid,))
                cur.execute("RELEASE SAVEPOINT lw_signal")
            except Exception:
                cur.execute("ROLLBACK TO SAVEPOINT lw_signal")
