"""few_shot="session": the person's labels become the examples (selection, prompts, cache, prompt ids, threads)."""

from __future__ import annotations

import pickle
import random
import threading
import time
from pathlib import Path

import pandas as pd
import pytest
from fault_server import FaultServer, Reply

import labelwidgets as lw
from labelwidgets.errors import InputError
from labelwidgets.labels import LabelSet
from labelwidgets.suggesters.base import Example, Item, LearnsFromLabels
from labelwidgets.suggesters.llm.few_shot import (
    LabeledText,
    SessionExamples,
    clip,
    select_examples,
    session_prompt_id,
    similarity,
    words,
)
from labelwidgets.suggesters.llm.llm import LLM
from labelwidgets.suggesters.local import LocalLLM

LABELS = LabelSet.parse(["ham", "spam"])
KEY = "sk-test-few-shot"
SMS = pd.read_csv(Path(__file__).parents[1] / "labelwidgets" / "datasets" / "sms_spam_500.tsv", sep="\t")


def pool(*rows: tuple[str, str, str]) -> list[LabeledText]:
    return [LabeledText.of(key, text, label) for key, text, label in rows]


def make_llm(server: FaultServer, **kwargs) -> LLM:
    options = {"api_key": KEY, "cache": False, "timeout": 5, "max_retries": 0, "few_shot": "session"}
    options.update(kwargs)
    return LLM("openai/fake", api_base=server.url, **options)


def example_turns(messages: list[dict[str, str]]) -> list[tuple[str, str]]:
    """(user content, assistant content) of the example turns between the system message and the item."""
    turns = messages[1:-1]
    return [(turns[i]["content"], turns[i + 1]["content"]) for i in range(0, len(turns), 2)]


# -- choosing the examples: pure functions --


def test_the_item_itself_is_never_an_example_even_when_it_is_the_most_similar():
    labeled = pool(("a", "win a free prize now", "spam"), ("b", "win a free cruise now", "spam"), ("c", "hi", "ham"))
    chosen = select_examples(labeled, text="win a free prize now", key="a", max_examples=8)
    assert [text for text, _ in chosen] == ["hi", "win a free cruise now"]
    # Without a key (a bare text), the examples with exactly its text are left out instead.
    assert "win a free prize now" not in dict(select_examples(labeled, text="win a free prize now", key=None))
    # With a key, another item that happens to have the same text is a fair example.
    assert "win a free prize now" in dict(select_examples(labeled, text="win a free prize now", key="z"))


def test_every_label_gets_an_example_before_any_label_gets_a_second():
    labeled = pool(
        *[(f"h{i}", f"are we meeting for lunch today {i}", "ham") for i in range(6)],
        ("s1", "claim your prize", "spam"),
        ("o1", "unrelated words entirely", "other"),
    )
    chosen = select_examples(labeled, text="are we meeting for lunch today", key=None, max_examples=3)
    assert sorted(label for _, label in chosen) == ["ham", "other", "spam"]  # not the three near-identical hams
    chosen = select_examples(labeled, text="are we meeting for lunch today", key=None, max_examples=5)
    assert sorted(label for _, label in chosen) == ["ham", "ham", "ham", "other", "spam"]


def test_the_most_similar_examples_are_chosen_and_the_closest_comes_last():
    query = "free entry to win a cash prize call now"
    labeled = pool(
        ("s1", "win cash now", "spam"),
        ("s2", "free entry to win a cash prize call today", "spam"),
        ("s3", "your bill is ready", "spam"),
        ("h1", "call me when you are free", "ham"),
        ("h2", "see you at six", "ham"),
    )
    chosen = select_examples(labeled, text=query, key=None, max_examples=2)
    assert chosen == (("call me when you are free", "ham"), ("free entry to win a cash prize call today", "spam"))
    chosen = select_examples(labeled, text=query, key=None, max_examples=5)
    scores = [similarity(words(query), words(text)) for text, _ in chosen]
    assert scores == sorted(scores) and chosen[-1][0] == "free entry to win a cash prize call today"


def test_similarity_is_jaccard_of_lowercased_words():
    assert similarity(words("Win a PRIZE!"), words("win the prize")) == pytest.approx(2 / 4)
    assert similarity(words(""), words("anything")) == 0.0
    assert words("Don't stop, don't!") == {"don", "t", "stop"}


def test_count_and_characters_are_bounded_and_long_texts_are_cut():
    labeled = pool(*[(f"k{i}", f"message {i} " + "x" * 1000, "ham" if i % 2 else "spam") for i in range(30)])
    chosen = select_examples(labeled, text="message 3", key=None, max_examples=6, max_example_chars=1200)
    assert len(chosen) == 6
    assert all(len(text) <= 1200 // 6 and text.endswith(" ...") for text, _ in chosen)
    assert sum(len(text) for text, _ in chosen) <= 1200
    assert select_examples(labeled, text="message 3", key=None, max_examples=0) == ()
    assert clip("short", 10) == "short" and clip("a" * 20, 10) == "aaaaaa ..."


def test_labels_outside_the_label_set_are_not_used():
    labeled = pool(("a", "hello there", "ham"), ("b", "hello you", "greeting"))
    assert select_examples(labeled, text="hello", key=None, labels=["ham", "spam"]) == (("hello there", "ham"),)


def test_learning_replaces_a_label_and_none_removes_it():
    session = SessionExamples()
    session.learn([Example("a", "see you at six", "ham"), Example("b", "win a prize", "spam")])
    session.learn([Example("a", "see you at six", "spam")])
    assert dict(session.select(text="six", key=None)) == {"see you at six": "spam", "win a prize": "spam"}
    session.learn([Example("a", "see you at six", None), Example("missing", "never labeled", None)])
    assert session.select(text="six", key=None) == (("win a prize", "spam"),) and len(session) == 1


def test_the_choice_is_deterministic_whatever_the_order_labels_were_learned_in():
    examples = [Example(str(row.id), row.text, row.gold) for row in SMS.head(120).itertuples()]
    texts = SMS.text.iloc[200:210].tolist()
    first = SessionExamples()
    first.learn(examples)
    shuffled = examples[:]
    random.Random(3).shuffle(shuffled)
    second = SessionExamples()
    for example in shuffled:
        second.learn([example])
    for text in texts:
        chosen = first.select(text=text, key=None, labels=LABELS.names)
        assert chosen == second.select(text=text, key=None, labels=LABELS.names) == first.select(text=text, key=None)
        assert len(chosen) == 8 and {label for _, label in chosen} == {"ham", "spam"}


def test_learning_and_choosing_at_once_from_many_threads():
    session = SessionExamples(max_examples=4)
    errors: list[BaseException] = []
    stop = threading.Event()

    def learner(offset: int) -> None:
        try:
            for i in range(300):
                key = f"k{(offset + i) % 50}"
                label = None if i % 7 == 0 else ("spam" if i % 2 else "ham")
                session.learn([Example(key, f"text number {key}", label)])
        except BaseException as error:
            errors.append(error)

    def chooser() -> None:
        try:
            while not stop.is_set():
                chosen = session.select(text="text number k7", key="k7")
                assert len(chosen) <= 4 and "text number k7" not in dict(chosen)
        except BaseException as error:
            errors.append(error)

    choosers = [threading.Thread(target=chooser) for _ in range(3)]
    learners = [threading.Thread(target=learner, args=(n * 13,)) for n in range(3)]
    for thread in choosers + learners:
        thread.start()
    for thread in learners:
        thread.join(timeout=60)
    stop.set()
    for thread in choosers:
        thread.join(timeout=60)
    assert not errors
    assert 0 < len(session) <= 50


# -- prompts, prompt ids and the cache --


def test_the_rendered_prompt_has_the_examples_as_earlier_turns_and_never_the_items_own_label(fault_server):
    llm = make_llm(fault_server, instructions="Is this SMS spam?")
    llm.learn([Example("1", "WIN a free prize now", "spam"), Example("2", "see you at 6", "ham")])
    messages = llm.render_prompt(Item("3", "WIN a prize"), LABELS)
    assert [m["role"] for m in messages] == ["system", "user", "assistant", "user", "assistant", "user"]
    assert example_turns(messages) == [
        ("Text:\nsee you at 6", '{"label": "ham"}'),
        ("Text:\nWIN a free prize now", '{"label": "spam"}'),
    ]
    own = llm.render_prompt(Item("1", "WIN a free prize now"), LABELS)
    assert example_turns(own) == [("Text:\nsee you at 6", '{"label": "ham"}')]
    assert llm.render_prompt({"text": "WIN a free prize now"}, LABELS) == own  # a row: matched by its text


def test_a_local_llm_renders_session_examples_in_its_own_answer_format():
    local = LocalLLM(few_shot="session")
    local.learn([Example("1", "WIN a free prize now", "spam")])
    messages = local.render_prompt(Item("3", "WIN a prize"), LABELS)
    assert messages[1]["content"].startswith("Text:\nWIN a free prize now") and messages[2]["content"] == "spam"
    assert isinstance(local, LearnsFromLabels) and not isinstance(LocalLLM(), LearnsFromLabels)
    assert local.config()["few_shot"] == "session" and local.config()["max_examples"] == 4
    assert "few_shot='session'" in repr(local)


def test_only_a_session_llm_learns_and_it_keeps_what_it_learned_through_a_pickle(fault_server):
    llm = make_llm(fault_server)
    assert isinstance(llm, LearnsFromLabels)
    assert not isinstance(make_llm(fault_server, few_shot=[("hi", "ham")]), LearnsFromLabels)
    assert not isinstance(make_llm(fault_server, few_shot=None), LearnsFromLabels)
    llm.learn([Example("1", "see you at 6", "ham")])
    copy = pickle.loads(pickle.dumps(llm))
    assert copy.render_prompt("hello", LABELS) == llm.render_prompt("hello", LABELS)
    copy.learn([Example("2", "win a prize", "spam")])  # the copy's learn feeds the copy's examples
    assert len(copy.session_examples) == 2 and len(llm.session_examples) == 1
    assert llm.config()["few_shot"] == "session" and "few_shot='session'" in repr(llm)
    with pytest.raises(InputError, match='pass few_shot="session"'):
        make_llm(fault_server, few_shot="sesion")


def test_prompt_id_is_the_base_id_and_the_number_of_examples_so_agreement_groups_by_it(fault_server):
    plain = make_llm(fault_server, few_shot=None)
    llm = make_llm(fault_server, max_examples=3)
    [base] = plain.suggest([Item("x", "hello")], LABELS)
    items = [Item(str(i), text) for i, text in enumerate(["hi there", "win cash", "lunch?", "free prize"])]
    before = llm.suggest(items, LABELS)
    llm.learn([Example("0", "hi there", "ham")])
    one = llm.suggest(items, LABELS)
    llm.learn([Example("1", "win cash", "spam"), Example("2", "lunch?", "ham"), Example("9", "call me", "ham")])
    full = llm.suggest(items, LABELS)
    assert {s.prompt_id for s in before} == {session_prompt_id(base.prompt_id, 0)} == {base.prompt_id + "+session-0"}
    assert [s.prompt_id.rsplit("-", 1)[1] for s in one] == ["0", "1", "1", "1"]  # item 0 never sees its own label
    assert {s.prompt_id for s in full} == {base.prompt_id + "+session-3"}
    suggestions = before + one + full
    frame = pd.DataFrame(
        {
            "label": ["ham"] * len(suggestions),
            "suggestion": [s.label for s in suggestions],
            "prompt_id": [s.prompt_id for s in suggestions],
        }
    )
    table = lw.agreement(frame, by="prompt_id", decision=None, confidence=None, suggestion_visible=None, n_boot=0)
    counts = table[table.metric == "n"].set_index("group")["value"].to_dict()
    assert counts == {f"{base.prompt_id}+session-{k}": n for k, n in ((0, 5), (1, 3), (3, 4))}


def test_the_cache_key_includes_the_examples(fault_server, tmp_path):
    llm = make_llm(fault_server, cache=tmp_path)
    item = Item("x", "win a free prize")
    llm.learn([Example("1", "see you at 6", "ham")])
    first, again = llm.suggest([item], LABELS), llm.suggest([item], LABELS)
    assert fault_server.request_count == 1 and again[0].cached
    llm.learn([Example("2", "win a free cruise", "spam")])
    changed = llm.suggest([item], LABELS)
    assert fault_server.request_count == 2 and not changed[0].cached  # other examples: asked again
    assert first[0].prompt_id.endswith("+session-1") and changed[0].prompt_id.endswith("+session-2")
    llm.learn([Example("2", "win a free cruise", None)])
    back = llm.suggest([item], LABELS)
    assert fault_server.request_count == 2 and back[0].cached  # the first prompt again: from the cache


# -- end to end --


def test_the_provider_receives_the_session_examples(fault_server):
    fault_server.script(Reply.label("spam"))
    llm = make_llm(fault_server, instructions="Is this SMS spam?", logprobs=False)
    llm.learn([Example(str(row.id), row.text, row.gold) for row in SMS.head(40).itertuples()])
    item = Item(str(SMS.id.iloc[5]), SMS.text.iloc[5])  # labeled above: its own label must not be sent
    [suggestion] = llm.suggest([item], LABELS)
    assert suggestion.valid and suggestion.label == "spam" and suggestion.prompt_id.endswith("+session-8")
    received = fault_server.requests[0]["messages"]
    assert received == llm.render_prompt(item, LABELS)
    turns = example_turns(received)
    labeled = dict(zip(SMS.text.head(40), SMS.gold.head(40), strict=True))
    assert len(turns) == 8 and {answer for _, answer in turns} == {'{"label": "ham"}', '{"label": "spam"}'}
    for question, answer in turns:
        text = question.removeprefix("Text:\n")
        assert text != item.text and answer == f'{{"label": "{labeled[text]}"}}'
    assert received[-1]["content"] == f"Text:\n{item.text}"


def test_suggesting_while_labels_are_learned_from_another_thread(fault_server):
    llm = make_llm(fault_server, max_concurrency=4, max_examples=4)
    rows = list(SMS.head(60).itertuples())
    stop = threading.Event()
    given: dict[str, set[str]] = {}  # text -> every label it was given

    def labeling() -> None:
        for i, row in enumerate(rows * 3):
            label = None if i % 5 == 0 else row.gold
            if label is not None:
                given.setdefault(row.text, set()).add(label)
            llm.learn([Example(str(row.id), row.text, label)])
            time.sleep(0.002)  # labels keep coming while several batches are asked
        stop.set()

    thread = threading.Thread(target=labeling)
    thread.start()
    suggestions = []
    while not stop.is_set() or not suggestions:
        suggestions += llm.suggest([Item(str(row.id), row.text) for row in rows[:8]], LABELS)
    thread.join(timeout=60)
    assert all(s.valid for s in suggestions)
    for request in fault_server.requests:
        messages = request["messages"]
        own = messages[-1]["content"]
        turns = example_turns(messages)
        assert len(turns) <= 4 and own not in [question for question, _ in turns]
        for question, answer in turns:
            assert answer.split('"')[3] in given[question.removeprefix("Text:\n")]


def test_a_local_llm_learns_from_the_session():
    local = LocalLLM(instructions="Is this SMS message spam?", few_shot="session")
    spam, ham = SMS[SMS.gold == "spam"], SMS[SMS.gold == "ham"]
    taught = pd.concat([spam.head(2), ham.head(2)])
    local.learn([Example(str(row.id), row.text, row.gold) for row in taught.itertuples()])
    item = Item(str(spam.id.iloc[0]), spam.text.iloc[0])  # a taught item: three examples, not its own
    other = Item(str(spam.id.iloc[5]), spam.text.iloc[5])
    suggestions = local.suggest([item, other], {"ham": "a normal personal message", "spam": "advertising or scams"})
    assert all(s.valid and s.label in {"ham", "spam"} for s in suggestions)
    assert suggestions[0].prompt_id.endswith("+session-3") and suggestions[1].prompt_id.endswith("+session-4")
    assert suggestions[1].prompt_id.split("+")[0] == suggestions[0].prompt_id.split("+")[0]
    prompt = local.formatted_prompt(item, LABELS)  # what the worker itself renders
    examples_part = prompt[: prompt.rindex(item.text)]
    for row in taught.itertuples():
        assert (row.text[:60] in examples_part) == (str(row.id) != item.key)
    # The same prompt scored again gives the same distribution (as test_local_llm checks without examples).
    first, second, third = (local.label_probabilities(other.text, LABELS) for _ in range(3))
    assert second == pytest.approx(first, abs=1e-9) and third == pytest.approx(first, abs=1e-9)
    local.close()


def test_a_local_llm_drops_examples_that_leave_the_text_no_room():
    local = LocalLLM(few_shot="session", n_ctx=512, max_examples=4, max_example_chars=4000)
    long_texts = [f"message {i}: " + "please call me back about the meeting tomorrow " * 16 for i in range(4)]
    local.learn([Example(str(i), text, "ham" if i % 2 else "spam") for i, text in enumerate(long_texts)])
    [suggestion] = local.suggest([Item("x", "call me back")], LABELS)
    assert suggestion.valid, suggestion.error
    kept = int(suggestion.prompt_id.rsplit("-", 1)[1])
    assert 0 < kept < 4 and suggestion.input_tokens <= 512, (kept, suggestion.input_tokens)
    local.close()
