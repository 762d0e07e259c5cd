"""The prompt template and the reading of answers: pure functions, no model."""

from __future__ import annotations

import pandas as pd
import pytest

from labelwidgets.errors import InputError
from labelwidgets.labels import LabelSet
from labelwidgets.suggesters.llm.prompt import (
    DEFAULT_TEMPLATE,
    PromptSpec,
    PromptTemplate,
    few_shot_examples,
    label_json_schema,
    parse_answer,
)

LABELS = LabelSet.parse({"ham": "a normal personal message", "spam": "advertising or scams"})


def spec(**changes) -> PromptSpec:
    values = dict(
        template=DEFAULT_TEMPLATE,
        instructions="Is this SMS spam?",
        guidelines=None,
        few_shot=(),
        rationale=False,
        output="json",
    )
    values.update(changes)
    return PromptSpec(**values)


def test_system_message_has_instructions_label_descriptions_guidelines_and_answer_format():
    messages = spec(guidelines="Bank alerts are ham.").render("WIN a prize", LABELS)
    assert [m["role"] for m in messages] == ["system", "user"]
    system = messages[0]["content"]
    assert system.startswith("Is this SMS spam?")
    assert "- ham: a normal personal message" in system
    assert "- spam: advertising or scams" in system
    assert "Guidelines:\nBank alerts are ham." in system
    assert '["ham", "spam"]' in system and "JSON" in system
    assert messages[1]["content"] == "Text:\nWIN a prize"


def test_few_shot_examples_are_earlier_turns_answered_in_the_requested_format():
    examples = (("Free entry! Text WIN", "spam"), ("see you at 6", "ham"))
    messages = spec(few_shot=examples).render("hello", LABELS)
    assert [m["role"] for m in messages] == ["system", "user", "assistant", "user", "assistant", "user"]
    assert messages[1]["content"] == "Text:\nFree entry! Text WIN"
    assert messages[2]["content"] == '{"label": "spam"}'
    assert spec(few_shot=examples, output="label").render("hello", LABELS)[4]["content"] == "ham"


def test_a_few_shot_label_outside_the_label_set_is_an_input_error():
    with pytest.raises(InputError, match="'eggs' is not one of the labels"):
        spec(few_shot=(("text", "eggs"),)).render("x", LABELS)


def test_placeholders_in_the_text_are_not_expanded_and_other_braces_survive():
    template = PromptTemplate(system='{instructions} Reply like {"label": "..."} from {label_names}.', user="{text}")
    messages = spec(template=template).render("my {labels} and {text}", LABELS)
    assert messages[0]["content"] == 'Is this SMS spam? Reply like {"label": "..."} from ham, spam.'
    assert messages[1]["content"] == "my {labels} and {text}"


def test_rationale_is_asked_for_and_allowed_by_the_schema():
    system = spec(rationale=True).render("x", LABELS)[0]["content"]
    assert '"rationale"' in system
    schema = label_json_schema(LABELS, rationale=True)
    assert schema["properties"]["label"] == {"type": "string", "enum": ["ham", "spam"]}
    assert schema["required"] == ["label", "rationale"] and schema["additionalProperties"] is False


def test_prompt_id_is_stable_and_follows_every_part_of_the_prompt():
    assert spec().prompt_id(LABELS) == spec().prompt_id(LABELS)
    assert spec().prompt_id(LABELS) != spec(instructions="Other task").prompt_id(LABELS)
    assert spec().prompt_id(LABELS) != spec().prompt_id(LabelSet.parse(["ham", "spam"]))


def test_few_shot_from_a_dataframe_pairs_or_dicts():
    df = pd.DataFrame({"sms": ["a", "b"], "gold": ["ham", "spam"]})
    assert few_shot_examples(df, text_column="sms", label_column="gold") == (("a", "ham"), ("b", "spam"))
    assert few_shot_examples([("a", "ham")]) == (("a", "ham"),)
    assert few_shot_examples([{"text": "a", "label": "ham"}]) == (("a", "ham"),)
    assert few_shot_examples(None) == ()
    with pytest.raises(InputError, match="no column 'text'"):
        few_shot_examples(df)
    with pytest.raises(InputError, match="empty"):
        few_shot_examples(pd.DataFrame({"text": ["a"], "label": [None]}))


@pytest.mark.parametrize(
    ("raw", "label"),
    [
        ('{"label": "spam"}', "spam"),
        ('```json\n{"label": "ham"}\n```', "ham"),
        ('Sure! {"label": "spam"} hope this helps', "spam"),
        ('"spam"', "spam"),
        ("spam", "spam"),
        (" Spam.\n", "spam"),
        ("'HAM'", "ham"),
        ("Label: spam", "spam"),
        ('{"Label": " Spam "}', "spam"),
        ("**spam**", "spam"),
    ],
)
def test_near_misses_map_onto_the_label_set(raw, label):
    parsed = parse_answer(raw, LABELS)
    assert parsed.label == label and parsed.error is None


@pytest.mark.parametrize(
    ("raw", "error"),
    [
        ("", "empty"),
        (None, "empty"),
        ('{"label": "eggs"}', "'eggs' is not one of the labels ['ham', 'spam']"),
        ("This is spam because it offers a prize", "is not one of the labels"),
        ("ham or spam", "is not one of the labels"),
        ('{"answer_text": "spam"}', 'no "label"'),
        ('{"label": 1}', "must be a string"),
    ],
)
def test_anything_else_is_an_error_never_a_guess(raw, error):
    parsed = parse_answer(raw, LABELS)
    assert parsed.label is None
    assert error in parsed.error


def test_labels_differing_only_in_case_need_an_exact_answer():
    labels = LabelSet.parse(["Spam", "spam"])
    assert parse_answer("spam", labels).label == "spam"
    assert parse_answer("SPAM", labels).label is None


def test_rationale_is_read_and_the_label_value_located_for_logprobs():
    raw = '{"label": "spam", "rationale": "offers a prize"}'
    parsed = parse_answer(raw, LABELS)
    assert parsed.rationale == "offers a prize"
    assert raw[slice(*parsed.value_span)] == "spam"
    bare = parse_answer("  ham\n", LABELS)
    assert "  ham\n"[slice(*bare.value_span)] == "ham"
