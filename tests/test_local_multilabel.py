"""LocalLLM with a set of labels per item (kind="multi"): the bundled SmolLM2 asked about each label, yes or no."""

from __future__ import annotations

import json
import sqlite3

import pytest

import labelwidgets as lw
from labelwidgets.errors import InputError
from labelwidgets.kinds.multi import set_confidence
from labelwidgets.labels import LabelSet
from labelwidgets.suggesters.base import Example, Item
from labelwidgets.suggesters.llm.prompt import PromptTemplate
from labelwidgets.suggesters.local import LocalLLM
from labelwidgets.suggesters.validate import validate

EMOTIONS = {"anger": "the writer is angry or annoyed", "joy": "happy, amused or grateful", "sadness": "sad or hurt"}
LABELS = LabelSet.parse(EMOTIONS, kind="multi")
COMMENTS = lw.datasets.goemotions().head(2)


def items() -> list[Item]:
    return [Item(str(key), text) for key, text in COMMENTS["text"].items()]


@pytest.fixture(scope="module")
def local() -> LocalLLM:
    return LocalLLM(instructions="Which emotions does this Reddit comment express?")


def test_each_label_gets_its_own_probability_and_the_suggestion_is_every_label_from_one_half(local):
    suggestions = local.suggest(items(), LABELS)
    assert len(suggestions) == len(COMMENTS)
    for suggestion in suggestions:
        assert suggestion.valid and suggestion.confidence_source == "likelihood", suggestion.error
        assert list(suggestion.probabilities) == LABELS.names
        assert all(0 <= p <= 1 for p in suggestion.probabilities.values())
        chosen = [name for name, p in suggestion.probabilities.items() if p >= 0.5]
        assert json.loads(suggestion.label) == sorted(chosen)
        assert suggestion.confidence == pytest.approx(set_confidence(suggestion.probabilities, chosen))
        assert 0 < suggestion.confidence <= 1
        assert validate(suggestion, LABELS).label == suggestion.label  # a stored set, as the labeler keeps it
        assert suggestion.cost == 0.0 and suggestion.input_tokens > 20
    # Asked again after the other prompts were evaluated, the first text gets the same probabilities.
    again = local.label_probabilities(COMMENTS["text"].iloc[0], LABELS)
    assert again == pytest.approx(suggestions[0].probabilities, abs=1e-6)


def test_the_model_reads_a_question_about_one_label_and_examples_answered_about_it(local):
    prompt = local.formatted_prompt("what a day", LABELS, label="joy")
    assert prompt.rstrip().endswith("assistant")  # the chat template: yes or no is scored right after it
    assert 'Does the label "joy" apply to this text? Answer yes or no.' in prompt
    assert "- sadness: sad or hurt" in prompt and "Which emotions does this Reddit comment express?" in prompt
    learning = LocalLLM(few_shot="session")
    learning.learn(
        [Example("1", "I hate this", '["anger"]'), Example("2", "so glad and so sorry", '["joy","sadness"]')]
    )
    messages = learning.render_prompt(Item("3", "what a day"), LABELS, label="sadness")
    answers = {messages[i]["content"].split("\n")[1]: messages[i + 1]["content"] for i in range(1, 5, 2)}
    assert answers == {"I hate this": "no", "so glad and so sorry": "yes"}
    assert messages[0]["content"].startswith("Read the text and say whether the label asked about applies")


def test_a_question_template_that_does_not_name_the_label_is_refused():
    with pytest.raises(InputError, match=r"must name it with \{label\}"):
        LocalLLM(question_template=PromptTemplate(system="{instructions}", user="Text:\n{text}\n\nDoes it apply?"))


def test_a_multi_label_labeler_accepts_the_local_models_set(store_path, local):
    df = COMMENTS.head(1).copy()
    labeler = lw.Labeler(df, labels=EMOTIONS, kind="multi", store=store_path, suggester=local)
    accepted = labeler.accept()
    assert accepted.action == "accepted"
    assert df["label"].iloc[0] == [name for name in LABELS.names if name in json.loads(accepted.label)]
    labeler.close()
    with sqlite3.connect(store_path) as conn:
        assert [row[0] for row in conn.execute("SELECT label FROM lw_events")] == [accepted.label]
