"""A class of students labeling the same items against a gold answer (teaching mode, `lw.Classroom`).

The input everywhere is the *answers*: one row per (student, item) made by ``scored_answers`` from the store's
events. A student's **scored answer** is their decision in force when ``revised`` events are left out: once the
gold answer is revealed a student can only change an answer by revising it, so the revision must not change the
score. Their **final** answer includes revisions.

* ``student_scores``: per student, accuracy and Cohen's kappa against gold, kappa against the model's suggestions
  and the model's accuracy on the same items, revisions and how often they saw a suggestion.
* ``hardest``: the items the class got wrong most, with the spread of answers.
* ``class_agreement``: the students' agreement among themselves (Krippendorff's alpha, mean pairwise kappa).
* ``sway``: how much seeing the model's suggestion moved answers, from students' blind and visible decisions.

No number is defined here a second time: Cohen's kappa with its note and interval, the Wilson interval, the
percentile interval and the bootstrap over items are ``metrics.counts``'; Krippendorff's alpha and its bootstrap
are ``metrics.team``'s; Newcombe's interval is statsmodels'.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Iterable, Iterator, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from labelwidgets.decision import REVISED
from labelwidgets.errors import InputError, public
from labelwidgets.metrics.annotators import alpha_with_reason
from labelwidgets.metrics.checks import check_labels, encode, object_values, show_columns
from labelwidgets.metrics.counts import (
    BOOTSTRAP,
    WILSON,
    check_ci,
    check_n_boot,
    confusion_of_codes,
    kappa_estimate,
    kappa_from_counts,
    label_counts,
    percentile_interval,
    wilson_interval,
)
from labelwidgets.metrics.team import alpha_of_value_counts, read_decisions, resampled_items
from labelwidgets.missing import is_missing
from labelwidgets.team.decisions import in_force

__all__ = [
    "ANSWER_COLUMNS",
    "class_agreement",
    "class_set_agreement",
    "hardest",
    "hardest_sets",
    "newcombe_interval",
    "scored_answers",
    "student_label_scores",
    "student_scores",
    "student_set_scores",
    "sway",
    "sway_sentence",
]

ANSWER_COLUMNS = ["key", "student", "action", "answer", "final", "revised", "suggestion", "suggestion_visible",
                  "decided_at"]  # fmt: skip
STUDENT_COLUMNS = [
    "student", "answered", "practice", "scored", "correct", "accuracy", "accuracy_low", "accuracy_high", "kappa",
    "kappa_low", "kappa_high", "kappa_note", "n_model", "kappa_model", "kappa_model_note", "model_accuracy",
    "revised", "saw_suggestions",
]  # fmt: skip
AGREEMENT_COLUMNS = ["metric", "value", "low", "high", "n", "interval", "note"]
SWAY_COLUMNS = [
    "measure", "when", "visible", "visible_low", "visible_high", "n_visible", "hidden", "hidden_low", "hidden_high",
    "n_hidden", "difference", "difference_low", "difference_high", "interval", "note",
]  # fmt: skip
#: Newcombe's hybrid score interval for a difference of two proportions (his method 10), from Wilson intervals.
NEWCOMBE = "Newcombe (Wilson score)"
GOLD = "the gold answers"
MODEL = "the model"

_EVENT_COLUMNS = ("item_key", "annotator", "action", "label", "suggestion", "suggestion_visible", "decided_at", "id",
                  "undoes")  # fmt: skip


# ---------------------------------------------------------------------------------------------------------------
# answers from events


@public
def scored_answers(events: pd.DataFrame) -> pd.DataFrame:
    """Each student's answer on each item they decided, from an event frame (`Store.events_frame`).

    One row per (student, item), in the order of the student's first decision on it. Columns: ``key`` (the event's
    ``item_key``), ``student`` (its ``annotator``), ``action`` (of the scored decision), ``answer`` (its label;
    missing for a skip or a rejection), ``final`` (the label in force with revisions), ``revised`` (the decision in
    force is a ``revised`` event: the answer was changed after it was given), ``suggestion`` and
    ``suggestion_visible`` (of the scored decision: the model's guess, recorded even where it was hidden; True
    shown, False hidden, missing without a suggester) and ``decided_at``.

    The scored answer is the decision in force over the events *without* the ``revised`` ones (an ``undo`` cancels
    the event it names, as everywhere): after the gold answer is revealed only a revision can change an answer, so
    what a student knew before seeing gold is what is scored.
    """
    if not isinstance(events, pd.DataFrame):
        raise InputError(f"scored_answers() needs the events as a DataFrame (Store.events_frame()), got "
                         f"{type(events).__name__}.")  # fmt: skip
    missing = [c for c in _EVENT_COLUMNS if c not in events.columns]
    if missing:
        raise InputError(
            f"scored_answers(): the events need the columns {list(_EVENT_COLUMNS)} (Store.events_frame() has them); "
            f"{missing} not found among {show_columns(events)}."
        )
    if events.empty:
        return _empty_answers()
    final = in_force(events)
    scored = in_force(events[events["action"] != REVISED])
    visible = pd.Series(events["suggestion_visible"].to_numpy(dtype=object), index=events["id"].to_numpy())
    scored["suggestion_visible"] = scored["id"].map(visible)
    on = ["key", "annotator"]
    merged = scored.merge(final[[*on, "label", "action", "id"]], on=on, how="outer", suffixes=("", "_final"),
                          sort=False)  # fmt: skip
    # oldest first by the scored decision; an item only a revision decided sorts by the revision
    merged["_order"] = merged["id"].fillna(merged["id_final"])
    merged = merged.sort_values("_order", kind="stable").reset_index(drop=True)
    return pd.DataFrame(
        {
            "key": pd.Series(object_values(merged["key"]), dtype=object),
            "student": pd.Series(object_values(merged["annotator"]), dtype=object),
            "action": pd.Series(object_values(merged["action"]), dtype=object),
            "answer": pd.Series(object_values(merged["label"]), dtype=object),
            "final": pd.Series(object_values(merged["label_final"]), dtype=object),
            "revised": (merged["action_final"] == REVISED).to_numpy(dtype=bool),
            "suggestion": pd.Series(object_values(merged["suggestion"]), dtype=object),
            "suggestion_visible": _as_visible(merged["suggestion_visible"]),
            "decided_at": pd.Series(object_values(merged["decided_at"]), dtype=object),
        }
    )


def _as_visible(values: pd.Series) -> pd.Series:
    """True / False / NA, whether the store gave booleans, 0/1, NaN or None."""
    cells = [None if v is None or (isinstance(v, float) and math.isnan(v)) else bool(v) for v in object_values(values)]
    return pd.Series(cells, dtype="boolean")


def _empty_answers() -> pd.DataFrame:
    frame = pd.DataFrame({c: pd.Series(dtype=object) for c in ANSWER_COLUMNS})
    frame["revised"] = frame["revised"].astype(bool)
    frame["suggestion_visible"] = frame["suggestion_visible"].astype("boolean")
    return frame


def _label_names(labels: Any, func: str) -> list[Hashable]:
    names = check_labels(labels)
    if names is None:
        raise InputError(f"{func}() needs labels=, the label set.")
    return names


def _checked_inputs(
    answers: Any, labels: Any, func: str, *, ci: float, n_boot: int
) -> tuple[list[Hashable], pd.DataFrame]:
    """The label names and the answers, after checking ``ci`` and ``n_boot`` (in that order, so that each function
    names the same first mistake)."""
    check_ci(ci)
    check_n_boot(n_boot, least=0)
    return _label_names(labels, func), _check_answers(answers, func)


def _check_top(top: Any) -> None:
    """``top`` of `hardest` and `hardest_sets`: None for every item, or a whole number (a bool is no count)."""
    if top is not None and (isinstance(top, bool) or not isinstance(top, (int, np.integer)) or top < 0):
        raise InputError(f"top must be a whole number of items (or None for all), got {top!r}.")


def _check_answers(answers: Any, func: str) -> pd.DataFrame:
    if not isinstance(answers, pd.DataFrame):
        raise InputError(f"{func}() needs the answers of scored_answers() as a DataFrame, got "
                         f"{type(answers).__name__}.")  # fmt: skip
    missing = [c for c in ANSWER_COLUMNS if c not in answers.columns]
    if missing:
        raise InputError(f"{func}(): the answers need the columns {ANSWER_COLUMNS} (as scored_answers() makes "
                         f"them); {missing} not found among {show_columns(answers)}.")  # fmt: skip
    return answers


def _gold_of(gold: Mapping[Any, Any] | pd.Series, labels: list[Hashable] | None, func: str) -> dict[Any, Any]:
    """Gold as key -> label, missing values (practice items) left out; labels outside the label set refused."""
    pairs: list[tuple[Any, Any]]
    if isinstance(gold, pd.Series):
        pairs = list(zip(gold.index.tolist(), object_values(gold).tolist(), strict=True))
    elif isinstance(gold, Mapping):
        pairs = [(k, None if is_missing(v) else v) for k, v in gold.items()]
    else:
        raise InputError(f"{func}(): gold must be a mapping item key -> label or a Series indexed by item key, got "
                         f"{type(gold).__name__}.")  # fmt: skip
    known = {k: v for k, v in pairs if v is not None}
    if labels is not None:
        outside = sorted({str(v) for v in known.values() if v not in labels})
        if outside:
            raise InputError(f"{func}(): gold labels {outside[:10]} are not in labels={labels}.")
    return known


def _label_codes(values: np.ndarray, labels: list[Hashable], func: str, what: str) -> np.ndarray:
    codes = encode(values, labels)
    unknown = (codes < 0) & pd.notna(values)
    if unknown.any():
        names = sorted({str(v) for v in values[unknown]})[:10]
        raise InputError(f"{func}(): {what} {names} are not in labels={labels}; pass the store's label set.")
    return codes


# ---------------------------------------------------------------------------------------------------------------
# per student


@public
def student_scores(
    answers: pd.DataFrame,
    gold: Mapping[Any, Any] | pd.Series,
    labels: Iterable[Hashable],
    *,
    ci: float = 0.95,
    n_boot: int = 1000,
    seed: int = 0,
) -> pd.DataFrame:
    """One row per student (sorted by name): how their scored answers compare with gold and with the model.

    ``answers`` comes from `scored_answers`; ``gold`` maps item keys to the right label (a missing value makes a
    practice item: answered, never scored). Columns:

    * ``answered``: items the student decided (a label, a skip or a rejection), practice items included;
      ``practice``: of those, practice items; ``scored``: items with gold where the student gave a label.
    * ``correct``, ``accuracy`` = correct / scored, with a Wilson interval (``accuracy_low``/``accuracy_high``).
    * ``kappa``: Cohen's kappa of the student's answers against gold on the scored items (``metrics.counts``,
      equal to scikit-learn's ``cohen_kappa_score``), a bootstrap percentile interval over the items
      (``n_boot`` resamples, 0 skips it) and ``kappa_note``: why it is NaN or what it means.
    * ``n_model``: scored items that have a recorded suggestion (shown or hidden); ``kappa_model``: Cohen's kappa of
      the student's answers against the suggestions on them (``kappa_model_note``); ``model_accuracy``: the share
      of those suggestions equal to gold, to set beside the student's.
    * ``revised``: answers changed by a revision (after the gold answer was revealed); ``saw_suggestions``: the
      share of the student's decisions made with the suggestion shown.
    """
    func = "student_scores"
    names, frame = _checked_inputs(answers, labels, func, ci=ci, n_boot=n_boot)
    truth = _gold_of(gold, names, func)
    k = len(names)
    rows = []
    for student, own, rng in _by_student_with_streams(frame, seed):
        decided = own[own["action"].notna()]
        gold_values = np.array([truth.get(key) for key in decided["key"]], dtype=object)
        has_gold = pd.notna(gold_values)
        answer = object_values(decided["answer"])
        scored = has_gold & pd.notna(answer)
        student_codes = _label_codes(answer[scored], names, func, "answers")
        gold_codes = encode(gold_values[scored], names)
        n = int(scored.sum())
        correct = int((student_codes == gold_codes).sum())
        low, high = (float(x) for x in wilson_interval(correct, n, ci))
        against_gold = kappa_estimate(confusion_of_codes(gold_codes, student_codes, k), names, reference=GOLD,
                                      other=repr(student), n_boot=n_boot, ci=ci, rng=rng)  # fmt: skip
        note = against_gold.notes()
        if not n:
            note = "no scored answer yet (a label on an item with gold)"
        suggestion = object_values(decided["suggestion"])[scored]
        with_model = pd.notna(suggestion)
        model_codes = encode(suggestion[with_model], names)  # -1: outside the label set, never agrees
        model_codes = np.where(model_codes < 0, k, model_codes)
        against_model = kappa_estimate(confusion_of_codes(student_codes[with_model], model_codes, k), names,
                                       reference=repr(student), other=MODEL)  # fmt: skip
        model_note = against_model.notes()
        n_model = int(with_model.sum())
        if not n_model:
            model_note = "no scored answer has a recorded suggestion"
        rows.append({
            "student": student, "answered": len(decided), "practice": int((~has_gold).sum()), "scored": n,
            "correct": correct, "accuracy": correct / n if n else math.nan, "accuracy_low": low,
            "accuracy_high": high, "kappa": against_gold.kappa, "kappa_low": against_gold.low,
            "kappa_high": against_gold.high, "kappa_note": note, "n_model": n_model, "kappa_model": against_model.kappa,
            "kappa_model_note": model_note,
            "model_accuracy": float((model_codes == gold_codes[with_model]).mean()) if n_model else math.nan,
            "revised": int(own["revised"].sum()),
            "saw_suggestions": _share_shown(decided),
        })  # fmt: skip
    return _frame(rows, STUDENT_COLUMNS, ints=("answered", "practice", "scored", "correct", "n_model", "revised"),
                  texts=("student", "kappa_note", "kappa_model_note"))  # fmt: skip


def _by_student(answers: pd.DataFrame) -> list[tuple[Any, pd.DataFrame]]:
    students = sorted(set(answers["student"].tolist()), key=lambda s: (type(s).__name__, str(s)))
    groups = dict(tuple(answers.groupby("student", sort=False))) if len(answers) else {}
    return [(s, groups[s]) for s in students]


def _as_decisions(answers: pd.DataFrame) -> pd.DataFrame:
    """Students' answers as a team's decisions (``key``, ``annotator``, ``label``), for ``metrics.team``."""
    return pd.DataFrame({"key": answers["key"].to_numpy(dtype=object),
                         "annotator": answers["student"].to_numpy(dtype=object),
                         "label": answers["answer"].to_numpy(dtype=object)})  # fmt: skip


def _by_student_with_streams(
    answers: pd.DataFrame, seed: int
) -> Iterator[tuple[Any, pd.DataFrame, np.random.Generator]]:
    """`_by_student`, each student with their own child stream of ``seed``, so that a student's bootstrap interval
    depends on ``seed`` and the students' order, not on how many draws the students before them took."""
    seeds = np.random.SeedSequence(seed)
    for student, own in _by_student(answers):
        yield student, own, np.random.default_rng(seeds.spawn(1)[0])


def _share_shown(decided: pd.DataFrame) -> float:
    """The share of these decisions made with the suggestion on screen (no suggester: not shown); NaN for none."""
    if not len(decided):
        return math.nan
    return float(decided["suggestion_visible"].fillna(False).to_numpy(dtype=bool).mean())


def _frame(rows: list[dict[str, Any]], columns: list[str], *, ints: Iterable[str] = (),
           texts: Iterable[str] = ()) -> pd.DataFrame:  # fmt: skip
    ints, texts = set(ints), set(texts)

    def dtype(column: str) -> Any:
        return int if column in ints else object if column in texts else float

    return pd.DataFrame({c: pd.Series([r[c] for r in rows], dtype=dtype(c)) for c in columns})


# ---------------------------------------------------------------------------------------------------------------
# per item


@public
def hardest(
    answers: pd.DataFrame,
    gold: Mapping[Any, Any] | pd.Series,
    labels: Iterable[Hashable],
    *,
    top: int | None = None,
) -> pd.DataFrame:
    """The items with gold the class got wrong most: share of students wrong, highest first.

    One row per item with gold and at least one labeled (scored) answer. Columns: ``key``, ``gold``, ``n_answers``,
    ``n_wrong``, ``share_wrong`` = n_wrong / n_answers, ``most_common_wrong`` (the wrong label given most; ties go
    to the earlier label in ``labels``; None when nobody was wrong), then one column per label counting the answers
    that gave it (the spread). Ties in ``share_wrong`` keep the order the items were first answered in, after
    more wrong answers. ``top`` keeps the first rows.
    """
    func = "hardest"
    names = _label_names(labels, func)
    _check_top(top)
    frame = _check_answers(answers, func)
    truth = _gold_of(gold, names, func)
    rated = frame[frame["answer"].notna() & frame["key"].map(lambda key: key in truth).astype(bool)]
    key_codes, keys = pd.factorize(rated["key"], sort=False)
    k = len(names)
    codes = _label_codes(object_values(rated["answer"]), names, func, "answers")
    spread = np.bincount(key_codes * k + codes, minlength=len(keys) * k).reshape(len(keys), k)
    gold_codes = encode(np.array([truth[key] for key in keys], dtype=object), names)
    n_answers = spread.sum(axis=1)
    right = spread[np.arange(len(keys)), gold_codes]
    wrong_only = spread.copy()
    wrong_only[np.arange(len(keys)), gold_codes] = 0
    n_wrong = n_answers - right
    order = np.lexsort((np.arange(len(keys)), -n_wrong, -(n_wrong / np.maximum(n_answers, 1))))
    if top is not None:
        order = order[: int(top)]
    out = pd.DataFrame(
        {
            "key": pd.Series(np.asarray(keys, dtype=object)[order], dtype=object),
            "gold": pd.Series([names[c] for c in gold_codes[order]], dtype=object),
            "n_answers": n_answers[order].astype(int),
            "n_wrong": n_wrong[order].astype(int),
            "share_wrong": (n_wrong / np.maximum(n_answers, 1))[order].astype(float),
            "most_common_wrong": pd.Series(
                [names[int(row.argmax())] if row.any() else None for row in wrong_only[order]], dtype=object
            ),
        }
    )
    for j, name in enumerate(names):
        column = name if name not in out.columns else f"{name} (answers)"
        out[column] = spread[order, j].astype(int)
    return out


# ---------------------------------------------------------------------------------------------------------------
# the class among themselves


@public
def class_agreement(
    answers: pd.DataFrame,
    labels: Iterable[Hashable],
    *,
    ci: float = 0.95,
    n_boot: int = 1000,
    seed: int = 0,
) -> pd.DataFrame:
    """How far the students agree among themselves (not with gold), from their scored answers.

    Rows (columns ``metric``, ``value``, ``low``, ``high``, ``n``, ``interval``, ``note``):

    * ``krippendorff_alpha``: nominal Krippendorff's alpha over every item two students or more labeled (the
      ``krippendorff`` package, as `lw.team_agreement`), with a bootstrap percentile interval over those items
      (``n_boot`` resamples from ``seed``; 0 skips it); ``n`` = those items.
    * ``mean_pairwise_kappa``: the mean of Cohen's kappa (``metrics.counts``) over the pairs of students with a
      defined kappa on the items both labeled; ``n`` = those pairs; no interval.

    Practice items count: agreement among students needs no gold. NaN with the reason in ``note`` when undefined.
    """
    func = "class_agreement"
    names, frame = _checked_inputs(answers, labels, func, ci=ci, n_boot=n_boot)
    rated = frame[frame["answer"].notna()]
    decisions = _as_decisions(rated)
    team = read_decisions(decisions, func, names)
    rows: list[dict[str, Any]] = []

    multi = team.labels_per_item >= 2
    alpha, reason = alpha_with_reason(np.where(team.ratings >= 0, team.ratings, np.nan).astype(float), "nominal")
    low = high = math.nan
    interval = ""
    if math.isfinite(alpha) and n_boot:
        rng = np.random.default_rng(np.random.SeedSequence(seed).spawn(1)[0])
        drawn = resampled_items(team.counts[multi], alpha_of_value_counts, n_boot, rng)
        low_a, high_a, defined = percentile_interval(drawn, ci)
        low, high, interval = float(low_a), float(high_a), BOOTSTRAP
        undefined = n_boot - int(defined)
        if undefined:
            reason = f"{undefined} of {n_boot} bootstrap resamples were undefined and left out of the interval"
    rows.append({"metric": "krippendorff_alpha", "value": alpha, "low": low, "high": high, "n": int(multi.sum()),
                 "interval": interval, "note": reason})  # fmt: skip

    kappas = []
    pairs = 0
    for i in range(len(team.annotators)):
        for j in range(i + 1, len(team.annotators)):
            both = (team.ratings[i] >= 0) & (team.ratings[j] >= 0)
            if not both.any():
                continue
            pairs += 1
            agree, true, pred, _ = label_counts(team.ratings[i, both], team.ratings[j, both], len(team.labels))
            kappas.append(float(kappa_from_counts(agree, true, pred)))
    defined_kappas = [x for x in kappas if math.isfinite(x)]
    if defined_kappas:
        left_out = pairs - len(defined_kappas)
        note = f"{left_out} pair(s) with an undefined kappa (one label throughout) left out" if left_out else ""
        mean = float(np.mean(defined_kappas))
    else:
        mean = math.nan
        note = ("no two students have labeled the same item yet" if not pairs
                else "every pair gave one and the same label throughout: kappa is 0/0")  # fmt: skip
    rows.append({"metric": "mean_pairwise_kappa", "value": mean, "low": math.nan, "high": math.nan,
                 "n": len(defined_kappas), "interval": "", "note": note})  # fmt: skip
    return _frame(rows, AGREEMENT_COLUMNS, ints=("n",), texts=("metric", "interval", "note"))


# ---------------------------------------------------------------------------------------------------------------
# sway: what seeing the suggestion did


def newcombe_interval(
    successes_a: int, trials_a: int, successes_b: int, trials_b: int, ci: float = 0.95
) -> tuple[float, float]:
    """Newcombe's hybrid score interval (1998, method 10) for p_a − p_b of two independent proportions.

    statsmodels' ``confint_proportions_2indep(..., method="newcomb", compare="diff")``, built from each
    proportion's Wilson interval; NaN when either side has no trials (statsmodels would divide by zero).
    """
    from statsmodels.stats.proportion import confint_proportions_2indep

    check_ci(ci)
    if not trials_a or not trials_b:
        return math.nan, math.nan
    low, high = confint_proportions_2indep(successes_a, trials_a, successes_b, trials_b, method="newcomb",
                                           compare="diff", alpha=1 - ci)  # fmt: skip
    # the bounds lie in [-1, 1]; rounding can leave them a hair outside
    return max(-1.0, float(low)), min(1.0, float(high))


@public
def sway(answers: pd.DataFrame, gold: Mapping[Any, Any] | pd.Series, *, ci: float = 0.95) -> pd.DataFrame:
    """How much seeing the model's suggestion moved the students' answers: shown vs hidden (blind) decisions.

    Uses the scored answers that gave a label on items with gold and a recorded suggestion (a blind decision
    records the suggestion it hid). ``visible`` is the share among decisions made with the suggestion shown,
    ``hidden`` among those made with it hidden; each with a Wilson interval and its count, and ``difference`` =
    visible − hidden with Newcombe's interval (``newcombe_interval``; it treats the decisions as independent, so
    with few students or items read it as a rough guide). Rows (``measure`` × ``when``):

    * ``follow rate``: the answer equals the suggestion;
    * ``accuracy``: the answer equals gold;

    each over ``all items``, the items where the model was right (``model right``) and where it was wrong
    (``model wrong``: following it means a wrong answer, the telling case). A side with no decisions is NaN with
    the reason in ``note`` (no blind decisions, no shown ones, the model never wrong): never an invented number.
    """
    func = "sway"
    check_ci(ci)
    frame = _check_answers(answers, func)
    truth = _gold_of(gold, None, func)
    gold_values = np.array([truth.get(key) for key in frame["key"]], dtype=object)
    usable = (pd.notna(gold_values) & frame["answer"].notna().to_numpy() & frame["suggestion"].notna().to_numpy()
              & frame["suggestion_visible"].notna().to_numpy())  # fmt: skip
    answer = object_values(frame["answer"])[usable]
    suggestion = object_values(frame["suggestion"])[usable]
    right_answer = gold_values[usable]
    shown = frame["suggestion_visible"].to_numpy(dtype=object)[usable].astype(bool)
    followed = answer == suggestion
    correct = answer == right_answer
    model_right = suggestion == right_answer
    rows = []
    for when, scope in (("all items", np.ones(len(answer), dtype=bool)), ("model right", model_right),
                        ("model wrong", ~model_right)):  # fmt: skip
        for measure, hit in (("follow rate", followed), ("accuracy", correct)):
            rows.append(_sway_row(measure, when, hit[scope & shown], hit[scope & ~shown], ci, len(answer)))
    return _frame(rows, SWAY_COLUMNS, ints=("n_visible", "n_hidden"), texts=("measure", "when", "interval", "note"))


def _sway_row(measure: str, when: str, visible: np.ndarray, hidden: np.ndarray, ci: float,
              n_usable: int) -> dict[str, Any]:  # fmt: skip
    k_v, n_v, k_h, n_h = int(visible.sum()), int(visible.size), int(hidden.sum()), int(hidden.size)
    v_low, v_high = (float(x) for x in wilson_interval(k_v, n_v, ci))
    h_low, h_high = (float(x) for x in wilson_interval(k_h, n_h, ci))
    d_low, d_high = newcombe_interval(k_v, n_v, k_h, n_h, ci)
    notes = []
    if not n_usable:
        notes.append("no labeled answer on an item with gold has a recorded suggestion (students labeled without a "
                     "suggester?)")  # fmt: skip
    elif not n_v and not n_h:
        notes.append(f"no decision here ({when})" + (": the model was never wrong" if when == "model wrong" else ""))
    elif not n_h:
        notes.append("no decision with the suggestion hidden (blind=… in the students' Labelers): nothing to "
                     "compare with")  # fmt: skip
    elif not n_v:
        notes.append("no decision with the suggestion shown: nothing to compare with")
    return {
        "measure": measure, "when": when, "visible": k_v / n_v if n_v else math.nan, "visible_low": v_low,
        "visible_high": v_high, "n_visible": n_v, "hidden": k_h / n_h if n_h else math.nan, "hidden_low": h_low,
        "hidden_high": h_high, "n_hidden": n_h,
        "difference": k_v / n_v - k_h / n_h if n_v and n_h else math.nan, "difference_low": d_low,
        "difference_high": d_high, "interval": f"{WILSON}; difference: {NEWCOMBE}" if n_v and n_h else "",
        "note": "; ".join(notes),
    }  # fmt: skip


def sway_sentence(table: pd.DataFrame) -> str:
    """The one sentence a class needs from `sway`: following the model when it was wrong, shown vs hidden."""
    rows = table[(table["measure"] == "follow rate") & (table["when"] == "model wrong")]
    if rows.empty:
        return ""
    row = rows.iloc[0]
    if not math.isfinite(row["difference"]):
        return f"Sway: {row['note']}." if row["note"] else ""
    return (
        f"When the model was wrong, students who saw its suggestion followed it {100 * row['visible']:.0f}% of the "
        f"time ({int(row['n_visible'])} answers) vs {100 * row['hidden']:.0f}% of those who did not see it "
        f"({int(row['n_hidden'])})."
    )


# ---------------------------------------------------------------------------------------------------------------
# sets of labels (a multi-label class): answers, gold and suggestions are lists of label names ([] none of these)
#
# Every number is `metrics.multilabel`'s (Jaccard, per-label precision, recall, F1 and Cohen's kappa) or
# `metrics.team`'s (Krippendorff's alpha with MASI); intervals as above (Wilson for shares, bootstrap over items).

STUDENT_SET_COLUMNS = [
    "student", "answered", "practice", "scored", "correct", "accuracy", "accuracy_low", "accuracy_high", "jaccard",
    "jaccard_low", "jaccard_high", "micro_f1", "macro_f1", "n_model", "jaccard_model", "model_accuracy",
    "model_jaccard", "revised", "saw_suggestions",
]  # fmt: skip
LABEL_SCORE_COLUMNS = ["student", "label", "n", "precision", "recall", "f1", "cohen_kappa", "kappa_low", "kappa_high",
                       "note"]  # fmt: skip


def _set_gold(gold: Mapping[Any, Any] | pd.Series, labels: Sequence[Hashable], func: str) -> dict[Any, frozenset[Any]]:
    """Gold as key -> set of labels, practice items (missing) left out; anything but a list of labels refused."""
    from labelwidgets.metrics.multilabel import indicator

    pairs = gold.items() if isinstance(gold, (pd.Series, Mapping)) else None
    if pairs is None:
        raise InputError(f"{func}(): gold must be a mapping item key -> list of labels or a Series indexed by item "
                         f"key, got {type(gold).__name__}.")  # fmt: skip
    known = {key: value for key, value in pairs if not is_missing(value)}
    indicator(list(known.values()), [str(name) for name in labels])  # refuses strings and names outside the set
    return {key: frozenset(value) for key, value in known.items()}


def _item_jaccards(truth: list[Any], given: list[Any], labels: Sequence[Hashable]) -> np.ndarray:
    """Each pair's Jaccard (``metrics.multilabel.jaccard_samples`` of that one pair)."""
    from labelwidgets.metrics.multilabel import jaccard_samples

    names = [str(name) for name in labels]
    return np.array([jaccard_samples([t], [g], names) for t, g in zip(truth, given, strict=True)], dtype=float)


def _scored_sets(own: pd.DataFrame, truth: dict[Any, frozenset[Any]]) -> tuple[pd.DataFrame, np.ndarray, list[Any]]:
    """A student's decided rows, which of them are scored (gold and an answer), and the gold sets of those."""
    decided = own[own["action"].notna()]
    has_gold = decided["key"].map(lambda key: key in truth).to_numpy(dtype=bool)
    answered = decided["answer"].map(lambda value: not is_missing(value)).to_numpy(dtype=bool)
    scored = has_gold & answered
    return decided, scored, [truth[key] for key in decided["key"][scored]]


@public
def student_set_scores(
    answers: pd.DataFrame,
    gold: Mapping[Any, Any] | pd.Series,
    labels: Iterable[Hashable],
    *,
    ci: float = 0.95,
    n_boot: int = 1000,
    seed: int = 0,
) -> pd.DataFrame:
    """`student_scores` for sets of labels: one row per student (sorted by name).

    ``answered``, ``practice``, ``scored``, ``revised`` and ``saw_suggestions`` as in `student_scores`. Then
    ``correct`` (answers exactly equal to the gold set) and ``accuracy`` = correct / scored (subset accuracy) with
    a Wilson interval; ``jaccard``: the mean Jaccard of the answers against gold (``jaccard_samples``) with a
    bootstrap interval over the items; ``micro_f1``, ``macro_f1``; ``n_model``: scored items with a recorded
    suggestion, ``jaccard_model``: the student's mean Jaccard against it, ``model_accuracy`` and ``model_jaccard``:
    the suggestions' exact share and mean Jaccard against gold on the same items. Each label's precision, recall,
    F1 and Cohen's kappa: `student_label_scores`.
    """
    from labelwidgets.metrics.multilabel import jaccard_samples, multilabel_report
    from labelwidgets.metrics.team import mean_of_resampled_items

    func = "student_set_scores"
    label_names, frame = _checked_inputs(answers, labels, func, ci=ci, n_boot=n_boot)
    names = [str(name) for name in label_names]
    truth = _set_gold(gold, names, func)
    rows = []
    for student, own, rng in _by_student_with_streams(frame, seed):
        decided, scored, gold_sets = _scored_sets(own, truth)
        given = decided["answer"][scored].tolist()
        n = len(given)
        report = multilabel_report(gold_sets, given, names, n_boot=0)
        correct = sum(frozenset(g) == t for g, t in zip(given, gold_sets, strict=True))
        low, high = (float(x) for x in wilson_interval(correct, n, ci))
        jaccard_low = jaccard_high = math.nan
        if n and n_boot:
            drawn = mean_of_resampled_items(_item_jaccards(gold_sets, given, names), n_boot, rng)
            jaccard_low, jaccard_high = (float(x) for x in percentile_interval(drawn, ci)[:2])
        suggestion = decided["suggestion"][scored].tolist()
        with_model = [i for i, s in enumerate(suggestion) if not is_missing(s)]
        model = [suggestion[i] for i in with_model]
        n_model = len(model)
        rows.append({
            "student": student, "answered": len(decided), "practice": int((~decided["key"].map(
                lambda key: key in truth).to_numpy(dtype=bool)).sum()), "scored": n, "correct": correct,
            "accuracy": correct / n if n else math.nan, "accuracy_low": low, "accuracy_high": high,
            "jaccard": report.jaccard, "jaccard_low": jaccard_low, "jaccard_high": jaccard_high,
            "micro_f1": report.micro_f1, "macro_f1": report.macro_f1, "n_model": n_model,
            "jaccard_model": jaccard_samples([given[i] for i in with_model], model, names) if n_model else math.nan,
            "model_accuracy": (sum(frozenset(m) == gold_sets[i] for i, m in zip(with_model, model, strict=True))
                               / n_model) if n_model else math.nan,
            "model_jaccard": jaccard_samples([gold_sets[i] for i in with_model], model, names) if n_model
            else math.nan,
            "revised": int(own["revised"].sum()),
            "saw_suggestions": _share_shown(decided),
        })  # fmt: skip
    return _frame(rows, STUDENT_SET_COLUMNS, ints=("answered", "practice", "scored", "correct", "n_model", "revised"),
                  texts=("student",))  # fmt: skip


@public
def student_label_scores(
    answers: pd.DataFrame,
    gold: Mapping[Any, Any] | pd.Series,
    labels: Iterable[Hashable],
    *,
    ci: float = 0.95,
    n_boot: int = 1000,
    seed: int = 0,
) -> pd.DataFrame:
    """Per student and label: how the student's sets find each gold label (``metrics.multilabel.per_label`` of
    gold against the student's scored answers): ``n``, ``precision``, ``recall``, ``f1``, ``cohen_kappa`` with a
    bootstrap interval (``kappa_low``/``kappa_high``; ``n_boot=0`` skips it) and ``note``."""
    from labelwidgets.metrics.multilabel import per_label

    func = "student_label_scores"
    names, frame = _checked_inputs(answers, labels, func, ci=ci, n_boot=n_boot)
    truth = _set_gold(gold, names, func)
    rows = []
    for student, own in _by_student(frame):
        decided, scored, gold_sets = _scored_sets(own, truth)
        table = per_label(gold_sets, decided["answer"][scored].tolist(), [str(n) for n in names], n_boot=n_boot,
                          seed=seed, ci=ci)  # fmt: skip
        for name, row in table.iterrows():
            rows.append({"student": student, "label": name, **{c: row[c] for c in LABEL_SCORE_COLUMNS[2:]}})
    return _frame(rows, LABEL_SCORE_COLUMNS, ints=("n",), texts=("student", "label", "note"))


@public
def hardest_sets(
    answers: pd.DataFrame, gold: Mapping[Any, Any] | pd.Series, labels: Iterable[Hashable], *, top: int | None = None
) -> pd.DataFrame:
    """`hardest` for sets of labels: the items with gold the class found hardest, lowest mean Jaccard first.

    One row per item with gold and at least one scored answer. Columns: ``key``, ``gold`` (the gold set, a list),
    ``n_answers``, ``mean_jaccard`` (of the answers against gold, ``jaccard_samples``), ``n_wrong`` (answers not
    exactly the gold set), ``share_wrong``, ``most_missed`` and ``most_extra`` (the gold label left out most, the
    label added most; None when none was), then one column per label counting the answers that hold it. Ties keep
    the order the items were first answered in, after more answers.
    """
    from labelwidgets.metrics.multilabel import indicator, jaccard_samples

    func = "hardest_sets"
    names = _label_names(labels, func)
    _check_top(top)
    frame = _check_answers(answers, func)
    truth = _set_gold(gold, names, func)
    rated = frame[frame["answer"].map(lambda v: not is_missing(v)) & frame["key"].map(lambda key: key in truth)]
    shown = [str(n) for n in names]
    rows = []
    for key, group in rated.groupby("key", sort=False):
        given = group["answer"].tolist()
        truth_set = truth[key]
        held = indicator(given, shown)
        expected = np.array([name in truth_set for name in shown])
        missed = (~held & expected).sum(axis=0)
        extra = (held & ~expected).sum(axis=0)
        wrong = sum(frozenset(g) != truth_set for g in given)
        rows.append({
            "key": key, "gold": [name for name in shown if name in truth_set], "n_answers": len(given),
            "mean_jaccard": jaccard_samples([truth_set] * len(given), given, shown), "n_wrong": wrong,
            "share_wrong": wrong / len(given), "most_missed": shown[int(missed.argmax())] if missed.any() else None,
            "most_extra": shown[int(extra.argmax())] if extra.any() else None,
            **{f"{name} (answers)" if name in _HARDEST_SET_COLUMNS else name: int(count)
               for name, count in zip(shown, held.sum(axis=0), strict=True)},
        })  # fmt: skip
    columns = [*_HARDEST_SET_COLUMNS, *(f"{n} (answers)" if n in _HARDEST_SET_COLUMNS else n for n in shown)]
    if not rows:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in columns})
    out = pd.DataFrame(rows, columns=columns)
    order = np.lexsort((np.arange(len(out)), -out["n_answers"].to_numpy(), out["mean_jaccard"].to_numpy()))
    if top is not None:
        order = order[: int(top)]
    return out.iloc[order].reset_index(drop=True)


_HARDEST_SET_COLUMNS = ["key", "gold", "n_answers", "mean_jaccard", "n_wrong", "share_wrong", "most_missed",
                        "most_extra"]  # fmt: skip


@public
def class_set_agreement(
    answers: pd.DataFrame, labels: Iterable[Hashable], *, ci: float = 0.95, n_boot: int = 1000, seed: int = 0
) -> pd.DataFrame:
    """`class_agreement` for sets of labels: ``krippendorff_alpha_masi`` (Krippendorff's alpha with MASI over every
    item two students or more answered, with a bootstrap interval; `metrics.team.set_team_agreement`'s) and
    ``mean_pairwise_jaccard`` (the mean over pairs of students of their mean Jaccard on the items both answered;
    ``n`` = those pairs). Practice items count."""
    from labelwidgets.metrics.team import set_team_agreement

    func = "class_set_agreement"
    names, frame = _checked_inputs(answers, labels, func, ci=ci, n_boot=n_boot)
    rated = frame[frame["answer"].map(lambda v: not is_missing(v))]
    decisions = _as_decisions(rated)
    table = set_team_agreement(decisions, [str(n) for n in names], ci=ci, n_boot=n_boot, seed=seed)
    alpha = table[table["metric"] == "krippendorff_alpha_masi"].iloc[0]
    pairs = table[(table["metric"] == "mean_jaccard") & table["annotator"].notna()]
    defined = pairs["value"].dropna()
    rows = [
        {column: alpha[column] for column in AGREEMENT_COLUMNS},
        {"metric": "mean_pairwise_jaccard", "value": float(defined.mean()) if len(defined) else math.nan,
         "low": math.nan, "high": math.nan, "n": len(defined), "interval": "",
         "note": "" if len(defined) else "no two students have answered the same item yet"},
    ]  # fmt: skip
    return _frame(rows, AGREEMENT_COLUMNS, ints=("n",), texts=("metric", "interval", "note"))
