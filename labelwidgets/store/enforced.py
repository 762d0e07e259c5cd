"""A member's side of a created store (`labelwidgets.store.roles`): the same `SQLStore`, read within its rules.

The database decides what a member's connection may read and write; this class only asks it the questions the
package's objects ask, in the way the rules allow, and turns a refusal into a `NotAllowed` that names the rule:

- a team member's queue needs to know who took which item (so that overlap holds) without reading the others'
  answers: `events_frame` of everyone adds the rows of ``lw_activity``, the others' answers replaced by a marker;
- the newest event id of the whole store (for polling) comes from ``lw_latest_id``;
- a class's answer key is read item by item through ``lw_reveal`` (`reveal`), once the student's answer is stored.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Iterable
from typing import Any

from labelwidgets.errors import NotAllowed, StoreError
from labelwidgets.store.roles import ADJUDICATOR, ENFORCED_KEY, FEEDBACK_KEY, HIDDEN_ANSWER
from labelwidgets.store.sql import SQLStore, frame_columns

#: What each table's rule is, as a refusal names it.
RULES = {
    "lw_events": "decisions are recorded only under your own name ({me!r}) and are never changed or deleted: the "
    "event log is append-only (an undo is a new decision of your own); in a class, an answer whose right answer is "
    "open to you is final (change it with a revision, which the score leaves out)",
    "lw_sessions": "a session is recorded only under your own name ({me!r}), and only adjudicators record "
    "adjudications",
    "lw_meta": "only the store's owner changes the label set and the store's settings",
    "lw_assignments": "only the store's owner assigns items",
    "lw_claims": "you may take and give back only your own claims on items",
    "lw_members": "only the store's owner reads or changes the members",
    "lw_gold": "the answer key is read only through the feedback, after your own answer on an item",
    "lw_items": "only the store's owner changes the items",
}
_INSUFFICIENT_PRIVILEGE = "42501"


class EnforcedStore(SQLStore):
    """A created store opened with a member's login: ``me`` is their name, ``kind`` "team" or "class"."""

    me: str
    member_kind: str
    kind: str
    show_others: bool
    feedback: str | None

    @classmethod
    def adopt(cls, store: SQLStore) -> SQLStore:
        """``store`` as an `EnforcedStore` when it is a created store opened by one of its members; else itself
        (SQLite, a plain PostgreSQL store, the owner's login)."""
        if store.engine.dialect.name != "postgresql":
            return store
        import sqlalchemy as sa

        meta = store.meta_table
        with store.reaching("read the store's settings"), store.engine.connect() as conn:
            settings = conn.execute(sa.select(meta.c.value).where(meta.c.key == ENFORCED_KEY)).scalar()
            if settings is None:
                return store
            mine = conn.execute(sa.text("SELECT lw_me(), lw_my_kind()")).first()
            feedback = conn.execute(sa.select(meta.c.value).where(meta.c.key == FEEDBACK_KEY)).scalar()
        if mine is None or mine[0] is None:
            return store  # the owner: the rules do not bind the tables' owner
        enforced = cls.__new__(cls)
        enforced.__dict__.update(store.__dict__)  # the same engine and tables: adopted, not opened again
        config = json.loads(settings)
        enforced.me, enforced.member_kind = str(mine[0]), str(mine[1])
        enforced.kind = str(config.get("kind"))
        enforced.show_others = bool(config.get("show_others"))
        enforced.feedback = None if feedback in (None, "none") else str(feedback)
        enforced.description = f"{store.description} (created store: logged in as {enforced.me!r})"
        return enforced

    # ----- what a member reads ---------------------------------------------------------------------------------
    def latest_id(self) -> int:
        with self._reaching("read the decisions"), self.engine.connect() as conn:
            return int(conn.execute(self._sa.text("SELECT lw_latest_id()")).scalar() or 0)

    def events_frame(
        self,
        annotator: str | None = None,
        *,
        columns: Collection[str] | None = None,
        ids: Collection[int] | None = None,
        after_id: int | None = None,
    ) -> Any:
        """As `SQLStore.events_frame`, within the rules: a member's own events in full; in a team, everyone's
        activity too (who decided which item, an undo of what), the answers they may not read as a marker."""
        import pandas as pd

        visible = super().events_frame(annotator, columns=columns, ids=ids, after_id=after_id)
        if annotator is not None or ids is not None or self.kind != "team" or self.member_kind == ADJUDICATOR:
            return visible
        names = frame_columns(columns)
        query = self._sa.text("SELECT id, item_key, annotator, action, label, undoes FROM lw_activity(:after)")
        with self._reaching("read the team's activity"), self.engine.connect() as conn:
            rows = conn.execute(query, {"after": int(after_id or 0)}).all()
        seen = set(visible["id"].tolist())
        activity = [dict(row._mapping) for row in rows if row[0] not in seen]
        if not activity:
            return visible
        others = pd.DataFrame.from_records(activity)
        others = others.reindex(columns=names)
        merged = pd.concat([visible, others], ignore_index=True) if len(visible) else others
        return merged.sort_values("id", kind="stable").reset_index(drop=True)

    def answers_on(self, item_key: str) -> list[tuple[int, str, str | None]]:
        """Every event on one item as (id, annotator, label), the labels within the rules: in a team, another
        member's answer only once this member has answered the item (else `HIDDEN_ANSWER`)."""
        with self._reaching("read an item's answers"), self.engine.connect() as conn:
            return [(int(row[0]), str(row[1]), row[3]) for row in self._item_events(conn, item_key)]

    def _item_events(self, conn: Any, item_key: str) -> Iterable[Any]:
        query = self._sa.text("SELECT id, annotator, action, label, undoes FROM lw_activity(0, :item)")
        return list(conn.execute(query, {"item": item_key}))

    # ----- a class's answer key ----------------------------------------------------------------------------------
    def scored_items(self) -> set[str]:
        """The stored keys of the items with a gold answer (the others are practice items)."""
        with self._reaching("read which items are scored"), self.engine.connect() as conn:
            return {str(key) for (key,) in conn.execute(self._sa.text("SELECT lw_scored_items()"))}

    def reveal(self, keys: Iterable[str]) -> dict[str, str]:
        """The gold answers (stored text) of ``keys`` the store reveals to this student now: those they answered,
        in the teacher's feedback mode. Nothing for an item they have not answered."""
        wanted = [str(key) for key in keys]
        if not wanted:
            return {}
        query = self._sa.text("SELECT item_key, gold FROM lw_reveal(CAST(:keys AS TEXT[]))")
        with self._reaching("read the answer key"), self.engine.connect() as conn:
            return {str(key): str(gold) for key, gold in conn.execute(query, {"keys": wanted})}

    # ----- refusals ----------------------------------------------------------------------------------------------
    def _error(
        self, message: str, exc: BaseException, consequence: str | None = None, *, retry: bool = False
    ) -> StoreError:
        orig = getattr(exc, "orig", None)
        if getattr(orig, "sqlstate", None) != _INSUFFICIENT_PRIVILEGE:
            return super()._error(message, exc, consequence, retry=retry)
        reason = self._hide(str(orig).splitlines()[0] if str(orig) else type(orig).__name__)
        rule = next((text for table, text in RULES.items() if f'"{table}"' in reason or f" {table}" in reason), None)
        rule = (rule or "only the store's owner may do this").format(me=self.me)
        return NotAllowed(f"{message}: {rule} (the database said: {reason}).")


def is_hidden(label: Any) -> bool:
    """Whether ``label`` is the marker of an answer this member may not read (`HIDDEN_ANSWER`)."""
    return label == HIDDEN_ANSWER
