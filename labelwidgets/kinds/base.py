"""What every kind of answer provides (`AnswerKind`)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal, Protocol, runtime_checkable

from labelwidgets.errors import InputError

if TYPE_CHECKING:
    from collections.abc import Hashable

    import numpy as np
    import pandas as pd

    from labelwidgets.comparison.scores import Ranking, Scores
    from labelwidgets.labels import LabelSet
    from labelwidgets.metrics.drift import DriftEvents, OverTime
    from labelwidgets.metrics.pairs import Columns, Pairs, SetPairs
    from labelwidgets.metrics.running import Tally
    from labelwidgets.metrics.span_agreement import SpanPairs

#: How a model is asked to write an answer: a JSON object, or the bare answer.
OutputFormat = Literal["json", "label"]


@dataclass(frozen=True)
class Choice:
    """One decision a model made while writing its answer, located in the raw text so that the probability of
    each option can be read from the logprobs of the tokens there.

    One label per item is one choice among the labels; a set of labels is one true/false choice per label.
    """

    span: tuple[int, int]  # the characters of the chosen option in the raw answer
    chosen: str  # the option written
    options: tuple[str, ...]  # every option that could have been written there
    about: str | None = None  # the label the decision is about, when there is one decision per label


#: What a choice's probabilities are, once read: (probability of the option chosen, the distribution over the
#: options when the tokens tell them apart, else None).
ChoiceProbabilities = tuple[float, Mapping[str, float] | None]


class ShowsText:
    """What a kind whose item is its text alone says about the rest of the item: nothing (see `AnswerKind`'s last
    part). The kinds of answer about one text (single, multi, spans) inherit it; a pair overrides all of it."""

    #: Columns of the DataFrame the view shows with each item besides its text (a pair's two outputs).
    item_columns: tuple[str, ...] = ()

    def bind(self, outputs: Sequence[str] | None) -> Any:
        """This kind for the DataFrame's columns named by ``outputs`` (a pair's two outputs); kinds that show one
        text take none."""
        if outputs is not None:
            raise InputError(
                f"outputs={list(outputs)!r} names the two outputs of a pair: use it with kind='pair' (each item is "
                f"then a choice between them); kind={getattr(self, 'name', '?')!r} labels the text= column alone."
            )
        return self

    def default_labels(self) -> dict[str, str] | None:
        """The answers an item can get, with what each means, when the user gives no ``labels=`` (a pair: its
        outputs, tie); None: the user must give them."""
        return None

    def presentation(self, item_key: str, annotator: str, seed: int) -> dict[str, str] | None:
        """How an item is laid out for one person, to be recorded with their decision (a pair: which output was on
        the left); None when every person sees it the same way."""
        return None

    def item_view(self, values: Mapping[str, Any], presented: Mapping[str, str] | None) -> dict[str, Any] | None:
        """What the browser shows of an item besides its text, from its ``item_columns`` values; None: nothing."""
        return None

    def refusal(self, stored: str, values: Mapping[str, Any]) -> str | None:
        """Why ``stored`` cannot be this item's answer given its ``item_columns`` values (an empty output cannot
        win), or None."""
        return None


@runtime_checkable
class AnswerKind(Protocol):
    """One kind of answer to an item.

    Answers travel as *stored text*: the canonical form a store keeps in its ``label`` column. Two answers are the
    same answer exactly when their stored texts are equal, so "did the person accept the suggestion" compares text.
    ``None`` is never an answer: it means no answer (skipped, rejected, undecided).

    Suggesters ask the kind everything that differs between kinds (how to ask a model, how to read its answer,
    what its probabilities mean), so that no suggester tests which kind it has.
    """

    #: How users name the kind (``Labeler(kind=...)``), and what a store records.
    name: str

    #: Whether an answer is one label's name (a text column in the DataFrame), or a value of its own (a list).
    answers_are_text: bool

    #: Whether an answer points into the item's text (spans: offsets into it), so that checking it, showing it and
    #: reading it back need that text; the callers then pass ``text=`` (``texts=`` for a column).
    about_text: bool

    #: Whether the labels exclude each other (one answer among them: probabilities that sum to 1), or each label
    #: is decided on its own (a probability per label that it applies: they need not sum to 1).
    exclusive: bool

    #: What the kind adds to a prompt's fingerprint and an LLM's cache key: nothing for one label per item, so that
    #: prompt ids and caches made before there were kinds of answer stay valid; the kind's name otherwise.
    fingerprint: tuple[str, ...]

    #: The instructions a chat model gets when the user gives none.
    default_instructions: str

    def answer(self, value: object, labels: LabelSet, *, text: str | None = None) -> str:
        """A person's answer as stored text; `InputError` saying what to pass when ``value`` is not one.

        ``text`` is the item's text, for kinds whose answers are about it (spans check their offsets against it);
        other kinds ignore it. The same holds for ``text`` (and ``texts``) in the methods below."""
        ...

    def from_cell(self, value: object, labels: LabelSet, *, text: str | None = None) -> str:
        """A cell of a column of answers the user gave (known labels, gold) as stored text, strictly: exact names
        (several labels: a list, or a JSON list as text); `InputError` otherwise."""
        ...

    def suggested(self, value: object, labels: LabelSet, *, text: str | None = None) -> tuple[str | None, str | None]:
        """A suggester's answer as (stored text, None), forgiving near misses of each label name, or
        (None, why) when it is not an answer over ``labels`` (never a guess)."""
        ...

    def from_text(self, written: str, labels: LabelSet, *, text: str | None = None) -> tuple[str | None, str | None]:
        """An answer written as text (a few-shot example's label, a label the session taught), read strictly:
        (stored text, None), or (None, why). ``text`` is the example's text, which spans are checked against (and
        entities given by their words placed on)."""
        ...

    def value(self, stored: str, labels: LabelSet, *, text: str | None = None) -> Any:
        """Stored text as the value a user reads in Python (a label name, a list of names, ...)."""
        ...

    def chosen_labels(self, stored: str, labels: LabelSet) -> list[str]:
        """The labels a stored answer gives, in label-set order."""
        ...

    def cells(self, stored: np.ndarray, labels: LabelSet, *, texts: Sequence[Any] | None = None) -> Any:
        """A column of stored texts (``pd.NA`` where missing) as the array the DataFrame column holds (``texts``: the
        items' texts, row by row, for kinds whose answers are about them)."""
        ...

    def describe(self, stored: str | None, labels: LabelSet, *, text: str | None = None) -> str:
        """Stored text as a person reads it in a message ("spam"; "anger + joy"; "none of these")."""
        ...

    def for_view(self, stored: str | None, labels: LabelSet, *, text: str | None = None) -> Any:
        """Stored text as the browser receives it (JSON-able)."""
        ...

    def changes(self, suggested: str, answer: str, labels: LabelSet) -> str | None:
        """What ``answer`` did with the suggestion ``suggested`` (both stored texts), part by part, as JSON text for
        the decision's ``detail``; None for kinds whose answers are one piece (the two texts say it all)."""
        ...

    # -- asking a chat model --

    def instruction(self, labels: LabelSet, *, rationale: bool, output: OutputFormat) -> str:
        """The part of a prompt that says how to write the answer."""
        ...

    def response_schema(self, labels: LabelSet, *, rationale: bool) -> dict[str, Any]:
        """The JSON schema that constrains a structured answer to the labels."""
        ...

    def format_answer(self, stored: str, labels: LabelSet, output: OutputFormat, *, text: str | None = None) -> str:
        """A stored answer written as a model is asked to write it (a few-shot example's answer); ``text`` is the
        example's text, whose words a spans answer is written with."""
        ...

    def longest_answer(self, labels: LabelSet) -> str:
        """The stored answer that takes the most characters to write: what a cost estimate counts per answer."""
        ...

    def answer_tokens(self, labels: LabelSet, *, rationale: bool) -> int:
        """The most tokens one answer may take (a request's ``max_tokens``)."""
        ...

    # -- reading a chat model's answer --

    def answer_from_json(self, data: Any, labels: LabelSet) -> tuple[Any, str | None]:
        """The answer in a model's parsed JSON, for `suggested` to check: (value, None); (None, why) when the
        JSON holds no answer of this kind; (None, None) when it is no answer object at all (the whole text is
        then read as the answer)."""
        ...

    def choices(self, raw: str, value: Any, stored: str, labels: LabelSet) -> tuple[Choice, ...]:
        """The decisions the model made writing ``raw`` (whose answer ``value`` became ``stored``), located in
        it; empty when they cannot all be located."""
        ...

    def from_choices(
        self, stored: str, decided: Sequence[tuple[Choice, ChoiceProbabilities]], labels: LabelSet
    ) -> tuple[float, dict[str, float] | None] | None:
        """The answer's confidence, and its per-label probabilities where they are known, from the probabilities
        of its decisions; None when they do not give a confidence."""
        ...

    # -- probabilities and votes --

    def choose(self, probabilities: Mapping[str, float], labels: LabelSet) -> tuple[str, float]:
        """The answer per-label probabilities point to, as stored text, and its confidence."""
        ...

    def vote(self, samples: Sequence[str | None], labels: LabelSet) -> tuple[str, float, dict[str, float]] | None:
        """Self-consistency over samples of one prompt (stored texts, None for an invalid sample): the answer
        they agree on, its confidence and the per-label probabilities, or None when no sample is valid."""
        ...

    # -- scoring: how answers of this kind are compared (labelwidgets.metrics, labelwidgets.comparison) --

    def names_seen(self, values: pd.Series, func: str, column: str) -> list[Hashable]:
        """The labels in a column of answers, sorted: what the metrics score over when no labels are given."""
        ...

    def pairs(self, df: pd.DataFrame, cols: Columns, labels: list[Hashable], func: str) -> Pairs | SetPairs | SpanPairs:
        """The rows of ``df`` with a human answer and a suggestion, not skipped, encoded over ``labels``."""
        ...

    def agreement_rows(
        self, frame: pd.DataFrame, cols: Columns, labels: list[Hashable], *, n_boot: int, rng: np.random.Generator,
        seed: int, ci: float, n_bins: int,
    ) -> list[dict[str, Any]]:  # fmt: skip
        """The rows of ``lw.agreement`` for one group of rows."""
        ...

    def confusion(self, df: pd.DataFrame, cols: Columns, labels: list[Hashable], func: str) -> pd.DataFrame:
        """``lw.confusion`` of the pairs."""
        ...

    def running_tally(self, labels: list[Hashable] | None) -> Tally:
        """The pair counts ``RunningAgreement`` keeps, one decision at a time."""
        ...

    def over_time(
        self, decided: pd.DataFrame, cols: Columns, *, window: int, min_periods: int, ci: float, func: str
    ) -> OverTime:
        """This kind's columns of ``lw.agreement_over_time`` (``decided`` in decision order)."""
        ...

    def drift_events(
        self, stream: np.ndarray, reference: np.ndarray, labels: list[Hashable] | None, func: str
    ) -> DriftEvents:
        """What ``lw.label_drift`` counts per answer."""
        ...

    def suggestion_spread(self, suggestions: pd.DataFrame) -> np.ndarray:
        """Per row, how far the suggestion columns disagree, in [0, 1] (``order='disagreement'``)."""
        ...

    def ranking(self) -> Ranking:
        """What ``lw.compare``'s leaderboard ranks answers of this kind by, and shows."""
        ...

    def compared(
        self, values: Sequence[Any] | np.ndarray, labels: LabelSet, *, column: str | None = None
    ) -> np.ndarray:
        """Answers as the leaderboard compares them; what is no answer over ``labels`` marks an invalid output, or,
        for human answers (``column`` names their column), is refused."""
        ...

    def scores(
        self, human: np.ndarray, predicted: Mapping[str, np.ndarray], usage: Mapping[str, dict[str, float]], k: int,
        *, sort_by: str, ci: float, n_boot: int, seed: int, labels: LabelSet | None,
    ) -> Scores:  # fmt: skip
        """The leaderboard's numbers for answers encoded by ``compared``."""
        ...

    # -- what an item shows besides its text (`ShowsText`: nothing; a pair: its two outputs) --

    @property
    def item_columns(self) -> tuple[str, ...]:
        """Columns of the DataFrame the view shows with each item besides its text."""
        ...

    def bind(self, outputs: Sequence[str] | None) -> AnswerKind:
        """This kind for the DataFrame's columns named by ``outputs``."""
        ...

    def default_labels(self) -> dict[str, str] | None:
        """The answers an item can get, with what each means, when the user gives no ``labels=``, or None."""
        ...

    def presentation(self, item_key: str, annotator: str, seed: int) -> dict[str, str] | None:
        """How an item is laid out for one person, recorded with their decision; None: the same for everyone."""
        ...

    def item_view(self, values: Mapping[str, Any], presented: Mapping[str, str] | None) -> dict[str, Any] | None:
        """What the browser shows of an item besides its text."""
        ...

    def refusal(self, stored: str, values: Mapping[str, Any]) -> str | None:
        """Why ``stored`` cannot be this item's answer, or None."""
        ...
