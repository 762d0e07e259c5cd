"""`Leaderboard`: what compare() found, the relabels made while exploring it, and its widget."""

from __future__ import annotations

import math
import warnings
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from labelwidgets.comparison.inputs import Prepared, as_text
from labelwidgets.comparison.scores import answer_values, differs, encode_answers, encode_suggestions, score, usage
from labelwidgets.errors import InputError, user_stacklevel
from labelwidgets.frames import PANDAS, Given
from labelwidgets.keys import encode_key
from labelwidgets.labels import LabelSet
from labelwidgets.metrics.alt_test import AltTestResult, alt_test
from labelwidgets.session.results import written_by_labeler
from labelwidgets.suggesters.base import Suggestion
from labelwidgets.suggesters.runner import Run
from labelwidgets.widgets.display import mimebundle_with_text, view_for

CORRECTION_COLUMNS = ["key", "old", "new", "at", "event"]


@dataclass(frozen=True)
class LeaderboardSnapshot:
    """What a view of a `Leaderboard` shows, read at one moment (`Leaderboard.snapshot`)."""

    table: pd.DataFrame  # the ranking, as `Leaderboard.table`
    pairwise: pd.DataFrame  # the pairs, as `Leaderboard.pairwise`
    n: int
    sort_by: str
    tie_metric: str
    ci: float
    method: str
    excluded: list[str]  # "12 rows without a human label", one per reason
    notes: list[str]
    corrections: int  # relabels made so far
    metrics: tuple[str, ...] = ("kappa", "accuracy", "macro_f1")  # the table's quality metrics, in the order shown
    alt_tests: tuple[str, ...] = ()  # a long table's alt-test verdict per suggester, one line each


class Leaderboard:
    """What ``compare`` found: the ranking, the pairwise tests, every output, and the disagreement explorer.

    * ``table``: one row per suggester (index ``suggester``), best first by ``sort_by``; columns ``rank``,
      ``kappa``/``accuracy``/``macro_f1`` each with ``_low``/``_high`` (see ``method``), ``n`` (items compared),
      ``invalid`` and ``invalid_share``, ``cost`` (dollars spent in this run), ``cost_per_item``,
      ``tokens_per_item``, ``latency_per_item`` (seconds), and ``tied_with`` (the entries this sample cannot tell
      apart from this one, comma-separated).
    * ``pairwise``: one row per pair (``a`` ranked above ``b``): items where they disagree, McNemar's exact test
      on who is right (``a_only_correct``, ``b_only_correct``, ``mcnemar_p``), paired-bootstrap differences of
      kappa and macro-F1 with intervals, and ``distinguishable``.
    * ``predictions``: per item (index: the item keys) the human label and each suggester's label (missing when
      invalid); ``suggestions``: each suggester's ``Suggestion`` objects in the same order; ``errors``: the
      invalid outputs with why.
    * ``excluded``: rows left out and why; ``corrections``: relabels made through ``relabel`` or the widget.
    * ``alt_tests``: for a long table with ``annotator=`` and one label per item, each suggester's alternative
      annotator test (``lw.alt_test`` at its defaults, ε = 0.2: can it replace one of the people?) on the compared
      items, or why the test was not run (too few people or items); empty otherwise. The widget and the text show
      the verdict's sentence. Items where the annotators tie were not run, so are not in it: for every item, run
      the suggester with ``lw.suggest`` and call ``lw.alt_test`` on the table.

    Shown in a notebook it is a widget: the table, then a disagreement explorer (click an entry or a pair).

    Every table comes back in the kind of frame ``compare`` was given (polars for polars: an index that says
    something, as ``table``'s ``suggester`` or ``predictions``' keys, is then the first column); the board and its
    widget read the pandas ones.
    """

    def __init__(self, prepared: Prepared, runs: Mapping[str, Run], *, sort_by: str, ci: float, n_boot: int,
                 seed: int):  # fmt: skip
        self._prepared = prepared
        self._given: Given = PANDAS  # the kind of frame its tables come back in (`answering_in`)
        self.labels: LabelSet = prepared.labels
        self.sort_by = sort_by
        self.ci = ci
        self.n_boot = n_boot
        self.seed = seed
        self.excluded: dict[str, int] = dict(prepared.excluded)
        self.suggestions: dict[str, list[Suggestion]] = {name: run.suggestions for name, run in runs.items()}
        self._usage = {name: usage(run.suggestions) for name, run in runs.items()}
        # each output as the kind of answer compares it (comparison.scores.encode_answers)
        self._predicted: dict[str, np.ndarray] = {
            name: encode_suggestions(suggestions, self.labels) for name, suggestions in self.suggestions.items()
        }
        self._human = prepared.human.copy()
        self._position = {key: i for i, key in enumerate(prepared.keys)}
        self._corrections: list[dict[str, Any]] = []
        self._corrected: set[int] = set()
        self._listeners: list[Callable[[], None]] = []
        self._widget: Any = None
        self._rescore()
        self._alt_test_results: dict[str, AltTestResult | str] = self._alt_tests()

    def answering_in(self, given: Given) -> Leaderboard:
        """This board, its tables from now on of the kind of frame ``given`` (`labelwidgets.frames.AnswersInKind`):
        what `compare` does with a board made from a polars frame."""
        self._given = given
        return self

    # ----- numbers ----------------------------------------------------------------------
    def _rescore(self) -> None:
        scores = score(self._human, self._predicted, self._usage, len(self.labels), sort_by=self.sort_by,
                       ci=self.ci, n_boot=self.n_boot, seed=self.seed, labels=self.labels)  # fmt: skip
        self._table: pd.DataFrame = scores.table
        self._pairwise: pd.DataFrame = scores.pairwise
        self.notes: list[str] = [*self._mostly_invalid_notes(), *scores.notes]
        self.tie_metric: str = scores.tie_metric
        self.metrics: tuple[str, ...] = scores.metrics

    @property
    def table(self) -> Any:
        """The ranking, one row per suggester, best first (see the class)."""
        return self._given.back(self._table)

    @property
    def pairwise(self) -> Any:
        """The pairs of suggesters and whether this sample tells them apart (see the class)."""
        return self._given.back(self._pairwise)

    @property
    def alt_tests(self) -> dict[str, AltTestResult | str]:
        """Each suggester's alt-test on a long table, or why it was not run (see the class)."""
        return dict(self._given.back(self._alt_test_results))

    def _alt_tests(self) -> dict[str, AltTestResult | str]:
        """Each suggester's alt-test against the people of a long table (their own labels, not the majority a relabel
        changes), or the refusal's reason; nothing for other inputs, or for answers that are lists."""
        prepared = self._prepared
        if prepared.source != "long" or len(prepared.hidden) < 3 or not self.labels.kind.answers_are_text:
            return {}
        human, item, annotator = prepared.hidden[:3]  # a long table with annotator=: see inputs._prepare_long
        table = prepared.target[[item, annotator, human]]
        predictions = self._predictions()
        results: dict[str, AltTestResult | str] = {}
        for name in self.suggestions:
            try:
                results[name] = alt_test(table, llm=predictions[name], item=item, annotator=annotator, label=human)
            except InputError as refused:
                results[name] = str(refused)
        return results

    def alt_test_lines(self) -> list[str]:
        """The alt-test verdict of each suggester, one line each (`alt_tests`)."""
        return [
            f"alt-test, {name}: " + (f"not run: {result}" if isinstance(result, str) else result.sentence)
            for name, result in self._alt_test_results.items()
        ]

    def _mostly_invalid_notes(self, share: float = 0.5) -> list[str]:
        """Why an entry has no usable label on most items, so a 0.000 at the bottom of the board explains itself."""
        notes = []
        for name, suggestions in self.suggestions.items():
            invalid = [s for s in suggestions if not s.valid]
            if not suggestions or len(invalid) < share * len(suggestions):
                continue
            (why, count), *_ = Counter(s.error or "no label" for s in invalid).most_common(1)
            example = next((s.raw for s in invalid if (s.error or "no label") == why and s.raw), None)
            said = f" (it said {example!r})" if example else ""
            notes.append(
                f"{name}: {len(invalid)} of {len(suggestions)} outputs are invalid, {count} of them because {why}"
                f"{said}. See board.errors."
            )
        return notes

    @property
    def n(self) -> int:
        """Items compared: every suggester is scored on all of them."""
        return len(self._human)

    @property
    def method(self) -> str:
        """How the intervals and ties were computed, in one sentence each."""
        level = f"{self.ci:.0%}"
        boot = f"percentile bootstrap over {self.n_boot:,} resamples of the items (seed {self.seed})"
        tie = (
            f"exact McNemar test on the same items, p < {1 - self.ci:.2g}"
            if self.tie_metric == self.labels.kind.ranking().wilson  # accuracy, subset accuracy, exact match
            else f"paired bootstrap of the {self.tie_metric} difference on the same resamples, {level} interval "
            "excludes 0"
        )
        intervals = self.labels.kind.ranking().intervals(boot if self.n_boot else "none (n_boot=0)")
        return (
            f"{level} intervals: {intervals}. "
            f"Invalid outputs count as disagreements. Distinguishable: {tie} (per pair, no multiplicity correction)."
        )

    @property
    def predictions(self) -> Any:
        """Per item (the item keys: the index, or polars' first column) the human label and each suggester's."""
        return self._given.back(self._predictions())

    def _predictions(self) -> pd.DataFrame:
        data = {"human": answer_values(self._human, self.labels)}
        for name, encoded in self._predicted.items():
            data[name] = answer_values(encoded, self.labels)
        return pd.DataFrame(data, index=self._prepared.frame.index.copy())

    @property
    def errors(self) -> Any:
        """Every invalid output: suggester, item key, why, and what the model said."""
        keys = self._prepared.frame.index
        rows = [
            {"suggester": name, "key": keys[i], "error": s.error or "no label", "raw": s.raw}
            for name, suggestions in self.suggestions.items()
            for i, s in enumerate(suggestions)
            if not s.valid
        ]
        return self._given.back(pd.DataFrame(rows, columns=["suggester", "key", "error", "raw"]))

    @property
    def corrections(self) -> Any:
        """Relabels made here, oldest first: ``key``, ``old`` and ``new`` human label, ``at`` (UTC), and ``event``
        (the id of the event in the Labeler's store; missing for a DataFrame input)."""
        frame = pd.DataFrame(self._corrections, columns=CORRECTION_COLUMNS)
        frame["at"] = pd.to_datetime(frame["at"], utc=True)
        return self._given.back(frame.astype({"event": "Int64"}))

    def disagreements(self, name: str, other: str | None = None) -> Any:
        """The items where suggester ``name`` disagrees with the human label (or with suggester ``other``):
        their text, the human label and every suggester's label."""
        positions = self.disagreement_positions(name, other)
        frame = self._predictions().iloc[positions]
        text = self._prepared.frame[self._prepared.text_column].iloc[positions]
        frame.insert(0, "text", text.to_numpy())
        return self._given.back(frame)

    def disagreement_positions(self, name: str, other: str | None = None) -> np.ndarray:
        """Positions (0-based, in item order) where ``name`` disagrees with the human label, or with ``other``."""
        for entry in (name, other):
            if entry is not None and entry not in self._predicted:
                raise InputError(f"{entry!r} is not one of the suggesters {list(self._predicted)}.")
        reference = self._human if other is None else self._predicted[other]
        return np.flatnonzero(differs(self._predicted[name], reference))

    # ----- relabel ----------------------------------------------------------------------
    def relabel(self, key: Any, label: Any) -> dict[str, Any] | None:
        """Say the human label of item ``key`` (an index value, or its encoded key) was wrong: it is ``label``.

        Never a silent overwrite. With a ``Labeler`` input the change goes through ``labeler.relabel``: a
        ``revised`` decision in the labeler's store that keeps the label it replaced (``labeler.df`` follows), with
        a note saying it came from here. With a DataFrame input the human column of that DataFrame is changed in
        place, in memory only, and the change is recorded in ``board.corrections``: save the DataFrame if it
        matters. With a long table (``item=``) only the board's majority label changes, recorded in
        ``board.corrections``; the annotations are left as they are. In every case the numbers are recomputed and
        ``relabel_status`` says where the change went. Returns the correction, or None when the label was already
        ``label``.
        """
        position = self._position_of(key)
        return self.relabel_at(position, label)

    def relabel_at(self, position: int, label: Any) -> dict[str, Any] | None:
        """``relabel`` by the item's position in ``predictions`` (what the widget sends)."""
        new = encode_answers([self.labels.answer(label)], self.labels)  # a person's answer, checked
        if not 0 <= position < self.n:
            raise InputError(f"position {position} is out of range; there are {self.n} items.")
        old = self._human[position : position + 1]
        if not differs(old, new)[0]:
            return None
        prepared = self._prepared
        key = prepared.frame.index[position]
        old_label = answer_values(old, self.labels)[0]
        label = answer_values(new, self.labels)[0]  # as the DataFrame shows it (a list in label-set order)
        event_id = None
        if prepared.source == "labeler":
            event = prepared.target.relabel(
                key, label, note=f"relabeled in the compare() disagreement explorer (was {old_label!r})"
            )
            event_id = getattr(event, "id", None)
        elif prepared.source == "dataframe":
            if prepared.human_column in written_by_labeler(prepared.target):
                warnings.warn(
                    f"this DataFrame's {prepared.human_column!r} column is written by a Labeler: the correction is "
                    "made here and logged in board.corrections, but the labeler's store does not know, and restores "
                    "the old label when the labeler is re-created. Pass the Labeler itself to compare() so that "
                    "relabels are stored as decision events.",
                    stacklevel=user_stacklevel(),
                )
            _write_cell(prepared.target, int(prepared.rows[position]), prepared.human_column, label)
        self._human[position] = new[0]
        self._corrected.add(position)
        correction = {"key": key, "old": old_label, "new": label, "at": pd.Timestamp.now(tz="UTC"), "event": event_id}
        self._corrections.append(correction)
        self._rescore()
        for callback in list(self._listeners):
            callback()
        return correction

    @property
    def relabel_status(self) -> str:
        """Where a relabel goes, in the words the widget shows after one: saved only when it is in a durable store."""
        prepared = self._prepared
        if prepared.source == "labeler":
            store = getattr(getattr(prepared.target, "session", None), "store", None)
            if getattr(store, "durable", False):
                return "Saved: a revised decision in the labeler's store."
            return "Recorded as a revised decision in the labeler (store=None: in memory only)."
        if prepared.source == "dataframe" and not self._given.is_pandas:  # a polars frame cannot change in place
            return f"Changed on this board only (board.corrections); the {self._given.name} frame is left as it is."
        if prepared.source == "dataframe":
            return (
                f"Changed in the DataFrame's {prepared.human_column!r} column (in memory; save the DataFrame to "
                "keep it). Logged in board.corrections."
            )
        return "Changed on this board only (board.corrections); the annotations are left as they are."

    def _position_of(self, key: Any) -> int:
        try:
            encoded = encode_key(key)
        except TypeError:
            encoded = None
        for candidate in (encoded, key if isinstance(key, str) else None):
            if candidate is not None and candidate in self._position:
                return self._position[candidate]
        raise InputError(f"{key!r} is not one of the compared items (rows with a human label).")

    def on_change(self, callback: Callable[[], None]) -> None:
        """Call ``callback()`` after every relabel (the widget uses it to refresh)."""
        self._listeners.append(callback)

    # ----- what the widget shows ----------------------------------------------------------
    def snapshot(self) -> LeaderboardSnapshot:
        """The board as a view shows it: the ranking, the pairs and the words around them, as they are now."""
        return LeaderboardSnapshot(
            table=self._table.copy(),
            pairwise=self._pairwise.copy(),
            n=self.n,
            sort_by=self.sort_by,
            tie_metric=self.tie_metric,
            ci=self.ci,
            method=self.method,
            excluded=[f"{count} {reason}" for reason, count in self.excluded.items()],
            notes=list(self.notes),
            corrections=len(self._corrections),
            metrics=self.metrics,
            alt_tests=tuple(self.alt_test_lines()),
        )

    def item_payload(self, position: int, *, text_chars: int = 4000, other_chars: int = 600) -> dict[str, Any]:
        """One item as the disagreement explorer shows it: its text (cut to ``text_chars``), the human label, the
        votes behind it, whether it was relabeled here, and every suggester's output (JSON-safe)."""
        prepared = self._prepared
        text = as_text(prepared.frame[prepared.text_column].iat[position])
        # the human answer in the shape every suggester's output has (AnswerKind.for_view): a name, a list of names,
        # or spans [start, end, label] in code points of the item's text
        kind = self.labels.kind
        value = answer_values(self._human[position : position + 1], self.labels)[0]
        human = kind.for_view(kind.answer(value, self.labels, text=text), self.labels, text=text)
        outputs = []
        for name, suggestions in self.suggestions.items():
            s = suggestions[position]
            outputs.append({
                "name": name,
                "label": kind.for_view(s.label if s.valid else None, self.labels, text=text),
                "confidence": s.confidence if s.confidence is not None and math.isfinite(s.confidence) else None,
                "error": None if s.valid else (s.error or "no label"),
                "raw": None if s.raw is None else s.raw[:other_chars],
                "rationale": None if s.rationale is None else s.rationale[:other_chars],
            })  # fmt: skip
        return {
            "position": position,
            "key": str(prepared.frame.index[position]),
            "text": text[:text_chars],
            "length": len(text),
            "human": human,
            "votes": None if prepared.votes is None else prepared.votes[position],
            "corrected": position in self._corrected,
            "outputs": outputs,
        }

    @property
    def widget(self) -> Any:
        """The board's widget (made once): the ranking and the disagreement explorer."""
        if self._widget is None:
            self._widget = view_for(self)
        return self._widget

    def _repr_mimebundle_(self, **kwargs: Any) -> Any:
        return mimebundle_with_text(self.widget, repr(self), **kwargs)

    def __repr__(self) -> str:
        table = self._table
        shown = pd.DataFrame(index=table.index)
        shown["rank"] = table["rank"]
        for metric in self.metrics:
            shown[metric] = [
                _with_interval(v, lo, hi)
                for v, lo, hi in table[[metric, f"{metric}_low", f"{metric}_high"]].itertuples(index=False)
            ]
        shown["invalid"] = [f"{share:.0%}" for share in table["invalid_share"]]
        shown["$/item"] = [_money(v) for v in table["cost_per_item"]]
        shown["tied_with"] = table["tied_with"]
        left_out = "; ".join(f"{count} {reason}" for reason, count in self.excluded.items())
        lines = [
            f"Leaderboard: {len(table)} suggesters vs human labels on {self.n} items, ranked by {self.sort_by}",
            shown.to_string(),
            self.method,
        ]
        if left_out:
            lines.append(f"Left out of the comparison: {left_out}.")
        if self._corrections:
            lines.append(f"{len(self._corrections)} human label(s) corrected here (board.corrections).")
        lines.extend(self.notes)
        lines.extend(self.alt_test_lines())
        return "\n".join(lines)


def _with_interval(value: float, low: float, high: float) -> str:
    if not math.isfinite(value):
        return "n/a"
    if not (math.isfinite(low) and math.isfinite(high)):
        return f"{value:.3f}"
    return f"{value:.3f} [{low:.2f}, {high:.2f}]"


def _money(value: float) -> str:
    if not math.isfinite(value):
        return "-"
    return f"${value:.5f}" if value < 0.01 else f"${value:.3f}"


def _write_cell(df: pd.DataFrame, row: int, column: str, label: str) -> None:
    series = df[column]
    if isinstance(series.dtype, pd.CategoricalDtype) and label not in series.cat.categories:
        df[column] = series.cat.add_categories([label])
    position = df.columns.get_loc(column)
    if not isinstance(position, int):  # a slice or a mask: the name is on more than one column
        raise InputError(f"the DataFrame has more than one column named {column!r}; rename them to relabel.")
    df.iat[row, position] = label
