"""lw.estimate on a Labeler whose labels were given in an order that is not random, then audited by a random sample on
the same store (the fix the estimate offers), and on a Team; equal to ppi_py on the audit."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from ppi_py import classical_mean_ci, ppi_mean_ci

import labelwidgets as lw
from labelwidgets.team.team import Team


def messages(n: int = 400, seed: int = 5) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    truth = np.where(rng.random(n) < 0.3, "spam", "ham")
    model = np.where(rng.random(n) > 0.85, np.where(truth == "spam", "ham", "spam"), truth)
    return pd.DataFrame(
        {"text": [f"message {i}" for i in range(n)], "truth": truth, "llm": model, "confidence": rng.random(n)}
    )


def label_next(labeler: lw.Labeler, frame: pd.DataFrame, count: int) -> list[int]:
    rows = []
    for _ in range(count):
        row = labeler.session.row_at(labeler.session.cursor)
        labeler.label(frame["truth"].iat[row])
        rows.append(row)
    return rows


def test_labels_in_uncertain_order_are_not_valid_until_a_random_audit_on_the_same_store(tmp_path):
    frame = messages()
    store = tmp_path / "labels.db"
    suggester = lw.FromColumn("llm", confidence="confidence")
    ordered = lw.Labeler(frame, labels=["ham", "spam"], store=store, order="uncertain", suggester=suggester)
    first = label_next(ordered, frame, 50)
    row = lw.estimate(ordered, of="spam").set_index("method").loc["prediction-powered"]
    assert not row["valid"] and "not valid" in row["sentence"]
    assert "order='uncertain'" in row["note"] and "order='random' on the same store" in row["note"]
    ordered.close()

    audit = lw.Labeler(frame, labels=["ham", "spam"], store=store, order="random", suggester=suggester)
    sample = label_next(audit, frame, 60)
    assert not set(sample) & set(first)
    table = lw.estimate(audit, of="spam").set_index("method")
    ppi = table.loc["prediction-powered"]
    assert bool(ppi["valid"]) and "audit: the 50 rows labeled in order='uncertain' count as known" in ppi["note"]
    assert (ppi["n"], ppi["N"]) == (60, 400)

    # By hand: the 50 ordered rows are known; the audit is a random sample of the other 350.
    rest = np.setdiff1d(np.arange(400), first)
    unlabeled = np.setdiff1d(rest, sample)
    y = (frame["truth"].to_numpy()[sample] == "spam").astype(float)
    y_hat = (frame["llm"].to_numpy()[sample] == "spam").astype(float)
    y_hat_unlabeled = (frame["llm"].to_numpy()[unlabeled] == "spam").astype(float)
    known_spam = float((frame["truth"].to_numpy()[first] == "spam").sum())
    low, high = (float(np.squeeze(v)) for v in ppi_mean_ci(y, y_hat, y_hat_unlabeled, alpha=0.05))
    assert ppi["low"] == pytest.approx((known_spam + len(rest) * low) / 400, abs=1e-9)
    assert ppi["high"] == pytest.approx((known_spam + len(rest) * high) / 400, abs=1e-9)
    c_low, c_high = classical_mean_ci(y, alpha=0.05)
    people = table.loc["people only"]
    assert people["low"] == pytest.approx((known_spam + len(rest) * c_low) / 400, abs=1e-9)
    assert people["high"] == pytest.approx((known_spam + len(rest) * c_high) / 400, abs=1e-9)
    assert "from 110 people's labels alone" in ppi["sentence"]
    audit.close()


def test_too_small_an_audit_keeps_the_estimate_not_valid(tmp_path):
    frame = messages(200)
    store = tmp_path / "labels.db"
    ordered = lw.Labeler(frame, labels=["ham", "spam"], store=store, order="uncertain",
                         suggester=lw.FromColumn("llm", confidence="confidence"))  # fmt: skip
    label_next(ordered, frame, 30)
    ordered.close()
    audit = lw.Labeler(frame, labels=["ham", "spam"], store=store, order="random",
                       suggester=lw.FromColumn("llm", confidence="confidence"))  # fmt: skip
    label_next(audit, frame, 5)
    row = lw.estimate(audit, of="spam").set_index("method").loc["prediction-powered"]
    assert not row["valid"] and "at least 10" in row["note"] and row["n"] == 35
    audit.close()


def test_an_in_memory_labeler_is_told_to_keep_its_labels_in_a_file_for_the_audit():
    frame = messages(200)
    ordered = lw.Labeler(frame, labels=["ham", "spam"], store=None, order="uncertain",
                         suggester=lw.FromColumn("llm", confidence="confidence"))  # fmt: skip
    label_next(ordered, frame, 20)
    row = lw.estimate(ordered, of="spam").set_index("method").loc["prediction-powered"]
    assert not row["valid"] and "store='labels.db'" in row["note"]
    ordered.close()


def test_a_team_estimates_from_its_gold_labels(tmp_path):
    frame = messages(120).drop(columns="confidence").set_index(pd.Index([f"m{i}" for i in range(120)], name="key"))
    team = Team(tmp_path / "team.db", frame, labels=["ham", "spam"], overlap=2, poll=0.2)
    try:
        members = [team.labeler(name) for name in ("ana", "ben")]
        for labeler in members:
            for _ in range(40):
                row = labeler.session.row_at(labeler.session.cursor)
                labeler.label(frame["truth"].iat[row])
        gold = team.with_gold()
        assert gold["gold"].notna().sum() == 40
        table = lw.estimate(team, suggestion="llm", of="spam").set_index("method")
        ppi = table.loc["prediction-powered"]
        assert (ppi["n"], ppi["N"]) == (40, 120) and bool(ppi["valid"]) and "Team" in ppi["note"]
        settled = gold["gold"].notna().to_numpy()
        y = (gold["gold"].to_numpy()[settled] == "spam").astype(float)
        spam = (frame["llm"] == "spam").to_numpy(float)
        low, high = ppi_mean_ci(y, spam[settled], spam[~settled], alpha=0.05)
        assert ppi["low"] == pytest.approx(float(np.squeeze(low)), abs=1e-9)
        assert ppi["high"] == pytest.approx(float(np.squeeze(high)), abs=1e-9)
        with pytest.raises(lw.InputError, match="suggestion="):
            lw.estimate(team)
    finally:
        team.close()


def test_a_labelers_column_of_sets_saved_as_json_text_is_read_as_sets_and_a_frames_is_refused_with_the_fix():
    import json

    from labelwidgets.widgets.dashboard import Dashboard

    df = lw.datasets.goemotions().copy()
    rng = np.random.default_rng(5)
    sets = [sorted(x for x in answer if rng.random() < 0.85) for answer in df["gold"]]
    df["llm"] = [json.dumps(s) for s in sets]  # as a CSV keeps them; FromColumn reads this text
    df.loc[df.index[3], "llm"] = '["awe"]'  # not one of the labels: an invalid suggestion, no model answer
    gold = df.pop("gold").tolist()
    labels = sorted({name for answer in gold for name in answer})
    with pytest.warns(UserWarning, match="1 of 600 values"):
        labeler = lw.Labeler(df, labels=labels, kind="multi", store=None, order="random",
                             suggester=lw.FromColumn("llm"))  # fmt: skip
    for _ in range(30):
        labeler.label(gold[labeler.session.row_at(labeler.position)])
    got = lw.estimate(labeler, of="joy").set_index("method")
    # the same rows given as lists, the invalid one left out, are the reference
    as_lists = labeler.df.assign(llm=[s if i != 3 else None for i, s in enumerate(sets)])
    expected = lw.estimate(as_lists, label="label", suggestion="llm", of="joy").set_index("method")
    assert got[["estimate", "low", "high"]].to_numpy() == pytest.approx(
        expected[["estimate", "low", "high"]].to_numpy(), nan_ok=True
    )
    assert got.loc["model only", "estimate"] > 0.3  # the model's sets were read, not taken for unknown labels
    assert "1 row(s) without the model's label left out" in got.loc["prediction-powered", "note"]
    dash = Dashboard(labeler, n_boot=0, estimate="joy")
    try:
        row = dash.estimates().set_index("metric").loc["estimate"]
        assert (row["value"], row["low"], row["high"]) == pytest.approx(
            tuple(got.loc["prediction-powered", ["estimate", "low", "high"]]), abs=1e-12
        )
    finally:
        dash.close()
        labeler.close()
    with pytest.raises(lw.InputError, match=r"holds text that reads as lists.*map\(json.loads\)"):
        lw.estimate(labeler.df, label="label", suggestion="llm", of="joy")
