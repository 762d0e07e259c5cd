"""Every change to a decided item keeps what it replaced, and nothing is written where it may not be."""

from __future__ import annotations

import pandas as pd
import pytest

import labelwidgets as lw
from labelwidgets.errors import InputError
from labelwidgets.team.team import Team


def items(n: int) -> pd.DataFrame:
    return pd.DataFrame({"text": [f"message {i}" for i in range(n)]})


def test_a_member_with_an_empty_queue_cannot_add_a_label_from_python(tmp_path):
    url = f"sqlite:///{tmp_path / 'team.db'}"
    team = Team(url, items(3), labels=["ham", "spam"], overlap=1, poll=0.1)
    ana = team.labeler("ana")
    for _ in range(3):
        ana.label("ham")
    ben = team.labeler("ben")
    assert ben.session.open_count() == 0
    with pytest.raises(InputError, match=r"not yours to label.*your queue is empty"):
        ben.label("spam")
    per_item = team.decisions.groupby("key")["annotator"].nunique()
    assert per_item.max() == 1 and len(team.decisions) == 3  # no second label on an overlap=1 item
    team.close()


def test_going_back_in_a_team_revises_the_members_own_label(tmp_path):
    url = f"sqlite:///{tmp_path / 'team.db'}"
    team = Team(url, items(3), labels=["ham", "spam"], overlap=1, poll=0.1)
    ana = team.labeler("ana")
    ana.label("ham")
    ana.goto(0)
    revised = ana.label("spam")
    assert revised.action == "revised" and revised.previous_label == "ham"
    team.close()


def test_undoing_a_revision_leaves_the_item_answered_and_it_can_be_revised_again(store_path):
    df = items(3)
    labeler = lw.Labeler(df, labels=["ham", "spam"], store=store_path)
    labeler.label("ham")
    labeler.relabel(0, "spam")
    labeler.undo()  # back to "ham", and the view shows item 0
    assert labeler.position == 0 and df.loc[0, "label"] == "ham"
    again = labeler.label("spam")
    assert again.action == "revised" and again.previous_label == "ham"


def test_errors_name_keys_as_the_user_wrote_them(store_path):
    import numpy as np

    df = pd.DataFrame({"text": ["a", "b"]}, index=pd.Index([2383, 2384]))
    labeler = lw.Labeler(df, labels=["ham", "spam"], store=store_path)
    with pytest.raises(InputError) as info:
        labeler.relabel(df.index[0], "spam")  # an np.int64 from the index
    assert "item 2383 has no decision" in str(info.value) and "np.int64" not in str(info.value)
    with pytest.raises(InputError, match=r"^9 is not an item"):
        labeler.relabel(np.int64(9), "spam")
    with pytest.raises(InputError, match=r"^\('a', 1\) is not an item"):
        labeler.relabel(("a", np.int64(1)), "spam")
