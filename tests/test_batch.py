"""lw.suggest: pre-label a DataFrame with any suggester."""

from __future__ import annotations

import threading

import numpy as np
import pandas as pd
import pytest
from fault_server import FaultServer, Reply

import labelwidgets as lw
from labelwidgets.errors import InputError
from labelwidgets.suggesters.base import Suggestion
from labelwidgets.suggesters.batch import suggest
from labelwidgets.suggesters.column import FromColumn
from labelwidgets.suggesters.llm.llm import LLM

TEXTS = ["WIN a prize", "see you at 6", "WIN cash now", "lunch?", "FREE WIN", "ok thanks"]


def by_text(request) -> Reply:
    label, other = ("spam", "ham") if "WIN" in request["messages"][-1]["content"] else ("ham", "spam")
    return Reply.label(label, probabilities={label: 0.8, other: 0.2})


def frame(n: int = 6) -> pd.DataFrame:
    texts = (TEXTS * (n // len(TEXTS) + 1))[:n]
    return pd.DataFrame({"text": [f"{t} #{i}" for i, t in enumerate(texts)], "id": range(n)}, index=range(100, 100 + n))


def make_llm(server: FaultServer, **kwargs) -> LLM:
    options = {"api_key": "sk-test-batch", "timeout": 5, "max_retries": 1}
    options.update(kwargs)
    return LLM("openai/fake", api_base=server.url, **options)


def run(df: pd.DataFrame, suggester, **kwargs) -> pd.DataFrame:
    """lw.suggest with a local fake model: litellm knows no price for it, so the cost is accepted explicitly."""
    return suggest(df, suggester, **{"labels": ["ham", "spam"], "progress": False, "confirm_above": None, **kwargs})


def test_writes_the_suggestion_columns_in_place_and_returns_the_frame(fault_server, llm_cache_dir):
    fault_server.default = by_text
    df = frame()
    result = run(df, make_llm(fault_server))
    assert result is df
    assert df["suggestion"].tolist() == ["spam", "ham", "spam", "ham", "spam", "ham"]
    assert df["confidence"].dtype == np.float64
    assert df["confidence"].tolist() == pytest.approx([0.8] * 6)
    assert df["confidence_source"].tolist() == ["logprobs"] * 6
    assert df["suggestion_error"].isna().all()
    assert list(df.index) == list(range(100, 106))
    assert df.attrs == {}  # no hidden channel to a Labeler: it takes the columns when told (FromColumn)


def test_with_a_progress_bar(fault_server, llm_cache_dir, capsys):
    fault_server.default = by_text
    df = run(frame(), make_llm(fault_server), progress=True)
    assert df["suggestion"].notna().all()
    assert "6/6" in capsys.readouterr().err


def test_columns_can_be_renamed_or_left_out(fault_server, llm_cache_dir):
    df = frame(2)
    columns = {"suggestion": "gpt_label", "confidence": "gpt_conf", "confidence_source": None}
    run(df, make_llm(fault_server), columns=columns)
    assert list(df.columns) == ["text", "id", "gpt_label", "gpt_conf", "suggestion_error"]


def test_existing_columns_are_never_overwritten_silently(fault_server, llm_cache_dir):
    df = frame(2).assign(suggestion="mine")
    with pytest.raises(InputError, match=r"already has column\(s\) \['suggestion'\]"):
        run(df, make_llm(fault_server))
    assert df["suggestion"].tolist() == ["mine", "mine"] and fault_server.request_count == 0
    run(df, make_llm(fault_server), overwrite=True)
    assert df["suggestion"].tolist() == ["ham", "ham"]


def test_bad_arguments_are_clear_errors(fault_server):
    llm = make_llm(fault_server, cache=False)
    with pytest.raises(InputError, match="no column 'body'"):
        suggest(frame(1), llm, text="body", labels=["ham", "spam"])
    with pytest.raises(InputError, match="columns to rename are"):
        suggest(frame(1), llm, labels=["ham", "spam"], columns={"label": "x"})
    with pytest.raises(InputError, match=r"suggester='gpt-4o-mini' is a string.*lw.LLM\('gpt-4o-mini'\)"):
        suggest(frame(1), "gpt-4o-mini", labels=["ham", "spam"])  # type: ignore[arg-type]
    with pytest.raises(InputError, match="not a suggester: it needs a suggest"):
        suggest(frame(1), object(), labels=["ham", "spam"])  # type: ignore[arg-type]


def test_concurrency_is_bounded_and_used(llm_cache_dir):
    with FaultServer(latency=0.2) as server:
        server.default = by_text
        run(frame(12), make_llm(server, max_concurrency=8), max_concurrency=3)
    assert server.max_in_flight == 3  # used (more than one at a time) and bounded (never more than asked)


def test_the_suggesters_own_max_concurrency_is_the_default(llm_cache_dir):
    with FaultServer(latency=0.1) as server:
        run(frame(8), make_llm(server, max_concurrency=2))
    assert server.max_in_flight == 2


class Interrupting:
    """Wraps a suggester and presses Ctrl-C after some calls."""

    def __init__(self, inner, after: int):
        self.inner, self.after, self.calls, self.name = inner, after, 0, "interrupting"

    def suggest(self, items, labels):
        self.calls += 1
        if self.calls > self.after:
            raise KeyboardInterrupt
        return self.inner.suggest(items, labels)


def test_an_interrupted_run_leaves_the_frame_alone_and_resumes_from_the_cache(fault_server, llm_cache_dir):
    fault_server.default = by_text
    df = frame(10)
    with pytest.raises(KeyboardInterrupt):
        run(df, Interrupting(make_llm(fault_server), after=4))
    assert "suggestion" not in df.columns and fault_server.request_count == 4
    run(df, make_llm(fault_server))
    assert fault_server.request_count == 10  # only the 6 rows not done before
    assert df["suggestion"].tolist() == ["spam", "ham", "spam", "ham", "spam", "ham", "spam", "ham", "spam", "ham"]
    run(df, make_llm(fault_server), columns={"suggestion": "again"}, overwrite=True)
    assert fault_server.request_count == 10 and df["again"].tolist() == df["suggestion"].tolist()


class Failing:
    name = "failing"

    def suggest(self, items, labels):
        raise ValueError("the model file is corrupt")


class Miscounting:
    name = "miscounting"

    def suggest(self, items, labels):
        return []


def test_a_failing_suggester_costs_its_rows_not_the_run():
    df = suggest(frame(3), Failing(), labels=["ham", "spam"], progress=False)
    assert df["suggestion"].isna().all()
    assert df["suggestion_error"].tolist() == ["ValueError: the model file is corrupt"] * 3
    df = suggest(frame(2), Miscounting(), labels=["ham", "spam"], progress=False)
    assert df["suggestion_error"].tolist() == ["suggest() returned 0 answers for 1 items"] * 2


def test_any_suggester_works_for_example_a_column_of_labels_and_rows_without_text():
    df = pd.DataFrame({"text": ["a", None, "c"], "old": ["ham", "spam", "eggs"]})
    suggest(df, FromColumn("old"), labels=["ham", "spam"], progress=False)
    assert df["suggestion"].tolist()[0] == "ham" and pd.isna(df["suggestion"][1])
    assert df["suggestion_error"][1] == "no text in column 'text'"
    assert "'eggs' is not one of the labels" in df["suggestion_error"][2]


def test_batches_go_to_the_suggester_in_the_size_asked(llm_cache_dir):
    seen: list[int] = []

    class Recording:
        name = "recording"

        def suggest(self, items, labels):
            seen.append(len(items))
            return [Suggestion("ham") for _ in items]

    suggest(frame(7), Recording(), labels=["ham", "spam"], batch_size=3, progress=False)
    assert seen == [3, 3, 1]


# ----- one runner, one money guard, one explicit channel ------------------------------------------------------------


class Shouting:
    """A rules function that writes labels its own way: 'SPAM.' and 'Label: ham' are near misses, 'eggs' is not."""

    name = "shouting"

    def suggest(self, items, labels):
        said = ["SPAM." if "WIN" in i.text else "eggs" if "lunch" in i.text else "Label: ham" for i in items]
        return [Suggestion(label) for label in said]


def test_answers_pass_through_validate_so_near_misses_map_onto_a_label_and_others_are_invalid():
    df = suggest(frame(4), Shouting(), labels=["ham", "spam"], progress=False)
    assert df["suggestion"].tolist()[:3] == ["spam", "ham", "spam"]  # never 'SPAM.' in the DataFrame
    assert pd.isna(df["suggestion"].iloc[3]) and "'eggs' is not one of the labels" in df["suggestion_error"].iloc[3]


class FailsOnBoom:
    name = "fails-on-boom"

    def suggest(self, items, labels):
        if any("boom" in item.text for item in items):
            raise RuntimeError("cannot parse")
        return [Suggestion("ham") for _ in items]


def test_a_batch_that_raises_is_retried_item_by_item_so_only_the_bad_row_is_lost():
    df = pd.DataFrame({"text": ["a", "boom", "c", "d"]})
    suggest(df, FailsOnBoom(), labels=["ham", "spam"], batch_size=4, progress=False)
    assert df["suggestion"].tolist()[0::2] == ["ham", "ham"] and df["suggestion"].iloc[3] == "ham"
    assert df["suggestion_error"].tolist() == [None, "RuntimeError: cannot parse", None, None]


def test_an_llm_without_a_price_asks_first_and_spends_nothing_without_a_yes(fault_server, llm_cache_dir):
    df = frame(3)
    # A server by name (not looked up, so not known to be on this machine): its cost is unknown. Nothing is sent.
    remote = LLM("openai/fake", api_base="http://my-gpu-box:8000/v1", api_key="sk-test-batch", timeout=5)
    with pytest.raises(lw.CostNotConfirmed, match=r"openai/fake: no price is known for it.*confirm_above=None"):
        suggest(df, remote, labels=["ham", "spam"], progress=False, confirm_above=1_000)
    assert fault_server.request_count == 0 and "suggestion" not in df.columns
    # The same model on this machine is free: it runs without a question.
    suggest(df, make_llm(fault_server), labels=["ham", "spam"], progress=False, confirm_above=0.0)
    assert "suggestion" in df.columns


def test_a_priced_run_above_confirm_above_asks_and_a_free_one_never_does(monkeypatch):
    from labelwidgets.suggesters import cost

    class Priced(FailsOnBoom):
        name = "priced"

        def estimate_cost(self, items, labels):
            return 0.5 * len(items)

    questions: list[str] = []
    monkeypatch.setattr(cost, "ask", lambda question: questions.append(question) or False)
    with pytest.raises(lw.CostNotConfirmed, match=r"estimated cost \$3\.00 \(priced \$3\.00\), above confirm_above"):
        suggest(frame(6), Priced(), labels=["ham", "spam"], progress=False, confirm_above=2.0)
    assert "suggest() would run 1 suggester on 6 items" in questions[0]
    suggest(frame(6), Priced(), labels=["ham", "spam"], progress=False, confirm_above=5.0)  # under: no question
    suggest(frame(6), FailsOnBoom(), labels=["ham", "spam"], progress=False, confirm_above=0.0)  # free
    assert len(questions) == 1
    with pytest.raises(InputError, match="confirm_above must be a number of dollars or None"):
        suggest(frame(1), FailsOnBoom(), labels=["ham", "spam"], confirm_above="lots")


def test_progress_can_be_a_callback():
    seen: list[tuple[int, int]] = []
    suggest(frame(5), FailsOnBoom(), labels=["ham", "spam"], batch_size=2,
            progress=lambda done, total: seen.append((done, total)))  # fmt: skip
    assert seen == [(2, 5), (4, 5), (5, 5)]


def test_a_labeler_takes_the_suggestions_only_when_told(store_path):
    df = run(frame(4), Shouting())
    renamed = {"suggestion": "shown", "confidence": "shown_confidence"}
    plain = lw.Labeler(df.copy(), labels=["ham", "spam"], store=None, columns=renamed)
    assert plain.suggestion is None  # nothing implicit: lw.suggest left no note for it
    plain.close()
    told = lw.Labeler(df, labels=["ham", "spam"], store=store_path,
                      suggester=lw.FromColumn("suggestion", confidence="confidence"))  # fmt: skip
    first = told.accept()
    assert first.action == "accepted" and first.label == df["suggestion"].iloc[0] == "spam"
    told.close()


def test_one_suggester_runs_at_most_its_max_concurrency_even_when_asked_for_more():
    class Counting:
        name = "counting"
        max_concurrency = 2

        def __init__(self):
            self.active = self.peak = 0
            self.lock = threading.Lock()
            self.release = threading.Event()

        def suggest(self, items, labels):
            with self.lock:
                self.active += 1
                self.peak = max(self.peak, self.active)
                if self.active == 2:
                    self.release.set()
            self.release.wait(5)  # the first call waits for a second one, so concurrency is seen, not timed
            with self.lock:
                self.active -= 1
            return [Suggestion("ham") for _ in items]

    counting = Counting()
    suggest(frame(8), counting, labels=["ham", "spam"], max_concurrency=6, progress=False)
    assert counting.peak == 2
