"""A store shared by a team: PostgreSQL for real (and SQLite alike), several processes at once, outages,
passwords that never show, claims and assignments.

The PostgreSQL server is a throwaway cluster started once per test session (tests/pg_fixtures.py); each test
gets an empty database of its own.
"""

from __future__ import annotations

import logging
import os
import socket
import sqlite3
import subprocess
import sys
import textwrap
import threading
import time
import traceback
from collections import Counter
from pathlib import Path

import pandas as pd
import pytest
import sqlalchemy as sa
from pg_fixtures import PostgresCluster

import labelwidgets as lw
from labelwidgets.decision import Decision, utc_now
from labelwidgets.store import MemoryStore, SQLStore, open_store
from labelwidgets.store.migrations import SCHEMA_VERSION


def decision(key: str, who: str = "ana", *, action: str = "labeled", label: str | None = "a", **more) -> Decision:
    return Decision(item_key=key, action=action, annotator=who, decided_at=utc_now(), label=label, **more)


def run_python(script: str, *args: object) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-c", script, *map(str, args)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip


def start_together(procs: list[subprocess.Popen[str]]) -> None:
    """A barrier: wait until every worker says it is ready (imports done, store open), then let them all go."""
    for proc in procs:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        assert line.strip() == "ready", f"a worker did not get ready: {line!r} {proc.stderr and proc.stderr.read()}"
    for proc in procs:
        assert proc.stdin is not None
        proc.stdin.write("go\n")
        proc.stdin.flush()


def finish(procs: list[subprocess.Popen[str]], timeout: float = 120) -> list[str]:
    outputs = []
    for proc in procs:
        out, err = proc.communicate(timeout=timeout)
        assert proc.returncode == 0, f"a worker failed ({proc.returncode}):\n{err[-3000:]}"
        outputs.append(out)
    return outputs


BARRIER = """
import sys, time
from labelwidgets.decision import Decision, utc_now
from labelwidgets.store import open_store
def wait_for_go():
    print("ready", flush=True)
    sys.stdin.readline()
"""


@pytest.fixture(params=["memory", "sqlite", "postgresql"])
def team_store(request: pytest.FixtureRequest, tmp_path: Path) -> object:
    """A fresh store of each kind the team API has."""
    if request.param == "memory":
        return MemoryStore()
    if request.param == "sqlite":
        store = open_store(tmp_path / "labels.db")
    else:
        store = open_store(request.getfixturevalue("fresh_postgres_url"))
    request.addfinalizer(store.close)
    return store


# ----- the server and the basics on both backends ---------------------------------------------------------------
def test_a_store_url_works_on_both_backends(any_store_url):
    store = open_store(any_store_url)
    assert isinstance(store, SQLStore)
    first = store.append(decision("1", client_id="view", client_seq=1))
    again = store.append(decision("1", client_id="view", client_seq=1))  # re-sent: the same event, once
    assert first == again and store.latest_id() == first
    after = store.append(decision("2"))  # the store works on after a refused duplicate (PostgreSQL aborts it)
    (read,) = store.events(annotator="ana")[:1]
    assert read.id == first and read.decided_at.tzinfo is not None
    assert list(store.events_frame()["id"]) == [first, after]
    store.close()


def test_the_labeler_runs_on_postgresql(fresh_postgres_url):
    df = pd.DataFrame({"text": ["a", "b", "c"]})
    labeler = lw.Labeler(df, labels=["x", "y"], store=fresh_postgres_url, annotator="ana")
    labeler.label("x")
    labeler.label("y")
    labeler.session.close()
    resumed = lw.Labeler(df.copy(), labels=["x", "y"], store=fresh_postgres_url, annotator="ana")
    assert resumed.stats["decided"] == 2 and resumed.position == 2


def test_polling_reads_only_the_new_events(team_store):
    assert team_store.latest_id() == 0
    assert len(team_store.events_frame(after_id=0)) == 0
    ids = [team_store.append(decision(str(i))) for i in range(5)]
    assert team_store.latest_id() == ids[-1]
    newer = team_store.events_frame(after_id=ids[2], columns=["item_key"])
    assert list(newer["id"]) == ids[3:] and list(newer["item_key"]) == ["3", "4"]
    assert len(team_store.events_frame(after_id=ids[-1])) == 0


# ----- schema creation under concurrency ------------------------------------------------------------------------
OPENER = BARRIER + textwrap.dedent(
    """
    for round, url in enumerate(sys.argv[1].split(",")):
        wait_for_go()
        try:
            store = open_store(url)
            store.check_labels(["a", "b"])
            store.close()
            print("ok", flush=True)
        except Exception as exc:
            print("FAILED", round, type(exc).__name__, str(exc).splitlines()[0], flush=True)
    """
)


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_processes_opening_a_fresh_store_at_once_create_it_once(backend, tmp_path, request):
    """4 processes open the same fresh database at the same instant, 10 times with a new database each time."""
    rounds, processes = 10, 4
    if backend == "postgresql":
        cluster: PostgresCluster = request.getfixturevalue("postgres_cluster")
        urls = [cluster.url(cluster.create_database()) for _ in range(rounds)]
    else:
        urls = [f"sqlite:///{tmp_path / f'fresh-{i}.db'}" for i in range(rounds)]
    # Long-lived workers and a barrier per round: the imports are paid once, and every round is a real race.
    procs = [run_python(OPENER, ",".join(urls)) for _ in range(processes)]
    results = []
    for _ in urls:
        start_together(procs)
        results += [proc.stdout.readline().strip() for proc in procs]  # type: ignore[union-attr]
    finish(procs)
    assert [r for r in results if r != "ok"] == []
    assert len(results) == rounds * processes
    for url in urls:
        store = open_store(url)
        assert isinstance(store, SQLStore)
        with store.engine.connect() as conn:
            versions = conn.execute(sa.text("SELECT value FROM lw_meta WHERE key = 'schema_version'")).all()
        assert versions == [(str(SCHEMA_VERSION),)]
        store.close()


# ----- schema versions ------------------------------------------------------------------------------------------
def make_v2(url: str) -> None:
    """Turn a new store into what labelwidgets at schema version 2 wrote: no team tables, version 2."""
    store = open_store(url)
    assert isinstance(store, SQLStore)
    store.check_labels(["a", "b"])
    for i in range(3):
        store.append(decision(str(i), client_id="v", client_seq=i))
    with store.engine.begin() as conn:
        conn.execute(sa.text("DROP TABLE lw_claims"))
        conn.execute(sa.text("DROP TABLE lw_assignments"))
        conn.execute(sa.text("UPDATE lw_meta SET value = '2' WHERE key = 'schema_version'"))
    store.close()


def test_a_version_2_store_is_upgraded_and_keeps_its_decisions(any_store_url, caplog):
    make_v2(any_store_url)
    with caplog.at_level(logging.INFO, logger="labelwidgets"):
        store = open_store(any_store_url)
    assert "schema version 3" in caplog.text
    assert isinstance(store, SQLStore)
    assert {"lw_claims", "lw_assignments"} <= set(sa.inspect(store.engine).get_table_names())
    assert [e.item_key for e in store.events()] == ["0", "1", "2"]
    assert store.try_claim("9", "ana", overlap=1, ttl=60)
    store.assign({"ana": ["0"]})
    assert store.assignments() == {"ana": {"0"}}
    store.close()
    caplog.clear()  # and the upgrade is recorded: the next open has nothing to do
    with caplog.at_level(logging.INFO, logger="labelwidgets"):
        open_store(any_store_url).close()
    assert "upgrading" not in caplog.text


def test_a_version_2_file_from_the_previous_schema_code_opens(tmp_path):
    """A v2 file written by SQL that does not come from this package's table definitions at all."""
    path = tmp_path / "v2.db"
    with sqlite3.connect(path) as conn:
        conn.executescript(
            """
            CREATE TABLE lw_meta (key VARCHAR(64) NOT NULL PRIMARY KEY, value TEXT NOT NULL);
            CREATE TABLE lw_events (
                id INTEGER NOT NULL PRIMARY KEY, item_key TEXT NOT NULL, action VARCHAR(16) NOT NULL,
                annotator TEXT NOT NULL, decided_at TEXT NOT NULL, label TEXT, suggestion TEXT, confidence FLOAT,
                suggestion_visible BOOLEAN, suggester TEXT, note TEXT, seconds FLOAT, text_hash VARCHAR(32),
                undoes INTEGER, session_id VARCHAR(64), client_id VARCHAR(64), client_seq INTEGER,
                previous_label TEXT, CONSTRAINT lw_events_client_once UNIQUE (client_id, client_seq));
            CREATE INDEX ix_lw_events_item_key ON lw_events (item_key);
            CREATE INDEX ix_lw_events_annotator ON lw_events (annotator);
            CREATE TABLE lw_sessions (session_id VARCHAR(64) NOT NULL PRIMARY KEY, annotator TEXT NOT NULL,
                info TEXT NOT NULL);
            INSERT INTO lw_meta VALUES ('schema_version', '2'), ('labels', '["a", "b"]');
            INSERT INTO lw_events (item_key, action, annotator, decided_at, label)
                VALUES ('"k"', 'labeled', 'ana', '2024-01-01T00:00:00.000000+00:00', 'a');
            """
        )
    store = open_store(path)
    assert [e.label for e in store.events()] == ["a"]
    assert store.try_claim('"k"', "bob", overlap=2, ttl=60)
    with sqlite3.connect(path) as conn:
        assert conn.execute("SELECT value FROM lw_meta WHERE key='schema_version'").fetchone() == (str(SCHEMA_VERSION),)
        # a store from before kinds were recorded held one label per item (schema 4 says so)
        assert conn.execute("SELECT value FROM lw_meta WHERE key='kind'").fetchone() == ("single",)
        # schema 5: what an answer did with the suggestion, part by part, and the prompt that made the suggestion
        columns = {row[1] for row in conn.execute("PRAGMA table_info(lw_events)")}
        assert {"detail", "prompt_id"} <= columns
    event = Decision(
        item_key='"k2"', action="corrected", annotator="ana", decided_at=utc_now(), label="b", suggestion="a",
        detail='{"suggested": []}', prompt_id="p-123",
    )  # fmt: skip
    store.append(event)
    read = store.events()[-1]
    assert (read.detail, read.prompt_id) == ('{"suggested": []}', "p-123")
    store.close()


def test_a_store_newer_than_this_package_is_refused(any_store_url):
    open_store(any_store_url).close()
    engine = sa.create_engine(any_store_url)
    with engine.begin() as conn:
        conn.execute(sa.text("UPDATE lw_meta SET value = '99' WHERE key = 'schema_version'"))
    engine.dispose()
    with pytest.raises(lw.StoreError, match="newer than this labelwidgets"):
        open_store(any_store_url)


# ----- passwords --------------------------------------------------------------------------------------------------
def assert_no_password(password: str, *texts: str) -> None:
    for text in texts:
        assert password not in text, f"the password shows in: {text[:300]}"


def full_text(error: BaseException) -> str:
    return "".join(traceback.format_exception(type(error), error, error.__traceback__))


def test_the_password_never_shows(postgres_cluster, fresh_postgres_url, caplog):
    secret = postgres_cluster.password
    caplog.set_level(logging.DEBUG)  # every logger, SQLAlchemy's and psycopg's too
    store = open_store(fresh_postgres_url)
    store.append(decision("1"))
    assert_no_password(secret, repr(store), store.description, str(store.url))
    assert store.description.endswith(f"@127.0.0.1:{postgres_cluster.port}/{fresh_postgres_url.rsplit('/', 1)[1]}")
    assert "***" in store.description

    wrong = fresh_postgres_url.replace(secret, secret[::-1] + "-wrong")
    with pytest.raises(lw.StoreError, match="cannot log in") as refused:
        open_store(wrong)
    assert_no_password(secret, str(refused.value), full_text(refused.value))
    assert_no_password(secret[::-1] + "-wrong", str(refused.value), full_text(refused.value))
    assert "password authentication failed" in str(refused.value)
    assert not isinstance(refused.value, lw.StoreUnreachable)  # sending again cannot fix a password

    nobody_there = fresh_postgres_url.replace(f":{postgres_cluster.port}/", f":{free_port()}/")
    started = time.monotonic()
    with pytest.raises(lw.StoreError, match="cannot reach the store") as unreachable:
        open_store(nobody_there)
    assert time.monotonic() - started < 10
    assert_no_password(secret, str(unreachable.value), full_text(unreachable.value))

    direct = SQLStore(fresh_postgres_url, description=fresh_postgres_url)  # a careless description is masked too
    assert_no_password(secret, direct.description, repr(direct))
    direct.close()
    store.close()
    assert_no_password(secret, caplog.text)


def test_a_labeler_failing_to_save_logs_no_password(postgres_cluster, fresh_postgres_url, caplog, request):
    cluster = request.getfixturevalue("restartable_postgres")
    caplog.set_level(logging.DEBUG)
    labeler = lw.Labeler(pd.DataFrame({"text": ["a", "b"]}), labels=["x", "y"], store=fresh_postgres_url)
    with cluster.outage(), pytest.raises(lw.StoreError, match="not saved") as failed:
        labeler.label("x")
    assert isinstance(failed.value, lw.StoreUnreachable)  # worth sending again: the widget keeps the decision
    assert_no_password(cluster.password, full_text(failed.value), caplog.text, repr(labeler))
    labeler.label("x")  # the same labeler, after the server is back
    assert labeler.stats["decided"] == 1


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_a_url_without_password_uses_pgpassword(postgres_cluster, fresh_postgres_url, monkeypatch):
    bare = fresh_postgres_url.replace(f":{postgres_cluster.password}@", "@")
    monkeypatch.setenv("PGPASSFILE", os.devnull)  # this machine's own ~/.pgpass must not answer for it
    monkeypatch.delenv("PGPASSWORD", raising=False)
    with pytest.raises(lw.StoreError, match="cannot log in"):
        open_store(bare)
    monkeypatch.setenv("PGPASSWORD", postgres_cluster.password)
    store = open_store(bare)
    assert store.append(decision("1")) == 1
    assert store.description == bare
    store.close()


def test_a_url_without_password_uses_pgpass(postgres_cluster, fresh_postgres_url, monkeypatch, tmp_path):
    bare = fresh_postgres_url.replace(f":{postgres_cluster.password}@", "@")
    pgpass = tmp_path / "pgpass"
    pgpass.write_text(f"127.0.0.1:{postgres_cluster.port}:*:{postgres_cluster.user}:{postgres_cluster.password}\n")
    pgpass.chmod(0o600)  # libpq ignores a password file others can read
    monkeypatch.delenv("PGPASSWORD", raising=False)
    monkeypatch.setenv("PGPASSFILE", str(pgpass))
    store = open_store(bare)
    assert store.append(decision("1")) == 1
    store.close()


# ----- outages --------------------------------------------------------------------------------------------------
def test_connections_cut_by_the_server_are_replaced_unseen(postgres_cluster, fresh_postgres_url):
    """A server restart or an idle timeout cuts the pooled connections: the next call gets a new one, no error."""
    store = open_store(fresh_postgres_url)
    store.append(decision("1"))
    database = fresh_postgres_url.rsplit("/", 1)[1]
    with postgres_cluster._admin() as admin:
        cut = admin.execute(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = %s", (database,)
        ).fetchone()
    assert cut is not None and cut[0] >= 1
    assert store.append(decision("2")) == 2
    assert store.latest_id() == 2
    store.close()


def test_a_server_that_never_answers_fails_in_seconds():
    """Accepts the connection and says nothing (a hung server, a firewall): no hang, an error within seconds."""
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        port = silent.getsockname()[1]
        secret = "hunter2-secret"
        url = f"postgresql+psycopg://ana:{secret}@127.0.0.1:{port}/labels"
        started = time.monotonic()
        with pytest.raises(lw.StoreError, match="cannot reach the store") as failed:
            open_store(url)
        assert time.monotonic() - started < 15
    assert "timeout" in str(failed.value)
    assert_no_password(secret, full_text(failed.value))


def test_the_store_survives_the_server_going_away(restartable_postgres, fresh_postgres_url):
    """A writer keeps deciding while the server stops and starts again: every acknowledged decision is there once.

    The writer does what a labeling view does: it re-sends a decision that failed, with the same client id and
    sequence number, until the store acknowledges it.
    """
    cluster = restartable_postgres
    store = open_store(fresh_postgres_url)
    total, acknowledged, failures, slowest = 300, {}, [], [0.0]

    def write() -> None:
        for seq in range(total):
            while True:
                started = time.monotonic()
                try:
                    acknowledged[seq] = store.append(decision(f"item-{seq % 50}", client_id="view-1", client_seq=seq))
                    break
                except lw.StoreError as exc:
                    failures.append(str(exc))
                    time.sleep(0.05)
                finally:
                    slowest[0] = max(slowest[0], time.monotonic() - started)

    writer = threading.Thread(target=write)
    writer.start()
    while len(acknowledged) < 60:
        time.sleep(0.01)
    with cluster.outage():
        time.sleep(1.5)
    writer.join(timeout=120)
    assert not writer.is_alive()
    assert failures, "the outage went unnoticed: the test did not test anything"
    assert all("cannot reach the store" in f and "your decision was not saved" in f for f in failures)
    assert slowest[0] < 10, "a call waited on the dead server instead of failing"
    frame = store.events_frame()
    assert len(frame) == total  # none lost, none twice
    assert sorted(frame["client_seq"]) == list(range(total))
    assert set(frame["id"]) == set(acknowledged.values())
    assert store.try_claim("item-0", "bob", overlap=3, ttl=5)  # everything else works again too
    store.close()


# ----- claims -----------------------------------------------------------------------------------------------------
def test_claims_respect_the_overlap(team_store):
    s = team_store
    assert s.try_claim("k", "ana", overlap=2, ttl=60)
    assert s.try_claim("k", "bob", overlap=2, ttl=60)
    assert not s.try_claim("k", "cem", overlap=2, ttl=60)  # two people on it already
    assert s.try_claim("k", "ana", overlap=2, ttl=60)  # the holder refreshes it
    s.append(decision("k", "ana"))
    s.release_claim("k", "ana")
    assert not s.try_claim("k", "cem", overlap=2, ttl=60)  # ana decided it, bob is on it
    assert not s.try_claim("k", "ana", overlap=2, ttl=60)  # ana is done with it
    s.release_claim("k", "bob")  # bob moves on without deciding
    assert s.try_claim("k", "cem", overlap=2, ttl=60)
    assert sorted(s.claims()["annotator"]) == ["cem"]


def test_an_undone_decision_gives_the_item_back(team_store):
    s = team_store
    first = s.append(decision("k", "ana"))
    assert not s.try_claim("k", "ana", overlap=2, ttl=60)
    assert not s.try_claim("k", "bob", overlap=1, ttl=60)
    s.append(decision("k", "ana", action="undo", label=None, undoes=first))
    assert s.try_claim("k", "bob", overlap=1, ttl=60)
    s.release_claim("k", "bob")
    assert s.try_claim("k", "ana", overlap=1, ttl=60)


def test_skips_count_and_a_rejection_without_label_does_not(team_store):
    s = team_store
    s.append(decision("skipped", "ana", action="skipped", label=None))
    s.append(decision("rejected", "ana", action="rejected", label=None))
    assert not s.try_claim("skipped", "bob", overlap=1, ttl=60)
    assert s.try_claim("rejected", "bob", overlap=1, ttl=60)
    # The latest decision is the one in force: a skip after a label still counts, a label revised too.
    s.append(decision("relabeled", "ana"))
    s.append(decision("relabeled", "ana", action="revised", label="b", previous_label="a"))
    assert not s.try_claim("relabeled", "bob", overlap=1, ttl=60)


def test_claims_expire(team_store):
    s = team_store
    assert s.try_claim("k", "ana", overlap=1, ttl=0.3)
    assert not s.try_claim("k", "bob", overlap=1, ttl=60)
    frame = s.claims()
    assert list(frame.columns) == ["item_key", "annotator", "expires_at"]
    assert str(frame["expires_at"].dt.tz) == "UTC"
    remaining = (frame["expires_at"].iloc[0] - pd.Timestamp.now(tz="UTC")).total_seconds()
    assert 0 < remaining <= 0.3
    time.sleep(0.5)
    assert len(s.claims()) == 0  # ana's kernel died: the item is free again
    assert s.try_claim("k", "bob", overlap=1, ttl=60)
    assert list(s.claims()["annotator"]) == ["bob"]


def test_assignments_are_idempotent(team_store):
    s = team_store
    assert s.assignments() == {}
    s.assign({"ana": ["1", "2"], "bob": ("2", "3")})
    s.assign({"ana": ["2", "2", "4"]})
    s.assign({"ana": ["1"]})
    assert s.assignments() == {"ana": {"1", "2", "4"}, "bob": {"2", "3"}}
    with pytest.raises(lw.InputError, match="Wrap one key in a list"):
        s.assign({"ana": "1"})


@pytest.mark.parametrize(("overlap", "ttl"), [(0, 60), (1.5, 60), (True, 60), (2, 0), (2, -1), (2, "60")])
def test_claims_refuse_an_impossible_overlap_or_ttl(team_store, overlap, ttl):
    with pytest.raises(lw.InputError):
        team_store.try_claim("k", "ana", overlap=overlap, ttl=ttl)


CLAIMER = BARRIER + textwrap.dedent(
    """
    url, who, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
    store = open_store(url)
    keys = [f"item-{i:03d}" for i in range(n)]
    wait_for_go()
    done = 0
    while True:
        for key in keys:  # the first item this annotator can take
            if store.try_claim(key, who, overlap=2, ttl=120):
                break
        else:
            break  # nothing left to take
        store.append(Decision(item_key=key, action="labeled", annotator=who, decided_at=utc_now(), label="a"))
        store.release_claim(key, who)
        done += 1
        # Every claim here ends in a label, so an item refused once stays refused: asking again from the top
        # would only make the test quadratic. The items before this one were refused, or are done.
        keys = keys[keys.index(key) + 1 :]
    print(done)
    """
)


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_three_annotators_share_items_with_overlap_two(backend, tmp_path, request):
    """3 processes × 100 items, overlap 2: every item gets 2 labels, and (claims being atomic) never 3."""
    url = request.getfixturevalue("fresh_postgres_url") if backend == "postgresql" else f"sqlite:///{tmp_path / 'l.db'}"
    open_store(url).close()
    n = 100
    procs = [run_python(CLAIMER, url, f"annotator-{i}", n) for i in range(3)]
    start_together(procs)
    started = time.monotonic()
    outputs = finish(procs)
    events = open_store(url).events_frame()
    labels_per_item = events.groupby("item_key")["annotator"].nunique()
    over_assigned = int((labels_per_item == 3).sum())
    print(
        f"{backend}: {len(events)} labels on {len(labels_per_item)} items in {time.monotonic() - started:.1f} s, "
        f"per annotator {[int(o) for o in outputs]}, items with 3 labels (over-assigned): {over_assigned}"
    )
    assert len(labels_per_item) == n and labels_per_item.between(2, 3).all()
    assert not events.duplicated(["item_key", "annotator"]).any()
    assert over_assigned == 0  # the claims never expire in this test, so a third label would be a race
    assert len(open_store(url).claims()) == 0


# ----- concurrent writers -------------------------------------------------------------------------------------------
WRITER = BARRIER + textwrap.dedent(
    """
    url, who, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
    store = open_store(url)
    wait_for_go()
    for seq in range(n):
        event = Decision(item_key=f"item-{seq % 400}", action="labeled", annotator=who, decided_at=utc_now(),
                         label="ab"[seq % 2], client_id=who, client_seq=seq)
        print(store.append(event), flush=True)  # printed only once the store has it
    """
)
# Follows the log as another kernel would: one cheap query per poll, only the events it has not seen.
POLLER = BARRIER + textwrap.dedent(
    """
    url, expected, deadline = sys.argv[1], int(sys.argv[2]), time.time() + float(sys.argv[3])
    store = open_store(url)
    seen, last = [], 0
    while len(seen) < expected and time.time() < deadline:
        new = store.events_frame(after_id=last, columns=["client_id", "client_seq"])
        if len(new):
            seen += list(new["id"])
            last = int(new["id"].max())
        time.sleep(0.05)
    print(len(seen), len(set(seen)))
    """
)
RESTORER = BARRIER + textwrap.dedent(
    """
    store = open_store(sys.argv[1])
    frame = store.events_frame()
    print(len(frame), frame[["client_id", "client_seq"]].drop_duplicates().shape[0], store.latest_id())
    """
)


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_two_writers_and_a_poller_lose_nothing(backend, tmp_path, request):
    """2 processes × 1,000 decisions on overlapping items; a third follows the log as it grows, a fourth restores."""
    url = request.getfixturevalue("fresh_postgres_url") if backend == "postgresql" else f"sqlite:///{tmp_path / 'l.db'}"
    store = open_store(url)
    if backend == "sqlite":
        with store.engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
    n = 1000
    poller = run_python(POLLER, url, 2 * n, 90)
    writers = [run_python(WRITER, url, f"w{i}", n) for i in range(2)]
    start_together(writers)
    started = time.monotonic()
    outputs = finish(writers)
    ids = [int(line) for out in outputs for line in out.split()]
    assert len(ids) == 2 * n and len(set(ids)) == 2 * n
    ((polled_line),) = finish([poller])
    assert polled_line.split() == [str(2 * n), str(2 * n)]  # every event seen by polling, none twice
    (restored,) = finish([run_python(RESTORER, url)])
    assert restored.split() == [str(2 * n), str(2 * n), str(max(ids))]
    frame = store.events_frame()
    assert set(frame["id"]) == set(ids)
    assert Counter(frame["annotator"]) == {"w0": n, "w1": n}
    print(f"{backend}: {2 * n} decisions from 2 processes in {time.monotonic() - started:.1f} s")
    store.close()


def test_a_re_sent_event_on_postgresql_returns_the_first_id(fresh_postgres_url):
    """The unique violation aborts PostgreSQL's transaction; the store answers from a new one, and goes on."""
    store = open_store(fresh_postgres_url)
    ids = [store.append(decision("k", client_id="c", client_seq=1)) for _ in range(3)]
    assert len(set(ids)) == 1
    broken = Decision(item_key=None, action="labeled", annotator="ana", decided_at=utc_now())  # type: ignore[arg-type]
    with pytest.raises(lw.StoreError, match="could not save the decision"):
        store.append(broken)  # another constraint (NOT NULL): said as an error, not taken for a re-send
    later = store.append(decision("k2"))
    assert later > ids[0] and [e.id for e in store.events()] == [ids[0], later]
    store.close()
