"""lw.Team on a shared store: who labels what, agreement between people, conflicts, adjudication and gold.

Runs on SQLite and on a PostgreSQL server the tests start themselves (`any_store_url`).
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
import time

import krippendorff
import numpy as np
import pandas as pd
import pytest

import labelwidgets as lw
from labelwidgets.team.team import Team


def items(n: int = 20) -> pd.DataFrame:
    return pd.DataFrame({"text": [f"message {i}" for i in range(n)]}, index=pd.Index(range(100, 100 + n), name="id"))


def label_until_done(labeler: lw.Labeler, answer=lambda text: "ham") -> int:
    done = 0
    while labeler.session.first_undecided() is not None:
        row = labeler.session.row_at(labeler.position)
        labeler.label(answer(labeler.df["text"].iat[row]))
        done += 1
        assert done <= len(labeler.df), "the queue never ran out"
    return done


def test_with_overlap_two_every_item_gets_two_labels_and_queues_skip_full_items(any_store_url):
    team = Team(any_store_url, items(), labels=["ham", "spam"], overlap=2, poll=0.2)
    try:
        ana, ben = team.labeler("ana"), team.labeler("ben")  # each claims the first item on opening
        assert ana.stats["remaining"] == 20
        assert label_until_done(ana) == 20
        assert label_until_done(ben) == 20
        cem = team.labeler("cem")
        assert cem.stats["remaining"] == 0 and cem.session.first_undecided() is None  # nothing left for a third
        per_item = team.decisions.groupby("key")["annotator"].nunique()
        assert len(per_item) == 20 and (per_item == 2).all()
        assert set(team.decisions["key"]) == set(range(100, 120))  # the DataFrame's own keys
    finally:
        team.close()


def test_a_third_person_gets_what_the_first_two_have_not_finished(any_store_url):
    team = Team(any_store_url, items(10), labels=["ham", "spam"], overlap=2, poll=0.2)
    try:
        ana, ben = team.labeler("ana"), team.labeler("ben")
        for _ in range(6):
            ana.label("ham")
        for _ in range(3):
            ben.label("spam")
        ben.close()  # ben's view claims his next item while it is open; closing gives it back after claim_ttl
        team.store.release_claim(ben.session.key_at(3), "ben")
        cem = team.labeler("cem")
        # items 0-2 have two labels; 3-5 one (ana's); 6-9 none: cem may do 3..9
        assert cem.stats["remaining"] == 7
        assert cem.session.row_at(cem.position) == 3
    finally:
        team.close()


def test_calibration_items_come_first_for_everyone_whatever_the_overlap(any_store_url):
    team = Team(any_store_url, items(20), labels=["ham", "spam"], overlap=1, calibration=0.2, seed=4, poll=0.2)
    try:
        calibration = set(np.flatnonzero(team.calibration_rows).tolist())
        assert len(calibration) == 4
        ana, ben = team.labeler("ana"), team.labeler("ben")
        label_until_done(ana)
        team.refresh()
        first = [ben.session.row_at(r) for r in range(4)]
        assert set(first) == calibration  # in front, in the DataFrame's order
        assert ben.stats["remaining"] == 4  # overlap 1: the rest are done
        label_until_done(ben)
        labels_per_item = team.decisions.groupby("key")["annotator"].nunique()
        assert (labels_per_item[[100 + r for r in calibration]] == 2).all()
    finally:
        team.close()


def test_explicit_assignment_keeps_items_for_their_person(any_store_url):
    team = Team(any_store_url, items(10), labels=["ham", "spam"], overlap=1, poll=0.2)
    try:
        team.assign({"ana": [100, 101, 102], "ben": [103, 104]})
        ana, ben = team.labeler("ana"), team.labeler("ben")
        assert ana.stats["remaining"] == 8  # not ben's two
        assert ben.stats["remaining"] == 7  # not ana's three
        with pytest.raises(lw.InputError, match="not items"):
            team.assign({"ana": [999]})
    finally:
        team.close()


def test_assigning_an_item_to_more_people_than_overlap_is_refused_with_the_items(any_store_url):
    team = Team(any_store_url, items(20), labels=["ham", "spam"], overlap=2, calibration=0.1, seed=1, poll=0.2)
    try:
        calibration = [100 + int(r) for r in np.flatnonzero(team.calibration_rows)]
        ordinary = [k for k in range(100, 120) if k not in calibration]
        crowded = ordinary[:8]
        with pytest.raises(lw.InputError, match=r"8 item\(s\) would go to more than overlap=2 people") as refused:
            team.assign({"ana": crowded, "ben": crowded, "cem": crowded[:8]})
        message = str(refused.value)
        assert f"{crowded[0]!r} to ['ana', 'ben', 'cem']" in message and "and 3 more" in message
        assert "larger overlap=" in message and "at most 2 people" in message
        assert team.store.assignments() == {}  # refused before anything was stored

        team.assign({"ana": [ordinary[0]], "ben": [ordinary[0]]})  # two people: what overlap=2 carries out
        with pytest.raises(lw.InputError, match="earlier assignments count too") as refused:
            team.assign({"cem": [ordinary[0]]})
        assert f"{ordinary[0]!r} to ['ana', 'ben', 'cem']" in str(refused.value)
        team.assign({"ana": calibration, "ben": calibration, "cem": calibration})  # everyone labels these anyway
        assert team.store.assignments()["cem"] == {str(k) for k in calibration}
    finally:
        team.close()


def test_a_claimed_item_is_not_offered_to_others_until_the_claim_runs_out(any_store_url):
    team = Team(any_store_url, items(5), labels=["ham", "spam"], overlap=1, poll=0.2, claim_ttl=1.5)
    try:
        ana = team.labeler("ana")
        assert ana.session.reserve([0, 1]) == [0, 1]  # what ana's view does before showing her next items
        ben = team.labeler("ben")
        assert ben.session.row_at(ben.position) == 2  # ana holds 0 and 1
        assert ben.session.reserve([0]) == []
        time.sleep(1.7)
        team.refresh()
        assert ben.stats["remaining"] == 5  # her claims ran out: open again
    finally:
        team.close()


def disagreeing_team(url: str) -> Team:
    team = Team(url, items(12), labels=["ham", "spam"], overlap=3, poll=0.2)
    answers = {
        "ana": lambda t: "spam" if int(t.split()[1]) % 3 == 0 else "ham",
        "ben": lambda t: "spam" if int(t.split()[1]) % 4 == 0 else "ham",
        "cem": lambda t: "spam" if int(t.split()[1]) % 2 == 0 else "ham",
    }
    for name, answer in answers.items():
        label_until_done(team.labeler(name), answer)
    return team


def test_agreement_between_people_equals_krippendorff_and_statsmodels(any_store_url):
    from statsmodels.stats.inter_rater import aggregate_raters, fleiss_kappa

    team = disagreeing_team(any_store_url)
    try:
        table = team.agreement(n_boot=0)
        decisions = team.decisions
        wide = decisions.pivot(index="key", columns="annotator", values="label")
        codes = wide.replace({"ham": 0, "spam": 1}).to_numpy(dtype=float).T
        alpha = table[(table.metric == "krippendorff_alpha") & table.label.isna()]["value"].iloc[0]
        assert alpha == pytest.approx(krippendorff.alpha(codes, level_of_measurement="nominal"), abs=1e-9)
        counts, _ = aggregate_raters(codes.T.astype(int))
        fleiss = table[(table.metric == "fleiss_kappa") & table.label.isna()]["value"].iloc[0]
        assert fleiss == pytest.approx(fleiss_kappa(counts), abs=1e-9)
    finally:
        team.close()


def test_two_members_who_disagree_give_the_adjudicator_a_choice_not_an_error(tmp_path):
    """Regression: on a tie the adjudicator showed "no value in this row" in red (item and banner) and Enter did
    nothing. Each member's answer is now the choice shown, one of them pre-selected, and Enter takes it."""
    team = Team(tmp_path / "team.db", items(3), labels=["ham", "spam"], overlap=2, poll=0.2)
    try:
        label_until_done(team.labeler("ana"), lambda text: "spam" if text.endswith("1") else "ham")
        label_until_done(team.labeler("ben"), lambda text: "ham" if text.endswith("1") else "spam")
        judge = team.adjudicator("judge")
        assert judge.df["key"].tolist() == [100, 101, 102] and judge.df["majority"].isna().all()  # three ties
        widget = judge.widget
        for rank, first_said in enumerate(["ham", "spam", "ham"]):
            row = judge.session.row_at(rank)
            judge.session.prefetcher.wait(row, timeout=10)
            payload = widget.item_payload(rank)
            assert payload["suggestion_status"] == "ready", payload  # not "invalid": nothing is wrong here
            suggestion = payload["suggestion"]
            other = "spam" if first_said == "ham" else "ham"
            assert suggestion["label"] == first_said and suggestion["error"] is None
            assert suggestion["rationale"].startswith(f"ana: {first_said} · ben: {other}: a tie")
            assert "Enter keeps it" in suggestion["rationale"]
        assert not judge.errors and not widget.status["errors"]  # no red banner either
        event = judge.accept()  # Enter
        assert (event.action, event.label) == ("accepted", "ham")
        judge.label("ham")  # overrule the pre-selected spam
        gold = team.gold.set_index("key")
        assert gold.loc[100, "how"] == "adjudicated" and gold.loc[100, "label"] == "ham"
        assert gold.loc[101, "label"] == "ham" and gold.loc[102, "how"] == "unresolved"
    finally:
        team.close()


def test_the_adjudicator_pre_selects_the_majority_and_says_who_said_what(tmp_path):
    team = disagreeing_team(f"sqlite:///{tmp_path / 'team.db'}")
    try:
        judge = team.adjudicator("judge")
        frame = judge.df.set_index("key")
        conflicts = team.conflicts.set_index("key")
        assert frame["majority"].tolist() == conflicts.loc[frame.index, "majority"].tolist()
        assert frame["pre-selected"].tolist() == frame["majority"].tolist()  # three members: always a majority
        first = frame.iloc[0]
        said = [f"{who}: {conflicts.loc[frame.index[0], 'labels'][who]}" for who in ("ana", "ben", "cem")]
        assert first["team said"].startswith(" · ".join(said) + ": the majority, 2 of 3, is pre-selected")
    finally:
        team.close()


def test_conflicts_adjudication_and_gold(any_store_url):
    team = disagreeing_team(any_store_url)
    try:
        conflicts = team.conflicts
        # unanimous where all three say the same: i % 12 == 0 (all spam) or i odd and not % 3 (all ham)
        unanimous = {i for i in range(12) if len({i % 3 == 0, i % 4 == 0, i % 2 == 0}) == 1}
        assert set(conflicts["key"]) == {100 + i for i in range(12) if i not in unanimous}
        gold = team.gold.set_index("key")
        assert (gold.loc[[100 + i for i in unanimous], "how"] == "unanimous").all()
        assert set(gold["how"]) <= {"unanimous", "majority"}

        judge = team.adjudicator("judge")
        assert len(judge.df) == len(conflicts)
        first_key = judge.df["key"].iat[judge.session.row_at(judge.position)]
        said = [c for c in judge.df.columns if c.startswith("said by ")]
        assert sorted(said) == ["said by ana", "said by ben", "said by cem"]
        majority = conflicts.set_index("key").loc[first_key, "majority"]
        event = judge.accept()  # the majority, pre-selected
        assert event.label == majority and event.annotator == "judge"
        judge.label("spam" if majority == "ham" else "ham")  # overrule the majority on the next conflict
        second_key = judge.df["key"].iat[1] if judge.df["key"].iat[0] == first_key else judge.df["key"].iat[0]
        gold = team.gold.set_index("key")
        assert gold.loc[first_key, "how"] == "adjudicated" and gold.loc[first_key, "label"] == majority
        assert gold.loc[second_key, "how"] == "adjudicated"
        assert "judge" not in set(team.decisions["annotator"])  # nobody's labels changed; gold is its own
        assert len(team.decisions) == 36
        with pytest.raises(lw.InputError, match="adjudicates"):
            team.labeler("judge")
    finally:
        team.close()


def test_the_team_dashboard_follows_decisions_from_another_process(tmp_path):
    url = f"sqlite:///{tmp_path / 'team.db'}"
    team = Team(url, items(8), labels=["ham", "spam"], overlap=2, poll=0.2)
    try:
        label_until_done(team.labeler("ana"), lambda t: "spam" if int(t.split()[1]) % 2 else "ham")
        dash = team.dashboard()
        assert list(dash.figure.data[0].x) == ["ana", "done"]
        writer = textwrap.dedent(
            f"""
            import pandas as pd
            from labelwidgets.team.team import Team
            texts = [f"message {{i}}" for i in range(8)]
            df = pd.DataFrame({{"text": texts}}, index=pd.Index(range(100, 108), name="id"))
            team = Team({url!r}, df, labels=["ham", "spam"], overlap=2)
            ben = team.labeler("ben")
            while ben.session.first_undecided() is not None:
                ben.label("spam")
            team.close()
            """
        )
        subprocess.run([sys.executable, "-c", writer], check=True, timeout=120)
        deadline = time.monotonic() + 20
        while "ben" not in list(dash.figure.data[0].x) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert list(dash.figure.data[0].x) == ["ana", "ben", "done"]
        assert list(dash.figure.data[0].y) == [8, 8, 8]
        pairs = dash.summary()
        kappa = pairs[(pairs.metric == "cohen_kappa") & pairs.annotator.notna()]["value"].iloc[0]
        assert dash.figure.data[1].z[0][1] == pytest.approx(kappa)
        assert "Krippendorff's alpha" in dash.figure.layout.title.text
        dash.close()
    finally:
        team.close()


def test_bad_input_is_refused_with_what_to_do(tmp_path):
    url = f"sqlite:///{tmp_path / 'team.db'}"
    with pytest.raises(lw.InputError, match="shared store"):
        Team(None, items(), labels=["a", "b"])
    with pytest.raises(lw.InputError, match="overlap"):
        Team(url, items(), labels=["a", "b"], overlap=0)
    dup = items(4)
    dup.index = [1, 1, 2, 3]
    with pytest.raises(lw.InputError, match="unique"):
        Team(url, dup, labels=["a", "b"])
    team = Team(url, items(), labels=["a", "b"])
    try:
        with pytest.raises(lw.InputError, match="needs a name"):
            team.labeler("")
    finally:
        team.close()


MEMBER = textwrap.dedent(
    """
    import sys, time, pandas as pd
    from labelwidgets.team.team import Team
    url, name, start = sys.argv[1], sys.argv[2], float(sys.argv[3])
    df = pd.DataFrame({"text": [f"message {i}" for i in range(100)]})
    team = Team(url, df, labels=["ham", "spam"], overlap=2, poll=0.2)
    labeler = team.labeler(name)
    while time.time() < start:
        time.sleep(0.01)
    from labelwidgets.errors import InputError
    done = refused = 0
    while labeler.session.open_count() and refused < 1000:
        try:
            labeler.label("spam" if done % 2 else "ham")
        except InputError as error:  # the item in view went to the others first: the queue moves on
            assert "not yours to label" in str(error), error
            refused += 1
            continue
        done += 1
        time.sleep(0.005)  # a person takes a moment; without it one process would take everything first
    print(done)
    team.close()
    """
)


def test_three_people_at_once_with_overlap_two_leave_no_item_short(any_store_url, capsys):
    start = time.time() + 4
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", MEMBER, any_store_url, name, str(start)], stdout=subprocess.PIPE, text=True
        )
        for name in ("ana", "ben", "cem")
    ]
    outputs = [p.communicate(timeout=240)[0] for p in procs]
    assert all(p.returncode == 0 for p in procs), outputs
    df = pd.DataFrame({"text": [f"message {i}" for i in range(100)]})
    team = Team(any_store_url, df, labels=["ham", "spam"], overlap=2)
    try:
        per_item = team.decisions.groupby("key")["annotator"].nunique()
        assert len(per_item) == 100
        assert per_item.min() >= 2 and per_item.max() <= 3
        extra = int((per_item == 3).sum())
        with capsys.disabled():
            print(
                f"\n[{any_store_url.split(':')[0]}] 3 people, overlap 2, 100 items: {extra} over-assigned, "
                f"labels per person {sorted(int(o) for o in outputs)}"
            )
        assert extra <= 10
    finally:
        team.close()


def test_show_others_lets_members_see_labels_given_so_far_but_never_the_suggester(tmp_path):
    url = f"sqlite:///{tmp_path / 'team.db'}"
    seen_fields: list[set[str]] = []

    class Peeking:
        name = "peeking"

        def suggest(self, items, labels):
            seen_fields.extend(set(item.fields) for item in items)
            return [lw.Suggestion(label="ham") for _ in items]

    blind = Team(f"sqlite:///{tmp_path / 'blind.db'}", items(6), labels=["ham", "spam"], overlap=2, poll=0.2)
    assert "others said" not in blind.labeler("zed").df.columns  # blind by default
    blind.close()
    team = Team(url, items(6), labels=["ham", "spam"], overlap=2, poll=0.2, show_others=True)
    try:
        ana = team.labeler("ana")
        ana.label("spam")
        ana.label("ham")
        ben = team.labeler("ben", suggester=Peeking())
        assert ben.current["others said"] == "ana: spam"
        assert ben.df["others said"].iloc[:2].tolist() == ["ana: spam", "ana: ham"] and pd.isna(
            ben.df["others said"].iat[2]
        )
        ben.session.prefetcher.wait(ben.session.row_at(ben.position), timeout=10)
        assert seen_fields and all("others said" not in fields for fields in seen_fields)
        recorded = [s for s in team.store.sessions() if s.get("role") == "member"]
        assert recorded and all(s["show_others"] for s in recorded if s["annotator"] in ("ana", "ben"))
    finally:
        team.close()


def test_the_teams_gold_is_a_human_reference_for_agreement_and_its_charts(tmp_path):
    from sklearn.metrics import cohen_kappa_score

    team = disagreeing_team(f"sqlite:///{tmp_path / 'team.db'}")
    try:
        items = team.with_gold()
        assert items["gold_how"].notna().all() and set(items["gold_how"]) <= {"unanimous", "majority"}
        items["llm"] = ["spam" if i % 2 == 0 else "ham" for i in range(len(items))]
        table = lw.agreement(items, label="gold", suggestion="llm")
        kappa = table[(table["group"] == "all") & (table["metric"] == "cohen_kappa")]["value"].iloc[0]
        assert kappa == pytest.approx(cohen_kappa_score(items["gold"], items["llm"]))
        figure = lw.plot_agreement(
            items, label="gold", suggestion="llm", decision=None, confidence=None, decided_at=None
        )
        assert len(figure.data) > 0
    finally:
        team.close()
