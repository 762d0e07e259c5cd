"""The options of a labeling session are defined once: the Labeler's keywords are exactly LabelingOptions."""

from __future__ import annotations

import dataclasses
import inspect

import pandas as pd

import labelwidgets as lw
from labelwidgets.session.options import LabelingOptions
from labelwidgets.session.session import LabelingSession

#: The Labeler's own keywords besides the session's options: teaching mode's, which make its lesson.
LABELER_ONLY = {"gold", "feedback"}


def test_the_labeler_signature_is_the_options_with_the_same_defaults():
    parameters = inspect.signature(lw.Labeler.__init__).parameters
    keywords = {name: p.default for name, p in parameters.items() if name not in ("self", "df")}
    options = {
        f.name: (inspect.Parameter.empty if f.default is dataclasses.MISSING else f.default)
        for f in dataclasses.fields(LabelingOptions)
    }
    assert {k: v for k, v in keywords.items() if k not in LABELER_ONLY} == options


def test_a_session_takes_the_options_object_or_keywords(store_path, tmp_path):
    df = pd.DataFrame({"body": ["a", "b", "c"]})
    options = LabelingOptions(labels=["x", "y"], text="body", store=store_path, annotator="ana", show="body")
    assert options.show == ["body"]  # one column named as a string is that column
    session = LabelingSession(df, options)
    assert session.options is options and session.text_column == "body" and session.show == ["body"]
    session.close()
    other = LabelingSession(df.copy(), options, store=tmp_path / "other.db", annotator="ben")
    assert other.annotator == "ben" and other.options.text == "body"
    other.close()
