"""The rows `export` writes: one per item, with its inputs, its final answer and where the answer came from.

A source is a `Labeler` (its DataFrame as it wrote it, plus the provenance only its store knows), a `Team` (its
items, the gold answer and how it was settled, each member's answer), or a DataFrame a Labeler wrote (its result
columns as they are). Whatever differs between kinds of answer is asked of the kind; nothing here tests which.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from labelwidgets.errors import InputError, user_stacklevel
from labelwidgets.frames import takes_frames
from labelwidgets.keys import decode_key
from labelwidgets.kinds import kind_named
from labelwidgets.labels import LabelSet
from labelwidgets.session.results import RESULT_FIELDS, string_cells, written_columns, written_source

#: df.attrs key naming the provenance columns a frame read back from a file carries (`export` may replace them).
EXPORTED_KEY = "labelwidgets_exported"
#: df.attrs key with what a frame read back from a file says of its answers (kind, labels, text and answer columns).
ANSWERS_KEY = "labelwidgets_answers"
#: What a Labeler's export adds to its result columns, from the decision in force in its store.
LABELER_PROVENANCE = ("suggestion_visible", "suggester", "prompt_id")


@dataclass
class Rows:
    """A source's rows, ready to write, and what the file's header says about them."""

    frame: pd.DataFrame
    source: str
    kind: str | None
    labels: list[str]
    outputs: list[str] = field(default_factory=list)
    text: str | None = None
    answer: str | None = None
    decision: str | None = None
    suggestion: str | None = None
    written: list[str] = field(default_factory=list)
    written_source: dict[str, Any] | None = None
    provenance: list[str] = field(default_factory=list)

    @property
    def label_set(self) -> LabelSet:
        """The labels with their kind of answer: what every use of the answers asks how to read them."""
        kind = kind_named(self.kind or "single").bind(self.outputs or None)
        return LabelSet.parse(self.labels or ["label"], kind)

    def describe_answers(self) -> dict[str, Any]:
        """What `ANSWERS_KEY` records."""
        return {"source": self.source, "kind": self.kind, "labels": self.labels, "outputs": self.outputs,
                "text": self.text, "answer": self.answer, "decision": self.decision,
                "suggestion": self.suggestion}  # fmt: skip


@takes_frames("source")
def rows_of(source: Any, *, model_only: bool = True) -> Rows:
    """The rows of a `Labeler`, a `Team` or a DataFrame a Labeler wrote; see `labelwidgets.interchange.files.export`
    for ``model_only``."""
    from labelwidgets.labeler import Labeler
    from labelwidgets.team.team import Team

    if isinstance(source, Labeler):
        rows = _labeler_rows(source)
    elif isinstance(source, Team):
        rows = _team_rows(source)
    elif isinstance(source, pd.DataFrame):
        rows = _frame_rows(source)
    else:
        raise InputError(
            f"expected a Labeler, a Team or a DataFrame a Labeler wrote, got {type(source).__name__}; "
            "a file of labels is read with lw.read_labels(path)."
        )
    decision, suggestion = rows.decision, rows.suggestion
    if not model_only and decision is not None and suggestion is not None and suggestion in rows.frame.columns:
        rows.frame = rows.frame[~by_model_alone(rows.frame, decision, suggestion)]
    return rows


def by_model_alone(frame: pd.DataFrame, decision: str, suggestion: str) -> np.ndarray:
    """Rows labeled by a model alone: a suggestion (a suggester's, a FromColumn column, `lw.suggest`'s) and no
    decision by a person. An ``accepted`` decision is a person's: they saw the suggestion and kept it (a hidden,
    blind suggestion cannot be accepted)."""
    undecided = frame[decision].isna().to_numpy(dtype=bool)
    suggested = frame[suggestion].notna().to_numpy(dtype=bool)
    return np.asarray(undecided & suggested)


def has_decisions(rows: Rows) -> bool:
    column = rows.decision or rows.answer
    return bool(column is not None and column in rows.frame.columns and rows.frame[column].notna().any())


def warn_if_empty(rows: Rows, what: str) -> pd.DataFrame:
    """The rows to write: none but the header, with a warning, when nothing was decided yet."""
    if has_decisions(rows):
        return rows.frame
    warnings.warn(
        f"{what}: nothing was decided yet, so the file has the header and no rows.", stacklevel=user_stacklevel()
    )
    return rows.frame.iloc[:0]


# ----- a Labeler ------------------------------------------------------------------------------------------------


def _labeler_rows(labeler: Any) -> Rows:
    session = labeler.session
    names = {f: str((session.options.columns or {}).get(f, f)) for f in RESULT_FIELDS}
    frame = session.df.copy()
    _check_free(frame, LABELER_PROVENANCE)
    visible = pd.array(np.full(len(frame), pd.NA, dtype=object), dtype="boolean")
    suggester = np.full(len(frame), pd.NA, dtype=object)
    prompt_id = np.full(len(frame), pd.NA, dtype=object)
    from labelwidgets.session.fold import latest_in_force

    events = session.store.events_frame(session.annotator)
    if len(events):
        latest = latest_in_force(events)
        rows = session.rows_of_keys(latest["item_key"].to_numpy(dtype=object))
        found = rows >= 0
        at = rows[found]
        shown = latest["suggestion_visible"].to_numpy(dtype=object)[found]
        has_shown = ~pd.isna(shown)
        visible[at[has_shown]] = np.array([bool(v) for v in shown[has_shown]], dtype=bool)
        for target, column in ((suggester, "suggester"), (prompt_id, "prompt_id")):
            values = latest[column].to_numpy(dtype=object)[found]
            values[pd.isna(values)] = pd.NA
            target[at] = values
    frame["suggestion_visible"] = pd.Series(visible, index=frame.index)
    frame["suggester"] = pd.Series(string_cells(suggester), index=frame.index)
    frame["prompt_id"] = pd.Series(string_cells(prompt_id), index=frame.index)
    labels = session.labels
    return Rows(
        frame=frame,
        source="labeler",
        kind=labels.kind.name,
        labels=list(labels.names),
        outputs=list(labels.kind.item_columns),
        text=session.text_column,
        answer=names["label"],
        decision=names["decision"],
        suggestion=names["suggestion"],
        written=written_columns(session.df),
        written_source=written_source(session.df),
        provenance=list(LABELER_PROVENANCE),
    )


# ----- a Team ---------------------------------------------------------------------------------------------------

#: The gold answer's column in a team's export; the other columns of `Team.gold` are written as ``gold_<name>``.
GOLD = "gold"


def _team_rows(team: Any) -> Rows:
    from labelwidgets.team.decisions import in_force

    frame = team.df.copy()
    keys = (frame[team.key] if team.key else frame.index.to_series()).tolist()
    gold = team.gold_pandas()  # pandas, whichever kind of frame the team was given
    extra = [c for c in gold.columns if c not in ("key", "label")]
    added = [GOLD, *(f"gold_{c}" for c in extra), "answers", "annotators", "decided_at", "seconds"]
    _check_free(frame, added)
    where = _positions(keys, gold["key"].tolist())
    frame[GOLD] = _objects(list(_take(gold["label"], where)), frame.index)
    for column in extra:  # numbers stay numbers (n_labels, agreement)
        frame[f"gold_{column}"] = _objects(list(_take(gold[column], where)), frame.index).infer_objects()

    members = team.decisions_pandas()  # each member's decision in force, answers as the kind shows them
    events = team.store.events_frame()
    seconds_of = dict(
        zip(events["id"].tolist(), pd.to_numeric(events["seconds"], errors="coerce").tolist(), strict=True)
    )
    answers: list[list[dict[str, Any]]] = [[] for _ in keys]
    slot = _positions(members["key"].tolist(), keys)  # member row -> item position
    for position, record in zip(slot.tolist(), members.to_dict("records"), strict=True):
        if position >= 0:
            answers[position].append(
                {
                    "annotator": record["annotator"],
                    "label": record["label"],
                    "action": record["action"],
                    "decided_at": record["decided_at"],
                    "seconds": _seconds(seconds_of.get(record["id"])),  # a server's time spent (Label Studio lead_time)
                }
            )
    frame["answers"] = _objects(answers, frame.index)
    frame["annotators"] = _objects([[a["annotator"] for a in item] for item in answers], frame.index)

    # when the answer was settled (its latest decision, an adjudicator's included) and the seconds people spent
    everyone = in_force(events)
    everyone_keys = [decode_key(k) for k in everyone["key"].tolist()]
    latest = np.full(len(keys), np.datetime64("NaT"), dtype="datetime64[ns]")
    spent = np.full(len(keys), np.nan)
    times = pd.to_datetime(everyone["decided_at"], utc=True, format="ISO8601").dt.tz_localize(None)
    for position, when, event_id in zip(
        _positions(everyone_keys, keys).tolist(), times.to_numpy(dtype="datetime64[ns]"), everyone["id"].tolist(),
        strict=True,
    ):  # fmt: skip
        if position < 0:
            continue
        if np.isnat(latest[position]) or when > latest[position]:
            latest[position] = when
        took = seconds_of.get(event_id)
        if took is not None and not np.isnan(took):
            spent[position] = took if np.isnan(spent[position]) else spent[position] + took
    frame["decided_at"] = pd.Series(pd.DatetimeIndex(latest).tz_localize("UTC"), index=frame.index)
    frame["seconds"] = pd.Series(spent, index=frame.index)
    labels = team.labels
    return Rows(
        frame=frame,
        source="team",
        kind=labels.kind.name,
        labels=list(labels.names),
        outputs=list(labels.kind.item_columns),
        text=team.text,
        answer=GOLD,
        decision="decided_at",
        provenance=added,
    )


def _seconds(value: float | None) -> float | None:
    return None if value is None or np.isnan(value) else float(value)


# ----- a DataFrame a Labeler wrote --------------------------------------------------------------------------------


def _frame_rows(df: pd.DataFrame) -> Rows:
    described = df.attrs.get(ANSWERS_KEY)
    if isinstance(described, Mapping):  # read back from a file (`read_labels`): it says what its answers are
        return Rows(
            frame=df.copy(),
            written=written_columns(df),
            written_source=written_source(df),
            provenance=list(df.attrs.get(EXPORTED_KEY, ())),
            **{k: (list(v) if isinstance(v, list) else v) for k, v in described.items()},  # type: ignore[arg-type]
        )
    written = written_columns(df)
    if len(written) < 2:
        raise InputError(
            "this DataFrame has no result columns a Labeler wrote (they are recorded in df.attrs, which copies "
            "made by some pandas operations drop): pass the Labeler (or the Team) itself, or its labeler.df."
        )
    # A Labeler writes its answer column first and its decision column second (`ResultColumns.written`).
    answer, decision = written[0], written[1]
    values = [v for v in df[answer].tolist() if isinstance(v, (str, list))]
    kind, labels = _kind_seen(values)
    return Rows(
        frame=df.copy(),
        source="dataframe",
        kind=kind,
        labels=labels,
        text="text" if "text" in df.columns else None,
        answer=answer,
        decision=decision,
        suggestion="suggestion" if "suggestion" in df.columns else None,
        written=written,
        written_source=written_source(df),
    )


def _kind_seen(values: list[Any]) -> tuple[str, list[str]]:
    """The kind of answer and the labels a column of answers shows: names (single), lists of names (multi), lists
    of spans (spans). A DataFrame does not say which labels nobody chose yet, nor that a pair's answers are a pair."""
    lists = [v for v in values if isinstance(v, list)]
    if not lists:
        return "single", sorted({str(v) for v in values})
    parts = [p for v in lists for p in v]
    if any(isinstance(p, Mapping) for p in parts):
        return "spans", sorted({str(p["label"]) for p in parts if isinstance(p, Mapping)})
    return "multi", sorted({str(p) for p in parts})


# ----- helpers ----------------------------------------------------------------------------------------------------


def _check_free(frame: pd.DataFrame, names: Any) -> None:
    ours = set(frame.attrs.get(EXPORTED_KEY, ()))
    taken = [n for n in names if n in frame.columns and n not in ours]
    if taken:
        raise InputError(
            f"the DataFrame already has column(s) {taken}, where the export writes the answers' provenance; "
            "rename them first (an export never overwrites your data)."
        )


def _positions(keys: list[Any], among: list[Any]) -> np.ndarray:
    """The position of each of ``keys`` in ``among`` (-1 when absent)."""
    where = {_hashable(k): i for i, k in enumerate(among)}
    return np.array([where.get(_hashable(k), -1) for k in keys], dtype=np.int64)


def _hashable(key: Any) -> Any:
    return key.item() if isinstance(key, np.generic) else key


def _take(values: pd.Series, where: np.ndarray) -> np.ndarray:
    cells = values.to_numpy(dtype=object)
    out = np.empty(len(where), dtype=object)
    out[:] = [cells[i] if i >= 0 else None for i in where.tolist()]
    return out


def _objects(values: list[Any], index: pd.Index) -> pd.Series:
    cells = np.empty(len(values), dtype=object)
    cells[:] = values
    return pd.Series(cells, index=index, dtype=object)
