"""An LLM suggesting spans of the text (kind="spans", issue #21), over real HTTP on 127.0.0.1 against the fault server.

The model is asked for entities by their words, ``{"entities": [{"text": ..., "label": ...}]}``; the words are placed
on the item's text as the answer is read. Every offset below is checked against Python's ``text.find``: offsets are
code points, whatever the text holds.
"""

from __future__ import annotations

import json
import sqlite3

import pandas as pd
import pytest
from fault_server import FaultServer, Reply
from llm_helpers import local_smollm2

import labelwidgets as lw
from labelwidgets.errors import InputError
from labelwidgets.kinds import SpanAnswers
from labelwidgets.labels import LabelSet
from labelwidgets.suggesters.base import Example, Item, Suggestion
from labelwidgets.suggesters.llm.few_shot import SessionExamples
from labelwidgets.suggesters.llm.llm import LLM
from labelwidgets.suggesters.llm.prompt import DEFAULT_TEMPLATE, PromptSpec, parse_answer
from labelwidgets.suggesters.validate import validate

NAMES = ["person", "location"]
LABELS = LabelSet.parse(NAMES, kind="spans")
TEXT = "Marie Curie moved from Warsaw to Paris in 1891."

# Texts whose characters are not one UTF-16 unit each, or not one character per glyph.
UNICODE_CASES = [
    ("Obama 👩🏽‍💻 visited Paris", [("Obama", "person"), ("Paris", "location")]),  # ZWJ sequence, skin tone
    ("🇫🇷 Macron met Merkel in Berlin", [("Macron", "person"), ("Merkel", "person"), ("Berlin", "location")]),  # flag
    ("Jose\u0301 lives in Madrid", [("Jose\u0301", "person"), ("Madrid", "location")]),  # decomposed accent
    ("李明住在东京", [("李明", "person"), ("东京", "location")]),  # CJK, no spaces between words
    ("🎉🎉 Ana 🎉 flew to Zürich 🇨🇭", [("Ana", "person"), ("Zürich", "location")]),  # emoji on both sides
]


def make_llm(server: FaultServer, **kwargs) -> LLM:
    options = {"api_key": "sk-test", "cache": False, "timeout": 5, "max_retries": 1}
    options.update(kwargs)
    return LLM("openai/fake", api_base=server.url, **options)


def written(*pairs: tuple[str, str]) -> dict:
    """An answer as a few-shot example's assistant turn holds it."""
    return {"entities": [{"text": words, "label": label} for words, label in pairs]}


def entities(*pairs: tuple[str, str], **extra: object) -> Reply:
    """The model's answer: {"entities": [{"text": words, "label": label}, ...]}."""
    return Reply.text(json.dumps({"entities": [{"text": w, "label": label} for w, label in pairs], **extra}))


def ask(llm: LLM, text: str = TEXT, labels: LabelSet = LABELS, key: str = "1") -> Suggestion:
    [suggestion] = llm.suggest([Item(key, text)], labels)
    # What the Labeler, lw.suggest and lw.compare do with it next: an answer placed already is kept as it is.
    assert validate(suggestion, labels, name=llm.name, text=text) == suggestion
    return suggestion


def at(text: str, words: str, label: str, occurrence: int = 0) -> list:
    start = -1
    for _ in range(occurrence + 1):
        start = text.find(words, start + 1)
    assert start >= 0, (words, text)
    return [start, start + len(words), label]


def stored(*spans: list) -> str:
    """Spans as the session stores them: compact JSON, in text order."""
    return json.dumps(sorted(spans), ensure_ascii=False, separators=(",", ":"))


def spans_of(suggestion: Suggestion) -> list[list]:
    assert suggestion.label is not None, suggestion.error
    return json.loads(suggestion.label)


# -- the request --


def test_the_request_asks_for_entities_by_their_words_and_no_logprobs(fault_server):
    fault_server.script(entities(("Marie Curie", "person")))
    suggestion = ask(make_llm(fault_server))
    assert spans_of(suggestion) == [at(TEXT, "Marie Curie", "person")]
    request = fault_server.requests[0]
    schema = request["response_format"]["json_schema"]["schema"]
    entity = schema["properties"]["entities"]["items"]
    assert entity["properties"]["label"]["enum"] == NAMES and entity["required"] == ["text", "label"]
    system = request["messages"][0]["content"]
    assert system.startswith(LABELS.kind.default_instructions) and '"entities"' in system
    assert "logprobs" not in request  # no token decides a span: nothing to read from them
    assert request["messages"][-1]["content"] == f"Text:\n{TEXT}"
    assert suggestion.confidence is None and suggestion.confidence_source is None


# -- placing the model's words on the text --


def test_words_in_another_case_are_placed_on_the_texts_own_words(fault_server):
    text = "flights from new york to PARIS, said marie"
    fault_server.script(entities(("New York", "location"), ("Paris", "location"), ("Marie", "person")))
    suggestion = ask(make_llm(fault_server), text)
    assert spans_of(suggestion) == sorted(
        [at(text, "new york", "location"), at(text, "PARIS", "location"), at(text, "marie", "person")]
    )
    assert suggestion.note is None


def test_an_expanded_span_is_kept_as_the_model_wrote_it(fault_server):
    text = "We climbed the Eiffel Tower at dawn."
    fault_server.script(entities(("the Eiffel Tower", "location")))
    assert spans_of(ask(make_llm(fault_server), text)) == [at(text, "the Eiffel Tower", "location")]


def test_a_span_cut_inside_words_grows_to_whole_words_or_shrinks_as_the_kind_says(fault_server):
    text = "We climbed the Eiffel Tower at dawn."
    fault_server.script(*[entities(("iffel Towe", "location"))] * 3)
    expanded = ask(make_llm(fault_server), text)  # the default: alignment="expand"
    assert spans_of(expanded) == [at(text, "Eiffel Tower", "location")] and expanded.note is None
    contracted = ask(make_llm(fault_server), text, LabelSet.parse(NAMES, kind=SpanAnswers(alignment="contract")))
    assert contracted.valid and spans_of(contracted) == []  # no whole word inside "iffel Towe"
    assert "1 of the 1 entities are not in the text" in contracted.note
    strict = ask(make_llm(fault_server), text, LabelSet.parse(NAMES, kind=SpanAnswers(alignment="strict")))
    assert spans_of(strict) == [] and "1 of the 1 entities" in strict.note


def test_a_contracted_span_is_kept_as_the_model_wrote_it(fault_server):
    text = "We climbed the Eiffel Tower at dawn."
    fault_server.script(entities(("Eiffel", "location")), entities(("Eiffel Tow", "location")))
    assert spans_of(ask(make_llm(fault_server), text)) == [at(text, "Eiffel", "location")]
    contract = LabelSet.parse(NAMES, kind=SpanAnswers(alignment="contract"))
    assert spans_of(ask(make_llm(fault_server), text, contract)) == [at(text, "Eiffel", "location")]


def test_words_not_in_the_text_are_dropped_and_counted_in_the_note_with_the_raw_answer_kept(fault_server):
    reply = entities(("Marie Curie", "person"), ("Pierre Curie", "person"), ("Paris", "location"))
    fault_server.script(reply)
    suggestion = ask(make_llm(fault_server))
    assert suggestion.valid
    assert spans_of(suggestion) == [at(TEXT, "Marie Curie", "person"), at(TEXT, "Paris", "location")]
    assert suggestion.note == "1 of the 3 entities are not in the text: 'Pierre Curie'"
    assert suggestion.raw == reply.content  # what the model said, the dropped words included


def test_a_label_outside_the_set_makes_the_whole_suggestion_invalid(fault_server):
    reply = entities(("Marie Curie", "person"), ("Warsaw", "city"))
    fault_server.script(reply)
    suggestion = ask(make_llm(fault_server))
    assert not suggestion.valid and suggestion.label is None
    assert "['city'] is not among the labels" in suggestion.error
    assert suggestion.raw == reply.content


def test_near_misses_of_a_label_name_are_forgiven(fault_server):
    fault_server.script(entities(("Marie Curie", "Person"), ("Paris", " location ")))
    suggestion = ask(make_llm(fault_server))
    assert spans_of(suggestion) == [at(TEXT, "Marie Curie", "person"), at(TEXT, "Paris", "location")]


def test_repeated_mentions_go_to_successive_occurrences(fault_server):
    text = "Paris is not Paris, Texas, said Paris Hilton."
    fault_server.script(entities(("Paris", "location"), ("Paris", "location"), ("Texas", "location")))
    assert spans_of(ask(make_llm(fault_server), text)) == [
        at(text, "Paris", "location", 0),
        at(text, "Paris", "location", 1),
        at(text, "Texas", "location"),
    ]


def test_no_entities_is_an_answer(fault_server):
    fault_server.script(entities())
    suggestion = ask(make_llm(fault_server), "nothing to see here")
    assert suggestion.valid and suggestion.label == "[]" and suggestion.note is None


@pytest.mark.parametrize(("text", "expected"), UNICODE_CASES, ids=["zwj", "flag", "decomposed", "cjk", "emoji"])
def test_offsets_are_code_points_whatever_the_text_holds(fault_server, text, expected):
    fault_server.script(entities(*expected))
    suggestion = ask(make_llm(fault_server), text)
    assert spans_of(suggestion) == sorted(at(text, words, label) for words, label in expected)
    assert {(text[s:e], label) for s, e, label in spans_of(suggestion)} == set(expected)
    assert suggestion.note is None


def test_a_composed_accent_finds_its_decomposed_spelling(fault_server):
    text = "Jose\u0301 lives in Madrid"
    fault_server.script(entities(("José", "person")))  # the model writes the composed é
    assert spans_of(ask(make_llm(fault_server), text)) == [at(text, "Jose\u0301", "person")]


def test_parse_answer_places_entities_on_the_text_it_is_given():
    raw = json.dumps({"entities": [{"text": "warsaw", "label": "location"}, {"text": "Lyon", "label": "location"}]})
    parsed = parse_answer(raw, LABELS, text=TEXT)
    assert json.loads(parsed.label) == [at(TEXT, "Warsaw", "location")]
    assert parsed.note == "1 of the 2 entities are not in the text: 'Lyon'" and parsed.choices == ()
    without = parse_answer(raw, LABELS)
    assert without.label is None and "came without" in without.error


# -- few-shot examples --


def test_few_shot_examples_with_spans_are_sent_as_the_entities_of_their_text(fault_server):
    first = "Ada Lovelace was born in London."
    second = "Alan Turing worked in Manchester."
    third = "Grace Hopper lived in New York."
    examples = [
        (first, [(0, 12, "person"), {"start": 25, "end": 31, "label": "location"}]),  # offsets
        (second, [{"text": "alan turing", "label": "person"}, {"text": "Manchester", "label": "location"}]),  # words
        (third, json.dumps([at(third, "Grace Hopper", "person")])),  # JSON text
        ("Nothing here.", []),
    ]
    llm = make_llm(fault_server, few_shot=examples)
    fault_server.script(entities(("Marie Curie", "person")))
    assert ask(llm).valid
    messages = fault_server.requests[0]["messages"]
    assert messages == llm.render_prompt(TEXT, LABELS)
    turns = [(messages[i]["content"], json.loads(messages[i + 1]["content"])) for i in range(1, len(messages) - 1, 2)]
    assert turns == [
        (f"Text:\n{first}", written(("Ada Lovelace", "person"), ("London", "location"))),
        (f"Text:\n{second}", written(("Alan Turing", "person"), ("Manchester", "location"))),
        (f"Text:\n{third}", written(("Grace Hopper", "person"))),
        ("Text:\nNothing here.", written()),
    ]


def test_few_shot_spans_from_a_dataframe_column(fault_server):
    text = "Ada Lovelace was born in London."
    examples = pd.DataFrame({"text": [text], "gold": [[{"text": "London", "label": "location"}]]})
    llm = make_llm(fault_server, few_shot=examples, few_shot_columns=("text", "gold"))
    answers = [json.loads(m["content"]) for m in llm.render_prompt("hello", LABELS) if m["role"] == "assistant"]
    assert answers == [{"entities": [{"text": "London", "label": "location"}]}]


@pytest.mark.parametrize(
    ("answer", "message"),
    [
        ([{"text": "Paris", "label": "location"}], "'Paris' not in the example's text"),
        ([{"text": "London", "label": "city"}], "['city'] is not among the labels"),
        ([(0, 99, "person")], "ends after the text"),
        ([{"start": 0, "end": 3, "label": "person", "text": "Ada Lovelace"}], "names the text 'Ada Lovelace'"),
        ([(0, 3, "person")], None),  # offsets are taken as given: "Ada"
    ],
)
def test_a_wrong_few_shot_example_makes_every_suggestion_invalid_saying_why(fault_server, answer, message):
    llm = make_llm(fault_server, few_shot=[("Ada Lovelace was born in London.", answer)])
    fault_server.script(entities(("Marie Curie", "person")))
    suggestion = ask(llm)
    if message is None:
        assert suggestion.valid
        return
    assert not suggestion.valid and "few-shot example label" in suggestion.error and message in suggestion.error
    assert fault_server.request_count == 0  # the same error for every item: nothing is sent


def test_session_examples_are_the_persons_spans_written_with_their_text(fault_server):
    llm = make_llm(fault_server, few_shot="session")
    ada = "Ada Lovelace was born in London."
    llm.learn(
        [
            Example("1", ada, stored(at(ada, "Ada Lovelace", "person"), at(ada, "London", "location"))),
            Example("2", "Nobody here.", "[]"),
            Example("3", "Old labels: Bob", stored(at("Old labels: Bob", "Bob", "pet"))),  # not in today's set
        ]
    )
    fault_server.script(entities(("Marie Curie", "person")))
    suggestion = ask(llm, key="9")
    assert suggestion.valid and suggestion.prompt_id.endswith("+session-2")
    messages = fault_server.requests[0]["messages"]
    turns = {messages[i]["content"]: json.loads(messages[i + 1]["content"]) for i in range(1, len(messages) - 1, 2)}
    assert turns == {
        f"Text:\n{ada}": written(("Ada Lovelace", "person"), ("London", "location")),
        "Text:\nNobody here.": written(),
    }


def test_a_session_example_cut_to_fit_keeps_only_the_spans_still_shown():
    session = SessionExamples(max_examples=1, max_example_chars=30)
    text = "Ada Lovelace met Charles Babbage in London in 1833."  # cut through "Charles Babbage"
    spans = [at(text, "Ada Lovelace", "person"), at(text, "Charles Babbage", "person"), at(text, "London", "location")]
    session.learn([Example("1", text, stored(*spans))])
    spec = PromptSpec(DEFAULT_TEMPLATE, "Find entities.", None, (), False, "json")
    spec, _ = session.spec_for(spec, LABELS, text="Babbage in London", key="2")
    [(shown, answer)] = spec.few_shot
    assert shown == "Ada Lovelace met Charles B ..." and json.loads(answer) == [at(text, "Ada Lovelace", "person")]
    assert json.loads(spec.render("Babbage", LABELS)[2]["content"]) == {
        "entities": [{"text": "Ada Lovelace", "label": "person"}]
    }


def test_a_labeler_teaches_a_session_llm_the_spans_the_person_gives(store_path, fault_server, llm_cache_dir):
    texts = ["Ada Lovelace was born in London.", "Alan Turing worked in Manchester.", TEXT]
    df = pd.DataFrame({"text": texts})
    fault_server.default = entities()
    llm = make_llm(fault_server, few_shot="session")
    labeler = lw.Labeler(df, labels=NAMES, kind="spans", store=store_path, suggester=llm, prefetch=1)
    labeler.label([at(texts[0], "Ada Lovelace", "person"), at(texts[0], "London", "location")])
    labeler.label([])
    labeler.session.prefetcher.wait(labeler.session.row_at(2), timeout=10)
    labeler.close()
    last = fault_server.requests[-1]["messages"]
    assert last[-1]["content"] == f"Text:\n{TEXT}"
    assert {"role": "assistant", "content": json.dumps(
        {"entities": [{"text": "Ada Lovelace", "label": "person"}, {"text": "London", "label": "location"}]}
    )} in last  # fmt: skip


# -- confidence --


def test_self_consistency_votes_span_by_span(fault_server):
    marie, paris, warsaw = (
        at(TEXT, "Marie Curie", "person"),
        at(TEXT, "Paris", "location"),
        at(TEXT, "Warsaw", "location"),
    )
    fault_server.script(
        entities(("Marie Curie", "person"), ("Paris", "location")),
        entities(("marie curie", "person"), ("Paris", "location"), ("Warsaw", "location")),
        entities(("Marie Curie", "person"), ("Paris", "location"), ("Curie Institute", "location")),
    )
    suggestion = ask(make_llm(fault_server, n_samples=3))
    assert fault_server.request_count == 2  # one answer, then the other two samples in one request
    assert fault_server.requests[1]["n"] == 2 and fault_server.requests[1]["temperature"] == 1.0
    assert spans_of(suggestion) == [marie, paris]  # Warsaw is in one sample of three
    assert suggestion.confidence_source == "self-consistency"
    assert suggestion.confidence == pytest.approx(2 / 3)  # the first and the third sample are exactly this answer
    assert suggestion.probabilities == pytest.approx({"person": 1.0, "location": 2 / 3})
    assert json.loads(suggestion.raw)["entities"][0]["text"] == "Marie Curie"  # the first sample that gave it
    assert warsaw not in spans_of(suggestion)


def test_self_consistency_counts_an_invalid_sample_against_the_answer(fault_server):
    fault_server.script(
        entities(("Paris", "location")),
        entities(("Paris", "city")),  # a label outside the set: invalid
        entities(("Paris", "location")),
    )
    suggestion = ask(make_llm(fault_server, n_samples=3))
    assert spans_of(suggestion) == [at(TEXT, "Paris", "location")]
    assert suggestion.confidence == pytest.approx(2 / 3)


# -- the cache --


def test_a_spans_suggestion_comes_back_from_the_cache_with_its_note(fault_server, llm_cache_dir):
    fault_server.script(entities(("Marie Curie", "person"), ("Pierre", "person")))
    first = ask(make_llm(fault_server, cache=True))
    again = ask(make_llm(fault_server, cache=True))
    assert again.cached and not first.cached and fault_server.request_count == 1
    assert (again.label, again.note, again.raw) == (first.label, first.note, first.raw)
    # Placed another way, the same answer is another suggestion: asked again, not taken from the cache.
    fault_server.script(entities(("Marie Curie", "person")))
    strict = ask(make_llm(fault_server, cache=True), labels=LabelSet.parse(NAMES, kind=SpanAnswers(alignment="strict")))
    assert not strict.cached and fault_server.request_count == 2


def test_the_cost_of_a_priced_model_is_estimated_for_spans(fault_server):
    llm = LLM("gpt-4o-mini", api_key="sk-test", cache=False, price=(1.0, 2.0))
    cost = llm.estimate_cost([Item("1", TEXT)], LABELS)
    assert cost is not None and cost > 0


# -- the labeler, lw.suggest --


def test_a_spans_labeler_accepts_the_llms_spans_placed_on_the_text(store_path, fault_server, llm_cache_dir):
    df = pd.DataFrame({"text": [text for text, _ in UNICODE_CASES[:2]] + [TEXT]}, index=["a", "b", "c"])

    def respond(request: dict) -> Reply:
        text = request["messages"][-1]["content"].removeprefix("Text:\n")
        if text == TEXT:
            return entities(("marie curie", "person"), ("Warsaw", "location"), ("Lyon", "location"))
        return entities(*dict(UNICODE_CASES)[text])

    fault_server.default = respond
    labeler = lw.Labeler(df, labels=NAMES, kind="spans", store=store_path, suggester=make_llm(fault_server))
    for row, (text, expected) in enumerate(UNICODE_CASES[:2]):
        labeler.session.prefetcher.wait(labeler.session.row_at(row), timeout=10)
        assert labeler.suggestion is not None and labeler.suggestion.valid, labeler.suggestion
        accepted = labeler.accept()
        assert accepted.action == "accepted"
        wanted = sorted(at(text, words, label) for words, label in expected)
        assert [[s["start"], s["end"], s["label"]] for s in df["label"].iloc[row]] == wanted
        assert [s["text"] for s in df["label"].iloc[row]] == [text[s:e] for s, e, _ in wanted]
    labeler.session.prefetcher.wait(labeler.session.row_at(2), timeout=10)
    suggestion = labeler.suggestion
    assert suggestion.note == "1 of the 3 entities are not in the text: 'Lyon'"
    assert labeler.accept().action == "accepted"
    placed = [[s["start"], s["end"], s["label"]] for s in df.loc["c", "label"]]
    assert placed == json.loads(suggestion.label) == [at(TEXT, "Marie Curie", "person"), at(TEXT, "Warsaw", "location")]
    labeler.close()
    with sqlite3.connect(store_path) as conn:
        stored = [row[0] for row in conn.execute("SELECT label FROM lw_events ORDER BY id")]
    assert [json.loads(s) for s in stored[:2]] == [
        sorted(at(text, words, label) for words, label in expected) for text, expected in UNICODE_CASES[:2]
    ]
    assert stored[2] == suggestion.label


def test_lw_suggest_writes_the_placed_spans(fault_server, llm_cache_dir):
    df = pd.DataFrame({"text": [TEXT, "nothing"]})
    fault_server.script(entities(("Marie Curie", "person")), entities())
    lw.suggest(df, make_llm(fault_server, max_concurrency=1), labels=LABELS, progress=False)
    assert json.loads(df["suggestion"].iloc[0]) == [at(TEXT, "Marie Curie", "person")]
    assert df["suggestion"].iloc[1] == "[]" and df["suggestion_error"].isna().all()


# -- what cannot suggest spans --


def test_a_bare_answer_is_refused_for_spans():
    spec = PromptSpec(DEFAULT_TEMPLATE, "Find entities.", None, (), False, "label")
    with pytest.raises(InputError, match=r"spans cannot be written as a bare answer \(output='label'\).*lw\.LLM"):
        spec.render(TEXT, LABELS)
    with pytest.raises(InputError, match="bare answer"):
        LABELS.kind.format_answer("[]", LABELS, "label", text=TEXT)


def test_a_local_llm_refuses_spans_before_labeling_starts():
    local = lw.LocalLLM()
    df = pd.DataFrame({"text": [TEXT]})
    message = r"lw\.LocalLLM cannot suggest spans: it scores labels, it does not write text.*lw\.LLM\('openai/"
    with pytest.raises(InputError, match=message):
        lw.Labeler(df, labels=NAMES, kind="spans", store=None, suggester=local)
    with pytest.raises(InputError, match=message):
        lw.suggest(df, local, labels=LABELS, progress=False)
    with pytest.raises(InputError, match=message):
        local.suggest([Item("1", TEXT)], LABELS)
    with pytest.raises(InputError, match=message):
        local.render_prompt(TEXT, LABELS)
    assert local.worker_pid is None  # refused before any model was loaded
    local.check_kind(LabelSet.parse(NAMES, kind="multi"))  # labels it scores are fine
    local.close()


def test_a_learner_refuses_spans_before_labeling_starts():
    learner = lw.Learner()
    df = pd.DataFrame({"text": [TEXT]})
    message = r"lw\.Learner cannot suggest spans: it is a classifier.*lw\.LLM\('openai/"
    with pytest.raises(InputError, match=message):
        lw.Labeler(df, labels=NAMES, kind="spans", store=None, suggester=learner)
    with pytest.raises(InputError, match=message):
        learner.suggest([Item("1", TEXT)], LABELS)
    learner.close()


def test_a_learner_with_an_llm_prior_still_refuses_spans(fault_server):
    learner = lw.Learner(make_llm(fault_server))
    with pytest.raises(InputError, match=r"lw\.Learner cannot suggest spans"):
        lw.Labeler(pd.DataFrame({"text": [TEXT]}), labels=NAMES, kind="spans", store=None, suggester=learner)
    learner.close()
    assert fault_server.request_count == 0


def test_one_label_and_sets_are_asked_as_before(fault_server):
    # The item's text only travels with answers that point into it; the request for one label is unchanged.
    fault_server.script(Reply.label("ham"))
    [suggestion] = make_llm(fault_server).suggest([Item("1", "hello")], LabelSet.parse(["ham", "spam"]))
    assert suggestion.label == "ham" and suggestion.note is None and suggestion.confidence_source == "logprobs"
    assert fault_server.requests[0]["logprobs"] is True


# -- a real llama-cpp-python server with the bundled SmolLM2 --


@pytest.mark.slow
def test_end_to_end_against_llama_cpp_server(llama_server):
    llm = local_smollm2(llama_server, "Find the people and places in the text.", timeout=120)
    texts = [TEXT, "Ada Lovelace was born in London.", "Obama 👩🏽‍💻 visited Paris"]
    suggestions = llm.suggest([Item(str(i), text) for i, text in enumerate(texts)], LABELS)
    assert llm.structured_output == "json_object+schema"  # the server refused json_schema, took the schema
    for text, suggestion in zip(texts, suggestions, strict=True):  # a 135M model is weak: valid spans, or why not
        assert suggestion.raw is not None and suggestion.confidence is None
        if suggestion.valid:
            assert all(0 <= s < e <= len(text) and label in NAMES for s, e, label in spans_of(suggestion))
        else:
            assert suggestion.error
