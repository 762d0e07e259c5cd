"""`to_spacy`: labeled items as a spaCy `DocBin`, the training data ``spacy train`` reads.

Spans go to ``doc.spans["sc"]`` (the span categorizer's key, which holds overlapping spans) and, when an item's
spans do not overlap, also to ``doc.ents`` (the entity recognizer's); whole-item answers go to ``doc.cats``. A span
is placed with ``Doc.char_span(alignment_mode="strict")``: one that does not start and end on token boundaries is
left out and counted, never moved (moving it would train on an answer nobody gave).
"""

from __future__ import annotations

import os
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from labelwidgets.errors import InputError, user_stacklevel
from labelwidgets.interchange.header import is_missing
from labelwidgets.interchange.sources import answered_rows
from labelwidgets.keys import shown_key

#: The spans key the span categorizer trains on by default.
SPANS_KEY = "sc"


@dataclass
class SpacySummary:
    """What `to_spacy` wrote."""

    path: Path
    docs: int
    spans: int = 0
    #: Spans that do not start and end on token boundaries: left out, with (item key, start, end, label) of the first.
    misaligned: int = 0
    misaligned_examples: list[tuple[Any, int, int, str]] = field(default_factory=list)
    #: Docs whose spans overlap: in ``doc.spans["sc"]`` only (``doc.ents`` cannot hold them).
    overlapping_docs: int = 0
    #: Items without an answer, or without text: not written.
    left_out: int = 0


def to_spacy(source: Any, path: str | os.PathLike[str], *, lang: str = "en", overwrite: bool = False) -> SpacySummary:
    """Write ``source``'s answered items (a `Labeler`, a `Team`: its gold, a DataFrame a Labeler wrote, or a file
    `export` wrote) to ``path`` as a spaCy `DocBin` tokenized by ``spacy.blank(lang)``, for ``spacy train``.

    Spans (code-point offsets, as spaCy's) go to ``doc.spans["sc"]``, and also to ``doc.ents`` when the item's spans
    do not overlap; a span that does not land on token boundaries (``Doc.char_span(alignment_mode="strict")``) is
    left out, counted in the returned summary and warned about. One label per item becomes ``doc.cats`` one-hot over
    the labels; a set of labels 1.0 for each label in it and 0.0 for the others. Items without an answer are left out.
    """
    import spacy
    from spacy.tokens import DocBin

    target = Path(path)
    if target.exists() and not overwrite:
        raise InputError(f"{target} already exists: pass overwrite=True to replace it, or choose another path.")
    rows = answered_rows(source)
    if rows.text is None or rows.text not in rows.frame.columns:
        raise InputError("to_spacy needs each item's text: these rows have no text column.")
    labels = rows.label_set
    kind = labels.kind
    nlp = spacy.blank(lang)
    docs = DocBin(store_user_data=False)
    summary = SpacySummary(path=target, docs=0)
    texts = rows.frame[rows.text].tolist()
    for key, text, answer in zip(rows.frame.index.tolist(), texts, rows.frame[rows.answer].tolist(), strict=True):
        if not isinstance(text, str) or (not isinstance(answer, list) and is_missing(answer)):
            summary.left_out += 1
            continue
        doc = nlp.make_doc(text)
        if kind.about_text:  # spans of the text
            _place_spans(doc, key, answer, summary)
        else:  # a whole-item answer: one label or a set of them
            chosen = {answer} if kind.answers_are_text else set(answer)
            doc.cats = {name: 1.0 if name in chosen else 0.0 for name in labels.names}
        docs.add(doc)
        summary.docs += 1
    docs.to_disk(target)
    if summary.misaligned:
        shown = ", ".join(f"{shown_key(k)}: {s}-{e} {label!r}" for k, s, e, label in summary.misaligned_examples)
        warnings.warn(
            f"to_spacy: {summary.misaligned} span(s) do not start and end on {lang!r} token boundaries and were left "
            f"out (for example {shown}).",
            stacklevel=user_stacklevel(),
        )
    return summary


def _place_spans(doc: Any, key: Any, answer: list[dict[str, Any]], summary: SpacySummary) -> None:
    from spacy.util import filter_spans

    placed = []
    for span in answer:
        start, end, label = int(span["start"]), int(span["end"]), str(span["label"])
        found = doc.char_span(start, end, label=label, alignment_mode="strict")
        if found is None:
            summary.misaligned += 1
            if len(summary.misaligned_examples) < 3:
                summary.misaligned_examples.append((key, start, end, label))
            continue
        placed.append(found)
    doc.spans[SPANS_KEY] = placed
    summary.spans += len(placed)
    if len(filter_spans(placed)) == len(placed):
        doc.ents = placed
    else:
        summary.overlapping_docs += 1
