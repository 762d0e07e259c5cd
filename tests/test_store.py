"""The SQLite store: WAL mode, durability across SIGKILL, concurrent writers, exactly-once client messages."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time

import pandas as pd
import pytest

import labelwidgets as lw
from labelwidgets.decision import Decision, utc_now
from labelwidgets.store import MemoryStore, SQLStore, open_store


def event(key: str = "1", seq: int | None = None, client: str | None = None) -> Decision:
    return Decision(item_key=key, action="labeled", annotator="ana", decided_at=utc_now(), label="a",
                    client_id=client, client_seq=seq)  # fmt: skip


def test_sqlite_store_uses_wal_and_full_sync(store_path):
    store = open_store(store_path)
    assert isinstance(store, SQLStore)
    store.append(event())
    with store.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 2  # FULL


def test_sqlalchemy_url_and_timestamps_round_trip(tmp_path):
    store = open_store(f"sqlite:///{tmp_path / 'u.db'}")
    written = event()
    store.append(written)
    (read,) = store.events()
    assert read.decided_at == written.decided_at and read.decided_at.tzinfo is not None


def test_a_resent_client_message_is_stored_once(store_path):
    store = open_store(store_path)
    first = store.append(event(seq=1, client="view-a"))
    again = store.append(event(seq=1, client="view-a"))
    assert first == again and len(store.events()) == 1
    memory = MemoryStore()
    memory.append(event(seq=1, client="v"))
    assert memory.find_client_event("v", 1) is not None


def test_session_applies_a_resent_decision_once(store_path):
    labeler = lw.Labeler(pd.DataFrame({"text": ["a", "b"]}), labels=["x", "y"], store=store_path)
    one = labeler.session.decide("label", "x", rank=0, client_id="c", client_seq=7, advance=False)
    two = labeler.session.decide("label", "x", rank=0, client_id="c", client_seq=7, advance=False)
    assert one.id == two.id and len(labeler.decisions) == 1


def test_password_in_url_is_not_shown(tmp_path):
    store = SQLStore(f"sqlite:///{tmp_path / 'p.db'}", description="x")
    assert "secret" not in repr(store)
    from labelwidgets.store.sql import redact_url

    assert "hunter2" not in redact_url("postgresql://ana:hunter2@db.example/labels")
    assert redact_url("postgresql://ana:hunter2@db.example/labels") == "postgresql://ana:***@db.example/labels"


@pytest.mark.parametrize(
    "url",
    [
        "postgresql+psycopg://ana:hunter2@db.example:notaport/labels",  # unparseable
        "nosuchdb://ana:hunter2@db.example/labels",  # no such dialect
        "postgresql+nosuchdriver://ana:hunter2@db.example/labels",  # no such driver
    ],
)
def test_a_url_that_cannot_be_used_does_not_show_its_password(url):
    import traceback

    with pytest.raises(lw.StoreError) as failed:
        open_store(url)
    shown = "".join(traceback.format_exception(failed.value))
    assert "hunter2" not in shown and "hunter2" not in str(failed.value)


WRITER = textwrap.dedent(
    """
    import sys, pandas as pd, labelwidgets as lw
    path, who, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
    df = pd.DataFrame({"text": [f"item {i}" for i in range(n)]})
    labeler = lw.Labeler(df, labels=["a", "b"], store=path, annotator=who)
    for i in range(n):
        event = labeler.label("a" if i % 2 else "b")
        print(event.id, event.item_key, flush=True)  # printed only after the store has it
    """
)


def test_concurrent_writers_on_one_sqlite_file(store_path):
    lw.Labeler(pd.DataFrame({"text": ["x"]}), labels=["a", "b"], store=store_path)  # create it once
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", WRITER, str(store_path), f"w{i}", "60"], stdout=subprocess.PIPE, text=True
        )
        for i in range(4)
    ]
    outputs = [p.communicate(timeout=120)[0] for p in procs]
    assert all(p.returncode == 0 for p in procs)
    ids = [int(line.split()[0]) for out in outputs for line in out.splitlines()]
    assert len(ids) == 240 and len(set(ids)) == 240
    events = open_store(store_path).events()
    assert len(events) == 240
    assert {e.annotator for e in events} == {"w0", "w1", "w2", "w3"}


def test_every_acknowledged_decision_survives_sigkill(store_path):
    proc = subprocess.Popen(
        [sys.executable, "-c", WRITER, str(store_path), "ana", "100000"], stdout=subprocess.PIPE, text=True
    )
    acknowledged = []
    assert proc.stdout is not None
    deadline = time.monotonic() + 60
    while len(acknowledged) < 150 and time.monotonic() < deadline:
        line = proc.stdout.readline()
        if line:
            acknowledged.append(int(line.split()[0]))
    os.kill(proc.pid, signal.SIGKILL)  # mid-run, with no chance to flush or close anything
    proc.wait()
    assert len(acknowledged) >= 150
    stored = {e.id for e in open_store(store_path).events()}
    assert set(acknowledged) <= stored
    with sqlite3.connect(store_path) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    df = pd.DataFrame({"text": [f"item {i}" for i in range(100000)]})
    resumed = lw.Labeler(df, labels=["a", "b"], store=store_path, annotator="ana")
    assert resumed.stats["decided"] >= len(acknowledged)
    assert resumed.position == resumed.stats["decided"]


@pytest.mark.parametrize("bad", [object(), 42])
def test_unusable_store_argument(bad):
    with pytest.raises(lw.StoreError, match="store must be"):
        open_store(bad)
