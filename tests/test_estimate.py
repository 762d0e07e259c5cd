"""lw.estimate: the prediction-powered share with its interval, equal to ppi_py; valid coverage by simulation; the
people-only and model-only shares beside it; a Labeler's order decides whether the interval is valid."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from ppi_py import classical_mean_ci, ppi_mean_ci

import labelwidgets as lw
from labelwidgets.metrics.estimate import _ppi


def simulated(n_rows: int, n_labeled: int, accuracy: float, prevalence: float, seed: int) -> pd.DataFrame:
    """Rows with a true label (spam / ham), a model right with probability ``accuracy``, and people's labels (equal to
    the truth) on a random sample of ``n_labeled`` rows."""
    rng = np.random.default_rng(seed)
    truth = np.where(rng.random(n_rows) < prevalence, "spam", "ham")
    flip = rng.random(n_rows) > accuracy
    model = np.where(flip, np.where(truth == "spam", "ham", "spam"), truth)
    people = np.full(n_rows, None, dtype=object)
    sample = rng.choice(n_rows, n_labeled, replace=False)
    people[sample] = truth[sample]
    return pd.DataFrame({"truth": truth, "llm": model, "label": people})


@pytest.mark.parametrize("seed", range(5))
def test_the_estimate_equals_ppi_py_and_the_people_only_one_classical_mean_ci(seed):
    df = simulated(3000, 200, accuracy=0.8, prevalence=0.15, seed=seed)
    table = lw.estimate(df, suggestion="llm", of="spam", ci=0.9).set_index("method")
    labeled = df[df["label"].notna()]
    y = (labeled["label"] == "spam").to_numpy(float)
    y_hat = (labeled["llm"] == "spam").to_numpy(float)
    y_hat_unlabeled = (df.loc[df["label"].isna(), "llm"] == "spam").to_numpy(float)
    low, high = ppi_mean_ci(y, y_hat, y_hat_unlabeled, alpha=0.1)
    ppi = table.loc["prediction-powered"]
    assert ppi["low"] == pytest.approx(float(np.squeeze(low)), abs=1e-9)
    assert ppi["high"] == pytest.approx(float(np.squeeze(high)), abs=1e-9)
    assert (ppi["n"], ppi["N"]) == (200, 3000)
    c_low, c_high = classical_mean_ci(y, alpha=0.1)
    people = table.loc["people only"]
    assert (people["low"], people["high"]) == (pytest.approx(c_low, abs=1e-9), pytest.approx(c_high, abs=1e-9))
    assert table.loc["model only", "estimate"] == pytest.approx((df["llm"] == "spam").mean())
    assert np.isnan(table.loc["model only", "low"])
    assert ppi["sentence"].startswith(f"between {ppi['low']:.1%} and {ppi['high']:.1%} of the 3,000 rows are spam")


def coverage(accuracy: float, prevalence: float, runs: int, n_rows: int = 2000, n_labeled: int = 150):
    """Over ``runs`` random samples: the share of prediction-powered intervals that cover the true share, and the
    share narrower than the people-only interval."""
    z = 1.959963984540054
    covered = narrower = 0
    for seed in range(runs):
        rng = np.random.default_rng(seed)
        truth = rng.random(n_rows) < prevalence
        model = np.where(rng.random(n_rows) > accuracy, ~truth, truth).astype(float)
        labeled = np.zeros(n_rows, dtype=bool)
        labeled[rng.choice(n_rows, n_labeled, replace=False)] = True
        y = truth[labeled].astype(float)
        _, low, high, _, _ = _ppi(y, model[labeled], model[~labeled], z)
        covered += low <= truth.mean() <= high
        narrower += (high - low) < 2 * z * y.std() / np.sqrt(n_labeled)
    return covered / runs, narrower / runs


def test_the_interval_covers_the_truth_and_is_narrower_than_people_alone_when_the_model_is_good():
    covers, narrower = coverage(accuracy=0.8, prevalence=0.2, runs=1000)
    assert covers >= 0.94
    assert narrower >= 0.95


def test_a_bad_model_never_makes_the_interval_invalid_it_only_stops_helping():
    covers, _ = coverage(accuracy=0.5, prevalence=0.3, runs=1000)  # a coin
    assert covers >= 0.94


def test_every_label_by_group_and_sets_of_labels():
    df = simulated(1000, 120, accuracy=0.9, prevalence=0.3, seed=1)
    df["source"] = np.where(np.arange(1000) % 2, "web", "app")
    table = lw.estimate(df, suggestion="llm", by="source")
    assert set(table["group"]) == {"app", "web"} and set(table["of"]) == {"ham", "spam"}
    assert len(table) == 2 * 2 * 3
    sets = df.assign(label=df["label"].map(lambda v: None if v is None else [v, "urgent"]),
                     llm=df["llm"].map(lambda v: [v]))  # fmt: skip
    multi = lw.estimate(sets, suggestion="llm", of="urgent").set_index("method")
    assert multi.loc["people only", "estimate"] == 1.0 and multi.loc["model only", "estimate"] == 0.0


def test_a_labeler_says_when_its_labels_are_not_a_random_sample(tmp_path):
    df = simulated(300, 0, accuracy=0.85, prevalence=0.3, seed=2).drop(columns="label")
    df["text"] = [f"message {i}" for i in range(300)]
    for order, valid in (("random", True), ("uncertain", False)):
        frame = df.copy()
        frame["confidence"] = np.linspace(0.5, 1, 300)
        labeler = lw.Labeler(frame, labels=["ham", "spam"], store=None, order=order,
                             suggester=lw.FromColumn("llm", confidence="confidence"))  # fmt: skip
        for _ in range(40):
            row = labeler.session.row_at(labeler.session.cursor)
            labeler.label(frame["truth"].iat[row])
        row = lw.estimate(labeler, of="spam").set_index("method").loc["prediction-powered"]
        assert bool(row["valid"]) is valid and row["n"] == 40 and row["N"] == 300
        if not valid:
            assert "order='uncertain'" in row["note"] and "not valid" in row["sentence"]
        labeler.close()


def test_bad_input_says_what_to_do():
    df = simulated(500, 5, accuracy=0.8, prevalence=0.2, seed=3)
    with pytest.raises(lw.InputError, match="at least 10"):
        lw.estimate(df, suggestion="llm", of="spam")
    with pytest.raises(lw.InputError, match=r"suggestion='\.\.\.'"):
        lw.estimate(df)
    with pytest.raises(lw.InputError, match="no column 'nope'"):
        lw.estimate(df, suggestion="nope")
    with pytest.raises(lw.InputError, match="between 0 and 1"):
        lw.estimate(df, suggestion="llm", ci=95)
    labeler = lw.Labeler(df.assign(text="x").drop(columns="label"), labels=["ham", "spam"], store=None)
    with pytest.raises(lw.InputError, match=r"lw\.suggest"):
        lw.estimate(labeler)
    gaps = simulated(500, 100, accuracy=0.8, prevalence=0.2, seed=4)
    gaps.loc[:9, "llm"] = None
    row = lw.estimate(gaps, suggestion="llm", of="spam").set_index("method").loc["prediction-powered"]
    assert "10 row(s) without the model's label left out" in row["note"] and row["N"] == 490


def test_on_real_messages_with_a_keyword_model_it_equals_ppi_py():
    """The bundled SMS sample (real messages, real labels): a crude keyword model on every message, people's labels
    on a random 120 of them."""
    df = lw.datasets.sms_spam()
    words = ("free", "txt", "claim", "prize", "call", "mobile", "win", "urgent", "£")
    df["rule"] = ["spam" if any(w in t.lower() for w in words) else "ham" for t in df["text"]]
    sample = np.random.default_rng(7).choice(len(df), 120, replace=False)
    df["label"] = None
    df.iloc[sample, df.columns.get_loc("label")] = df["gold"].iloc[sample]
    row = lw.estimate(df, suggestion="rule", of="spam").set_index("method").loc["prediction-powered"]
    labeled = df["label"].notna().to_numpy()
    spam = (df["rule"] == "spam").to_numpy(float)
    low, high = ppi_mean_ci((df.loc[labeled, "label"] == "spam").to_numpy(float), spam[labeled], spam[~labeled],
                            alpha=0.05)  # fmt: skip
    assert (row["low"], row["high"]) == (pytest.approx(float(np.squeeze(low)), abs=1e-9),
                                         pytest.approx(float(np.squeeze(high)), abs=1e-9))  # fmt: skip
    assert row["low"] <= (df["gold"] == "spam").mean() <= row["high"]
