"""A new SQLite store gets its tables from DDL compiled once per process: the same schema as SQLAlchemy's create_all."""

from __future__ import annotations

import sqlite3

import pytest
import sqlalchemy as sa

from labelwidgets.decision import Decision, utc_now
from labelwidgets.store import MemoryStore, sql
from labelwidgets.store.sql import SQLStore


def schema(path) -> list[tuple[str, str, str]]:
    with sqlite3.connect(path) as con:
        rows = con.execute("SELECT type, name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' ORDER BY name")
        return [(kind, name, " ".join((text or "").split())) for kind, name, text in rows]


def test_a_new_store_has_the_schema_create_all_makes(tmp_path):
    store = SQLStore(f"sqlite:///{tmp_path / 'compiled.db'}")
    store.close()
    reference = sa.create_engine(f"sqlite:///{tmp_path / 'reference.db'}")
    with reference.begin() as conn:
        SQLStore(f"sqlite:///{tmp_path / 'other.db'}").metadata.create_all(conn)
    reference.dispose()
    compiled, expected = schema(tmp_path / "compiled.db"), schema(tmp_path / "reference.db")
    assert [name for _, name, _ in compiled if name != "lw_meta"] == [n for _, n, _ in expected if n != "lw_meta"]
    assert compiled == expected
    assert {"lw_events", "lw_meta", "lw_sessions"} <= {name for _, name, _ in compiled}


def test_a_store_missing_a_table_gets_it_back_and_keeps_its_decisions(tmp_path):
    path = tmp_path / "labels.db"
    store = SQLStore(f"sqlite:///{path}")
    store.append(Decision(item_key="a", action="labeled", annotator="ana", decided_at=utc_now(), label="spam"))
    store.close()
    with sqlite3.connect(path) as con:
        con.execute("DROP TABLE lw_sessions")
    again = SQLStore(f"sqlite:///{path}")  # some tables there: create_all adds exactly the missing one
    assert [d.label for d in again.events()] == ["spam"]
    again.record_session({"session_id": "s1", "annotator": "ana"})
    again.close()
    assert "lw_sessions" in {name for _, name, _ in schema(path)}


def test_the_warm_up_compiles_the_ddl_and_leaves_nothing_open():
    sql.warm_up()
    assert any("CREATE TABLE lw_events" in statement for ddl in sql._SQLITE_DDL.values() for statement in ddl)


def decision(key: str, label: str, client: str | None = None) -> Decision:
    return Decision(item_key=key, action="labeled", annotator="ana", decided_at=utc_now(), label=label,
                    client_id=client, client_seq=None if client is None else 0)  # fmt: skip


@pytest.mark.parametrize("backend", ["sqlite", "memory", "postgresql"])
def test_many_decisions_are_stored_in_order_in_one_go(tmp_path, request, backend):
    url = {"sqlite": lambda: f"sqlite:///{tmp_path / 'many.db'}", "memory": lambda: None,
           "postgresql": lambda: request.getfixturevalue("fresh_postgres_url")}[backend]()  # fmt: skip
    store = MemoryStore() if url is None else SQLStore(url)
    first = store.append(decision("a", "spam", client="file:1"))
    ids = store.append_many([decision(str(i), "ham" if i % 2 else "spam", client=f"file:{i + 2}") for i in range(50)])
    assert ids == sorted(ids) and len(set(ids)) == 50 and ids[0] > first
    assert [(d.item_key, d.label, d.id) for d in store.events()][1:] == [
        (str(i), "ham" if i % 2 else "spam", ids[i]) for i in range(50)
    ]
    # one already stored (the same client_id and seq): the batch goes one at a time, and it is kept once
    again = store.append_many([decision("b", "ham", client="file:60"), decision("a", "spam", client="file:1")])
    assert again[1] == first and len(store.events()) == 52
    assert store.append_many([]) == []
    if isinstance(store, SQLStore):
        store.close()
