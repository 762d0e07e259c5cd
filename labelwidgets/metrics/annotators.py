"""Agreement between annotators: Fleiss' kappa, Krippendorff's alpha, and Cohen's kappa for every pair.

Fleiss' kappa comes from statsmodels and Krippendorff's alpha from the ``krippendorff`` package, both imported on
first use; pairwise Cohen's kappa is ``metrics.counts``' (the one definition, NaN only when undefined). Every
undefined value is NaN with the reason in ``note``.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Iterable, Sequence
from typing import Any, Literal

import numpy as np
import pandas as pd

from labelwidgets.errors import InputError, public
from labelwidgets.frames import Frame, takes_frames
from labelwidgets.metrics.checks import (
    check_labels,
    encode,
    object_values,
    require_columns,
    require_frame,
    sorted_labels,
)
from labelwidgets.metrics.counts import kappa_from_counts, kappa_note, label_counts


def _pair_kappa(
    a: np.ndarray, b: np.ndarray, labels: Sequence[Hashable], name_a: Any, name_b: Any
) -> tuple[float, int, str]:
    """Cohen's kappa of two annotators on the items both labeled (codes into ``labels``): value, n, note."""
    if a.size == 0:
        return math.nan, 0, "no item labeled by both"
    agree, true, pred, _ = label_counts(a, b, len(labels))
    note = kappa_note(true, pred, labels, reference=repr(name_a), other=repr(name_b))
    return float(kappa_from_counts(agree, true, pred)), int(a.size), note


def fleiss_with_reason(counts: np.ndarray) -> tuple[float, str]:
    from statsmodels.stats.inter_rater import fleiss_kappa as statsmodels_fleiss_kappa

    if counts.shape[0] == 0:
        return math.nan, "no item has the same number of labels as the others"
    raters = counts.sum(axis=1)
    if raters[0] < 2:
        return math.nan, "every item has a single label: nothing to agree on"
    if (counts.sum(axis=0) > 0).sum() < 2:
        return math.nan, "every label is the same: chance agreement is 1, so kappa is 0/0"
    return float(statsmodels_fleiss_kappa(counts, method="fleiss")), ""


@takes_frames("counts")
def fleiss_kappa(counts: Any) -> float:
    """Fleiss' kappa from an items × categories matrix of counts (how many raters put item i in category j).

    Every item must have the same number of ratings. Computed by ``statsmodels.stats.inter_rater.fleiss_kappa``;
    NaN when undefined (no items, one rating per item, or a single category used throughout).
    """
    table = np.asarray(counts)
    if table.ndim != 2:
        raise InputError(f"fleiss_kappa() needs an items × categories matrix of counts, got shape {table.shape}.")
    if table.size and (not np.issubdtype(table.dtype, np.number) or (table < 0).any() or (table % 1 != 0).any()):
        raise InputError("fleiss_kappa() needs non-negative whole counts.")
    totals = table.sum(axis=1)
    if table.size and (totals != totals[0]).any():
        raise InputError(
            f"Fleiss' kappa needs the same number of ratings for every item; the rows sum to "
            f"{sorted(set(totals.tolist()))[:10]}. Use krippendorff_alpha for uneven or missing ratings."
        )
    return fleiss_with_reason(table.astype(float))[0]


Level = Literal["nominal", "ordinal", "interval", "ratio"]
_LEVELS = ("nominal", "ordinal", "interval", "ratio")


def alpha_with_reason(matrix: np.ndarray, level: Level) -> tuple[float, str]:
    """Krippendorff's alpha of a float coders × units matrix (NaN = missing), with the reason when undefined."""
    import krippendorff

    labelled = np.isfinite(matrix)
    pairable = labelled.sum(axis=0) >= 2
    if not pairable.any():
        return math.nan, "no item has labels from two annotators"
    values = matrix[:, pairable][labelled[:, pairable]]
    if np.unique(values).size < 2:
        return math.nan, "every label on the items labeled twice or more is the same: alpha is 0/0"
    return float(krippendorff.alpha(reliability_data=matrix, level_of_measurement=level)), ""


@takes_frames("reliability_data")
def krippendorff_alpha(reliability_data: Any, level: Level = "nominal") -> float:
    """Krippendorff's alpha: 1 − observed disagreement / disagreement expected by chance.

    ``reliability_data`` is coders × units (one row per annotator, one column per item, as in Krippendorff 2011 and
    the ``krippendorff`` package), with NaN or None for a missing label. ``level`` picks the distance between
    values: ``nominal`` (any labels), ``ordinal``, ``interval`` or ``ratio`` (numbers). Computed by
    ``krippendorff.alpha``; NaN when undefined (no unit labeled twice, or a single value throughout).
    """
    if level not in _LEVELS:
        raise InputError(f"level must be one of {list(_LEVELS)}, got {level!r}.")
    raw = reliability_data.to_numpy(dtype=object) if isinstance(reliability_data, pd.DataFrame) else reliability_data
    data = np.asarray(raw, dtype=object)
    if data.ndim != 2:
        raise InputError(f"reliability_data must be coders × units (2-D), got shape {data.shape}.")
    missing = pd.isna(data)
    try:
        matrix = np.where(missing, np.nan, data).astype(float)
    except (TypeError, ValueError):
        if level != "nominal":
            raise InputError(
                f"level={level!r} needs numeric values; for labels that are not numbers use level='nominal'."
            ) from None
        codes = encode(data[~missing], sorted_labels(data[~missing].tolist()))
        matrix = np.full(data.shape, np.nan)
        matrix[~missing] = codes
    return alpha_with_reason(matrix, level)[0]


@public
@takes_frames("long_df")
def annotator_agreement(
    long_df: Frame,
    *,
    item: str = "item",
    annotator: str = "annotator",
    label: str = "label",
    labels: Iterable[Hashable] | None = None,
) -> pd.DataFrame:
    """Agreement between annotators, from a long table with one row per item × annotator (missing labels allowed).

    Columns: ``metric``, ``annotator_a``, ``annotator_b`` (set for pairwise rows), ``value``, ``n``, ``note``.
    Rows:

    * ``percent_agreement``: over items with two labels or more, the mean share of annotator pairs on the item who
      gave the same label; ``n`` = those items.
    * ``fleiss_kappa``: Fleiss' kappa (statsmodels) over the items with the most common number of labels (it needs
      the same number per item); ``n`` = those items.
    * ``krippendorff_alpha``: nominal Krippendorff's alpha (the ``krippendorff`` package) over all items, missing
      labels allowed; ``n`` = items with two labels or more.
    * per pair of annotators: ``percent_agreement`` and ``cohen_kappa`` (equal to scikit-learn's; NaN only when
      both gave one and the same label on every shared item) on the items both labeled;
      ``n`` = that overlap.
    """
    func = "annotator_agreement"
    require_frame(long_df, func)
    require_columns(long_df, func, item=item, annotator=annotator, label=label)
    checked_labels = check_labels(labels)
    frame = long_df[[item, annotator, label]]
    without_key = frame[item].isna() | frame[annotator].isna()
    if without_key.any():
        raise InputError(f"{func}(): {int(without_key.sum())} row(s) have no {item!r} or no {annotator!r}.")
    # every annotator and item counts, even one without a label: a pair with no overlap is worth a row
    all_item_codes, items = pd.factorize(frame[item], sort=True)
    all_annotator_codes, annotators = pd.factorize(frame[annotator], sort=True)
    labelled = frame[label].notna().to_numpy()
    item_codes, annotator_codes = all_item_codes[labelled], all_annotator_codes[labelled]
    frame = frame[labelled]
    repeated = frame.duplicated([item, annotator], keep=False)
    if repeated.any():
        examples = frame.loc[repeated, [item, annotator]].drop_duplicates().head(3).to_records(index=False).tolist()
        raise InputError(
            f"{func}(): some annotators labeled an item more than once, e.g. (item, annotator) = {examples}. Keep one "
            f"label each, e.g. long_df.drop_duplicates([{item!r}, {annotator!r}], keep='last')."
        )
    values = object_values(frame[label])
    label_list = checked_labels if checked_labels is not None else sorted_labels(values)
    codes = encode(values, label_list)
    if (codes < 0).any():
        unknown = sorted({str(v) for v in values[codes < 0]})[:10]
        raise InputError(f"{func}(): labels {unknown} are not in labels={label_list}.")
    k = len(label_list)

    matrix = np.full((len(annotators), len(items)), np.nan)  # coders × units, as krippendorff expects
    matrix[annotator_codes, item_codes] = codes
    counts = np.zeros((len(items), k), dtype=np.int64)  # items × categories, as Fleiss expects
    np.add.at(counts, (item_codes, codes), 1)
    per_item = counts.sum(axis=1)

    rows: list[dict[str, Any]] = []

    def add(metric: str, value: float, n: int, note: str = "", a: Any = None, b: Any = None) -> None:
        rows.append({"metric": metric, "annotator_a": a, "annotator_b": b, "value": value, "n": n, "note": note})

    multi = per_item >= 2
    if multi.any():
        pairs_total = per_item[multi] * (per_item[multi] - 1) / 2
        pairs_agreeing = (counts[multi] * (counts[multi] - 1) / 2).sum(axis=1)
        single = int((per_item == 1).sum())
        add("percent_agreement", float(np.mean(pairs_agreeing / pairs_total)), int(multi.sum()),
            f"{single} item(s) with a single label left out" if single else "")  # fmt: skip
    else:
        add("percent_agreement", math.nan, 0, "no item has labels from two annotators")

    if multi.any():
        sizes, frequency = np.unique(per_item[multi], return_counts=True)
        size = int(sizes[frequency == frequency.max()].max())  # ties: prefer more labels per item
        chosen = per_item == size
        kappa, note = fleiss_with_reason(counts[chosen].astype(float))
        dropped = int(multi.sum() - chosen.sum())
        extra = f"used the items with {size} labels; {dropped} item(s) with another count left out" if dropped else ""
        add("fleiss_kappa", kappa, int(chosen.sum()), "; ".join(x for x in (note, extra) if x))
    else:
        add("fleiss_kappa", math.nan, 0, "no item has labels from two annotators")

    alpha, note = alpha_with_reason(matrix, "nominal")
    add("krippendorff_alpha", alpha, int(multi.sum()), note)

    for i in range(len(annotators)):
        for j in range(i + 1, len(annotators)):
            both = np.isfinite(matrix[i]) & np.isfinite(matrix[j])
            a, b = matrix[i, both].astype(int), matrix[j, both].astype(int)
            shared = int(both.sum())
            add("percent_agreement", float(np.mean(a == b)) if shared else math.nan, shared,
                "" if shared else "no item labeled by both", annotators[i], annotators[j])  # fmt: skip
            add("cohen_kappa", *_pair_kappa(a, b, label_list, annotators[i], annotators[j]), annotators[i],
                annotators[j])  # fmt: skip

    return pd.DataFrame(rows, columns=["metric", "annotator_a", "annotator_b", "value", "n", "note"]).astype(
        {"value": float, "n": int}
    )
