"""Few-shot examples taken from the labels the person gives as they label (``few_shot="session"``).

A chat model that sees a handful of the person's own decisions on similar texts follows their
reading of the labels far better than instructions alone make it. For each item the prompt gets
up to ``max_examples`` of the session's labels:

* never the item's own label, which would hand the model the answer it is measured on;
* label-diverse: every label that has examples gets one before any label gets a second, so a
  run of one label does not teach the model that only that label exists (with a set of labels per item, every
  distinct set counts as one "label" here);
* the most similar to the item: Jaccard similarity of the lowercased word sets. It is cheap (a few
  milliseconds per prompt against thousands of labels) and needs no dependency; examples that
  share words with the item are the ones that show where the person draws the line;
* bounded: each text is cut to ``max_example_chars // max_examples`` characters, so the examples
  never take more than ``max_example_chars`` together (an answer that points into its text, spans, keeps only
  the spans inside what is left of it);
* in a deterministic order, least similar first, so that the closest example sits right before
  the item (models weigh what they read last) and the same labels always give the same prompt
  (which the cache and a local model's evaluated prefix rely on).

The selection is pure functions (`select_examples`); `SessionExamples` keeps the labels, thread-safely,
and is shared by `lw.LLM` and `lw.LocalLLM`.
"""

from __future__ import annotations

import heapq
import re
import threading
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from typing import Any

from labelwidgets.errors import InputError
from labelwidgets.labels import LabelSet
from labelwidgets.suggesters.base import Example
from labelwidgets.suggesters.llm.prompt import PromptSpec

SESSION = "session"
DEFAULT_MAX_EXAMPLES = 8
DEFAULT_MAX_EXAMPLE_CHARS = 3000

FewShotPair = tuple[str, str]

#: How an example's answer that points into its text is kept to the part of the text a prompt shows: (the stored
#: answer, the text shown, how many characters of the original text it keeps) -> the stored answer over the text shown.
AnswerWithin = Callable[[str, str, int], str]

_WORD = re.compile(r"\w+")
_CUT_MARK = " ..."


def words(text: str) -> frozenset[str]:
    """The distinct lowercased words of a text, what similarity is measured on."""
    return frozenset(_WORD.findall(text.lower()))


def similarity(a: frozenset[str], b: frozenset[str]) -> float:
    """Jaccard similarity of two word sets: shared words over all words, 0 when either is empty."""
    if not a or not b:
        return 0.0
    shared = len(a & b)
    return shared / (len(a) + len(b) - shared)


def clip(text: str, limit: int) -> str:
    """The text cut to at most ``limit`` characters, marked as cut when it was."""
    return _cut(text, limit)[0]


def _cut(text: str, limit: int) -> tuple[str, int]:
    """`clip`'s text, and how many characters of ``text`` it begins with."""
    if len(text) <= limit:
        return text, len(text)
    if limit <= len(_CUT_MARK):
        return text[:limit], limit
    kept = text[: limit - len(_CUT_MARK)].rstrip()
    return kept + _CUT_MARK, len(kept)


@dataclass(frozen=True)
class LabeledText:
    """A label the person gave, with the words of its text (worked out once, when it is learned)."""

    key: str
    text: str
    label: str
    words: frozenset[str]

    @classmethod
    def of(cls, key: str, text: str, label: str) -> LabeledText:
        return cls(key, text, label, words(text))


def select_examples(
    pool: Iterable[LabeledText],
    *,
    text: str,
    key: str | None,
    labels: Iterable[str] | None = None,
    max_examples: int = DEFAULT_MAX_EXAMPLES,
    max_example_chars: int = DEFAULT_MAX_EXAMPLE_CHARS,
    within: AnswerWithin | None = None,
) -> tuple[FewShotPair, ...]:
    """The (text, label) examples for the item with this key and text, in prompt order.

    The item itself is left out: the example with its ``key``, or, when no key is known (a bare text), the
    examples with exactly its text. Examples whose label is not in ``labels`` are left out (the label set may
    have changed since they were given). See the module docstring for how the rest are chosen. ``within`` keeps
    an answer that points into its text (spans) to the part of a cut text that is shown.
    """
    if max_examples <= 0:
        return ()
    query = words(text)
    allowed = None if labels is None else set(labels)
    by_label: dict[str, list[tuple[float, str, LabeledText]]] = {}
    for entry in pool:  # the hot loop of every prompt: similarity is inlined
        if entry.key == key if key is not None else entry.text == text:
            continue
        if allowed is not None and entry.label not in allowed:
            continue
        shared = len(query & entry.words)
        score = shared / (len(query) + len(entry.words) - shared) if shared else 0.0
        by_label.setdefault(entry.label, []).append((-score, entry.key, entry))
    # No label needs more than max_examples candidates; ties go to the smaller key, whatever the learning order.
    ranked = {label: heapq.nsmallest(max_examples, candidates) for label, candidates in by_label.items()}
    label_order = sorted(ranked, key=lambda label: (ranked[label][0][0], label))
    chosen: list[tuple[float, str, LabeledText]] = []
    for depth in range(max_examples):
        for label in label_order:
            if depth < len(ranked[label]) and len(chosen) < max_examples:
                chosen.append(ranked[label][depth])
    # Per-example room depends on max_examples only, so an example reads the same in every prompt it is in.
    room = max(1, max_example_chars // max_examples)
    chosen.sort(key=lambda candidate: (-candidate[0], candidate[1]))  # least similar first, the closest last
    if within is None:
        return tuple((clip(entry.text, room), entry.label) for _, _, entry in chosen)
    examples = []
    for _, _, entry in chosen:
        shown, kept = _cut(entry.text, room)
        examples.append((shown, entry.label if kept == len(entry.text) else within(entry.label, shown, kept)))
    return tuple(examples)


def session_prompt_id(base_prompt_id: str, example_count: int) -> str:
    """The prompt id of a suggestion made with ``example_count`` session examples: ``"<base id>+session-<k>"``.

    The examples differ from item to item, so a fingerprint of them would make every suggestion its own
    prompt version. The base id names everything the person set (instructions, labels, template); k says how
    much of the session the model saw, so ``lw.agreement(df, by="prompt_id")`` shows how agreement grows with k.
    """
    return f"{base_prompt_id}+{SESSION}-{example_count}"


def is_session(few_shot: object) -> bool:
    """Whether a ``few_shot`` argument asks for examples from the session; other strings are an error."""
    if isinstance(few_shot, str):
        if few_shot != SESSION:
            raise InputError(
                f'few_shot={few_shot!r} is not understood: pass few_shot="session" to learn from the labels given '
                f"while labeling, or examples as a DataFrame or (text, label) pairs."
            )
        return True
    return False


def examples_from(
    few_shot: Any, columns: tuple[str, str], *, max_examples: int, max_example_chars: int
) -> tuple[SessionExamples | None, tuple[tuple[str, str], ...]]:
    """What a ``few_shot=`` argument gives a suggester: a store of session labels (``"session"``), or fixed pairs."""
    from labelwidgets.suggesters.llm.prompt import few_shot_examples

    if is_session(few_shot):
        return SessionExamples(max_examples=max_examples, max_example_chars=max_example_chars), ()
    text_column, label_column = columns
    return None, few_shot_examples(few_shot, text_column=text_column, label_column=label_column)


class SessionExamples:
    """The person's current labels (key -> text, label) and the examples chosen from them for each prompt.

    ``learn`` and ``select`` may run at once from different threads: the labels are replaced under a lock and
    selection works on an immutable snapshot, so a prompt sees the labels either before or after a change.
    """

    def __init__(self, *, max_examples: int = DEFAULT_MAX_EXAMPLES, max_example_chars: int = DEFAULT_MAX_EXAMPLE_CHARS):
        if max_examples < 0 or max_example_chars < 1:
            raise InputError("max_examples must be 0 or more and max_example_chars at least 1.")
        self.max_examples = max_examples
        self.max_example_chars = max_example_chars
        self._lock = threading.Lock()
        self._by_key: dict[str, LabeledText] = {}
        self._snapshot: tuple[LabeledText, ...] | None = ()

    def learn(self, examples: Sequence[Example]) -> None:
        """Take these labels in order: a label replaces the item's earlier one, ``None`` removes it."""
        learned = [(e.key, None if e.label is None else LabeledText.of(e.key, e.text, e.label)) for e in examples]
        with self._lock:
            for key, entry in learned:
                if entry is None:
                    self._by_key.pop(key, None)
                else:
                    self._by_key[key] = entry
            self._snapshot = None  # rebuilt by the next prompt, not by every decision

    def pool(self) -> tuple[LabeledText, ...]:
        with self._lock:
            if self._snapshot is None:
                self._snapshot = tuple(self._by_key.values())
            return self._snapshot

    def __len__(self) -> int:
        with self._lock:
            return len(self._by_key)

    def config(self) -> dict[str, int]:
        return {"max_examples": self.max_examples, "max_example_chars": self.max_example_chars}

    def __getstate__(self) -> dict[str, object]:
        # A pickled suggester (joblib, multiprocessing) keeps what it learned; a lock cannot be pickled.
        return {"max_examples": self.max_examples, "max_example_chars": self.max_example_chars, "pool": self.pool()}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.max_examples = state["max_examples"]
        self.max_example_chars = state["max_example_chars"]
        self._lock = threading.Lock()
        self._by_key = {entry.key: entry for entry in state["pool"]}
        self._snapshot = None

    def answers_over(self, labels: LabelSet) -> list[str]:
        """The distinct answers learned that are answers over ``labels`` (as the session stores them: a label's name,
        or a set of labels as JSON); the others are left out of prompts (the label set may have changed)."""
        learned = {entry.label for entry in self.pool()}
        return [answer for answer in learned if labels.kind.from_text(answer, labels)[0] == answer]

    def select(
        self, *, text: str, key: str | None, labels: Iterable[str] | None = None, within: AnswerWithin | None = None
    ) -> tuple[FewShotPair, ...]:
        return select_examples(
            self.pool(),
            text=text,
            key=key,
            labels=labels,
            max_examples=self.max_examples,
            max_example_chars=self.max_example_chars,
            within=within,
        )

    def spec_for(self, spec: PromptSpec, labels: LabelSet, *, text: str, key: str | None) -> tuple[PromptSpec, str]:
        """The prompt spec for one item, its session examples added, and the prompt id its suggestion records."""
        within = answer_within(labels) if labels.kind.about_text else None
        examples = self.select(text=text, key=key, labels=self.answers_over(labels), within=within)
        return replace(spec, few_shot=(*spec.few_shot, *examples)), session_prompt_id(
            spec.prompt_id(labels), len(examples)
        )


def answer_within(labels: LabelSet) -> AnswerWithin:
    """For answers that point into their text (spans): the spans that end inside the part of a cut text that is
    shown, the others left out (their words are not in the example any more)."""

    def within(stored: str, shown: str, kept: int) -> str:
        spans = [(v["start"], v["end"], v["label"]) for v in labels.kind.value(stored, labels) if v["end"] <= kept]
        return labels.kind.answer(spans, labels, text=shown)

    return within
