"""lw.labels_needed: the closed forms, and by simulation that the interval at the returned n is as narrow as asked.

Shares: the normal interval lw.estimate's people-only row reports; kappa: Cohen's (1960) normal interval
(``metrics.counts.kappa_normal_interval``), on pairs of labels simulated at the stated kappa and label shares with
seeds other than the one the function uses.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

import labelwidgets as lw
from labelwidgets.errors import InputError
from labelwidgets.metrics.counts import kappa_from_counts, kappa_normal_interval

Z95 = 1.959963984540054


def test_the_share_formula_gives_the_textbook_numbers():
    assert lw.labels_needed(0.1) == 385  # ±5% at 95%, p unknown: the survey-sampling 384.16 rounded up
    assert lw.labels_needed(0.02) == 9604  # ±1%: 9,603.6
    assert lw.labels_needed(0.05, prevalence=0.1) == 554
    assert lw.labels_needed(0.1, ci=0.99) == math.ceil((2 * 2.5758293035489) ** 2 * 0.25 / 0.01)
    assert lw.labels_needed(0.1, prevalence=0.3) < lw.labels_needed(0.1)  # 0.5 is the widest case


@pytest.mark.parametrize(("width", "prevalence"), [(0.1, None), (0.05, 0.1), (0.04, 0.03), (0.2, 0.7)])
def test_the_share_interval_is_as_narrow_as_asked_at_the_returned_n(width, prevalence):
    n = lw.labels_needed(width, prevalence=prevalence)
    p = 0.5 if prevalence is None else prevalence
    rng = np.random.default_rng(11)
    shares = rng.binomial(n, p, size=20_000) / n
    widths = 2 * Z95 * np.sqrt(shares * (1 - shares) / n)
    assert widths.mean() <= width
    fewer = int(n * 0.9)  # and the number is not wasteful: a tenth fewer items miss the target
    shares = rng.binomial(fewer, p, size=20_000) / fewer
    assert (2 * Z95 * np.sqrt(shares * (1 - shares) / fewer)).mean() > width


def mean_kappa_width(n: int, kappa: float, shares: list[float], seed: int, reps: int = 6000) -> tuple[float, float]:
    p = np.asarray(shares)
    joint = (1 - kappa) * np.outer(p, p) + kappa * np.diag(p)
    rng = np.random.default_rng(seed)
    cells = rng.multinomial(n, joint.ravel(), size=reps).reshape(reps, len(p), len(p))
    agree = np.trace(cells, axis1=1, axis2=2)
    true, pred = cells.sum(axis=2), cells.sum(axis=1)
    kappas = kappa_from_counts(agree, true, pred)
    low, high = kappa_normal_interval(kappas, agree, true, pred, 0.95)
    return float(np.nanmean(high - low)), float(np.nanmean(kappas))


@pytest.mark.parametrize(
    ("width", "kappa", "shares"),
    [
        (0.2, 0.7, [0.8, 0.2]),
        (0.1, 0.7, [0.5, 0.5]),
        (0.2, 0.4, [0.9, 0.1]),
        (0.1, 0.6, [0.25] * 4),
        (0.3, 0.5, [0.95, 0.05]),
    ],
)
def test_the_kappa_interval_is_as_narrow_as_asked_at_the_returned_n(width, kappa, shares):
    labels = [f"l{i}" for i in range(len(shares))]
    n = lw.labels_needed(width, kappa=kappa, labels=labels, prevalence=dict(zip(labels, shares, strict=True)))
    for seed in (1, 2):
        mean_width, mean_kappa = mean_kappa_width(n, kappa, shares, seed)
        assert mean_width <= width
        assert mean_kappa == pytest.approx(kappa, abs=0.02)  # the simulation is at the kappa asked about
    assert mean_kappa_width(int(n * 0.9), kappa, shares, 3)[0] > width  # not wasteful


def test_kappa_defaults_and_the_cost_of_a_rare_label():
    assert lw.labels_needed(0.2, kappa=0.7) == lw.labels_needed(0.2, kappa=0.7, labels=["a", "b"], prevalence=0.5)
    balanced = lw.labels_needed(0.2, kappa=0.7, labels=["a", "b"])
    rare = lw.labels_needed(0.2, kappa=0.7, labels=["a", "b"], prevalence=[0.9, 0.1])
    assert rare > 2 * balanced
    assert lw.labels_needed(0.2, kappa=0.7, labels=["a", "b"], prevalence=0.9) == rare


def test_bad_input_is_refused():
    for width in (0, -0.1, 3, True):
        with pytest.raises(InputError, match="width"):
            lw.labels_needed(width)
    with pytest.raises(InputError, match="between 0 and 1"):
        lw.labels_needed(0.1, prevalence=1.2)
    with pytest.raises(InputError, match="for kappa"):
        lw.labels_needed(0.1, labels=["a", "b"])
    with pytest.raises(InputError, match="kappa"):
        lw.labels_needed(0.1, kappa=1.0)
    with pytest.raises(InputError, match="sum to 1"):
        lw.labels_needed(0.1, kappa=0.5, labels=["a", "b", "c"], prevalence=[0.5, 0.2, 0.2])
    with pytest.raises(InputError, match="3 labels"):
        lw.labels_needed(0.1, kappa=0.5, labels=["a", "b", "c"], prevalence=0.3)
    with pytest.raises(InputError, match="at least 2 labels"):
        lw.labels_needed(0.1, kappa=0.5, labels=["a"])
    with pytest.raises(InputError, match="from 0"):
        lw.labels_needed(0.1, kappa=-0.2, labels=["a", "b"], prevalence=0.9)
    with pytest.raises(InputError, match="ci"):
        lw.labels_needed(0.1, ci=1.5)
