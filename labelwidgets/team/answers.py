"""What a team does differently for each kind of answer, in one place: how answers are shown, how agreement, the
conflicts and gold are computed, and what an adjudicator finds pre-selected.

The rest of the team's code (the queue, claims, overlap, the fold of decisions in force) sees only stored text,
the same for every kind: an answer is taken when it is stored, ``[]`` ("none of these") included.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Sequence
from typing import Any, Protocol

import numpy as np
import pandas as pd

from labelwidgets.kinds import AnswerKind
from labelwidgets.labels import LabelSet

#: What an adjudicator reads beside the pre-selected answer.
KEEP_OR_CHANGE = "Enter keeps it; a number key picks another."


class TeamAnswers(Protocol):
    """A team's computations for one kind of answer (`answers_for`)."""

    #: The team dashboard's number for each pair of people (a ``Team.agreement`` metric) and its panel's title.
    pair_metric: str
    pair_title: str
    #: The team-wide rows the dashboard's header shows: (``Team.agreement`` metric, how to name it).
    overall: tuple[tuple[str, str], ...]
    #: The team-wide ``Team.agreement(by_label=True)`` metric the dashboard draws for each label, and its title.
    label_metric: str
    label_title: str

    def shown(self, stored: pd.Series, labels: LabelSet, *, texts: Sequence[Any] | None = None) -> pd.Series:
        """Stored answers as the team's tables show them (labels; lists of labels; spans with their text, from
        ``texts``: the items' texts, row by row, which the kinds whose answers are about the text need)."""
        ...

    def agreement(self, answers: pd.DataFrame, labels: LabelSet, **options: Any) -> pd.DataFrame:
        """``Team.agreement`` of the decisions with shown answers."""
        ...

    def conflicts(self, answers: pd.DataFrame, labels: LabelSet) -> pd.DataFrame: ...

    def gold(self, answers: pd.DataFrame, adjudications: pd.DataFrame | None, labels: LabelSet) -> pd.DataFrame: ...

    def preselect(
        self, said: Sequence[tuple[str, str]], labels: LabelSet, *, text: str | None = None
    ) -> tuple[str, str]:
        """The answer an adjudicator finds pre-selected on an item, as stored text, and a sentence saying why, from
        what each member said (``(annotator, stored answer)`` in the order they answered); ``text`` is the item's
        text."""
        ...


def _members(said: Sequence[tuple[str, str]], labels: LabelSet, text: str | None = None) -> str:
    return " · ".join(f"{who}: {labels.describe(stored, text=text)}" for who, stored in said)


class LabelAnswers:
    """One label per item: the metrics of `labelwidgets.metrics.team` as they are."""

    pair_metric = "cohen_kappa"
    pair_title = "Cohen's kappa, each pair"
    label_metric = "krippendorff_alpha"
    label_title = "Agreement per label (alpha)"
    overall: tuple[tuple[str, str], ...] = (
        ("krippendorff_alpha", "Krippendorff's alpha"),
        ("fleiss_kappa", "Fleiss' kappa"),
    )

    def shown(self, stored: pd.Series, labels: LabelSet, *, texts: Sequence[Any] | None = None) -> pd.Series:
        return stored

    def agreement(self, answers: pd.DataFrame, labels: LabelSet, **options: Any) -> pd.DataFrame:
        from labelwidgets.metrics.team import team_agreement

        return team_agreement(answers, labels.names, **options)

    def conflicts(self, answers: pd.DataFrame, labels: LabelSet) -> pd.DataFrame:
        from labelwidgets.metrics.team import conflicts

        return conflicts(answers)

    def gold(self, answers: pd.DataFrame, adjudications: pd.DataFrame | None, labels: LabelSet) -> pd.DataFrame:
        from labelwidgets.metrics.team import resolve_gold

        return resolve_gold(answers, adjudications)

    def preselect(
        self, said: Sequence[tuple[str, str]], labels: LabelSet, *, text: str | None = None
    ) -> tuple[str, str]:
        """The strict majority when there is one (``team.gold``'s); else the label said most, the one given first
        among those tied: the item then stays unresolved in ``team.gold`` until the adjudicator decides."""
        counts = Counter(stored for _, stored in said)
        most = max(counts.values())
        tied = [stored for stored in dict.fromkeys(s for _, s in said) if counts[stored] == most]
        choice = tied[0]
        if 2 * most > len(said):
            why = f"the majority, {most} of {len(said)}, is pre-selected"
        elif len(tied) == 1:
            why = f"no majority; {choice}, said most, is pre-selected"
        else:
            why = f"a tie; {choice}, said first, is pre-selected"
        return choice, f"{_members(said, labels)}: {why}. {KEEP_OR_CHANGE}"


class SetAnswers:
    """A set of labels per item: Krippendorff's alpha with MASI, per-label agreement, the gold set by per-label
    majority (`labelwidgets.metrics.team`'s set functions)."""

    pair_metric = "mean_jaccard"
    pair_title = "Mean Jaccard, each pair"
    label_metric = "krippendorff_alpha"  # of "this label or not"
    label_title = "Agreement per label (alpha)"
    overall: tuple[tuple[str, str], ...] = (("krippendorff_alpha_masi", "Krippendorff's alpha (MASI)"),)

    def shown(self, stored: pd.Series, labels: LabelSet, *, texts: Sequence[Any] | None = None) -> pd.Series:
        answers = np.array([v if isinstance(v, str) else pd.NA for v in stored], dtype=object)
        cells = labels.kind.cells(answers, labels)
        shown = pd.Series(cells, index=stored.index, dtype=object)
        return shown.where(shown.notna(), None)

    def agreement(self, answers: pd.DataFrame, labels: LabelSet, **options: Any) -> pd.DataFrame:
        from labelwidgets.metrics.team import set_team_agreement

        return set_team_agreement(answers, labels.names, **options)

    def conflicts(self, answers: pd.DataFrame, labels: LabelSet) -> pd.DataFrame:
        from labelwidgets.metrics.team import set_conflicts

        return set_conflicts(answers, labels.names)

    def gold(self, answers: pd.DataFrame, adjudications: pd.DataFrame | None, labels: LabelSet) -> pd.DataFrame:
        from labelwidgets.metrics.team import resolve_set_gold

        return resolve_set_gold(answers, adjudications, labels=labels.names)

    def preselect(
        self, said: Sequence[tuple[str, str]], labels: LabelSet, *, text: str | None = None
    ) -> tuple[str, str]:
        """The labels more than half of the members chose (``team.gold``'s rule, `set_majority`); a label exactly
        half chose is left out and named, for the adjudicator to add or not."""
        from labelwidgets.metrics.team import set_majority

        chosen = [set(json.loads(stored)) for _, stored in said]
        votes = np.array([[sum(name in answer for answer in chosen) for name in labels.names]])
        in_gold, tied = set_majority(votes, np.array([len(said)]))
        picked = [name for name, held in zip(labels.names, in_gold[0], strict=True) if held]
        stored = labels.answer(picked)
        ties = [name for name, held in zip(labels.names, tied[0], strict=True) if held]
        why = f"pre-selected: the labels more than half chose ({labels.describe(stored)})"
        if ties:
            why += f"; tied, left for you: {', '.join(ties)}"
        return stored, f"{_members(said, labels)}. {why[0].upper()}{why[1:]}. {KEEP_OR_CHANGE}"


#: What an adjudicator of spans reads beside the pre-selected spans.
KEEP_OR_CHANGE_SPANS = "Enter keeps them; mark or remove spans first to decide otherwise."


class SpanTeamAnswers:
    """Spans of the item's text: pairwise strict and partial span F1 and their mean over pairs, the gold spans by
    per-span majority (`labelwidgets.metrics.team_spans`, whose docstring defines them). Tables show each span with
    its text."""

    pair_metric = "strict_f1"
    pair_title = "Strict span F1, each pair"
    label_metric = "mean_strict_f1"  # over pairs of people, on the spans of that label alone
    label_title = "Strict span F1 per label"
    overall: tuple[tuple[str, str], ...] = (
        ("mean_strict_f1", "Mean pairwise strict span F1"),
        ("mean_partial_f1", "Mean pairwise partial span F1"),
    )

    def shown(self, stored: pd.Series, labels: LabelSet, *, texts: Sequence[Any] | None = None) -> pd.Series:
        answers = np.array([v if isinstance(v, str) else pd.NA for v in stored], dtype=object)
        cells = labels.kind.cells(answers, labels, texts=texts)
        shown = pd.Series(cells, index=stored.index, dtype=object)
        return shown.where(shown.notna(), None)

    def agreement(self, answers: pd.DataFrame, labels: LabelSet, **options: Any) -> pd.DataFrame:
        from labelwidgets.metrics.team_spans import span_team_agreement

        return span_team_agreement(answers, labels.names, **options)

    def conflicts(self, answers: pd.DataFrame, labels: LabelSet) -> pd.DataFrame:
        from labelwidgets.metrics.team_spans import span_conflicts

        return span_conflicts(answers, labels.names)

    def gold(self, answers: pd.DataFrame, adjudications: pd.DataFrame | None, labels: LabelSet) -> pd.DataFrame:
        from labelwidgets.metrics.team_spans import resolve_span_gold

        return resolve_span_gold(answers, adjudications, labels=labels.names)

    def preselect(
        self, said: Sequence[tuple[str, str]], labels: LabelSet, *, text: str | None = None
    ) -> tuple[str, str]:
        """The spans more than half of the members marked exactly (``team.gold``'s rule, `span_majority`); a span
        exactly half marked is left out and named, for the adjudicator to add or not."""
        from labelwidgets.kinds.spans import encode_spans
        from labelwidgets.metrics.team_spans import span_majority
        from labelwidgets.spans import Span

        def spans_of(stored: str) -> list[Span]:
            return [Span(int(s), int(e), str(name)) for s, e, name in json.loads(stored)]

        in_gold, tied = span_majority([spans_of(stored) for _, stored in said])
        stored = encode_spans(in_gold)
        why = f"pre-selected: the spans more than half marked ({labels.describe(stored, text=text)})"
        if tied:
            why += f"; tied, left for you: {labels.describe(encode_spans(tied), text=text)}"
        return stored, f"{_members(said, labels, text)}. {why[0].upper()}{why[1:]}. {KEEP_OR_CHANGE_SPANS}"


# A pair's verdict is one label among its outcomes: a team counts, compares and settles it as one.
_BY_KIND: dict[str, TeamAnswers] = {
    "single": LabelAnswers(), "multi": SetAnswers(), "spans": SpanTeamAnswers(), "pair": LabelAnswers(),
}  # fmt: skip


def answers_for(kind: AnswerKind) -> TeamAnswers:
    """The team's computations for answers of ``kind``: the one place a team tells the kinds apart."""
    return _BY_KIND[kind.name]
