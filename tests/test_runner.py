"""The one runner behind lw.suggest and lw.compare: same failures, same validation, bounded, interruptible."""

from __future__ import annotations

import threading
from collections.abc import Sequence

import pandas as pd
import pytest

import labelwidgets as lw
from labelwidgets.labels import LabelSet
from labelwidgets.suggesters.base import Item, Suggestion
from labelwidgets.suggesters.runner import describe_error, run_suggester, run_suggesters

LABELS = LabelSet.parse(["ham", "spam"])


def items(n: int) -> list[Item]:
    return [Item(key=str(i), text=f"text {i}") for i in range(n)]


class Odd:
    """Every answer shape a user's suggester might give back, one per item, by the item's number."""

    name = "odd"

    def suggest(self, batch: Sequence[Item], labels: LabelSet) -> list[object]:
        out: list[object] = []
        for item in batch:
            i = int(item.text.split()[1])
            if i == 3:
                raise ValueError(f"cannot read {item.text!r}\nsecond line")
            answers = ["ham", Suggestion(" Spam "), Suggestion("eggs"), None, "spam", Suggestion("ham", latency=2.0)]
            out.append(answers[i])
        return out


def test_every_answer_is_validated_and_a_raising_call_costs_only_its_item() -> None:
    run = run_suggester(Odd(), items(6), LABELS, batch_size=6, progress=False)
    s = run.suggestions
    assert [x.label for x in s] == [None, "spam", None, None, None, "ham"]
    assert s[0].error == "the suggester returned str, not a Suggestion" and s[0].raw == "'ham'"
    assert s[1].raw == " Spam "  # a near miss maps onto the label and keeps what was said
    assert s[2].error == "'eggs' is not one of the labels ['ham', 'spam']"
    assert s[3].error == "ValueError: cannot read 'text 3' second line"  # on one line
    assert run.calls == 7  # the batch, then each of its 6 items on their own
    assert all(x.model == "odd" for x in s)
    assert run.invalid == 4


def test_a_suggester_that_does_not_time_itself_gets_its_share_of_the_call() -> None:
    class Plain:
        name = "plain"

        def suggest(self, batch: Sequence[Item], labels: LabelSet) -> list[Suggestion]:
            return [Suggestion("ham", latency=0.25 if item.key == "0" else None) for item in batch]

    run = run_suggester(Plain(), items(4), LABELS, batch_size=4, progress=False)
    assert run.suggestions[0].latency == 0.25  # its own figure is kept
    shares = {x.latency for x in run.suggestions[1:]}
    assert len(shares) == 1 and shares.pop() == pytest.approx(run.seconds / 4)


@pytest.mark.parametrize("answer", [None, "ham", [Suggestion("ham")] * 3])
def test_a_call_that_returns_the_wrong_shape_makes_its_batch_invalid(answer: object) -> None:
    class Wrong:
        name = "wrong"

        def suggest(self, batch: Sequence[Item], labels: LabelSet) -> object:
            return answer

    run = run_suggester(Wrong(), items(2), LABELS, batch_size=2, progress=False)
    count = "NoneType" if answer is None else "str" if answer == "ham" else "3"
    assert [x.error for x in run.suggestions] == [f"suggest() returned {count} answers for 2 items"] * 2
    assert run.calls == 1  # not retried: the suggester is broken, not the item


def test_suggest_and_compare_give_the_same_answers_for_the_same_suggester() -> None:
    df = pd.DataFrame({"text": [f"text {i}" for i in range(6)], "label": ["ham", "spam"] * 3})
    suggested = lw.suggest(df.copy(), Odd(), labels=["ham", "spam"], batch_size=6, progress=False)
    board = lw.compare(df, suggesters={"odd": Odd()}, labels=["ham", "spam"], batch_size=6, progress=False)
    from_board = [(s.label, s.error) for s in board.suggestions["odd"]]
    from_suggest = list(zip(suggested["suggestion"].where(suggested["suggestion"].notna(), None),
                            suggested["suggestion_error"], strict=True))  # fmt: skip
    assert from_board == from_suggest


def test_ctrl_c_stops_the_run_and_batches_not_handed_out_never_start() -> None:
    class Interrupting:
        name = "interrupting"
        max_concurrency = 2

        def __init__(self) -> None:
            self.calls = 0
            self.lock = threading.Lock()

        def suggest(self, batch: Sequence[Item], labels: LabelSet) -> list[Suggestion]:
            with self.lock:
                self.calls += 1
                if self.calls == 3:
                    raise KeyboardInterrupt
            return [Suggestion("ham") for _ in batch]

    suggester = Interrupting()
    with pytest.raises(KeyboardInterrupt):
        run_suggesters({"i": suggester}, items(100), LABELS, max_workers=2, batch_size=1, progress=False)
    # at most the two in flight when the third call raised were started after it; the other ~95 never were
    assert suggester.calls <= 5


def test_several_suggesters_share_one_bounded_pool_and_each_keeps_its_own_limit() -> None:
    lock = threading.Lock()
    state = {"active": 0, "peak": 0}
    full = threading.Event()  # the first calls wait until three run at once: concurrency is seen, not timed

    class Tracked:
        def __init__(self, name: str, max_concurrency: int) -> None:
            self.name = name
            self.max_concurrency = max_concurrency
            self.active = self.peak = 0

        def suggest(self, batch: Sequence[Item], labels: LabelSet) -> list[Suggestion]:
            with lock:
                self.active += 1
                self.peak = max(self.peak, self.active)
                state["active"] += 1
                state["peak"] = max(state["peak"], state["active"])
                if state["active"] == 3:
                    full.set()
            full.wait(5)
            with lock:
                self.active -= 1
                state["active"] -= 1
            return [Suggestion("ham") for _ in batch]

    serial, wide = Tracked("serial", 1), Tracked("wide", 8)
    runs = run_suggesters({"serial": serial, "wide": wide}, items(12), LABELS, max_workers=3, batch_size=2,
                          progress=False)  # fmt: skip
    assert full.is_set() and state["peak"] == 3  # the pool is used, and never more than max_workers at once
    assert serial.peak == 1
    assert all(len(run.suggestions) == 12 and run.invalid == 0 for run in runs.values())


def test_describe_error_is_one_clipped_line() -> None:
    assert describe_error(RuntimeError("a\n  b")) == "RuntimeError: a b"
    assert describe_error(KeyError()) == "KeyError"
    assert len(describe_error(ValueError("x" * 1000))) == len("ValueError: ") + 300


def test_a_run_with_invalid_answers_is_logged_once_with_its_counts(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level("WARNING", logger="labelwidgets"):
        run_suggester(Odd(), items(6), LABELS, batch_size=6, progress=False)
    warnings = [r.getMessage() for r in caplog.records if r.name == "labelwidgets" and r.levelname == "WARNING"]
    assert len(warnings) == 1
    assert warnings[0].startswith("odd: 4 of 6 suggestions invalid; most common: ")
