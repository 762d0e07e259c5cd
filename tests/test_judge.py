"""lw.Judge through litellm against a real HTTP server on 127.0.0.1: both orders asked, a verdict that follows the
order shown as inconsistent (never a win), position bias measured from its judgments, and its verdicts in a
Labeler: accepted when consistent, refused when not."""

from __future__ import annotations

import re

import pandas as pd
import pytest
from fault_server import Reply
from llm_fixtures import fault_server  # noqa: F401

import labelwidgets as lw
from labelwidgets.kinds import PairVerdict
from labelwidgets.labels import LabelSet
from labelwidgets.suggesters.base import Item

RESPONSE = re.compile(r"\[Response (A|B)\]\n(.*?)\n\[End of Response \1\]", re.S)

PAIRS = pd.DataFrame(
    {
        "question": ["capital of France?", "2 + 2?", "a colour of the sky?", "largest planet?"],
        "reply_a": ["Paris (good)", "5", "blue (good)", "Saturn"],
        "reply_b": ["Lyon", "4 (good)", "green", "Jupiter (good)"],
    }
)


def responses(request: dict) -> dict[str, str]:
    user = next(m["content"] for m in request["messages"] if m["role"] == "user")
    return dict(RESPONSE.findall(user))


def fair(request: dict) -> Reply:
    """A judge that reads the outputs: the one marked good wins, wherever it is shown."""
    verdict = "A" if "(good)" in responses(request)["A"] else "B"
    return Reply.label(verdict, probabilities={verdict: 0.9, "B" if verdict == "A" else "A": 0.1})


def left_biased(request: dict) -> Reply:
    """A judge that always prefers the first response it reads."""
    return Reply.label("A")


def make_judge(server, **kwargs) -> lw.Judge:
    options = {"api_key": "sk-test", "cache": False, "timeout": 5, "max_retries": 1}
    return lw.Judge("openai/fake", api_base=server.url, **{**options, **kwargs})


def pair_labels() -> LabelSet:
    kind = PairVerdict(outputs=("reply_a", "reply_b"))
    return LabelSet.parse(kind.default_labels(), kind)


def items() -> list[Item]:
    return [
        Item(key=str(i), text=row.question, fields={"reply_a": row.reply_a, "reply_b": row.reply_b})
        for i, row in enumerate(PAIRS.itertuples())
    ]


def test_a_judge_asks_both_orders_and_names_the_winning_output(fault_server):  # noqa: F811
    fault_server.default = fair
    suggestions = make_judge(fault_server).suggest(items(), pair_labels())
    assert [s.label for s in suggestions] == ["reply_a", "reply_b", "reply_a", "reply_b"]
    assert all(s.valid and s.model == "openai/fake" for s in suggestions)
    assert suggestions[0].confidence == pytest.approx(0.9, abs=0.01)  # the mean of both orders' logprob confidence
    assert fault_server.request_count == 8  # every pair asked twice
    seen = [responses(r) for r in fault_server.requests]
    for shown in seen:
        assert set(shown.values()) <= set(PAIRS["reply_a"]) | set(PAIRS["reply_b"])
    for first in PAIRS.itertuples():  # each pair shown once with each output first
        orders = [s for s in seen if {s["A"], s["B"]} == {first.reply_a, first.reply_b}]
        assert sorted(s["A"] for s in orders) == sorted([first.reply_a, first.reply_b])
    prompt = next(m["content"] for m in fault_server.requests[0]["messages"] if m["role"] == "system")
    assert "order of the responses" in prompt and '"label"' in prompt


def test_a_verdict_that_follows_the_order_is_inconsistent_and_never_a_win(fault_server):  # noqa: F811
    fault_server.default = left_biased
    suggestions = make_judge(fault_server).suggest(items(), pair_labels())
    assert not any(s.valid for s in suggestions)
    assert all(s.error.startswith("inconsistent: the verdict follows the order") for s in suggestions)
    assert "reply_a shown first: reply_a; reply_b shown first: reply_b" in suggestions[0].error


def test_position_bias_flags_a_judge_that_prefers_the_left_and_clears_a_fair_one(fault_server):  # noqa: F811
    fault_server.default = left_biased
    biased = make_judge(fault_server, name="left-lover").judgments(PAIRS, prompt="question",
                                                                     outputs=("reply_a", "reply_b"))  # fmt: skip
    assert len(biased) == 8 and set(biased["left"]) == {"reply_a", "reply_b"}
    fault_server.default = fair
    fair_table = make_judge(fault_server, name="fair").judgments(PAIRS, prompt="question",
                                                                  outputs=("reply_a", "reply_b"))  # fmt: skip
    bias = lw.position_bias(pd.concat([biased, fair_table], ignore_index=True)).set_index(["rater", "metric"])
    assert bias.loc[("left-lover", "position_consistency"), "value"] == 0.0
    assert bias.loc[("left-lover", "left_win_rate"), "value"] == 1.0
    assert bias.loc[("left-lover", "favours_left"), "value"] == 1.0
    assert bias.loc[("fair", "position_consistency"), "value"] == 1.0
    assert bias.loc[("fair", "left_win_rate"), "value"] == 0.5


def test_swap_false_asks_once_and_an_empty_output_is_never_judged(fault_server):  # noqa: F811
    fault_server.default = left_biased
    some = items()[:2]
    some[1] = Item(key="1", text="2 + 2?", fields={"reply_a": "", "reply_b": "4"})
    judged = make_judge(fault_server, swap=False).suggest(some, pair_labels())
    assert judged[0].label == "reply_a"  # one order: what it said, in the order of outputs
    assert not judged[1].valid and "reply_a empty" in judged[1].error
    assert fault_server.request_count == 2


def test_a_judge_in_a_labeler_its_verdict_accepted_or_refused_when_inconsistent(fault_server):  # noqa: F811
    calls = {"n": 0}

    def first_two_fair(request: dict) -> Reply:  # pairs 1 and 2 consistent, then left-biased
        calls["n"] += 1
        return fair(request) if calls["n"] <= 4 else left_biased(request)

    fault_server.default = first_two_fair
    labeler = lw.Labeler(PAIRS.copy(), kind="pair", prompt="question", outputs=("reply_a", "reply_b"), store=None,
                         suggester=make_judge(fault_server, max_concurrency=1), prefetch=0)  # fmt: skip
    assert labeler.accept().label == "reply_a"
    assert labeler.accept().label == "reply_b"
    with pytest.raises(lw.InputError, match="inconsistent"):
        labeler.accept()
    assert labeler.label("reply_a").action == "labeled"


def test_each_suggester_says_what_it_can_judge():
    with pytest.raises(lw.InputError, match=r"use lw\.Judge"):
        lw.Labeler(PAIRS.copy(), kind="pair", prompt="question", outputs=("reply_a", "reply_b"), store=None,
                   suggester=lw.LLM("openai/fake", api_key="sk-test", cache=False))  # fmt: skip
    with pytest.raises(lw.InputError, match="judges pairs of outputs"):
        lw.Labeler(PAIRS.copy(), text="question", labels=["x", "y"], store=None,
                   suggester=lw.Judge("openai/fake", api_key="sk-test", cache=False))  # fmt: skip
    with pytest.raises(lw.InputError, match=r"lw\.Learner cannot judge"):
        lw.Labeler(PAIRS.copy(), kind="pair", prompt="question", outputs=("reply_a", "reply_b"), store=None,
                   suggester=lw.Learner())  # fmt: skip
    with pytest.raises(lw.InputError, match="no few_shot"):
        lw.Judge("openai/fake", few_shot=[("a", "b")])


def test_a_judge_answer_that_names_neither_output_is_invalid_shown_and_never_written(fault_server):  # noqa: F811
    fault_server.default = Reply.text('{"label": "C"}')
    suggestion = make_judge(fault_server).suggest(items()[:1], pair_labels())[0]
    assert not suggestion.valid and suggestion.label is None
    assert "'C' is not one of the labels" in suggestion.error and suggestion.raw == '{"label": "C"}'
    labeler = lw.Labeler(PAIRS.head(1).copy(), kind="pair", prompt="question", outputs=("reply_a", "reply_b"),
                         store=None, suggester=make_judge(fault_server))  # fmt: skip
    with pytest.raises(lw.InputError, match="invalid"):
        labeler.accept()
    assert labeler.df["suggestion"].isna().all()
