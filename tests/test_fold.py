"""One event fold: the effective decision of each item, the same whether folded at once (restore) or one by one."""

from __future__ import annotations

import datetime as dt
import random

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import labelwidgets as lw
from labelwidgets.decision import ACTIONS, UNDO, Decision, iso_utc
from labelwidgets.session.fold import EVENT_FIELDS, RESTORE_FIELDS, EventFold

T0 = dt.datetime(2024, 1, 1, tzinfo=dt.timezone.utc)
KEYS = ['"a"', '"b"', '"c"', '"d"']


def frame_of(events: list[Decision]) -> pd.DataFrame:
    records = [{**e.to_record(), "decided_at": iso_utc(e.decided_at)} for e in events]
    return pd.DataFrame.from_records(records, columns=list(EVENT_FIELDS))


def stream(steps: list[tuple[int, int, int]]) -> list[Decision]:
    """A stream a session could write: decisions and revisions, undos of the latest one and of older ones."""
    fold = EventFold()
    events: list[Decision] = []
    for i, (kind, key, pick) in enumerate(steps, start=1):
        when = T0 + dt.timedelta(seconds=i)
        if kind == 0 and events:
            in_force = [e for e in events if e.action != UNDO and fold.effective(e.item_key) is not None]
            target = fold.latest() if pick % 2 or not in_force else in_force[pick % len(in_force)]
            if target is None:
                continue
            event = Decision(target.item_key, UNDO, "ana", when, undoes=target.id, id=i)
        else:
            action = ACTIONS[pick % len(ACTIONS)]
            event = Decision(KEYS[key], action, "ana", when, label=None if action == "skipped" else "xy"[pick % 2],
                             note=f"n{i}", id=i)  # fmt: skip
        fold.apply(event)
        events.append(event)
    return events


def same_state(one: EventFold, other: EventFold) -> None:
    for key in KEYS:
        assert one.effective(key) == other.effective(key), key
    assert one.latest() == other.latest()
    assert one.counts == other.counts and len(one) == len(other)


steps = st.lists(st.tuples(st.integers(0, 3), st.integers(0, len(KEYS) - 1), st.integers(0, 50)), max_size=60)


@settings(max_examples=150, deadline=None)
@given(steps, st.data())
def test_folding_a_frame_at_once_equals_applying_each_event(raw_steps, data):
    events = stream(raw_steps)
    one_by_one = EventFold()
    for event in events:
        one_by_one.apply(event)
    at_once = EventFold.from_frame(frame_of(events))
    same_state(at_once, one_by_one)
    # restore part of the stream, then go on live: still the same
    cut = data.draw(st.integers(0, len(events)))
    resumed = EventFold.from_frame(frame_of(events[:cut]))
    for event in events[cut:]:
        resumed.apply(event)
    same_state(resumed, one_by_one)
    # undo everything that is left, through both
    while (target := one_by_one.latest()) is not None:
        undo = Decision(target.item_key, UNDO, "ana", T0, undoes=target.id, id=10_000 + len(events))
        events.append(undo)
        assert one_by_one.apply(undo) == at_once.apply(undo) == resumed.apply(undo)
    same_state(at_once, one_by_one)
    assert len(at_once) == 0 and at_once.latest() is None


def test_apply_returns_the_items_decision_before_and_after():
    fold = EventFold()
    first = Decision('"a"', "labeled", "ana", T0, label="x", id=1)
    second = Decision('"a"', "revised", "ana", T0, label="y", previous_label="x", id=2)
    assert fold.apply(first) == (None, first)
    assert fold.apply(second) == (first, second)
    assert fold.counts["revised"] == 1 and fold.counts["labeled"] == 0  # a revision replaces, never adds
    assert fold.apply(Decision('"a"', UNDO, "ana", T0, undoes=2, id=3)) == (second, first)
    assert fold.latest() == first


def test_an_undo_of_an_older_event_leaves_the_effective_decision_alone():
    events = [
        Decision('"a"', "labeled", "ana", T0, label="x", id=1),
        Decision('"a"', "revised", "ana", T0, label="y", id=2),
        Decision('"a"', UNDO, "ana", T0, undoes=1, id=3),  # the older one: 2 stays in force
        Decision('"b"', UNDO, "ana", T0, undoes=2, id=4),  # names another item's event: nothing happens
    ]
    fold = EventFold.from_frame(frame_of(events))
    assert fold.effective('"a"').id == 2 and fold.effective('"b"') is None
    fold.apply(Decision('"a"', UNDO, "ana", T0, undoes=2, id=5))
    assert fold.effective('"a"') is None and fold.latest() is None


def test_drop_forgets_items_and_undo_skips_them():
    events = [Decision(k, "labeled", "ana", T0, label="x", id=i) for i, k in enumerate(KEYS, start=1)]
    fold = EventFold.from_frame(frame_of(events))
    fold.drop(['"d"', '"b"'])
    assert fold.effective('"d"') is None and fold.effective('"a"').id == 1
    assert fold.latest().id == 3 and len(fold) == 2 and fold.counts["labeled"] == 2
    fold.apply(Decision('"d"', "labeled", "ana", T0, label="y", id=9))  # dropped, then decided again
    assert fold.effective('"d"').id == 9 and fold.latest().id == 9


def test_decisions_are_made_lazily_from_the_restore_columns():
    events = [Decision(k, "labeled", "ana", T0, label="x", note=f"note {i}", id=i) for i, k in enumerate(KEYS, 1)]
    whole = frame_of(events)
    asked: list[list[int]] = []

    def complete(ids):
        asked.append(list(ids))
        return whole[whole["id"].isin(ids)]

    fold = EventFold.from_frame(whole[list(RESTORE_FIELDS)], complete=complete)
    assert asked == []  # folding reads no event as an object
    assert fold.effective('"c"') == events[2]  # complete, note and all
    assert asked == [[3]]
    fold.effective('"c"')
    assert asked == [[3]]  # made once
    with pytest.raises(ValueError, match="complete="):
        EventFold.from_frame(whole[list(RESTORE_FIELDS)])


def test_effective_frame_is_one_row_per_item_with_its_decision_in_force():
    events = stream([(1, 0, 2), (1, 1, 3), (1, 0, 4), (0, 0, 1), (1, 2, 0)])
    fold = EventFold.from_frame(frame_of(events))
    fold.apply(Decision('"d"', "labeled", "ana", T0, label="x", id=99))
    table = fold.effective_frame(with_codes=True)
    assert sorted(table["item_key"]) == sorted(k for k in KEYS if fold.effective(k) is not None)
    for key, event_id in zip(table["item_key"], table["id"], strict=True):
        assert fold.effective(key).id == event_id
    assert all(isinstance(when, str) for when in table["decided_at"])  # ISO text, as the store's own rows
    codes = dict(zip(table["item_key"], table["item_code"], strict=True))
    assert codes.pop('"d"') == -1  # decided after the frame was folded: not one of its item_keys
    assert all(fold.item_keys[code] == key for key, code in codes.items())


def test_a_session_restores_exactly_what_it_had(store_path):
    """Random labeling, relabeling, skipping and undoing; then a restart shows the very same DataFrame."""
    rng = random.Random(4)
    df = pd.DataFrame({"text": [f"t{i}" for i in range(30)]}, index=[f"k{i}" for i in range(30)])
    labeler = lw.Labeler(df, labels=["x", "y"], store=store_path, annotator="ana", order="random", seed=2)
    for _ in range(120):
        move = rng.random()
        if move < 0.55 and df["decision"].notna().all():
            labeler.goto(rng.randrange(30))  # nothing left to label: review one (label() alone would refuse)
        if move < 0.45:
            labeler.label(rng.choice(["x", "y"]))
        elif move < 0.55:
            labeler.skip()
        elif move < 0.7:
            labeler.undo()
        elif move < 0.85:
            decided = df.index[df["decision"].notna() & df["label"].notna()]
            if len(decided):
                labeler.relabel(rng.choice(list(decided)), rng.choice(["x", "y"]))
        else:
            labeler.goto(rng.randrange(30))
    before = df.copy()
    target, stats = labeler.session.undo_target(), labeler.stats
    labeler.close()
    again = df[["text"]].copy()
    restored = lw.Labeler(again, labels=["x", "y"], store=store_path, annotator="ana", order="random", seed=2)
    pd.testing.assert_frame_equal(again, before)
    assert restored.session.undo_target() == target
    assert {k: restored.stats[k] for k in (*ACTIONS, "decided")} == {k: stats[k] for k in (*ACTIONS, "decided")}
    for row in range(30):
        assert restored.session.decision_at(row) == labeler.session.decision_at(row)
