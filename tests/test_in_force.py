"""One rule decides which decisions are in force; every place that folds events agrees on random streams."""

from __future__ import annotations

import datetime as dt

import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from labelwidgets.decision import FIELDS, Decision
from labelwidgets.session.fold import RESTORE_FIELDS, EventFold, Histories, in_force, latest_in_force
from labelwidgets.store.base import ItemEvent, decisions_in_force
from labelwidgets.team.decisions import in_force as team_in_force

ANNOTATORS = ("ana", "ben")
ITEMS = ('"a"', '"b"', '"c"')
WHEN = dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc)


@st.composite
def streams(draw) -> list[Decision]:
    """Decisions and undos as sessions make them, plus undos no session would send (of another person's or item's
    event, of an undo, of nothing), which must revert nothing."""
    events: list[Decision] = []
    for event_id in range(1, draw(st.integers(1, 40)) + 1):
        who = draw(st.sampled_from(ANNOTATORS))
        item = draw(st.sampled_from(ITEMS))
        kind = draw(st.sampled_from(["decide", "decide", "undo_latest", "undo_any", "undo_nothing"]))
        if kind == "decide" or not events:
            action = draw(st.sampled_from(["labeled", "accepted", "skipped", "revised"]))
            label = None if action == "skipped" else draw(st.sampled_from(["x", "y"]))
            events.append(Decision(item, action, who, WHEN, label=label, id=event_id))
            continue
        if kind == "undo_latest":  # what a session's undo names: this person's latest event in force
            mine = [e for e, kept in zip(events, in_force(frame(events)), strict=True) if kept and e.annotator == who]
            target = mine[-1] if mine else events[-1]
        elif kind == "undo_any":
            target = draw(st.sampled_from(events))
        else:
            target = None
        events.append(
            Decision(
                target.item_key if target and kind == "undo_latest" else item, "undo", who, WHEN,
                undoes=target.id if target else 10_000, id=event_id,
            )
        )  # fmt: skip
    return events


def frame(events: list[Decision]) -> pd.DataFrame:
    return pd.DataFrame([e.to_record() for e in events], columns=list(FIELDS))


def current_ids(decisions: pd.DataFrame, key: str) -> dict[tuple[str, str], int]:
    pairs = zip(decisions[key], decisions["annotator"], strict=True)
    return dict(zip(pairs, decisions["id"].astype(int), strict=True))


def by_histories(events: list[Decision]) -> dict[tuple[str, str], int]:
    histories = Histories()
    for e in events:
        histories.apply(e.id, (e.item_key, e.annotator), e.action, e.undoes)
    pairs = {(e.item_key, e.annotator) for e in events}
    return {pair: current[0] for pair in pairs if (current := histories.current(pair)) is not None}


@settings(max_examples=300, deadline=None)
@given(streams())
def test_every_fold_agrees_on_each_persons_decision_in_force(events):
    expected = by_histories(events)
    events_frame = frame(events)

    latest = latest_in_force(events_frame)
    assert current_ids(latest, "item_key") == expected
    mask = in_force(events_frame)
    assert not mask[(events_frame["action"] == "undo").to_numpy()].any()  # an undo is never in force

    team = team_in_force(events_frame)
    assert current_ids(team, "key") == expected

    for item in ITEMS:
        item_events = [
            ItemEvent(e.id, e.annotator, e.action, e.label, e.undoes) for e in events if e.item_key == item
        ]  # a store sees one item's events
        assert {who: e.id for who, e in decisions_in_force(item_events).items()} == {
            who: i for (key, who), i in expected.items() if key == item
        }

    for who in ANNOTATORS:  # a session folds one person's events: restored at once, and one at a time
        mine = [e for e in events if e.annotator == who]
        whole = frame(mine)
        restored = EventFold.from_frame(whole)
        # as a restore reads them: only the columns the fold needs (no annotator), the rest on demand
        read = EventFold.from_frame(whole[list(RESTORE_FIELDS)], complete=lambda ids, w=whole: w[w["id"].isin(ids)])
        live = EventFold()
        for e in mine:
            live.apply(e)
        for item in ITEMS:
            want = expected.get((item, who))
            for fold in (restored, read, live):
                got = fold.effective(item)
                assert (got.id if got is not None else None) == want
        kept = [e.id for e, k in zip(mine, in_force(frame(mine)), strict=True) if k] if mine else []
        for fold in (restored, read, live):  # what the next undo reverts: the latest event still in force
            latest_event = fold.latest()
            assert (latest_event.id if latest_event is not None else None) == (kept[-1] if kept else None)
