"""The rows of a source for `to_dataset` and `to_spacy`: a Labeler, a Team, a DataFrame a Labeler wrote, or a file
`export` wrote (read with `read_labels`)."""

from __future__ import annotations

import os
from typing import Any

from labelwidgets.errors import InputError
from labelwidgets.interchange.rows import Rows, rows_of


def answered_rows(source: Any) -> Rows:
    """``source``'s rows with what they say of their answers; a path is read with `read_labels` first."""
    if isinstance(source, (str, os.PathLike)):
        from labelwidgets.interchange.files import read_labels

        source = read_labels(source)
    rows = rows_of(source)
    if rows.answer is None or rows.answer not in rows.frame.columns:
        raise InputError("these rows have no column of answers (a Labeler's label column, a Team's gold).")
    return rows
