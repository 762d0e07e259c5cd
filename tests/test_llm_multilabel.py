"""An LLM suggesting sets of labels (kind="multi"), over real HTTP on 127.0.0.1 against the fault server."""

from __future__ import annotations

import json
import math
import re
import sqlite3
import time

import pandas as pd
import pytest
from fault_server import FaultServer, Reply
from llm_helpers import local_smollm2, refusing_response_formats

import labelwidgets as lw
from labelwidgets.kinds.multi import set_confidence
from labelwidgets.labels import LabelSet
from labelwidgets.suggesters.base import Example, Item
from labelwidgets.suggesters.llm import llm as llm_module
from labelwidgets.suggesters.llm.llm import LLM
from labelwidgets.suggesters.llm.prompt import PromptTemplate, parse_answer

NAMES = ["anger", "joy", "sadness"]
LABELS = LabelSet.parse(NAMES, kind="multi")
TEXT = "I can't believe they cancelled the show, I loved it"


def make_llm(server: FaultServer, **kwargs) -> LLM:
    options = {"api_key": "sk-test", "cache": False, "timeout": 5, "max_retries": 1}
    options.update(kwargs)
    return LLM("openai/fake", api_base=server.url, **options)


def ask(llm: LLM, text: str = TEXT, labels: LabelSet = LABELS):
    [suggestion] = llm.suggest([Item("1", text)], labels)
    return suggestion


def decided(**given: bool) -> Reply:
    """An answer that decides every label: {"labels": {"anger": false, ...}}."""
    return Reply.text(json.dumps({"labels": {name: given.get(name, False) for name in NAMES}}))


# -- the request --


def test_the_request_asks_for_a_decision_per_label_with_instructions_for_a_set(fault_server):
    fault_server.script(decided(joy=True))
    suggestion = ask(make_llm(fault_server, logprobs=False))
    assert suggestion.valid and suggestion.label == '["joy"]'
    request = fault_server.requests[0]
    schema = request["response_format"]["json_schema"]["schema"]
    memberships = schema["properties"]["labels"]
    assert memberships["properties"] == {name: {"type": "boolean"} for name in NAMES}
    assert memberships["required"] == NAMES and memberships["additionalProperties"] is False
    assert schema["required"] == ["labels"] and request["response_format"]["json_schema"]["strict"] is True
    system = request["messages"][0]["content"]
    assert system.startswith(LABELS.kind.default_instructions) and "exactly one" not in system
    assert '{"labels": {"<label>": true or false, ...}}' in system and "or none" in system
    assert request["max_tokens"] > 60  # room for every label's decision


def test_the_prompt_id_and_the_cache_key_tell_a_set_from_one_label(fault_server, tmp_path):
    # A template without {output_format}: the messages alone would not tell the kinds apart.
    template = PromptTemplate(system="{instructions}\n{labels}", user="{text}")
    llm = make_llm(fault_server, cache=tmp_path, prompt_template=template, instructions="Which emotions?")
    fault_server.script(Reply.label("joy"), decided(joy=True))
    single = ask(llm, labels=LabelSet.parse(NAMES))
    multi = ask(llm)
    assert (single.label, multi.label) == ("joy", '["joy"]')
    assert fault_server.request_count == 2  # the single-label answer was not taken from the cache for the set
    assert single.prompt_id != multi.prompt_id
    assert ask(llm).cached and fault_server.request_count == 2


# -- reading answers --


@pytest.mark.parametrize(
    ("raw", "stored"),
    [
        ('{"labels": {"anger": false, "joy": true, "sadness": true}}', '["joy","sadness"]'),
        ('{"labels": {"anger": false, "joy": false, "sadness": false}}', "[]"),
        ('{"labels": ["sadness", "joy"]}', '["joy","sadness"]'),
        ('{"labels": []}', "[]"),
        ('["Joy", " ANGER "]', '["anger","joy"]'),  # near misses are mapped onto the labels
        ('{"labels": {"Joy": true, "anger": false, "Sadness.": false}}', '["joy"]'),
        ('```json\n{"labels": {"anger": true, "joy": false, "sadness": false}}\n```', '["anger"]'),
        ('{"anger": true, "joy": false, "sadness": false}', '["anger"]'),  # the decisions without "labels"
        ("joy, sadness", '["joy","sadness"]'),  # plain text, when a provider takes no response_format
    ],
)
def test_answers_are_read_as_sets_and_near_misses_are_mapped(raw, stored):
    parsed = parse_answer(raw, LABELS)
    assert parsed.error is None and parsed.label == stored


@pytest.mark.parametrize(
    ("raw", "error"),
    [
        ('{"labels": {"anger": false, "joy": true, "happiness": true}}', "['happiness'] is not among the labels"),
        ('{"labels": {"anger": false, "joy": true, "boredom": false}}', "['boredom'] is not among the labels"),
        ('{"labels": ["joy", "eggs"]}', "['eggs'] is not among the labels"),
        ('{"labels": {"anger": "yes", "joy": true, "sadness": false}}', "must be given true or false"),
        ('{"labels": 3}', '"labels" must be an object of true or false per label or a list of labels'),
        ('{"emotion": "joy"}', 'no "labels"'),
        ("", "empty"),
    ],
)
def test_an_answer_with_any_label_outside_the_set_is_invalid_as_a_whole(raw, error):
    parsed = parse_answer(raw, LABELS)
    assert parsed.label is None and error in parsed.error


def test_an_invalid_set_is_an_invalid_suggestion_that_keeps_the_raw_answer(fault_server):
    outside = '{"labels": {"anger": false, "joy": true, "nostalgia": true}}'
    fault_server.script(Reply.text(outside))
    suggestion = ask(make_llm(fault_server))
    assert not suggestion.valid and suggestion.label is None and suggestion.raw == outside
    assert "['nostalgia'] is not among the labels" in suggestion.error


def test_json_schema_refused_falls_back_to_json_object_with_the_schema_and_is_remembered():
    llm_module.forget_capabilities()
    with FaultServer(reject_json_schema=True) as server:
        server.script(decided(anger=True), decided(sadness=True))
        llm = make_llm(server)
        assert ask(llm).label == '["anger"]'
        formats = [r["response_format"] for r in server.requests]
        assert [f["type"] for f in formats] == ["json_schema", "json_object"]
        assert formats[1]["schema"]["properties"]["labels"]["required"] == NAMES
        assert llm.structured_output == "json_object+schema"
        assert ask(llm, "another text").label == '["sadness"]' and server.request_count == 3


def test_a_provider_refusing_every_response_format_is_asked_in_plain_text(fault_server):
    fault_server.default = refusing_response_formats('{"labels": ["joy"]}')
    llm = make_llm(fault_server)
    assert ask(llm).label == '["joy"]' and llm.structured_output == "text"


# -- probabilities --

_TOKEN = re.compile(r"\s*\w+|\s*[^\w\s]|\s+")


def completion_with_logprobs(content: str, alternatives: dict[str, dict[str, float]]) -> bytes:
    """A chat completion whose tokens are certain, except each label's true/false token, offered with the
    probabilities in ``alternatives[label]`` (e.g. {"true": 0.7, "false": 0.3})."""
    decisions = {m.start(2): m.group(1) for m in re.finditer(r'"(\w+)": (true|false)', content)}
    entries, offset = [], 0
    for token in _TOKEN.findall(content):
        start, offset = offset, offset + len(token)
        lead = token[: len(token) - len(token.lstrip())]
        label = next((name for position, name in decisions.items() if start <= position < offset), None)
        offered = [(token, 0.0)]
        if label is not None:
            offered = [(lead + word, math.log(p)) for word, p in alternatives[label].items()]
        top = [{"token": t, "logprob": lp, "bytes": list(t.encode())} for t, lp in offered]
        chosen = dict(offered)[token]
        entries.append({"token": token, "logprob": chosen, "bytes": list(token.encode()), "top_logprobs": top})
    body = {
        "id": "chatcmpl-multilabel",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": "fake",
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": content},
                "finish_reason": "stop",
                "logprobs": {"content": entries},
            }
        ],
        "usage": {"prompt_tokens": 50, "completion_tokens": len(entries), "total_tokens": 50 + len(entries)},
    }
    return json.dumps(body).encode()


def test_logprobs_of_each_labels_true_or_false_give_its_probability_and_the_sets_confidence(fault_server):
    content = '{"labels": {"anger": false, "joy": true, "sadness": false}}'
    offered = {
        "anger": {"false": 0.8, "true": 0.2},
        "joy": {"true": 0.6, "false": 0.3, "maybe": 0.1},  # not an option: left out, the rest renormalized
        "sadness": {"false": 0.9, "true": 0.1},
    }
    fault_server.script(Reply(body=completion_with_logprobs(content, offered)))
    suggestion = ask(make_llm(fault_server, n_samples=5))
    assert suggestion.label == '["joy"]' and suggestion.confidence_source == "logprobs"
    expected = {name: offered[name]["true"] / (offered[name]["true"] + offered[name]["false"]) for name in NAMES}
    assert suggestion.probabilities == pytest.approx(expected)
    # The probability of exactly this set: joy, and neither anger nor sadness.
    assert suggestion.confidence == pytest.approx((1 - expected["anger"]) * expected["joy"] * (1 - expected["sadness"]))
    assert suggestion.confidence == pytest.approx(set_confidence(suggestion.probabilities, ["joy"]))
    assert fault_server.request_count == 1  # logprobs came back: no samples are paid for
    request = fault_server.requests[0]
    assert request["logprobs"] is True and request["top_logprobs"] == len(NAMES) + 3


def test_a_list_of_names_has_no_decision_per_label_so_no_probabilities_are_invented(fault_server):
    fault_server.script(Reply.text('{"labels": ["joy"]}'))  # the fault server sends logprobs for every token
    suggestion = ask(make_llm(fault_server))
    assert suggestion.label == '["joy"]'
    assert suggestion.probabilities is None and suggestion.confidence is None
    assert suggestion.confidence_source is None


def test_self_consistency_gives_each_label_the_share_of_samples_that_name_it(fault_server):
    fault_server.script(
        decided(joy=True),
        decided(joy=True, sadness=True),
        decided(joy=True),
        decided(anger=True, joy=True, sadness=True),
        Reply.text('{"labels": ["joy", "eggs"]}'),  # invalid: counts against every label
    )
    suggestion = ask(make_llm(fault_server, n_samples=5, logprobs=False))
    assert suggestion.confidence_source == "self-consistency"
    assert suggestion.probabilities == pytest.approx({"anger": 1 / 5, "joy": 4 / 5, "sadness": 2 / 5})
    assert suggestion.label == '["joy"]'  # in more than half of the 4 valid samples: joy only
    assert suggestion.confidence == pytest.approx((1 - 1 / 5) * (4 / 5) * (1 - 2 / 5))
    assert json.loads(suggestion.raw) == json.loads(decided(joy=True).content)  # a sample that gave this set


# -- few-shot examples and the cache --


def test_few_shot_examples_with_lists_of_labels_are_answered_as_sets(fault_server):
    examples = pd.DataFrame({"text": ["so happy and sad", "meh"], "gold": [["sadness", "joy"], []]})
    llm = make_llm(fault_server, few_shot=examples, few_shot_columns=("text", "gold"))
    messages = llm.render_prompt("hello", LABELS)
    answers = [json.loads(m["content"]) for m in messages if m["role"] == "assistant"]
    assert answers == [
        {"labels": {"anger": False, "joy": True, "sadness": True}},
        {"labels": {"anger": False, "joy": False, "sadness": False}},
    ]
    fault_server.script(decided(joy=True))
    assert ask(llm).valid and fault_server.requests[0]["messages"] == llm.render_prompt(TEXT, LABELS)
    outside = make_llm(fault_server, few_shot=[("hello", ["joy", "nostalgia"])])
    suggestion = ask(outside)
    assert not suggestion.valid and "few-shot example label ['nostalgia'] is not among the labels" in suggestion.error


def test_session_examples_are_the_sets_the_person_gave(fault_server):
    llm = make_llm(fault_server, few_shot="session")
    llm.learn([Example("1", "I am furious", '["anger"]'), Example("2", "a sad and happy day", '["joy","sadness"]')])
    llm.learn([Example("3", "nothing here", "[]"), Example("4", "old label set", '["boredom"]')])
    messages = llm.render_prompt(Item("9", "a happy day"), LABELS)
    turns = [(messages[i]["content"], json.loads(messages[i + 1]["content"])) for i in range(1, len(messages) - 1, 2)]
    given = {text.removeprefix("Text:\n"): answer["labels"] for text, answer in turns}
    assert given == {
        "I am furious": {"anger": True, "joy": False, "sadness": False},
        "a sad and happy day": {"anger": False, "joy": True, "sadness": True},
        "nothing here": {"anger": False, "joy": False, "sadness": False},
    }  # the set outside today's labels is left out


def test_identical_requests_come_from_the_disk_cache(fault_server, llm_cache_dir):
    fault_server.script(decided(anger=True, sadness=True))
    first = ask(make_llm(fault_server, cache=True))
    again = ask(make_llm(fault_server, cache=True))
    assert fault_server.request_count == 1 and again.cached and not first.cached
    assert again.label == first.label == '["anger","sadness"]'


# -- the labeler --


def test_a_multi_label_labeler_accepts_an_llms_set_and_stores_it(store_path, fault_server, llm_cache_dir):
    fault_server.default = decided(joy=True, sadness=True)
    df = lw.datasets.goemotions().head(3).copy()
    llm = make_llm(fault_server)
    labeler = lw.Labeler(df, labels=NAMES, kind="multi", store=store_path, suggester=llm)
    accepted = labeler.accept()
    assert accepted.action == "accepted" and accepted.label == '["joy","sadness"]'
    first = df.index[0]
    assert df.loc[first, "label"] == ["joy", "sadness"]
    corrected = labeler.correct(["anger"])
    assert corrected.action == "corrected" and df.loc[df.index[1], "label"] == ["anger"]
    labeler.close()
    with sqlite3.connect(store_path) as conn:
        stored = [row[0] for row in conn.execute("SELECT label FROM lw_events ORDER BY id")]
    assert stored == ['["joy","sadness"]', '["anger"]']
    assert "exactly one" not in fault_server.requests[0]["messages"][0]["content"]


# -- a real llama-cpp-python server with the bundled SmolLM2 --


@pytest.mark.slow
def test_end_to_end_against_llama_cpp_server(llama_server):
    llm = local_smollm2(llama_server, "Which emotions does this Reddit comment express?", timeout=120)
    comments = lw.datasets.goemotions().head(3)
    suggestions = llm.suggest([Item(str(key), text) for key, text in comments["text"].items()], LABELS)
    assert llm.structured_output == "json_object+schema"  # the server refused json_schema, took the schema
    for suggestion in suggestions:  # a 135M model is weak: a valid set, or invalid with what it said
        assert suggestion.valid or (suggestion.error and suggestion.raw is not None)
    with_logprobs = [s for s in suggestions if s.confidence_source == "logprobs"]
    assert with_logprobs, [s.raw for s in suggestions]
    for suggestion in with_logprobs:
        assert list(suggestion.probabilities) == NAMES
        assert all(0 <= p <= 1 for p in suggestion.probabilities.values())
        chosen = json.loads(suggestion.label)
        assert suggestion.confidence == pytest.approx(set_confidence(suggestion.probabilities, chosen))
