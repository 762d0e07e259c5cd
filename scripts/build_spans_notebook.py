"""Build notebooks/spans.ipynb with its outputs, which nbval compares.

python scripts/build_spans_notebook.py notebooks/spans.ipynb
"""

import sys
import tempfile

import nbformat
from nbclient import NotebookClient

md, code = nbformat.v4.new_markdown_cell, nbformat.v4.new_code_cell
cells = [
    md("""# Spans: entities marked in noisy text, suggested by a model and placed on the text

With `kind="spans"` an answer is the **spans** of the item's text that have a label: named entities, the evidence
for a label, personal data to mask. A model's suggested spans are drawn on the text (dashed until you keep or edit
them); `Tab` takes the keyboard into the text, where the arrow keys move a caret, `Shift` extends a selection, a
label key marks it, `[`/`]` and `Shift+→` move a span's edges, `Delete` removes one and `Enter` commits the item
(the README's key tables list every key). The mouse works too: drag to select (snapped to words; hold `Alt` for
single characters), click a span to select it.

Offsets are **Unicode code points** (Python's `str` indices), end exclusive, in Python, in the store and in every
export; the browser converts them at its edge, so an emoji before an entity never shifts it.

The data: 400 tweets, Reddit and YouTube comments from the WNUT 2017 shared task on emerging entities
(Derczynski et al., 2017; CC BY 4.0). The data set gives tokens, not the texts as posted: each text here is its
tokens joined by single spaces, so spacing around punctuation is not the original's."""),
    code("""import random

import labelwidgets as lw

posts = lw.datasets.wnut17().head(60).copy()
labels = list(lw.datasets.WNUT17_LABELS)
print(labels)
posts.loc[posts["gold"].map(len) > 1, ["text", "gold"]].head(3)"""),
    md("""A model's entities to review. In real work they come from `lw.LLM(...)` as a suggester (it names each entity's
words and label, and the package places them on the text: exact, then ignoring case, then ignoring spacing and
quotes, snapped to whole words); here a noisy copy of the reference stands in for one, so the notebook runs the same
everywhere: some entities missed, some in lower case, a few with the wrong label, and now and then a word that is
not in the text at all."""),
    code("""rng = random.Random(7)


def model_says(spans):
    said = []
    for span in spans:
        roll = rng.random()
        if roll < 0.15:
            continue  # missed
        words = span["text"].lower() if roll < 0.35 else span["text"]
        label = rng.choice(labels) if roll > 0.85 else span["label"]
        said.append({"text": words, "label": label})
    if rng.random() < 0.1:
        said.append({"text": "Atlantis", "label": "location"})  # not in the text: dropped, and said so
    return said


posts["model"] = [model_says(gold) for gold in posts["gold"]]
posts[["text", "model"]].head(3)"""),
    md("""The labeler. Click it, then `Enter` accepts the suggested spans as they are, `Tab` goes into the text to
change them, `0` answers *no entities* (an answer, not a skip), `z` undoes, `←` goes back."""),
    code("""labeler = lw.Labeler(
    posts, labels=labels, kind="spans", suggester=lw.FromColumn("model"), store="posts.db", annotator="ana"
)
labeler"""),
    md("""The same actions from Python go through the same code path as the keys. So that this notebook runs by itself,
a careful annotator answers the first 55 posts here with the reference spans, as `(start, end, label)`:"""),
    code("""for gold in posts["gold"].head(55):
    labeler.label([(span["start"], span["end"], span["label"]) for span in gold])
posts[["label", "decision"]].head(6)"""),
    md("""`decision` says `accepted` when the answer is exactly the suggested spans and `corrected` otherwise. The event
log keeps, per decision, what became of each suggested span (`kept`, `moved`, `relabeled`, `removed`) and which
spans the person added:"""),
    code("""import json

corrected = labeler.decisions[labeler.decisions["action"] == "corrected"]
json.loads(corrected["detail"].iloc[0])"""),
    md("""Offsets are code points. In a text with a flag and an emoji before the entities, counting UTF-16 units (as a
browser does) would put each span two or more places off; the stored offsets are Python's, `text.find`'s:"""),
    code("""trip = posts.iloc[:0, :1].copy()
trip.loc["trip", "text"] = "🇫🇷 trip 👩🏽\u200d💻 : Macron met Ada in Paris"
spans_labeler = lw.Labeler(trip, labels=labels, kind="spans", store="trip.db", annotator="ana")
text = trip.loc["trip", "text"]
entities = [("Macron", "person"), ("Paris", "location")]
spans_labeler.label([(text.find(words), text.find(words) + len(words), label) for words, label in entities])
for span in trip.loc["trip", "label"]:
    utf16 = len(text[: span["start"]].encode("utf-16-le")) // 2
    found = text.find(span["text"])
    print(f"{span['label']} {span['text']!r}: start {span['start']} (text.find {found}, UTF-16 {utf16})")"""),
    md("""**How far does the model agree with people?** `lw.agreement` on a spans DataFrame gives precision, recall and
F1 of the suggested spans against the person's, in nervaluate's four schemes (`strict`: same boundaries and label;
`exact`: same boundaries; `partial`: overlapping boundaries count half; `ent_type`: the label with some overlap),
overall and per label, each with a bootstrap interval over items. Each number equals nervaluate's on the same
items (the tests check it on WNUT 2017)."""),
    code("""numbers = lw.agreement(posts, seed=0)
numbers.loc[numbers["group"] == "all", ["metric", "value", "low", "high", "n"]].round(3).head(12)"""),
    md("""The same numbers for any two lists of spans with `lw.span_scores`, here the model's suggestions against
what the person decided, item by item (spans as `Span(start, end, label)`); its counts are nervaluate's (correct,
incorrect, partial, missed, spurious) for each scheme:"""),
    code("""from labelwidgets.spans import Span


def as_spans(cell):
    return [Span(s["start"], s["end"], s["label"]) for s in cell] if isinstance(cell, list) else []


done = posts[posts["label"].notna()]
scores = lw.span_scores([as_spans(c) for c in done["label"]], [as_spans(c) for c in done["suggestion"]], labels)
scores.table().round(3).head(8)"""),
]
nb = nbformat.v4.new_notebook()
nb.cells = cells
nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
work = tempfile.mkdtemp()
NotebookClient(nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": work}}).execute()
nbformat.write(nb, sys.argv[1])
