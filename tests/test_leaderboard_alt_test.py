"""lw.compare on a long table of people's labels shows each suggester's alt-test verdict: lw.alt_test on the same
people and items, in the board, its text, its snapshot and its widget's state; refusals say why."""

from __future__ import annotations

import numpy as np
import pandas as pd

import labelwidgets as lw


def long_table(n_items: int = 80, people: int = 4, seed: int = 1) -> pd.DataFrame:
    """People right 80% of the time; a 'good' model right 92%, a 'bad' one 55%, on every row of its item."""
    rng = np.random.default_rng(seed)
    truth = np.where(rng.random(n_items) < 0.4, "spam", "ham")

    def noisy(rate: float) -> np.ndarray:
        return np.where(rng.random(n_items) < rate, truth, np.where(truth == "spam", "ham", "spam"))

    good, bad = noisy(0.92), noisy(0.55)
    rows = []
    for person in range(people):
        said = noisy(0.8)
        for i in range(n_items):
            rows.append({"item": f"m{i}", "text": f"message {i}", "annotator": f"p{person}", "label": said[i],
                         "good": good[i], "bad": bad[i]})  # fmt: skip
    return pd.DataFrame(rows)


def test_each_suggester_gets_the_alt_test_of_lw_alt_test_on_the_compared_items():
    table = long_table()
    board = lw.compare(table, item="item", annotator="annotator", human="label", text="text", progress=False,
                       suggesters={"good": lw.FromColumn("good"), "bad": lw.FromColumn("bad")}, n_boot=50)  # fmt: skip
    compared = set(board.predictions.index)
    assert len(compared) < 80  # ties between the four people were not run
    for name in ("good", "bad"):
        on_compared = table[table["item"].isin(compared)]
        llm = on_compared.drop_duplicates("item").set_index("item")[name]
        expected = lw.alt_test(on_compared[["item", "annotator", "label"]], llm=llm, item="item",
                               annotator="annotator", label="label")  # fmt: skip
        result = board.alt_tests[name]
        assert not isinstance(result, str)
        assert result.winning_rate == expected.winning_rate
        assert result.advantage_probability == expected.advantage_probability
        assert result.annotators["p_value"].tolist() == expected.annotators["p_value"].tolist()
        assert f"alt-test, {name}: {expected.sentence}" in repr(board)
    assert board.alt_tests["good"].passed and not board.alt_tests["bad"].passed
    shown = board.snapshot().alt_tests
    assert shown == tuple(board.alt_test_lines()) and len(shown) == 2
    assert board.widget.summary["alt_tests"] == list(shown)


def test_too_few_people_is_said_and_one_label_per_item_has_no_alt_test():
    table = long_table(people=2)
    board = lw.compare(table, item="item", annotator="annotator", human="label", text="text", progress=False,
                       suggesters={"good": lw.FromColumn("good")}, n_boot=0)  # fmt: skip
    verdict = board.alt_tests["good"]
    assert isinstance(verdict, str) and "3" in verdict
    assert board.alt_test_lines()[0].startswith("alt-test, good: not run: ")
    single = table[table["annotator"] == "p0"].drop(columns="annotator").set_index("item")
    plain = lw.compare(single, human="label", text="text", progress=False,
                       suggesters={"good": lw.FromColumn("good")}, n_boot=0)  # fmt: skip
    assert plain.alt_tests == {} and plain.snapshot().alt_tests == ()
    assert plain.widget.summary["alt_tests"] == []
