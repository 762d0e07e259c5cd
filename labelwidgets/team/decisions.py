"""A team's decisions in force, read from the shared store: one row per item and annotator.

Every annotator's events are in one table; each person's decision in force on each item is what their own labeling
session folds (`session.fold.latest_in_force`, the one rule).
Vectorised: one query and a few array operations however many decisions there are.
"""

from __future__ import annotations

from collections.abc import Collection

import pandas as pd

from labelwidgets.decision import ANSWERING
from labelwidgets.session.fold import latest_in_force

#: Actions that give the item a label (a skip or a rejection without a label is a decision, not a rating).
LABELING_ACTIONS = ANSWERING
COLUMNS = ["key", "annotator", "label", "action", "note", "suggestion", "decided_at", "id"]


def in_force(events: pd.DataFrame, *, exclude: Collection[str] = ()) -> pd.DataFrame:
    """Each (item, annotator)'s decision in force from an event frame (`Store.events_frame`), oldest first.

    Columns: ``key`` (the stored item key), ``annotator``, ``label`` (missing for a skip or rejection),
    ``action``, ``note``, ``suggestion``, ``decided_at``, ``id``. Annotators in ``exclude`` (adjudicators)
    are left out.
    """
    if events.empty:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in COLUMNS})
    frame = events.sort_values("id", kind="stable")
    if exclude:
        frame = frame[~frame["annotator"].isin(list(exclude))]
    # Adjudicators are left out before folding: an undo is always by the person whose event it reverts.
    latest = latest_in_force(frame.reset_index(drop=True))
    out = latest.rename(columns={"item_key": "key"})
    for column in COLUMNS:
        if column not in out.columns:
            out[column] = None
    return out[COLUMNS].reset_index(drop=True)


def ratings(decisions: pd.DataFrame) -> pd.DataFrame:
    """The decisions that carry a label: one rating per item and annotator."""
    return decisions[decisions["label"].notna() & decisions["action"].isin(LABELING_ACTIONS)]
